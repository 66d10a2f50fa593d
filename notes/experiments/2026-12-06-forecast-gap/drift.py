"""Linear model + steroid course as a drift of the latent: z' = m + phi (z - m) + gamma c_{t-1} + sigma eta."""
import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lin import *
from lintrue import true_offsets
G_PRIOR = 0.5

def filt3(y, off, c, grid):
    P_, S_, R_, lp = grid; G = P_.size
    x = np.zeros((G, 3)); x[:, 0] = MU0; x[:, 1] = MU0
    dev = np.where(P_ < 1, np.minimum(S_**2 / np.maximum(1 - P_**2, 1e-12), 4.0), 4.0)
    C = np.zeros((G, 3, 3)); C[:, 0, 0] = S0**2 + dev; C[:, 0, 1] = C[:, 1, 0] = S0**2; C[:, 1, 1] = S0**2; C[:, 2, 2] = G_PRIOR**2
    ll = np.zeros(G)
    F = np.zeros((G, 3, 3)); F[:, 0, 0] = P_; F[:, 0, 1] = 1 - P_; F[:, 1, 1] = 1; F[:, 2, 2] = 1
    for t in range(y.size):
        if t > 0:
            F[:, 0, 2] = c[t - 1]
            x = np.einsum("gij,gj->gi", F, x); C = np.einsum("gij,gjk,glk->gil", F, C, F); C[:, 0, 0] += S_**2
        if not np.isnan(y[t]):
            j = int(y[t]); mu = x[:, 0] + (off[t] if off is not None else 0.0); Sv = C[:, 0, 0] + R_**2
            em, ev, lz = trunc_moments(mu, np.sqrt(Sv), LO[j], HI[j]); ll += lz
            K = C[:, :, 0] / Sv[:, None]
            x = x + K * (em - mu)[:, None]; C = C - np.einsum("gi,gj->gij", K, K) * (Sv - ev)[:, None, None]
    return x, C, ll

def fc3(y, c, steps, grid, off=None, fo=None, fv=None):
    P_, S_, R_, lp = grid; G = P_.size
    x, C, ll = filt3(y, off, c, grid)
    w = ll + lp; w = np.exp(w - w.max()); w /= w.sum()
    cm, cv = fc.exposure_outlook(c, steps)
    F = np.zeros((G, 3, 3)); F[:, 0, 0] = P_; F[:, 0, 1] = 1 - P_; F[:, 1, 1] = 1; F[:, 2, 2] = 1
    out = []
    for h in range(1, steps + 1):
        ch, chv = (c[-1], 0.0) if h == 1 else (cm[h - 2], cv[h - 2])
        F[:, 0, 2] = ch
        g2 = x[:, 2] ** 2 + C[:, 2, 2]
        x = np.einsum("gij,gj->gi", F, x); C = np.einsum("gij,gjk,glk->gil", F, C, F); C[:, 0, 0] += S_**2 + g2 * chv
        mu = x[:, 0] + (fo[h-1] if fo is not None else 0); v = C[:, 0, 0] + R_**2 + (fv[h-1] if fv is not None else 0)
        cdf = ndtr((np.append(J[:-1] + 0.5, np.inf)[None, :] - mu[:, None]) / np.sqrt(v)[:, None])
        pm = np.diff(np.concatenate([np.zeros((G, 1)), cdf], 1), axis=1)
        out.append(w @ pm)
    return np.stack(out)

def run3(d, mode="true", cfun=lambda t: (t > 0).astype(float)):
    grid = make_grid()
    frame = d["frame"]; ids, Y, _ = patient_series(frame)
    names = factor_names(frame); Gs = patient_factors(frame, names); jt = names.index("treat.tcs")
    idx = {p: i for i, p in enumerate(ids)}; cache = {}; out = []
    for p, o, t in zip(d["patient"], d["origin"], d["day"]):
        k = idx[p]
        if (k, o) not in cache:
            y = Y[k, :o+1]; G = Gs[k][:o+1]
            c = cfun(np.nan_to_num(G[:, jt], nan=0.0))
            if mode == "true":
                off, fo, fv = true_offsets(y, G, names, d["truth"]["patients"][p]["true_triggers"], 7)
            else:
                keep = [i for i, n in enumerate(names) if n != "treat.tcs"] if mode == "est_notcs" else list(range(len(names)))
                X, ok, FO, FV = design(y, G[:, keep], [names[i] for i in keep], 7); m, v = effects_filter(y, X)
                b, bv = fc.spike_slab(m, v, TAU, slab=SLAB, prior=PI); b[~ok] = 0
                off, fo, fv = X @ b, FO @ b, FV @ b**2
            cache[(k, o)] = fc3(y, c, 7, grid, off, fo, fv)
        out.append(cache[(k, o)][t - o - 1])
    return np.asarray(out)

if __name__ == "__main__":
    d = build()
    for mode in sys.argv[1:] or ["true"]:
        t = time.time(); P = run3(d, mode); print(time.time() - t); score(d, P, f"drift {mode}"); np.save(OUT + f"/drift_{mode}.npy", P)
