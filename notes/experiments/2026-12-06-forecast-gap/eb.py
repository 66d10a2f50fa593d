"""Empirical-Bayes population prior over the grid (and the level), from the other patients' days up to each origin."""
import sys, dataclasses; sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(__file__)))
from harness import *
from gutskin.insights import forecast as fc
from gutskin.insights.evaluation import factor_names, patient_factors, _covariate_pmf
MIX = float(sys.argv[4]) if len(sys.argv) > 4 else 0.2
kind, n_, seed_ = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
d = build(n_, 180, seed_) if kind == "axis" else build_syn(n_, 180, seed_)
fr = d["frame"]; ids, Y, _ = patient_series(fr); names = factor_names(fr); Gs = patient_factors(fr, names)
grid = fc.DEFAULT_GRID
origins = sorted(set(d["origin"]))
W = {}; LV = {}
for o in origins:
    for k in range(len(ids)):
        T = min(o + 1, Gs[k].shape[0]); y = Y[k, :T]
        if np.sum(~np.isnan(y)) < 3: continue
        cf = fc.fit_covariates(y, Gs[k][:T], names, 7, grid=grid)
        st = fc.filter_series(y, grid, offset=None if cf is None else cf.offset)
        w = fc.grid_weights(st, grid)[0]
        W[(k, o)] = w
        LV[(k, o)] = (float(w @ st.am[0]), float(w @ (st.pmm[0] + st.am[0] ** 2) - (w @ st.am[0]) ** 2))
base = np.exp(grid.log_prior)
cache = {}; out = []
for p, o, t in zip(d["patient"], d["origin"], d["day"]):
    k = ids.index(p)
    if (k, o) not in cache:
        others = [W[(j, o)] for j in range(len(ids)) if j != k and (j, o) in W]
        lv = [LV[(j, o)] for j in range(len(ids)) if j != k and (j, o) in LV]
        if len(others) >= 5 and o >= 7:
            pi = np.mean(others, axis=0)
            lp = np.log((1 - MIX) * pi + MIX * base)
            mus = np.array([a for a, _ in lv]); vs = np.array([b for _, b in lv])
            mu0 = float(mus.mean()); s0 = float(max(np.sqrt(mus.var() + vs.mean()), 0.5))
            g = dataclasses.replace(grid, log_prior=lp - np.logaddexp.reduce(lp), mu0=mu0, s0=s0) if "nolevel" not in sys.argv else dataclasses.replace(grid, log_prior=lp - np.logaddexp.reduce(lp))
        else:
            g = grid
        T = min(o + 1, Gs[k].shape[0])
        cache[(k, o)] = _covariate_pmf(Y[k, :T], Gs[k][:T], names, 7, g)
    out.append(cache[(k, o)][t - o - 1])
P = np.asarray(out)
score(d, d["binar1"], "binar1"); score(d, P, f"EB prior {sys.argv[1:]}")
org = np.asarray(d["origin"]); y = d["y"]
for lo, hi in ((0, 28), (28, 90), (90, 999)):
    s = (org >= lo) & (org < hi)
    print(f"origins {lo}-{hi}: binar1 {rps(d['binar1'][s], y[s]).mean()/rps(d['oracle'][s], y[s]).mean():.3f}  EB {rps(P[s], y[s]).mean()/rps(d['oracle'][s], y[s]).mean():.3f}")
