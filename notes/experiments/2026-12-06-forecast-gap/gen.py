"""General linear-Gaussian ADF engine on the 0-10 scale with interval readings; slow + fast + treatment drift."""
import sys, itertools; sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(__file__)))
from lin import *
from lintrue import true_offsets

def grid_sf(phs=(0.9, 0.95, 0.98, 1.0), sss=(0.03, 0.08, 0.15, 0.3), pfs=(0.0, 0.4, 0.6, 0.8), sfs=(0.3, 0.5, 0.8, 1.2), rs=(0.3, 0.6, 1.0)):
    A = np.array(list(itertools.product(phs, sss, pfs, sfs, rs))).T
    return A, -0.5 * A[1] ** 2 - 0.5 * A[3] ** 2

# state: 0 slow, 1 fast, 2 level m, 3 gamma (drift per course day)
def build_F(A, c):
    G = A.shape[1]; F = np.zeros((G, 4, 4))
    F[:, 0, 0] = A[0]; F[:, 0, 2] = 1 - A[0]; F[:, 0, 3] = c
    F[:, 1, 1] = A[2]; F[:, 2, 2] = 1; F[:, 3, 3] = 1
    return F

def init(A, g_prior):
    G = A.shape[1]; x = np.zeros((G, 4)); x[:, 0] = MU0; x[:, 2] = MU0
    C = np.zeros((G, 4, 4))
    ds = np.where(A[0] < 1, np.minimum(A[1] ** 2 / np.maximum(1 - A[0] ** 2, 1e-9), 4.0), 4.0)
    C[:, 0, 0] = S0**2 + ds; C[:, 0, 2] = C[:, 2, 0] = S0**2; C[:, 2, 2] = S0**2
    C[:, 1, 1] = A[3] ** 2 / np.maximum(1 - A[2] ** 2, 1e-9); C[:, 3, 3] = g_prior**2
    return x, C

def filt(y, off, c, grid, g_prior):
    A, lp = grid; G = A.shape[1]
    x, C = init(A, g_prior); ll = np.zeros(G); H = np.array([1.0, 1.0, 0, 0])
    Q = np.zeros((G, 4, 4)); Q[:, 0, 0] = A[1] ** 2; Q[:, 1, 1] = A[3] ** 2
    for t in range(y.size):
        if t > 0:
            F = build_F(A, c[t - 1] if c is not None else 0.0)
            x = np.einsum("gij,gj->gi", F, x); C = np.einsum("gij,gjk,glk->gil", F, C, F) + Q
        if not np.isnan(y[t]):
            j = int(y[t]); mu = x @ H + (off[t] if off is not None else 0.0)
            PH = C @ H; Sv = PH @ H + A[4] ** 2
            em, ev, lz = trunc_moments(mu, np.sqrt(Sv), LO[j], HI[j]); ll += lz
            K = PH / Sv[:, None]
            x = x + K * (em - mu)[:, None]; C = C - np.einsum("gi,gj->gij", K, K) * (Sv - ev)[:, None, None]
    return x, C, ll

def forecast_gen(y, c, steps, grid, off=None, fo=None, fv=None, g_prior=0.3):
    A, lp = grid; G = A.shape[1]
    x, C, ll = filt(y, off, c, grid, g_prior)
    w = ll + lp; w = np.exp(w - w.max()); w /= w.sum()
    if c is not None: cm, cv = fc.exposure_outlook(c, steps)
    Q = np.zeros((G, 4, 4)); Q[:, 0, 0] = A[1] ** 2; Q[:, 1, 1] = A[3] ** 2
    H = np.array([1.0, 1.0, 0, 0]); out = []
    for h in range(1, steps + 1):
        if c is None: ch, chv = 0.0, 0.0
        else: ch, chv = (c[-1], 0.0) if h == 1 else (cm[h - 2], cv[h - 2])
        g2 = x[:, 3] ** 2 + C[:, 3, 3]
        F = build_F(A, ch)
        x = np.einsum("gij,gj->gi", F, x); C = np.einsum("gij,gjk,glk->gil", F, C, F) + Q; C[:, 0, 0] += g2 * chv
        mu = x @ H + (fo[h-1] if fo is not None else 0); v = np.einsum("i,gij,j->g", H, C, H) + A[4] ** 2 + (fv[h-1] if fv is not None else 0)
        cdf = ndtr((np.append(J[:-1] + 0.5, np.inf)[None, :] - mu[:, None]) / np.sqrt(v)[:, None])
        out.append(w @ np.diff(np.concatenate([np.zeros((G, 1)), cdf], 1), axis=1))
    return np.stack(out), w

def run_gen(d, grid, mode="true", use_c=True, cfun=lambda t: (t > 0).astype(float), g_prior=0.3, patients=None):
    frame = d["frame"]; ids, Y, _ = patient_series(frame)
    names = factor_names(frame); Gs = patient_factors(frame, names); jt = names.index("treat.tcs")
    idx = {p: i for i, p in enumerate(ids)}; cache = {}; out = []
    for p, o, t in zip(d["patient"], d["origin"], d["day"]):
        k = idx[p]
        if (k, o) not in cache:
            y = Y[k, :o+1]; G = Gs[k][:o+1]
            c = cfun(np.nan_to_num(G[:, jt], nan=0.0)) if use_c else None
            if mode == "true":
                off, fo, fv = true_offsets(y, G, names, d["truth"]["patients"][p]["true_triggers"], 7)
            elif mode == "true+est":
                off, fo, fv = true_offsets(y, G, names, d["truth"]["patients"][p]["true_triggers"], 7)
                keep = [i for i, n in enumerate(names) if not (use_c and n == "treat.tcs")]
                ds = design(y, G[:, keep], [names[i] for i in keep], 7)
                if ds is not None:
                    X, ok, FO, FV = ds
                    m, v = effects_filter(y, X, off=off)
                    b, bv = fc.spike_slab(m, v, TAU, slab=SLAB, prior=PI); b[~ok] = 0
                    off, fo, fv = off + X @ b, fo + FO @ b, fv + FV @ b**2
            elif mode == "none":
                off = fo = fv = None
            else:
                keep = [i for i, n in enumerate(names) if not (use_c and n == "treat.tcs")]
                ds = design(y, G[:, keep], [names[i] for i in keep], 7)
                if ds is None: off = fo = fv = None
                else:
                    X, ok, FO, FV = ds; m, v = effects_filter(y, X)
                    b, bv = fc.spike_slab(m, v, TAU, slab=SLAB, prior=PI); b[~ok] = 0
                    off, fo, fv = X @ b, FO @ b, FV @ b**2
            cache[(k, o)] = forecast_gen(y, c, 7, grid, off, fo, fv, g_prior)[0]
        out.append(cache[(k, o)][t - o - 1])
    return np.asarray(out)

if __name__ == "__main__":
    d = build()
    g = grid_sf()
    for mode, use_c in [(a.split(":")[0], a.split(":")[1] == "c") for a in sys.argv[1:]]:
        t0 = time.time(); P = run_gen(d, g, mode, use_c); print(time.time() - t0)
        score(d, P, f"sf {mode} c={use_c}"); np.save(OUT + f"/sf_{mode}_{use_c}.npy", P)
