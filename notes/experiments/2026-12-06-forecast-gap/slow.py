import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *
c = axis_cohort(n_patients=20, n_days=180, seed=2026)
tr = c.trajectories; m = c.model
for i in range(20):
    e = tr["easi"][i]; il = tr["il31"][i]
    mi = 10 * (1 - np.exp(-e * np.sqrt(np.maximum(il, 0) / m.il31_base[i]) / m.kappa[i]))
    dmi = np.diff(mi); tcs = tr["tcs"][i]; load = tr["trigger_load"][i]
    # correlation of tomorrow's change with today's tcs, load
    print(c.patients[i], f"slow sd {mi.std():.2f} daily-change sd {dmi.std():.2f} | mean change on tcs {dmi[tcs[:-1]>0].mean() if (tcs[:-1]>0).any() else 0:+.2f} off {dmi[tcs[:-1]==0].mean():+.2f} | load>0.5 {dmi[load[:-1]>0.5].mean() if (load[:-1]>0.5).any() else 0:+.2f} | ar_sd {m.ar_sd[i]:.2f}")
i = int(sys.argv[1]); e = tr["easi"][i]; il = tr["il31"][i]
mi = 10 * (1 - np.exp(-e * np.sqrt(np.maximum(il, 0) / m.il31_base[i]) / m.kappa[i]))
for t in range(40, 80):
    print(t, f"slow {mi[t]:.2f} il31rel {il[t]/m.il31_base[i]:.2f} easi {e[t]:.1f} tcs {tr['tcs'][i][t]:.0f} load {tr['trigger_load'][i][t]:.2f} lat {tr['itch_latent'][i][t]:.2f}")
