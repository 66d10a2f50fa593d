import sys, numpy as np
from gutskin.insights import synthetic as syn, forecast as fc
from gutskin.insights.forecast import filter_series, predictive

def pit(p, y, rng):
    lo = np.cumsum(p)[y-1] if y > 0 else 0.0
    return lo + rng.random() * p[y]

def cov(coh_frame, grid, train=150, gaps=(0,14,60,150), hs=(1,7)):
    rng = np.random.default_rng(0)
    out = {}
    for g in gaps:
        pits = {h: [] for h in hs}; rps = {h: [] for h in hs}
        for pid, f in coh_frame.groupby("patient"):
            d = ((f["date"] - f["date"].min()).dt.days).to_numpy()
            y = np.full(d.max() + 1, np.nan); y[d] = f["itch"].to_numpy()
            t_new = train + g
            if t_new + max(hs) >= len(y) or np.isnan(y[t_new]): continue
            s = np.full(t_new + 1, np.nan); s[:train] = y[:train]; s[t_new] = y[t_new]
            P = predictive(filter_series(s, grid), grid, list(hs))[0]
            for i, h in enumerate(hs):
                yt = y[t_new + h]
                if np.isnan(yt): continue
                pits[h].append(pit(P[i], int(yt), rng))
                F = np.cumsum(P[i]); rps[h].append(np.mean((F - (np.arange(11) >= yt))**2))
        for h in hs:
            u = np.array(pits[h])
            out[(g, h)] = (np.mean((u > .1) & (u < .9)), np.mean((u > .05) & (u < .95)), np.mean(rps[h]), len(u))
    return out

if __name__ == "__main__":
    n = int(sys.argv[1]); src = sys.argv[2]; truth = float(sys.argv[3]); taus = [float(x) for x in sys.argv[4:]]
    if src == "syn":
        fr = syn.simulate_cohort(n_patients=n, n_days=330, seed=11, missing_range=(0, 0), level_drift=truth).frame
    else:
        from gutskin.axis.cohort import simulate_cohort as ac
        fr = ac(n_patients=n, n_days=330, seed=3).frame()
    for tau in taus:
        grid = fc.make_grid(kappas=fc.KAPPA_GRID, readings=fc.READING_SD_GRID, level_drift=tau)
        res = cov(fr, grid)
        print(src, "truth", truth, "tau", tau, " ".join(f"g{g}h{h}:{c8:.2f}/{c9:.2f}/{r:.4f}" for (g, h), (c8, c9, r, k) in res.items()), flush=True)
