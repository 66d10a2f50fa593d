"""Two-component linear model: slow AR around the level + fast AR(1) + interval reading (ADF)."""
import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lin import *
from lintrue import true_offsets
import itertools

def make_grid2(phs=(0.9, 0.95, 0.98, 1.0), sss=(0.1, 0.2, 0.35, 0.6), pfs=(0.0, 0.35, 0.55, 0.75), sfs=(0.3, 0.5, 0.8), rs=(0.3, 0.5, 0.8, 1.2)):
    A = np.array(list(itertools.product(phs, sss, pfs, sfs, rs))).T
    lp = -0.5 * A[1] ** 2 - 0.5 * A[3] ** 2
    return A, lp

def trans(A):
    G = A.shape[1]; F = np.zeros((G, 3, 3))
    F[:, 0, 0] = A[0]; F[:, 0, 2] = 1 - A[0]; F[:, 1, 1] = A[2]; F[:, 2, 2] = 1
    Q = np.zeros((G, 3, 3)); Q[:, 0, 0] = A[1] ** 2; Q[:, 1, 1] = A[3] ** 2
    return F, Q

def filt2(y, off, grid):
    A, lp = grid; G = A.shape[1]; F, Q = trans(A)
    x = np.zeros((G, 3)); x[:, 0] = MU0; x[:, 2] = MU0
    C = np.zeros((G, 3, 3))
    ds = np.where(A[0] < 1, np.minimum(A[1] ** 2 / np.maximum(1 - A[0] ** 2, 1e-9), 4.0), 4.0)
    C[:, 0, 0] = S0**2 + ds; C[:, 0, 2] = C[:, 2, 0] = S0**2; C[:, 2, 2] = S0**2
    C[:, 1, 1] = A[3] ** 2 / (1 - A[2] ** 2)
    H = np.array([1.0, 1.0, 0.0]); ll = np.zeros(G)
    for t in range(y.size):
        if t > 0:
            x = np.einsum("gij,gj->gi", F, x); C = np.einsum("gij,gjk,glk->gil", F, C, F) + Q
        if not np.isnan(y[t]):
            j = int(y[t]); mu = x[:, 0] + x[:, 1] + (off[t] if off is not None else 0.0)
            PH = C @ H; Sv = PH @ H + A[4] ** 2
            em, ev, lz = trunc_moments(mu, np.sqrt(Sv), LO[j], HI[j]); ll += lz
            K = PH / Sv[:, None]
            x = x + K * (em - mu)[:, None]; C = C - np.einsum("gi,gj->gij", K, K) * (Sv - ev)[:, None, None]
    return x, C, ll

def fc2(y, steps, grid, off=None, fo=None, fv=None):
    x, C, ll = filt2(y, off, grid); A, lp = grid
    w = ll + lp; w = np.exp(w - w.max()); w /= w.sum()
    F, Q = trans(A); H = np.array([1.0, 1.0, 0.0]); out = []
    for h in range(1, steps + 1):
        x = np.einsum("gij,gj->gi", F, x); C = np.einsum("gij,gjk,glk->gil", F, C, F) + Q
        mu = x @ H + (fo[h-1] if fo is not None else 0); v = np.einsum("i,gij,j->g", H, C, H) + A[4] ** 2 + (fv[h-1] if fv is not None else 0)
        cdf = ndtr((np.append(J[:-1] + 0.5, np.inf)[None, :] - mu[:, None]) / np.sqrt(v)[:, None])
        pm = np.diff(np.concatenate([np.zeros((A.shape[1], 1)), cdf], 1), axis=1)
        out.append(w @ pm)
    return np.stack(out)

def run2(d, mode="true"):
    grid = make_grid2()
    frame = d["frame"]; ids, Y, _ = patient_series(frame)
    names = factor_names(frame); Gs = patient_factors(frame, names)
    idx = {p: i for i, p in enumerate(ids)}; cache = {}; out = []
    for p, o, t in zip(d["patient"], d["origin"], d["day"]):
        k = idx[p]
        if (k, o) not in cache:
            y = Y[k, :o+1]; G = Gs[k][:o+1]
            if mode == "true":
                off, fo, fv = true_offsets(y, G, names, d["truth"]["patients"][p]["true_triggers"], 7)
            elif mode == "est":
                ds = design(y, G, names, 7)
                X, ok, FO, FV = ds; m, v = effects_filter(y, X)
                b, bv = fc.spike_slab(m, v, TAU, slab=SLAB, prior=PI); b[~ok] = 0
                off, fo, fv = X @ b, FO @ b, FV @ b**2
            else:
                off = fo = fv = None
            cache[(k, o)] = fc2(y, 7, grid, off, fo, fv)
        out.append(cache[(k, o)][t - o - 1])
    return np.asarray(out)

if __name__ == "__main__":
    d = build()
    for mode in sys.argv[1:] or ["true"]:
        t = time.time(); P = run2(d, mode); print(time.time() - t); score(d, P, f"lin2 {mode}")
