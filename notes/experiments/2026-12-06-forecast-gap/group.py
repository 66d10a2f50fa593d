import sys, inspect, textwrap; sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(__file__)))
from harness import *
from gutskin.insights import forecast as fc

PI_G = float(sys.argv[2]) if len(sys.argv) > 2 else 0.25
def group_ss(mean, cov, tau, groups, slab=fc.SLAB_SD, prior=PI_G):
    beta = np.zeros_like(mean); bvar = np.zeros_like(mean)
    for g in groups:
        g = np.asarray(g)
        Vg = cov[np.ix_(g, g)]; mg = mean[g]
        Vi = np.linalg.inv(Vg)
        lam = Vi - np.eye(g.size) / tau**2
        w, U = np.linalg.eigh((lam + lam.T) / 2); w = np.maximum(w, 1e-6); lam = (U * w) @ U.T
        S = np.linalg.inv(lam)  # likelihood covariance
        bg = S @ (Vi @ mg)
        t2 = slab**2
        A = S + t2 * np.eye(g.size)
        l1 = -0.5 * np.linalg.slogdet(A)[1] - 0.5 * bg @ np.linalg.solve(A, bg)
        l0 = -0.5 * np.linalg.slogdet(S)[1] - 0.5 * bg @ lam @ bg
        pin = 1 / (1 + (1 - prior) / prior * np.exp(-np.clip(l1 - l0, -700, 700)))
        Pc = np.linalg.inv(lam + np.eye(g.size) / t2); pm = Pc @ (Vi @ mg)
        beta[g] = pin * pm
        bvar[g] = pin * (np.diag(Pc) + pm**2) - beta[g] ** 2
    return beta, bvar

src = textwrap.dedent(inspect.getsource(fc.fit_covariates))
src = src.replace("beta, bvar = spike_slab(mean, np.diag(cov).copy(), TAU_RIDGE)",
                  "beta, bvar = group_ss(mean, cov, TAU_RIDGE, GROUPS(live, names, L))")
ns = dict(vars(fc)); ns["group_ss"] = group_ss
def GROUPS(live, names, L):
    mode = sys.argv[3] if len(sys.argv) > 3 else "factor"
    if mode == "factor":
        return [list(range(i * L, i * L + L)) for i in range(len(live))]
    if mode == "lagpair":
        pos = {names[j]: i for i, j in enumerate(live)}
        out = []
        for i, j in enumerate(live):
            n = names[j]
            if n.endswith("_none"): continue
            tw = pos.get(n + "_none")
            for l in range(L):
                out.append([i * L + l] + ([tw * L + l] if tw is not None else []))
        for i, j in enumerate(live):
            if names[j].endswith("_none") and names[j].removesuffix("_none") not in pos:
                out.extend([[i * L + l] for l in range(L)])
        return out
    # factor groups, with a factor and its *_none column together
    base = {}
    for i, j in enumerate(live):
        base.setdefault(names[j].removesuffix("_none"), []).extend(range(i * L, i * L + L))
    return list(base.values())
ns["GROUPS"] = GROUPS
exec(src, ns)
fc.fit_covariates = ns["fit_covariates"]
import gutskin.insights.evaluation as ev
if hasattr(ev, "fit_covariates"): ev.fit_covariates = ns["fit_covariates"]

kind = sys.argv[4] if len(sys.argv) > 4 else "axis"; n_ = int(sys.argv[5]) if len(sys.argv) > 5 else 20; seed_ = int(sys.argv[6]) if len(sys.argv) > 6 else 2026
d = build(n_, 180, seed_) if kind == "axis" else build_syn(n_, 180, seed_); fr = d["frame"].copy()
if "aug" in sys.argv[1]:
    from gutskin.insights.evaluation import factor_names as _fn
    for n in _fn(fr):
        obs = fr[n].dropna()
        if sys.argv[1] == "augall" and not obs.isin([0, 1]).all() and (obs >= 0).all() and (obs == 0).mean() >= 0.05 or n == "treat.emollient":
            fr[n + "_none"] = (fr[n] == 0).astype(float).where(fr[n].notna())
pts = forward_chain(fr, 7)
key = {(p, o, dd): i for i, (p, o, dd) in enumerate(zip(pts.patient, pts.origin, pts.day))}
P = np.asarray([pts.forecasts["model"][key[(p, o, dd)]] for p, o, dd in zip(d["patient"], d["origin"], d["day"])])
score(d, d["binar1"], "binar1"); score(d, P, f"group ss {sys.argv[1:]}")
