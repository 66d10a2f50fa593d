import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *
from gutskin.insights.evaluation import factor_names, patient_factors
c = axis_cohort(n_patients=20, n_days=180, seed=2026)
tr = c.trajectories; m = c.model
fr = c.frame(); ids, Y, _ = patient_series(fr); names = factor_names(fr); Gs = patient_factors(fr, names)
i = int(sys.argv[1]); e = tr["easi"][i]; il = tr["il31"][i]
mi = 10 * (1 - np.exp(-e * np.sqrt(np.maximum(il, 0) / m.il31_base[i]) / m.kappa[i]))
G = Gs[i]; T = G.shape[0]; mi = mi[-T:]
for lag in (0, 1, 2):
    res = []
    for j, n in enumerate(names):
        x = G[:, j]
        a = mi[lag:]; b = x[:T - lag] if lag else x
        ok = ~np.isnan(b)
        if ok.sum() > 20 and np.nanstd(b) > 0:
            res.append((abs(np.corrcoef(a[ok], b[ok])[0, 1]), n))
    print(lag, sorted(res, reverse=True)[:5])
je = names.index("treat.emollient"); em = G[:, je]
lat = tr["itch_latent"][i][-T:]
for v in range(5):
    s = np.zeros(T, bool); s[1:] = em[:-1] == v
    if s.any(): print("emollient yesterday", v, "n", s.sum(), f"slow {mi[s].mean():.2f} latent {lat[s].mean():.2f} y {np.nanmean(Y[i,:T][s]):.2f}")
print("emol mean", m.emol_mean[i])
