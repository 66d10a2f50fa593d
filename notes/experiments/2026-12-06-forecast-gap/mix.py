"""Predictive mixture over the unknown 0/1 exposures of the coming days (instead of a Gaussian)."""
import sys, itertools; sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(__file__)))
from gen import *

def offsets_mix(y, G, names, trig, steps):
    """Past offsets; per future day a list of (offset, var, weight) components."""
    T = y.size; off = np.zeros(T)
    base_m = np.zeros(steps); base_v = np.zeros(steps); bins = [[] for _ in range(steps)]
    for tr in trig:
        j = names.index(tr["factor"]); x = (G[:, j] - tr["centre"]) / tr["reference"]
        obs = x[~np.isnan(x)]
        binary = obs.size > 0 and np.all((obs == 0) | (obs == 1))
        fill = obs.mean() if obs.size else 0.0; xf = np.where(np.isnan(x), fill, x)
        lag = tr["lag"]; e = tr["effect"]
        col = np.full(T, fill); col[lag:] = xf[:T - lag]; off += e * col
        EM, EV = fc.exposure_outlook(x, steps)
        for h in range(1, steps + 1):
            k = h - lag
            if k <= 0: base_m[h - 1] += e * (xf[T - 1 + k] if T - 1 + k >= 0 else fill)
            elif binary: bins[h - 1].append((e, float(np.clip(EM[k - 1], 0, 1))))
            else: base_m[h - 1] += e * EM[k - 1]; base_v[h - 1] += e * e * EV[k - 1]
    comps = []
    for h in range(steps):
        cs = []
        for combo in itertools.product((0, 1), repeat=len(bins[h])):
            w = 1.0; o = base_m[h]
            for (e, p), z in zip(bins[h], combo):
                w *= p if z else 1 - p; o += e * z
            cs.append((o, base_v[h], w))
        comps.append(cs)
    return off, comps

def forecast_mix(y, c, steps, grid, off, comps, g_prior=0.3):
    A, lp = grid; G = A.shape[1]
    x, C, ll = filt(y, off, c, grid, g_prior)
    w = ll + lp; w = np.exp(w - w.max()); w /= w.sum()
    if c is not None: cm, cv = fc.exposure_outlook(c, steps)
    Q = np.zeros((G, 4, 4)); Q[:, 0, 0] = A[1] ** 2; Q[:, 1, 1] = A[3] ** 2
    H = np.array([1.0, 1.0, 0, 0]); out = []
    edges = np.append(J[:-1] + 0.5, np.inf)[None, :]
    for h in range(1, steps + 1):
        if c is None: ch, chv = 0.0, 0.0
        else: ch, chv = (c[-1], 0.0) if h == 1 else (cm[h - 2], cv[h - 2])
        g2 = x[:, 3] ** 2 + C[:, 3, 3]; F = build_F(A, ch)
        x = np.einsum("gij,gj->gi", F, x); C = np.einsum("gij,gjk,glk->gil", F, C, F) + Q; C[:, 0, 0] += g2 * chv
        mu0 = x @ H; v0 = np.einsum("i,gij,j->g", H, C, H) + A[4] ** 2
        pm = np.zeros(11)
        for o, vv, wc in comps[h - 1]:
            if wc < 1e-6: continue
            cdf = ndtr((edges - (mu0 + o)[:, None]) / np.sqrt(v0 + vv)[:, None])
            pm += wc * (w @ np.diff(np.concatenate([np.zeros((G, 1)), cdf], 1), axis=1))
        out.append(pm / pm.sum())
    return np.stack(out)

def run_mix(d, grid, cfun=lambda t: (t > 0).astype(float)):
    frame = d["frame"]; ids, Y, _ = patient_series(frame)
    names = factor_names(frame); Gs = patient_factors(frame, names); jt = names.index("treat.tcs")
    cache = {}; out = []
    for p, o, t in zip(d["patient"], d["origin"], d["day"]):
        k = ids.index(p)
        if (k, o) not in cache:
            y = Y[k, :o+1]; G = Gs[k][:o+1]; c = cfun(np.nan_to_num(G[:, jt], nan=0.0))
            off, comps = offsets_mix(y, G, names, d["truth"]["patients"][p]["true_triggers"], 7)
            cache[(k, o)] = forecast_mix(y, c, 7, grid, off, comps)
        out.append(cache[(k, o)][t - o - 1])
    return np.asarray(out)

if __name__ == "__main__":
    d = build(); P = run_mix(d, grid_sf()); score(d, P, "sf true, 0/1 mixture"); np.save(OUT + "/sf_mix.npy", P)
