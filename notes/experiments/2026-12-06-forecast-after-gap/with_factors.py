import numpy as np, pandas as pd
from gutskin.insights import synthetic as syn, forecast as fc
from gutskin.diary.csvio import CORE_COLUMNS
fr = syn.simulate_cohort(n_patients=200, n_days=330, seed=11, missing_range=(0,0)).frame
names = [c for c in fr.columns if c not in CORE_COLUMNS]
rng = np.random.default_rng(0)
for g in (0, 150):
    u = []
    for pid, f in fr.groupby("patient"):
        f = f.reset_index(drop=True); d = (f["date"] - f["date"].min()).dt.days.to_numpy()
        yd = dict(zip(d, f["itch"]))
        if 150 + g not in yd or 151 + g not in yd: continue
        sub = f[(d < 150) | (d == 150 + g)]
        pf = fc.forecast_patient(sub["date"], sub["itch"], 1, factors=sub[names])
        p = np.array(pf.days[0].probabilities); y = int(yd[151 + g])
        lo = p[:y].sum(); u.append(lo + rng.random() * p[y])
    u = np.array(u)
    print("with factors gap", g, "cov80 %.3f cov90 %.3f n %d" % (np.mean((u > .1) & (u < .9)), np.mean((u > .05) & (u < .95)), len(u)), flush=True)
