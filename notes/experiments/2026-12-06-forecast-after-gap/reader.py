import sys; sys.path.insert(0, __import__("os").path.dirname(__file__))
import numpy as np, pandas as pd, datetime as dt
from coverage import cov
from gutskin.insights import forecast as fc
def frame(n, days, drift, seed=7):
    rng = np.random.default_rng(seed); rows = []
    for k in range(n):
        lvl = rng.normal(-0.2, 0.8); phi = rng.uniform(.6, .95); sig = rng.uniform(.1, .4); sd = rng.uniform(.3, .7)
        m = lvl; z = lvl
        for t in range(days):
            m2 = m + drift * rng.standard_normal()
            z = m2 + phi * (z - m) + sig * rng.standard_normal(); m = m2
            y = int(np.clip(np.round(10 / (1 + np.exp(-z)) + sd * rng.standard_normal()), 0, 10))
            rows.append((f"r{k}", dt.date(2025,1,1) + dt.timedelta(days=t), float(y)))
    f = pd.DataFrame(rows, columns=["patient", "date", "itch"]); f["date"] = pd.to_datetime(f["date"]); return f
n = int(sys.argv[1]); truth = float(sys.argv[2])
fr = frame(n, 330, truth)
for tau in map(float, sys.argv[3:]):
    grid = fc.make_grid(kappas=fc.KAPPA_GRID, readings=fc.READING_SD_GRID, level_drift=tau)
    res = cov(fr, grid)
    print("reader truth", truth, "tau", tau, " ".join(f"g{g}h{h}:{c8:.2f}/{c9:.2f}/{r:.4f}" for (g, h), (c8, c9, r, k) in res.items()), flush=True)
