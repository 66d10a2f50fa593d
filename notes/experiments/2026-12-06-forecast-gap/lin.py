"""Scratch: a linear-scale (0-10) state-space model with an interval (rounded, clipped) Gaussian
reading, fitted by assumed-density filtering on a grid; factors as in BinAR1-X."""
import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *
from scipy.special import ndtr, log_ndtr
from scipy.stats import norm
from gutskin.insights import forecast as fc
from gutskin.insights.evaluation import factor_names, patient_factors

J = np.arange(11.0)
LO = np.where(J == 0, -np.inf, J - 0.5); HI = np.where(J == 10, np.inf, J + 0.5)

def trunc_moments(mu, sd, lo, hi):
    """mean, var of N(mu, sd^2) truncated to [lo, hi]; log mass."""
    a = (lo - mu) / sd; b = (hi - mu) / sd
    Za = ndtr(a); Zb = ndtr(b)
    Z = np.maximum(Zb - Za, 1e-300)
    # robust log mass
    logZ = np.where(b < 0, np.log(np.maximum(ndtr(b) - ndtr(a), 1e-300)), np.log(np.maximum(ndtr(-a) - ndtr(-b), 1e-300)))
    Z = np.exp(logZ)
    pa = np.where(np.isfinite(a), norm.pdf(a), 0.0); pb = np.where(np.isfinite(b), norm.pdf(b), 0.0)
    aa = np.where(np.isfinite(a), a, 0.0); bb = np.where(np.isfinite(b), b, 0.0)
    m = (pa - pb) / Z
    v = 1 + (aa * pa - bb * pb) / Z - m * m
    return mu + sd * m, sd * sd * np.maximum(v, 1e-6), logZ

GRID = None
def make_grid(phis=(0.3, 0.5, 0.65, 0.8, 0.9, 0.95, 0.98, 1.0), sigmas=(0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5),
              ss=(0.3, 0.5, 0.7, 1.0, 1.4, 2.0)):
    P, S, R = np.meshgrid(phis, sigmas, ss, indexing="ij")
    P, S, R = P.ravel(), S.ravel(), R.ravel()
    lp = -0.5 * (S / 1.0) ** 2  # half-normal prior on sigma (points), scale 1
    return P, S, R, lp

MU0, S0 = 4.5, 3.0

def grid_filter(y, offset, grid):
    """ADF over days for all grid points; state (z, m). Returns (a, Pcov, loglik) at the end, predicting from last day."""
    P_, S_, R_, lp = grid
    G = P_.size
    x = np.zeros((G, 2)); x[:, 0] = MU0; x[:, 1] = MU0
    dev = np.where(P_ < 1, np.minimum(S_**2 / np.maximum(1 - P_**2, 1e-12), 4.0), 4.0)
    C = np.zeros((G, 2, 2)); C[:, 0, 0] = S0**2 + dev; C[:, 0, 1] = C[:, 1, 0] = S0**2; C[:, 1, 1] = S0**2
    ll = np.zeros(G)
    T = y.size
    for t in range(T):
        if t > 0:
            # predict: z' = m + phi (z - m) + sigma eps ;  F = [[phi, 1-phi],[0,1]]
            F = np.zeros((G, 2, 2)); F[:, 0, 0] = P_; F[:, 0, 1] = 1 - P_; F[:, 1, 1] = 1
            x = np.einsum("gij,gj->gi", F, x)
            C = np.einsum("gij,gjk,glk->gil", F, C, F); C[:, 0, 0] += S_**2
        if not np.isnan(y[t]):
            j = int(y[t]); off = offset[t] if offset is not None else 0.0
            mu = x[:, 0] + off; Sv = C[:, 0, 0] + R_**2
            em, ev, lz = trunc_moments(mu, np.sqrt(Sv), LO[j], HI[j])
            ll += lz
            K = C[:, :, 0] / Sv[:, None]
            x = x + K * (em - mu)[:, None]
            C = C - np.einsum("gi,gj->gij", K, K) * (Sv - ev)[:, None, None]
    return x, C, ll

def predictive(x, C, grid, steps, fut_off=None, fut_var=None):
    P_, S_, R_, lp = grid
    out = []
    xx, CC = x.copy(), C.copy()
    for h in range(1, steps + 1):
        F = np.zeros((P_.size, 2, 2)); F[:, 0, 0] = P_; F[:, 0, 1] = 1 - P_; F[:, 1, 1] = 1
        xx = np.einsum("gij,gj->gi", F, xx); CC = np.einsum("gij,gjk,glk->gil", F, CC, F); CC[:, 0, 0] += S_**2
        mu = xx[:, 0] + (fut_off[h - 1] if fut_off is not None else 0.0)
        v = CC[:, 0, 0] + R_**2 + (fut_var[h - 1] if fut_var is not None else 0.0)
        sd = np.sqrt(v)[:, None]
        cdf = ndtr((np.append(J[:-1] + 0.5, np.inf)[None, :] - mu[:, None]) / sd)
        pm = np.diff(np.concatenate([np.zeros((P_.size, 1)), cdf], axis=1), axis=1)
        out.append(pm)
    return np.stack(out, 1)  # (G, steps, 11)

def forecast(y, steps, grid, offset=None, fut_off=None, fut_var=None):
    x, C, ll = grid_filter(y, offset, grid)
    w = ll + grid[3]; w = np.exp(w - w.max()); w /= w.sum()
    pm = predictive(x, C, grid, steps, fut_off, fut_var)
    return np.einsum("g,gsk->sk", w, pm), w

# ---- effects on the linear scale -----------------------------------------------------------
TAU, SLAB, PI = 1.0, 1.5, 0.08
THETA = (0.8, 0.5, 0.7)

def design(y, G, names, steps):
    T = y.size
    center, scale = fc.factor_coding(G)
    Cc = (G - center[None, :]) / scale[None, :]
    limit = fc.code_limits(Cc); Cc = np.clip(Cc, -limit[None, :], limit[None, :])
    stats = [fc._persistence(Cc[:, j]) for j in range(len(names))]
    live = [j for j in range(len(names)) if stats[j][2] > 1e-12]
    if not live: return None
    L = 4
    fill = np.array([stats[j][0] for j in live])
    Cf = np.where(np.isnan(Cc[:, live]), fill[None, :], Cc[:, live])
    X = np.empty((T, len(live) * L)); ok = np.ones(len(live) * L, bool)
    for i, j in enumerate(live):
        for lag in range(L):
            col = np.full(T, fill[i]); col[lag:] = Cf[: T - lag, i]; X[:, i * L + lag] = col
            if lag == 0 and names[j].startswith("treat."): ok[i * L + lag] = False
    X[:, ~ok] = 0.0
    fo = np.zeros((steps, X.shape[1])); fv = np.zeros((steps, X.shape[1]))
    EM, EV = fc.exposure_outlook(Cc[:, live], steps)
    for i in range(len(live)):
        for lag in range(L):
            for h in range(1, steps + 1):
                k = h - lag
                if k <= 0: fo[h - 1, i * L + lag] = Cf[T - 1 + k, i] if T - 1 + k >= 0 else fill[i]
                else: fo[h - 1, i * L + lag] = EM[k - 1, i]; fv[h - 1, i * L + lag] = EV[k - 1, i]
    return X, ok, fo, fv

def effects_filter(y, X, theta=THETA, tau=TAU, off=None):
    phi, sig, s = theta
    T, p = X.shape; d = p + 2
    x = np.zeros(d); x[0] = MU0; x[1] = MU0
    C = np.zeros((d, d)); dev = min(sig**2 / (1 - phi**2), 4.0)
    C[0, 0] = S0**2 + dev; C[0, 1] = C[1, 0] = S0**2; C[1, 1] = S0**2
    C[2:, 2:] = np.eye(p) * tau**2
    F = np.eye(d); F[0, 0] = phi; F[0, 1] = 1 - phi
    for t in range(T):
        if t > 0:
            x = F @ x; C = F @ C @ F.T; C[0, 0] += sig**2
        if not np.isnan(y[t]):
            H = np.zeros(d); H[0] = 1; H[2:] = X[t]
            mu = H @ x + (off[t] if off is not None else 0.0); PH = C @ H; Sv = H @ PH + s**2
            em, ev, _ = trunc_moments(np.array(mu), np.sqrt(Sv), LO[int(y[t])], HI[int(y[t])])
            K = PH / Sv
            x = x + K * (em - mu); C = C - np.outer(K, K) * (Sv - ev)
    return x[2:], np.diag(C)[2:].copy()

def lin_x_forecast(y, G, names, steps, grid, use_factors=True):
    if use_factors and names:
        ds = design(y, G, names, steps)
        if ds is not None:
            X, ok, fo, fv = ds
            m, v = effects_filter(y, X)
            b, bv = fc.spike_slab(m, v, TAU, slab=SLAB, prior=PI)
            b[~ok] = 0
            return forecast(y, steps, grid, X @ b, fo @ b, fv @ b**2)[0]
    return forecast(y, steps, grid)[0]

def run(d, use_factors=True, grid=None, limit=None):
    grid = grid or make_grid()
    frame = d["frame"]; ids, Y, _ = patient_series(frame)
    names = factor_names(frame); Gs = patient_factors(frame, names)
    idx = {p: i for i, p in enumerate(ids)}
    cache = {}; out = []
    for p, o, t in zip(d["patient"], d["origin"], d["day"]):
        k = idx[p]
        if (k, o) not in cache:
            cache[(k, o)] = lin_x_forecast(Y[k, :o + 1], Gs[k][:o + 1], names, 7, grid, use_factors)
        out.append(cache[(k, o)][t - o - 1])
    return np.asarray(out)

if __name__ == "__main__":
    d = build()
    t = time.time(); P0 = run(d, use_factors=False); print("nocov", time.time() - t); score(d, P0, "lin nocov")
    t = time.time(); P1 = run(d); print("x", time.time() - t); score(d, P1, "lin X")
    score(d, d["binar1"], "binar1")
    np.save(OUT + "/linX.npy", P1)
