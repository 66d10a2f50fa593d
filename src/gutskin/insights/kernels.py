"""Compiled inner loops of the forecast (numba): the request path's per-day recursions.

The mathematics is that of :mod:`gutskin.insights.forecast` (its docstrings give the model and
the sources); these are the same recursions written as scalar loops so that numba compiles
them to machine code. In NumPy a day of the grid filter is ~80 small array operations, and a
180-day series costs 60-100 ms in interpreter overhead alone on a slow core; compiled, each grid
point is an independent scalar recursion and the whole series takes about a millisecond.

The NumPy implementations stay in ``forecast`` (``run_filter`` filters many series at once for
forward chaining); the tests hold the two to the same numbers.

Compiled on first use and cached on disk (``__pycache__`` beside this file, or numba's user
cache directory when that is read-only; ``NUMBA_CACHE_DIR`` sets another), so a process pays the
compile once per machine. Where no cache directory is writable (a read-only install without a
home directory) the kernels still work, compiled once per process (:func:`compiled`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

M = 10  # itch 0..M: the 0-10 NRS of every diary score


def compiled(**options):
    """``numba.njit`` with the on-disk cache when a cache directory is writable, else without.

    numba looks for a cache directory when a function is decorated and raises ``RuntimeError``
    if there is none; that must not stop the app from importing on a read-only deployment.
    """

    def wrap(fn):
        try:
            return njit(cache=True, **options)(fn)
        except RuntimeError:  # "cannot cache function ...: no locator available"
            return njit(cache=False, **options)(fn)

    return wrap


@compiled(inline="always")
def _interp(table: np.ndarray, j: int, f: float) -> float:
    lo = table[j]
    return lo + f * (table[j + 1] - lo)


@compiled(inline="always")
def _table_pos(th: float, theta0: float, inv_step: float, n: int) -> tuple[int, float]:
    """Index and fraction of ``th`` on the tabulated natural parameter (clamped at the ends)."""
    x = (th - theta0) * inv_step
    if x < 0.0:
        x = 0.0
    hi = n - 1.000001
    if x > hi:
        x = hi
    i = int(x)
    return i, x - i


@compiled()
def grid_filter(
    y: np.ndarray,
    offset: np.ndarray,
    drift: np.ndarray,
    phi: np.ndarray,
    sigma2: np.ndarray,
    omega2: np.ndarray,
    kappa: np.ndarray,
    base: np.ndarray,
    tau2: np.ndarray,
    t_mean: np.ndarray,
    t_var: np.ndarray,
    t_A: np.ndarray,
    log_h: np.ndarray,
    log_binom: np.ndarray,
    theta0: float,
    inv_step: float,
    n_theta: int,
    init: np.ndarray,
    newton: int,
    read_base: np.ndarray,
    read_sd: np.ndarray,
    r_lp: np.ndarray,
    r_g: np.ndarray,
    r_h: np.ndarray,
    u0: float,
    u_inv_step: float,
    n_u: int,
    read_newton: int,
) -> tuple[np.ndarray, int]:
    """Laplace-Kalman filter of BinAR1 for one series at every grid point.

    ``y``, ``offset``, ``drift``: (T,) itch (nan = missing), the day's known logit shift, and
    the known shift of the latent on the step into day t. Per grid point (C,): ``phi``,
    ``sigma2``, ``omega2``, ``kappa`` and ``base``, the offset of the point's row in the flat
    dispersion tables ``t_mean``/``t_var``/``t_A`` (-1 for kappa = 1, the exact binomial);
    ``tau2``, the per-day variance of the level's random walk (0: a fixed level).
    ``log_h``: 11 entries per table row. ``init``: (5, C) initial az, am, pzz, pzm, pmm.
    Rounded-Gaussian readings: ``read_base`` (C,), the offset of the point's 11 x ``n_u`` block
    in the flat tables ``r_lp``/``r_g``/``r_h`` (log P(y | u), its derivative, the curvature;
    -1 for the other observations), ``read_sd`` their SDs, ``read_newton`` Newton steps.

    Returns ``out`` (6, C): az, am, pzz, pzm, pmm, log-likelihood; and the number of observed
    days. Same recursion as ``forecast.filter_series`` (without its pruning, which only saves
    NumPy work).
    """
    T = y.size
    C = phi.size
    out = np.empty((6, C))
    n_obs = 0
    el_t = np.zeros(T)  # per day, not per grid point and day (2026-12-07: the same numbers)
    eh_t = np.zeros(T)
    for t in range(T):
        if y[t] == y[t]:
            n_obs += 1
            el_t[t] = math.log((y[t] + 0.5) / (M - y[t] + 0.5))
            eh_t[t] = 1.0 / (1.0 / (y[t] + 0.5) + 1.0 / (M - y[t] + 0.5))
    for c in range(C):
        ph = phi[c]
        a = 1.0 - ph
        s2 = sigma2[c]
        om2 = omega2[c]
        kv = kappa[c]
        row = base[c]
        t2 = tau2[c]
        az = init[0, c]
        am = init[1, c]
        pzz = init[2, c]
        pzm = init[3, c]
        pmm = init[4, c]
        ll = 0.0
        for t in range(T):
            if t > 0:  # z_t = m_t + phi (z_{t-1} - m_{t-1}) + sigma eps, m_t = m_{t-1} + tau zeta
                az = ph * az + a * am + drift[t]
                pzz = ph * ph * pzz + 2.0 * ph * a * pzm + a * a * pmm + s2 + t2
                pzm = ph * pzm + a * pmm + t2
                pmm = pmm + t2
            yt = y[t]
            if yt != yt:
                continue
            V = pzz + om2
            ao = az + offset[t]
            iv = 1.0 / V
            el = el_t[t]
            eh = eh_t[t]
            yi = int(yt)
            rb = read_base[c]
            if rb >= 0:  # rounded-Gaussian reading: tabulated log P(y | u) and derivatives
                sd = read_sd[c]
                pe = (yt + 0.5) / (M + 1.0)
                er = (M * pe * (1.0 - pe)) ** 2 / (sd * sd + 1.0 / 12.0)
                ub = (ao * iv + el * er) / (iv + er)
                r0 = rb + yi * n_u
                for _ in range(read_newton):
                    i, f = _table_pos(ub, u0, u_inv_step, n_u)
                    g = _interp(r_g, r0 + i, f)
                    hh = _interp(r_h, r0 + i, f)
                    ub = ub + (g - (ub - ao) * iv) / (hh + iv)
                i, f = _table_pos(ub, u0, u_inv_step, n_u)
                u = ub
                h = _interp(r_h, r0 + i, f)
                lp = _interp(r_lp, r0 + i, f)
            elif row < 0:  # binomial, exact
                ub = (ao * iv + el * eh) / (iv + eh)
                for _ in range(newton):
                    p = 1.0 / (1.0 + math.exp(-ub))
                    mp = M * p
                    ub = ub + (yt - mp - (ub - ao) * iv) / (mp * (1.0 - p) + iv)
                E = math.exp(-ub)
                q = 1.0 + E
                u = ub
                h = (M * E) / (q * q) + 1e-12
                lp = log_binom[yi] - M * math.log1p(E) - (M - yt) * ub
            else:  # kappa != 1: tabulated log-partition and its derivatives
                ub = (ao * iv + el * eh * kv) / (iv + eh * kv)
                k2 = kv * kv
                for _ in range(newton):
                    i, f = _table_pos(kv * ub, theta0, inv_step, n_theta)
                    mean = _interp(t_mean, row + i, f)
                    var = _interp(t_var, row + i, f)
                    ub = ub + (kv * (yt - mean) - (ub - ao) * iv) / (k2 * var + iv)
                th = kv * ub
                i, f = _table_pos(th, theta0, inv_step, n_theta)
                var = _interp(t_var, row + i, f)
                A = _interp(t_A, row + i, f)
                u = ub
                h = k2 * var + 1e-12
                lp = log_h[(row // n_theta) * (M + 1) + yi] + th * yt - A
            d = u - ao
            hV = h * V
            ll += lp - (0.5 / V) * d * d - 0.5 * math.log1p(hV)
            e = d + d / hV
            iS = 1.0 / (pzz + 1.0 / h + om2)
            kz = pzz * iS
            km = pzm * iS
            az = az + kz * e
            am = am + km * e
            pmm = pmm - pzm * km
            pzz = pzz - pzz * kz
            pzm = pzm - pzm * kz
        out[0, c] = az
        out[1, c] = am
        out[2, c] = pzz
        out[3, c] = pzm
        out[4, c] = pmm
        out[5, c] = ll
    return out, n_obs


@compiled()
def effects_filter(
    y: np.ndarray,
    X: np.ndarray,
    phi: float,
    sigma: float,
    omega: float,
    mu0: float,
    s0: float,
    tau: float,
    dev: float,
    newton: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Augmented-state Laplace-Kalman filter of ``forecast.fit_effects``: state (z, m, beta),
    day t's logit ``z_t + X[t] . beta``; returns the effects' posterior mean and covariance."""
    T, p = X.shape
    d = 2 + p
    a = np.zeros(d)
    a[0] = mu0
    a[1] = mu0
    P = np.zeros((d, d))
    P[0, 0] = s0 * s0 + dev
    P[0, 1] = s0 * s0
    P[1, 0] = s0 * s0
    P[1, 1] = s0 * s0
    for i in range(2, d):
        P[i, i] = tau * tau
    om2 = omega * omega
    s2 = sigma * sigma
    Ph = np.empty(d)
    Pf = np.empty(d)
    K = np.empty(d)
    for t in range(T):
        if t > 0:  # z <- phi z + (1 - phi) m: only row/column 0 of P change
            for i in range(d):
                Pf[i] = phi * P[0, i] + (1.0 - phi) * P[1, i]
            zz = phi * Pf[0] + (1.0 - phi) * Pf[1] + s2
            a[0] = phi * a[0] + (1.0 - phi) * a[1]
            for i in range(d):
                P[0, i] = Pf[i]
                P[i, 0] = Pf[i]
            P[0, 0] = zz
        yt = y[t]
        if yt != yt:
            continue
        for i in range(d):
            s = P[i, 0]
            for j in range(p):
                s += P[i, 2 + j] * X[t, j]
            Ph[i] = s
        q = Ph[0]
        au = a[0]
        for j in range(p):
            q += X[t, j] * Ph[2 + j]
            au += X[t, j] * a[2 + j]
        V = q + om2
        eh = 1.0 / (1.0 / (yt + 0.5) + 1.0 / (M - yt + 0.5))
        el = math.log((yt + 0.5) / (M - yt + 0.5))
        u = (au / V + el * eh) / (1.0 / V + eh)
        for _ in range(newton):
            pr = 1.0 / (1.0 + math.exp(-u))
            u += (yt - M * pr - (u - au) / V) / (M * pr * (1 - pr) + 1.0 / V)
        pr = 1.0 / (1.0 + math.exp(-u))
        hc = max(M * pr * (1 - pr), 1e-9)
        e = (u - au) * (1.0 + 1.0 / (hc * V))
        den = q + 1.0 / hc + om2
        for i in range(d):
            K[i] = Ph[i] / den
            a[i] += K[i] * e
        for i in range(d):
            for j in range(d):
                P[i, j] -= K[i] * Ph[j]
    return a[2:].copy(), P[2:, 2:].copy()


@compiled()
def smoothed_levels(X: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """Exponential smoothing levels of ``forecast.exposure_outlook``: (len(alphas), T, F) from
    coded factors ``X`` (T, F), nan = not logged. ``L_t = L_{t-1} + alpha (x_t - L_{t-1})`` on
    logged days, the first logged value as the start, nan before it; an unlogged day keeps the
    level. The same arithmetic as the NumPy loop it replaces (2026-12-07), so the same bits."""
    T, F = X.shape
    A = alphas.size
    lev = np.empty((A, T, F))
    for a in range(A):
        al = alphas[a]
        for j in range(F):
            cur = np.nan
            for t in range(T):
                xt = X[t, j]
                if xt == xt:
                    if cur != cur:
                        cur = xt
                    else:
                        cur = cur + al * (xt - cur)
                lev[a, t, j] = cur
    return lev


@compiled()
def predictive_mix(
    w: np.ndarray,
    phi: np.ndarray,
    sigma2: np.ndarray,
    omega2: np.ndarray,
    tau2: np.ndarray,
    reading: np.ndarray,
    az0: np.ndarray,
    am0: np.ndarray,
    pzz0: np.ndarray,
    pzm0: np.ndarray,
    pmm0: np.ndarray,
    steps: np.ndarray,
    offset: np.ndarray,
    offset_var: np.ndarray,
    drift: np.ndarray,
    gh_x: np.ndarray,
    gh_w: np.ndarray,
    log_binom: np.ndarray,
    r_p: np.ndarray,
    r_base: np.ndarray,
    u0: float,
    u_inv_step: float,
    n_u: int,
) -> np.ndarray:
    """Predictive pmf of one series, ``forecast.predictive``'s loop compiled: (len(steps), 11).

    Per kept grid point c (weights ``w``, summing to 1): the Gaussian state propagated to each
    step, the observation pmf integrated over the day's logit by Gauss-Hermite (``gh_x``, ``gh_w``
    already divided by sqrt(pi)), mixed. The observation is the binomial (``reading[c]`` = 0) or
    the rounded-Gaussian reading, its pmf table ``r_p`` (n_u x 11, flat, the point's table at
    ``r_base[c]``) interpolated and renormalised. ``offset``, ``offset_var``, ``drift``: per day
    1..max(steps) (zeros when none). Same numbers as the NumPy loop up to summation order."""
    S = steps.size
    out = np.zeros((S, M + 1))
    pm = np.empty(M + 1)
    binom = np.exp(log_binom)
    r2 = math.sqrt(2.0)
    for c in range(w.size):
        ph = phi[c]
        a = 1.0 - ph
        az = az0[c]
        am = am0[c]
        pzz = pzz0[c]
        pzm = pzm0[c]
        pmm = pmm0[c]
        done = 0
        for i in range(S):
            s = steps[i]
            while done < s:
                naz = ph * az + a * am + drift[done]
                npzz = ph * ph * pzz + 2 * ph * a * pzm + a * a * pmm + sigma2[c] + tau2[c]
                npzm = ph * pzm + a * pmm + tau2[c]
                pmm = pmm + tau2[c]
                az, pzz, pzm = naz, npzz, npzm
                done += 1
            sd = math.sqrt(pzz + omega2[c] + offset_var[s - 1])
            off = offset[s - 1]
            for n in range(gh_x.size):
                u = off + az + r2 * sd * gh_x[n]
                if reading[c] > 0:
                    x = (u - u0) * u_inv_step
                    if x < 0.0:
                        x = 0.0
                    hi = n_u - 1.000001
                    if x > hi:
                        x = hi
                    j0 = int(x)
                    f = x - j0
                    tot = 0.0
                    b = r_base[c] + j0 * (M + 1)
                    for j in range(M + 1):
                        lo = r_p[b + j]
                        pm[j] = lo + f * (r_p[b + M + 1 + j] - lo)
                        tot += pm[j]
                    for j in range(M + 1):
                        pm[j] = pm[j] / tot
                else:
                    p = 1.0 / (1.0 + math.exp(-u))
                    if p < 1e-12:
                        p = 1e-12
                    if p > 1 - 1e-12:
                        p = 1 - 1e-12
                    lq = math.log1p(-p)
                    r = math.exp(math.log(p) - lq)  # p / (1 - p)
                    t = math.exp(M * lq)  # (1 - p)^M
                    for j in range(M + 1):  # C(M, j) p^j (1 - p)^(M - j), one exp per node
                        pm[j] = binom[j] * t
                        t = t * r
                wn = w[c] * gh_w[n]
                for j in range(M + 1):
                    out[i, j] += wn * pm[j]
    for i in range(S):
        tot = 0.0
        for j in range(M + 1):
            tot += out[i, j]
        for j in range(M + 1):
            out[i, j] = out[i, j] / tot
    return out
