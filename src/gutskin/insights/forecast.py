"""Probabilistic 1-7 day itch forecasts: a mean-reverting binomial state-space model.

Model (EczemaPred family; docs/insights.md)
------------------------------------------
``BinAR1``, a relative of EczemaPred's binomial random walk (BinRW, Hurault et al. 2022)::

    z_t = m + phi (z_{t-1} - m) + sigma eps_t          latent severity, logit scale
    u_t = z_t + omega nu_t                               the day's transient deviation
    y_t ~ Binomial(10, logit^-1(u_t))                    itch 0-10  (kappa = 1)
    P(y_t = y) ∝ C(10 kappa, kappa y) p^(kappa y) (1-p)^(kappa (10 - y)),  p = logit^-1(u_t)

The second line generalises the first: itch read as a binomial of ``10 kappa`` trials on the
0-10 lattice. ``kappa = 1`` is the binomial; ``kappa > 1`` is *less* dispersed than a binomial,
which a logit-normal transient (``omega``, more dispersed) cannot express. EczemaPred models the
itch VAS with M = 100 trials (reference §1.2); a 0-10 NRS read by a careful patient is often
that precise, a rounded latent with little noise. ``kappa`` can be put on the grid
(``make_grid(kappas=...)``; ``KAPPA_GRID``).

The other observation on the default grid (session 9) is a *reading*: the day's level
``10 logit^-1(u_t)`` on the 0-10 scale read with Gaussian noise and rounded,
``y_t = clip(round(10 logit^-1(u_t) + s e_t), 0, 10)``, ``e_t ~ N(0, 1)``, with the reading SD
``s`` on the grid (``READING_SD_GRID``). It is far less dispersed than any binomial and has the
binomial's shape nowhere; which observation a diary gets is decided per patient by the grid's
marginal likelihood (prior ``KAPPA_ONE_PRIOR`` on the binomial).

``phi = 1`` is BinRW (with extra day-to-day noise when ``omega > 0``); ``phi < 1`` reverts to
the patient's own level ``m``, which real severity does (reference, issue 6). ``m`` is part of
the state with prior ``N(mu0, s0^2)`` (EczemaPred: ``mu_y0 ~ N(0, 1)``, ``sigma_y0 ~ N+(0, 1.5)``),
so it is integrated out exactly by the filter.

Fitting, no MCMC: for every ``(phi, sigma, omega, observation)`` on a fixed grid, a Laplace-approximate
Kalman filter (iterated EKF: the likelihood of each day is replaced by the Gaussian
pseudo-observation that matches its mode and curvature) gives the filtered state and the
marginal likelihood; the grid points are then weighted by prior x likelihood (Bayesian model
averaging on a grid). Forecasts propagate each grid point's Gaussian state and integrate the
observation pmf over the latent by Gauss-Hermite quadrature, then mix. Missing days are pure
prediction steps, so gaps are handled exactly within the approximation (Durbin & Koopman,
*Time Series Analysis by State Space Methods*, 2nd ed. 2012, §4.10): over g unobserved days the
state's covariance goes through ``P <- F P F' + Q`` g times, ``F = [[phi, 1 - phi], [0, 1]]``,
so z's variance grows towards the AR(1)'s stationary ``sigma^2 / (1 - phi^2)`` (above the
level's own) and stays there. Optionally the level drifts, ``m_t = m_{t-1} + tau zeta_t`` and
``z_t = m_t + phi (z_{t-1} - m_{t-1}) + sigma eps_t`` (an AR(1) around a local level: Harvey,
*Forecasting, Structural Time Series Models and the Kalman Filter*, 1989, §2.3), so
``Q = [[sigma^2 + tau^2, tau^2], [tau^2, tau^2]]`` and the variance keeps growing, tau^2 a day
(``make_grid(level_drift=...)``; the default grid keeps tau = 0: coverage right after gaps was
already near nominal and any tau cost RPS on forecasts with no gap, docs/insights.md "Forecasts
after a gap"). Because the filter is
causal and the grid is fixed, refitting on data up to day T is the same as reading the filter
at day T: forward chaining needs one pass.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import math
from dataclasses import dataclass, field
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy.special import gammaln

from gutskin.insights import kernels
from gutskin.insights.together import together_groups
from gutskin.insights.wording import risk_percent  # noqa: F401  (re-exported: forecasts are worded with it)

M = kernels.M  # itch 0..10
CATEGORIES = np.arange(M + 1)
PHI_GRID = (0.3, 0.55, 0.7, 0.8, 0.87, 0.92, 0.96, 1.0)
SIGMA_GRID = (0.08, 0.15, 0.25, 0.38, 0.55, 0.8)
OMEGA_GRID = (0.0, 0.3, 0.6, 1.0)
KAPPA_GRID = (1.0,)  # binomial dispersions of the default grid (1 = binomial; 2.5 until session 9)
READING_SD_GRID = (0.5,)  # rounded-Gaussian readings of the default grid (SD, itch points; session 9)
KAPPA_ONE_PRIOR = 0.6  # prior probability of the plain binomial; the rest spread evenly
LEVEL_PRIOR = (-0.4, 1.5)  # mu0, s0 on the logit scale
INIT_DEV_VAR_MAX = 1.0  # cap of the initial deviation variance from the level (phi -> 1)
SIGMA_PRIOR_SCALE = 0.5  # half-normal scale of sigma's prior (EczemaPred: 0.25 ln 5 = 0.40)
FLARE_THRESHOLD = 7  # itch >= 7 is severe on the peak-pruritus NRS
LEVEL_DRIFT_GRID = (0.0,)  # tau on the default grid: the level's per-day drift SD (2026-12-06; docs/insights.md)
_LOG_BINOM = gammaln(M + 1) - gammaln(CATEGORIES + 1) - gammaln(M - CATEGORIES + 1)
_GH_X, _GH_W = np.polynomial.hermite.hermgauss(24)


@dataclass(frozen=True)
class Grid:
    """Parameter grid and log prior weights of BinAR1."""

    phi: np.ndarray
    sigma: np.ndarray
    omega: np.ndarray
    log_prior: np.ndarray
    mu0: float = LEVEL_PRIOR[0]
    s0: float = LEVEL_PRIOR[1]
    kappa: np.ndarray | None = None  # observation dispersion per point (None: all 1, binomial)
    reading: np.ndarray | None = None  # > 0: a rounded-Gaussian reading with this SD (kappa unused)
    drift: np.ndarray | None = None  # tau: per-day SD of the level's random walk (None: all 0, fixed level)

    def __post_init__(self) -> None:
        if self.kappa is None:
            object.__setattr__(self, "kappa", np.ones_like(self.phi))
        if self.reading is None:
            object.__setattr__(self, "reading", np.zeros_like(self.phi))
        if self.drift is None:
            object.__setattr__(self, "drift", np.zeros_like(self.phi))

    @property
    def size(self) -> int:
        return int(self.phi.size)


def make_grid(
    phis=PHI_GRID, sigmas=SIGMA_GRID, omegas=OMEGA_GRID, level_prior=LEVEL_PRIOR, kappas=(1.0,), readings=(),
    level_drift=0.0,
) -> Grid:
    """The (phi, sigma, omega, observation) grid with prior: uniform in phi and omega,
    half-normal in sigma, and ``KAPPA_ONE_PRIOR`` on the binomial (kappa = 1) when other
    observations are given (the other kappas and the rounded-Gaussian readings of SD
    ``readings`` share the rest evenly). ``level_drift``: tau, the per-day SD of the level's
    random walk, one value or several (a grid axis with a uniform prior); 0 = the level is
    fixed, the model until 2026-12-06; :data:`LEVEL_DRIFT_GRID` on the default grid."""
    taus = np.atleast_1d(np.asarray(level_drift, float)).ravel()
    if taus.size == 0 or not np.all(np.isfinite(taus) & (taus >= 0)):
        raise ValueError(f"level_drift must be per-day SDs >= 0 (logit scale), got {level_drift!r}")
    taus = np.unique(taus)
    # the observation varies slowest: each one is a contiguous block (see _layout)
    if any(not r > 0 for r in np.asarray(readings, float).ravel().tolist()):
        raise ValueError(f"readings must be SDs > 0 (itch points), got {list(readings)}")
    obs = [(float(k), 0.0) for k in sorted(set(np.asarray(kappas, float).tolist()))]
    obs += [(1.0, float(r)) for r in sorted(set(np.asarray(readings, float).tolist()))]
    K, P, S, O, D = np.meshgrid(
        np.arange(len(obs)), *(np.asarray(v, float) for v in (phis, sigmas, omegas)), taus, indexing="ij"
    )
    P, S, O, K, D = P.ravel(), S.ravel(), O.ravel(), K.ravel(), D.ravel()
    kap = np.array([obs[i][0] for i in K])
    rd = np.array([obs[i][1] for i in K])
    lp = -0.5 * (S / SIGMA_PRIOR_SCALE) ** 2
    if len(obs) > 1:
        is_binom = (kap == 1.0) & (rd == 0.0)
        if not np.any(is_binom):
            raise ValueError("kappas must include 1 (the binomial)")
        lp = lp + np.where(is_binom, math.log(KAPPA_ONE_PRIOR), math.log((1 - KAPPA_ONE_PRIOR) / (len(obs) - 1)))
    lp = lp - np.logaddexp.reduce(lp)
    return Grid(P, S, O, lp, float(level_prior[0]), float(level_prior[1]), kap, rd, D)


DEFAULT_GRID = make_grid(kappas=KAPPA_GRID, readings=READING_SD_GRID, level_drift=LEVEL_DRIFT_GRID)


@dataclass
class FilterState:
    """Gaussian state (z, m) per patient and grid point; arrays of shape (K, C)."""

    az: np.ndarray
    am: np.ndarray
    pzz: np.ndarray
    pzm: np.ndarray
    pmm: np.ndarray
    loglik: np.ndarray
    n_obs: np.ndarray  # (K,)

    def copy(self) -> FilterState:
        return FilterState(*(a.copy() for a in (self.az, self.am, self.pzz, self.pzm, self.pmm, self.loglik, self.n_obs)))

    def take(self, k: int) -> FilterState:
        return FilterState(*(a[k : k + 1] for a in (self.az, self.am, self.pzz, self.pzm, self.pmm, self.loglik, self.n_obs)))


# ---------------------------------------------------------------------------------------------
# the observation: itch as a binomial of 10 kappa trials on the 0-10 lattice
# ---------------------------------------------------------------------------------------------

_THETA = np.linspace(-40.0, 40.0, 8001)  # natural parameter kappa * u, tabulated every 0.01
_THETA_INV_STEP = (_THETA.size - 1) / (_THETA[-1] - _THETA[0])


class _Dispersion:
    """Log-partition ``A(theta) = log sum_y h(y) e^(theta y)`` of the kappa observation and its
    first two derivatives (the mean and variance of y), tabulated for interpolation;
    ``h(y) = C(10 kappa, kappa y)`` (gamma functions for non-integer kappa)."""

    def __init__(self, kappa: float) -> None:
        n = M * kappa
        self.kappa = kappa
        self.log_h = gammaln(n + 1) - gammaln(kappa * CATEGORIES + 1) - gammaln(n - kappa * CATEGORIES + 1)
        L = self.log_h[None, :] + _THETA[:, None] * CATEGORIES[None, :]
        self.A = np.logaddexp.reduce(L, axis=1)
        P = np.exp(L - self.A[:, None])
        self.mean = P @ CATEGORIES
        self.var = np.maximum(P @ CATEGORIES**2 - self.mean**2, 1e-12)

    def log_pmf(self, u: np.ndarray) -> np.ndarray:
        """log P(y = 0..10 | u), appended as the last axis (exact, not interpolated)."""
        L = self.log_h + (self.kappa * np.asarray(u, float))[..., None] * CATEGORIES
        L = L - L.max(axis=-1, keepdims=True)
        return L - np.log(np.exp(L).sum(axis=-1, keepdims=True))


@functools.lru_cache(maxsize=None)
def _dispersion(kappa: float) -> _Dispersion:
    """The tables of one kappa, built once per process."""
    return _Dispersion(kappa)


# the rounded-Gaussian reading: y = clip(round(10 logit^-1(u) + s e), 0, 10), e ~ N(0, 1)

_U = np.linspace(-12.0, 12.0, 4801)  # day logit u, tabulated every 0.005 (clamped outside)
_U_INV_STEP = (_U.size - 1) / (_U[-1] - _U[0])


def _log_interval(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """log(Phi(b) - Phi(a)) for a < b, accurate in both tails."""
    from scipy.special import log_ndtr

    with np.errstate(divide="ignore", invalid="ignore"):
        up = a > 0  # both in the upper tail: Phi(-a) - Phi(-b)
        hi = np.where(up, log_ndtr(-a), log_ndtr(b))
        lo = np.where(up, log_ndtr(-b), log_ndtr(a))
        return hi + np.log1p(-np.exp(np.minimum(lo - hi, -1e-300)))


def _reading_log_pmf(u: np.ndarray, sd: float) -> np.ndarray:
    """log P(y = 0..10 | u) of the rounded-Gaussian reading, appended as the last axis."""
    mu = M / (1.0 + np.exp(-np.asarray(u, float)))[..., None]
    lo = np.r_[-np.inf, CATEGORIES[1:] - 0.5]
    hi = np.r_[CATEGORIES[:-1] + 0.5, np.inf]
    return _log_interval((lo - mu) / sd, (hi - mu) / sd)


class _Reading:
    """Tables of the rounded-Gaussian reading with SD ``sd`` on the grid ``_U`` of day logits:
    per itch value y, ``log P(y | u)``, its derivative in u and the curvature
    ``-d^2 log P(y | u) / du^2`` (floored at 1e-6), for the Laplace filter.

    With ``mu = 10 logit^-1(u)``, ``a, b = (y -+ 1/2 - mu) / sd`` (the ends open at 0 and 10),
    ``P = Phi(b) - Phi(a)``: ``dlogP/dmu = (phi(a) - phi(b)) / (sd P)``,
    ``d2logP/dmu2 = (a phi(a) - b phi(b)) / (sd^2 P) - (dlogP/dmu)^2``, and the chain rule with
    ``mu' = 10 p (1 - p)``, ``mu'' = mu' (1 - 2p)``.
    """

    def __init__(self, sd: float) -> None:
        self.sd = sd
        p = 1.0 / (1.0 + np.exp(-_U))
        mu = M * p
        d1 = M * p * (1 - p)
        d2 = d1 * (1 - 2 * p)
        lo = np.r_[-np.inf, CATEGORIES[1:] - 0.5]
        hi = np.r_[CATEGORIES[:-1] + 0.5, np.inf]
        a = (lo[:, None] - mu[None, :]) / sd  # (11, n_u)
        b = (hi[:, None] - mu[None, :]) / sd
        lp = _log_interval(a, b)
        log_phi = lambda x: np.where(np.isinf(x), -np.inf, -0.5 * x * x - 0.5 * math.log(2 * math.pi))  # noqa: E731
        with np.errstate(invalid="ignore", over="ignore"):
            fa, fb = np.exp(log_phi(a) - lp), np.exp(log_phi(b) - lp)  # phi(.)/P
            afa = np.where(np.isinf(a), 0.0, a * fa)
            bfb = np.where(np.isinf(b), 0.0, b * fb)
        g_mu = (fa - fb) / sd
        h_mu = (afa - bfb) / sd**2 - g_mu**2
        self.lp = np.maximum(lp, -1e4)
        self.p_table = np.exp(self.lp).T.copy()  # (n_u, 11): P(y | u) for the forecasts
        self.g = g_mu * d1[None, :]
        self.h = np.maximum(-(h_mu * d1[None, :] ** 2 + g_mu * d2[None, :]), 1e-6)


    def pmf(self, u: np.ndarray) -> np.ndarray:
        """P(y = 0..10 | u), appended as the last axis: the tabulated pmf interpolated linearly
        (within 1e-4 of :func:`_reading_log_pmf`'s exact values, tested), renormalised."""
        x = np.clip((np.asarray(u, float) - _U[0]) * _U_INV_STEP, 0.0, _U.size - 1.000001)
        i = x.astype(np.int64)
        f = (x - i)[..., None]
        lo = self.p_table[i]
        p = lo + f * (self.p_table[i + 1] - lo)
        return p / p.sum(axis=-1, keepdims=True)


@functools.lru_cache(maxsize=None)
def _reading(sd: float) -> _Reading:
    """The tables of one reading SD, built once per process."""
    return _Reading(sd)


def observation_pmf(u: np.ndarray, kappa, reading=0.0) -> np.ndarray:
    """P(itch = 0..10 | day logit u) under dispersion ``kappa``, or, where ``reading`` > 0, the
    rounded-Gaussian reading of ``10 logit^-1(u)`` with that SD (both broadcast against ``u``),
    appended as the last axis; kappa = 1 (reading 0) is Binomial(10, logit^-1(u))."""
    u = np.asarray(u, float)
    k0, r0 = np.broadcast_arrays(np.asarray(kappa, float), np.asarray(reading, float))
    kinds = set(zip(k0.ravel().tolist(), r0.ravel().tolist())) or {(1.0, 0.0)}
    kap = np.broadcast_to(k0, u.shape)
    rd = np.broadcast_to(r0, u.shape)

    def pmf(kv: float, rv: float, us: np.ndarray) -> np.ndarray:
        if rv > 0:
            return _reading(rv).pmf(us)
        return _binom_pmf(1.0 / (1.0 + np.exp(-us))) if kv == 1.0 else np.exp(_dispersion(kv).log_pmf(us))

    if len(kinds) == 1:
        kv, rv = next(iter(kinds))
        return pmf(kv, rv, u)
    out = np.empty((*u.shape, M + 1))
    for kv, rv in kinds:
        sel = (kap == kv) & (rd == rv)
        out[sel] = pmf(kv, rv, u[sel])
    return out


def _contiguous(idx: np.ndarray):
    """A slice for consecutive indices (a view), else the index array; None when empty."""
    if idx.size == 0:
        return None
    if idx[-1] - idx[0] + 1 == idx.size:
        return slice(int(idx[0]), int(idx[-1]) + 1)
    return idx


@dataclass(frozen=True)
class _Layout:
    """Where the binomial points (kappa = 1) and the others sit on the grid, and for the others
    the offset of their dispersion's row in stacked, flattened tables, so every kappa > 1 is
    interpolated in one vectorised pass (this is the filter's per-day cost); the same for the
    rounded-Gaussian readings."""

    one: Any  # slice / index array of the kappa = 1 points, or None
    rest: Any  # the same for the others
    kappa: np.ndarray  # kappa of the ``rest`` points
    base: np.ndarray  # offset of each ``rest`` point's row in the tables
    mean: np.ndarray  # flat tables, one row of len(_THETA) per distinct kappa: E[y | theta],
    var: np.ndarray  # Var[y | theta]
    A: np.ndarray  # and the log-partition A(theta)
    log_h: np.ndarray  # one row of 11 per distinct kappa, flattened
    read: Any = None  # slice / index array of the reading points, or None
    read_sd: np.ndarray = field(default_factory=lambda: np.zeros(0))  # their SDs
    read_base: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # offset of their 11 x len(_U) block
    r_lp: np.ndarray = field(default_factory=lambda: np.zeros(0))  # flat tables: log P(y | u),
    r_g: np.ndarray = field(default_factory=lambda: np.zeros(0))  # its derivative in u,
    r_h: np.ndarray = field(default_factory=lambda: np.zeros(0))  # and the curvature


def _layout(kappa: np.ndarray, reading: np.ndarray | None = None) -> _Layout:
    kappa = np.asarray(kappa, float)
    reading = np.zeros_like(kappa) if reading is None else np.asarray(reading, float)
    is_read = reading > 0
    is_one = (kappa == 1.0) & ~is_read
    rest_idx = np.flatnonzero(~is_one & ~is_read)
    kv = kappa[rest_idx]
    distinct = sorted(set(kv.tolist()))
    ds = [_dispersion(k) for k in distinct]
    row = np.searchsorted(np.asarray(distinct, float), kv).astype(np.int64)
    read_idx = np.flatnonzero(is_read)
    rv = reading[read_idx]
    rdistinct = sorted(set(rv.tolist()))
    rs = [_reading(r) for r in rdistinct]
    rrow = np.searchsorted(np.asarray(rdistinct, float), rv).astype(np.int64)

    def flat(objs, name):
        return np.concatenate([getattr(d, name).ravel() for d in objs]) if objs else np.zeros(0)

    return _Layout(
        _contiguous(np.flatnonzero(is_one)), _contiguous(rest_idx), kv, row * _THETA.size,
        flat(ds, "mean"), flat(ds, "var"), flat(ds, "A"), flat(ds, "log_h"),
        _contiguous(read_idx), rv, rrow * ((M + 1) * _U.size), flat(rs, "lp"), flat(rs, "g"), flat(rs, "h"),
    )


def _interp(base: np.ndarray, th: np.ndarray, *tables: np.ndarray) -> list[np.ndarray]:
    """``tables`` (flat rows starting at ``base``, :class:`_Layout`) at natural parameters
    ``th``: linear interpolation on ``_THETA`` (step 0.01; clamped outside +-40, where y is
    0 or 10)."""
    return _interp_at(base, np.clip((th - _THETA[0]) * _THETA_INV_STEP, 0.0, _THETA.size - 1.000001), tables)


def _interp_at(base: np.ndarray, x: np.ndarray, tables: tuple[np.ndarray, ...]) -> list[np.ndarray]:
    """Linear interpolation of flat ``tables`` at fractional grid positions ``x`` of rows starting at ``base``."""
    i = x.astype(np.int64)
    f = x - i
    j = base + i
    out = []
    for t in tables:
        lo = t.take(j)
        out.append(lo + f * (t.take(j + 1) - lo))
    return out


def _laplace_observation(y, ao: np.ndarray, V: np.ndarray, lay: _Layout, newton: int):
    """Mode ``u`` of ``log P(y | u) - (u - ao)^2 / (2V)``, the curvature ``h`` of ``-log P(y | u)``
    there and ``log P(y | u)``, for observed itch ``y`` (a number, or (K, 1) for K series) and
    arrays ``ao``, ``V`` whose last axis is the grid (dispersions in ``lay``, :func:`_layout`).
    Newton's method from the Gaussian combination of the prior with the empirical logit (worth
    10 kappa trials)."""
    if np.ndim(y) == 0:
        y = float(y)
        el = math.log((y + 0.5) / (M - y + 0.5))
        yi = int(y)
    else:
        y = np.asarray(y, float)
        el = np.log((y + 0.5) / (M - y + 0.5))
        yi = y.astype(np.int64)
    eh = 1.0 / (1.0 / (y + 0.5) + 1.0 / (M - y + 0.5))
    iV = 1.0 / V
    u = np.empty_like(ao)
    h = np.empty_like(ao)
    lp = np.empty_like(ao)
    if lay.one is not None:
        sl = (..., lay.one)
        a, iv = ao[sl], iV[sl]
        ub = (a * iv + el * eh) / (iv + eh)
        for _ in range(newton):
            p = 1.0 / (1.0 + np.exp(-ub))
            mp = M * p
            ub = ub + (y - mp - (ub - a) * iv) / (mp * (1.0 - p) + iv)
        E = np.exp(-ub)
        q = 1.0 + E
        u[sl] = ub
        h[sl] = (M * E) / (q * q) + 1e-12
        lp[sl] = _LOG_BINOM[yi] - M * np.log1p(E) - (M - y) * ub
    if lay.rest is not None:
        sl, kv, base = (..., lay.rest), lay.kappa, lay.base
        a, iv = ao[sl], iV[sl]
        ub = (a * iv + el * eh * kv) / (iv + eh * kv)
        k2 = kv * kv
        for _ in range(newton):
            mean, var = _interp(base, kv * ub, lay.mean, lay.var)
            ub = ub + (kv * (y - mean) - (ub - a) * iv) / (k2 * var + iv)
        th = kv * ub
        var, A = _interp(base, th, lay.var, lay.A)
        u[sl] = ub
        h[sl] = k2 * var + 1e-12
        lp[sl] = lay.log_h[base // _THETA.size * (M + 1) + yi] + th * y - A
    if lay.read is not None:
        sl, sd = (..., lay.read), lay.read_sd
        a, iv = ao[sl], iV[sl]
        pe = (y + 0.5) / (M + 1.0)
        er = (M * pe * (1.0 - pe)) ** 2 / (sd * sd + 1.0 / 12.0)  # precision of the empirical logit
        ub = (a * iv + el * er) / (iv + er)
        row = lay.read_base + yi * _U.size
        for _ in range(newton + READING_EXTRA_NEWTON):
            g, hh = _interp_u(row, ub, lay.r_g, lay.r_h)
            ub = ub + (g - (ub - a) * iv) / (hh + iv)
        hh, lr = _interp_u(row, ub, lay.r_h, lay.r_lp)
        u[sl] = ub
        h[sl] = hh
        lp[sl] = lr
    return u, h, lp


READING_EXTRA_NEWTON = 2  # the reading's likelihood is flat-topped: two more Newton steps


def _interp_u(row: np.ndarray, u: np.ndarray, *tables: np.ndarray) -> list[np.ndarray]:
    """Reading ``tables`` (flat, rows starting at ``row``) at day logits ``u``: linear
    interpolation on ``_U`` (step 0.005, clamped outside +-12)."""
    return _interp_at(row, np.clip((u - _U[0]) * _U_INV_STEP, 0.0, _U.size - 1.000001), tables)


def _init_state(K: int, grid: Grid) -> FilterState:
    C = grid.size
    phi, sig = grid.phi, grid.sigma
    with np.errstate(divide="ignore"):
        dev = np.where(phi < 1, sig**2 / np.maximum(1 - phi**2, 1e-12), np.inf)
    dev = np.minimum(dev, INIT_DEV_VAR_MAX)
    s02 = grid.s0**2
    ones = np.ones((K, C))
    return FilterState(
        az=ones * grid.mu0,
        am=ones * grid.mu0,
        pzz=ones * (s02 + dev),
        pzm=ones * s02,
        pmm=ones * s02,
        loglik=np.zeros((K, C)),
        n_obs=np.zeros(K, dtype=np.int64),
    )


def _predict(st: FilterState, grid: Grid, steps: int = 1, drift=None) -> None:
    """Propagate the state; ``drift`` (K,) is a known shift of the latent (e.g. a treatment)."""
    phi, s2, t2 = grid.phi, grid.sigma**2, grid.drift**2
    a = 1 - phi
    for _ in range(steps):
        az = phi * st.az + a * st.am
        if drift is not None:
            az = az + drift[:, None]
        pzz = phi * phi * st.pzz + 2 * phi * a * st.pzm + a * a * st.pmm + s2 + t2
        pzm = phi * st.pzm + a * st.pmm + t2
        st.az, st.pzz, st.pzm, st.pmm = az, pzz, pzm, st.pmm + t2


def _update(st: FilterState, y: np.ndarray, grid: Grid, newton: int = 2, offset=None, layout=None) -> None:
    """Laplace (iterated-EKF) update with y (K,) where observed (nan = missing).

    ``offset`` (K,): a known shift of the day's logit (u_t = z_t + offset + omega nu_t).
    """
    obs = ~np.isnan(y)
    if not obs.any():
        return
    idx = slice(None) if obs.all() else np.flatnonzero(obs)
    yk = y[idx][:, None]
    az, pzz, pzm, pmm = st.az[idx], st.pzz[idx], st.pzm[idx], st.pmm[idx]
    if offset is not None:
        az = az + offset[idx][:, None]
    om2 = grid.omega**2
    V = pzz + om2
    u, h, lp = _laplace_observation(yk, az, V, layout or _layout(grid.kappa, grid.reading), newton)
    h = np.maximum(h, 1e-9)
    ll = lp - (u - az) ** 2 / (2 * V) - 0.5 * np.log1p(h * V)
    ytil = u + (u - az) / (h * V)
    r = 1.0 / h + om2
    S = pzz + r
    e = ytil - az
    kz, km = pzz / S, pzm / S
    new = (st.az[idx] + kz * e, st.am[idx] + km * e, pzz - pzz * kz, pzm - pzm * kz, pmm - pzm * km)
    st.az[idx], st.am[idx], st.pzz[idx], st.pzm[idx], st.pmm[idx] = new
    st.loglik[idx] += ll
    st.n_obs[idx] += 1


def run_filter(
    Y: np.ndarray, grid: Grid = DEFAULT_GRID, snapshots=None, offset=None, drift=None
) -> tuple[FilterState, dict[int, FilterState]]:
    """Filter itch matrix ``Y`` (K patients x T days on each patient's own day grid, nan = missing).

    Returns the state after the last day and copies of the state after each day index in
    ``snapshots`` (an iterable of ints). Optional known covariate terms, arrays (K, T):
    ``offset`` shifts day t's logit, ``drift`` shifts the latent on the step into day t.
    """
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    K, T = Y.shape
    st = _init_state(K, grid)
    want = set(int(s) for s in snapshots) if snapshots is not None else set()
    snaps: dict[int, FilterState] = {}
    lay = _layout(grid.kappa, grid.reading)
    for t in range(T):
        if t > 0:
            _predict(st, grid, drift=None if drift is None else drift[:, t])
        _update(st, Y[:, t], grid, offset=None if offset is None else offset[:, t], layout=lay)
        if t in want:
            snaps[t] = st.copy()
    return st, snaps


def filter_series(
    y: np.ndarray,
    grid: Grid = DEFAULT_GRID,
    newton: int = 2,
    offset=None,
    drift=None,
) -> FilterState:
    """The same filter as :func:`run_filter` for one series, compiled (request path).

    Identical mathematics, run by :func:`gutskin.insights.kernels.grid_filter`: each grid point
    is an independent scalar recursion over the days. ``offset``/``drift`` (T,): known
    covariate terms as in :func:`run_filter`.
    """
    y = np.asarray(y, dtype=float)
    T = y.size
    st = _init_state(1, grid)
    lay = _layout(grid.kappa, grid.reading)
    base = np.full(grid.size, -1, dtype=np.int64)
    if lay.rest is not None:
        base[lay.rest] = lay.base
    read_base = np.full(grid.size, -1, dtype=np.int64)
    read_sd = np.zeros(grid.size)
    if lay.read is not None:
        read_base[lay.read] = lay.read_base
        read_sd[lay.read] = lay.read_sd
    zeros = np.zeros(T)
    out, n_obs = kernels.grid_filter(
        y,
        zeros if offset is None else np.asarray(offset, float),
        zeros if drift is None else np.asarray(drift, float),
        grid.phi, grid.sigma**2, grid.omega**2, np.asarray(grid.kappa, float), base,
        np.asarray(grid.drift, float) ** 2,
        lay.mean, lay.var, lay.A, lay.log_h, _LOG_BINOM,
        float(_THETA[0]), float(_THETA_INV_STEP), int(_THETA.size),
        np.vstack([st.az[0], st.am[0], st.pzz[0], st.pzm[0], st.pmm[0]]),
        int(newton),
        read_base, read_sd, lay.r_lp, lay.r_g, lay.r_h,
        float(_U[0]), float(_U_INV_STEP), int(_U.size), int(newton + READING_EXTRA_NEWTON),
    )
    st.az[0], st.am[0], st.pzz[0], st.pzm[0], st.pmm[0], st.loglik[0] = out
    st.n_obs[0] = n_obs
    return st


def grid_weights(st: FilterState, grid: Grid) -> np.ndarray:
    """Posterior weights over the grid, (K, C)."""
    lw = st.loglik + grid.log_prior
    lw = lw - lw.max(axis=1, keepdims=True)
    w = np.exp(lw)
    return w / w.sum(axis=1, keepdims=True)


def _binom_pmf(p: np.ndarray) -> np.ndarray:
    """Binomial(M, p) pmf over 0..M, appended as the last axis."""
    p = np.clip(p, 1e-12, 1 - 1e-12)[..., None]
    return np.exp(_LOG_BINOM + CATEGORIES * np.log(p) + (M - CATEGORIES) * np.log1p(-p))


def predictive(
    st: FilterState,
    grid: Grid,
    steps,
    weights=None,
    prune: float = 0.999,
    offset=None,
    drift=None,
    offset_var=None,
) -> np.ndarray:
    """Predictive pmf of itch ``steps`` days ahead of the state: array (K, len(steps), 11).

    ``steps``: increasing positive ints (days after the state's day). Grid points are pruned
    to those carrying ``prune`` of the posterior weight. ``offset``/``drift`` (K, max(steps)):
    expected covariate terms of the future days (column h-1 for day h); ``offset_var`` (K,
    max(steps)): their variance (unknown future exposures, uncertain effects), added to the
    day's logit variance.
    """
    steps = [int(s) for s in steps]
    K = st.az.shape[0]
    w = grid_weights(st, grid) if weights is None else weights
    out = np.zeros((K, len(steps), M + 1))
    for k in range(K):
        order = np.argsort(-w[k])
        cw = np.cumsum(w[k][order])
        keep = order[: int(np.searchsorted(cw, prune)) + 1]
        wk = w[k][keep] / w[k][keep].sum()
        phi, s2, om2 = grid.phi[keep], grid.sigma[keep] ** 2, grid.omega[keep] ** 2
        t2 = grid.drift[keep] ** 2
        kap = grid.kappa[keep][:, None]
        rdg = grid.reading[keep][:, None]
        az, am = st.az[k, keep].copy(), st.am[k, keep].copy()
        pzz, pzm, pmm = st.pzz[k, keep].copy(), st.pzm[k, keep].copy(), st.pmm[k, keep]
        done = 0
        for i, s in enumerate(steps):
            a = 1 - phi
            while done < s:
                dr = 0.0 if drift is None else drift[k, done]
                az, pzz, pzm, pmm = (
                    phi * az + a * am + dr,
                    phi * phi * pzz + 2 * phi * a * pzm + a * a * pmm + s2 + t2,
                    phi * pzm + a * pmm + t2,
                    pmm + t2,
                )
                done += 1
            sd = np.sqrt(pzz + om2 + (0.0 if offset_var is None else offset_var[k, s - 1]))
            off = 0.0 if offset is None else offset[k, s - 1]
            u = off + az[:, None] + math.sqrt(2.0) * sd[:, None] * _GH_X[None, :]
            pm = observation_pmf(u, kap, rdg)  # (C', N, 11)
            out[k, i] = np.einsum("c,n,cnj->j", wk, _GH_W / math.sqrt(math.pi), pm)
    out /= out.sum(axis=2, keepdims=True)
    return out


def predictive_fast(
    st: FilterState, grid: Grid, steps, prune: float = 0.999, offset=None, drift=None, offset_var=None
) -> np.ndarray:
    """:func:`predictive` for one series (``st`` of one patient), the loop compiled
    (:func:`gutskin.insights.kernels.predictive_mix`): array (len(steps), 11). The same pruning,
    propagation, quadrature and mixture; equal to :func:`predictive` up to the order of the sums
    (tested; 2026-12-07, for forward chaining, which calls it once per patient and origin).
    ``offset``/``drift``/``offset_var``: (max(steps),) or None. A grid with binomial
    dispersions other than 1 goes through :func:`predictive`."""
    steps_a = np.asarray([int(s) for s in steps], dtype=np.int64)
    if np.any((grid.kappa != 1.0) & (grid.reading <= 0)):
        return predictive(
            st, grid, steps_a.tolist(), prune=prune,
            **{k: None if v is None else np.asarray(v, float)[None] for k, v in
               (("offset", offset), ("drift", drift), ("offset_var", offset_var))},
        )[0]
    w = grid_weights(st, grid)[0]
    order = np.argsort(-w)
    cw = np.cumsum(w[order])
    keep = order[: int(np.searchsorted(cw, prune)) + 1]
    wk = w[keep] / w[keep].sum()
    n = int(steps_a.max()) if steps_a.size else 0
    zeros = np.zeros(n)

    def days(v):
        return zeros if v is None else np.ascontiguousarray(np.asarray(v, float)[:n])

    rd = grid.reading[keep]
    r_base = np.zeros(keep.size, dtype=np.int64)
    sds = sorted(set(rd[rd > 0].tolist()))
    tables = [_reading(sd).p_table.ravel() for sd in sds]
    for i, sd in enumerate(sds):
        r_base[rd == sd] = i * _U.size * (M + 1)
    r_p = np.concatenate(tables) if tables else np.zeros(0)
    return kernels.predictive_mix(
        wk, grid.phi[keep], grid.sigma[keep] ** 2, grid.omega[keep] ** 2, grid.drift[keep] ** 2,
        np.ascontiguousarray(rd, dtype=float),
        st.az[0, keep], st.am[0, keep], st.pzz[0, keep], st.pzm[0, keep], st.pmm[0, keep],
        steps_a, days(offset), days(offset_var), days(drift),
        _GH_X, _GH_W / math.sqrt(math.pi), _LOG_BINOM, r_p, r_base,
        float(_U[0]), float(_U_INV_STEP), int(_U.size),
    )


def sample_paths(
    st: FilterState,
    grid: Grid,
    steps: int,
    n: int = 2000,
    seed: int = 0,
    offset=None,
    drift=None,
    offset_var=None,
) -> np.ndarray:
    """Joint predictive samples of itch for days 1..steps: array (n, steps) for one patient.

    ``offset``/``drift``/``offset_var`` (steps,): the future covariate terms as in
    :func:`predictive` (the offset's variance is drawn independently per day)."""
    rng = np.random.default_rng(seed)
    w = grid_weights(st, grid)[0]
    c = rng.choice(w.size, size=n, p=w)
    az, am = st.az[0, c], st.am[0, c]
    pzz, pzm, pmm = st.pzz[0, c], st.pzm[0, c], st.pmm[0, c]
    # draw (z, m) from the bivariate normal
    e1, e2 = rng.standard_normal(n), rng.standard_normal(n)
    l11 = np.sqrt(np.maximum(pzz, 1e-12))
    l21 = pzm / l11
    l22 = np.sqrt(np.maximum(pmm - l21**2, 0.0))
    z = az + l11 * e1
    m = am + l21 * e1 + l22 * e2
    phi, sig, om, kap, rdg = grid.phi[c], grid.sigma[c], grid.omega[c], grid.kappa[c], grid.reading[c]
    tau = grid.drift[c]
    drifts = bool(np.any(tau > 0))  # a fixed level draws nothing for it: the same paths as before 2026-12-06
    out = np.empty((n, steps))
    for h in range(steps):
        m_next = m + tau * rng.standard_normal(n) if drifts else m  # the level's random walk
        z = m_next + phi * (z - m) + sig * rng.standard_normal(n)
        m = m_next
        if drift is not None:
            z = z + drift[h]
        u = z + om * rng.standard_normal(n)
        if offset is not None:
            u = u + offset[h]
        if offset_var is not None:
            u = u + math.sqrt(max(float(offset_var[h]), 0.0)) * rng.standard_normal(n)
        cdf = np.cumsum(observation_pmf(u, kap, rdg), axis=1)
        out[:, h] = np.minimum((rng.random(n)[:, None] > cdf).sum(axis=1), M)
    return out


# ---------------------------------------------------------------------------------------------
# BinAR1-X: lagged factor exposures as known shifts of the day's logit
# ---------------------------------------------------------------------------------------------

OBS_LAGS = (0, 1, 2, 3)  # a factor logged on day t - l shifts the logit of day t (reference §4.3, §5)
TAU_RIDGE = 0.25  # prior SD of one factor-lag effect in the joint (ridge) fit, logit scale
SLAB_SD = 0.6  # spike-and-slab: SD of a real factor-lag effect (logit; ~1-2 itch points mid-range)
SLAB_PRIOR = 0.08  # prior probability that a factor-lag effect is real (~1 factor in 4, at one lag)
EFFECT_THETA = (0.8, 0.3, 0.3)  # (phi, sigma, omega) at which the effects are estimated


@dataclass
class CovariateFit:
    """Covariate term of BinAR1-X for one series (arrays on the patient's day grid).

    ``offset[t] = sum_{f,l} beta_{f,l} x_{f,t-l}`` over factors f and lags l = 0..3
    (treatments: lags 1..3 only, same-day use being a response to the day's itch);
    ``future_offset[h-1]`` is its expected value h days after the last day and
    ``future_var[h-1]`` its variance from the exposures not yet known.
    """

    names: list[str]  # the factors with an effect column (those that vary)
    beta: np.ndarray  # (len(names), len(OBS_LAGS)) posterior means (logit scale)
    beta_var: np.ndarray  # their posterior variances
    offset: np.ndarray  # (T,)
    future_offset: np.ndarray  # (steps,)
    future_var: np.ndarray  # (steps,)
    future_design: np.ndarray | None = None  # (steps, p): the coded exposures behind future_offset
    future_design_var: np.ndarray | None = None  # (steps, p): their variances (0 = known)
    coding: tuple[np.ndarray, np.ndarray] | None = None  # (center, scale) of each factor in names
    code_limit: np.ndarray | None = None  # cap of each factor's coded values (code_limits)
    copies: dict[str, tuple[str, float, float, float, float]] = field(default_factory=dict)
    """Factors left out as exact copies of one in ``names``: member -> (that factor, slope,
    intercept of member's coded values on its, member's center, scale)."""

    def planned(self, plan: Mapping[str, Sequence[float | None]]) -> tuple[np.ndarray, np.ndarray]:
        """``(future_offset, future_var)`` when some coming exposures are known in advance.

        ``plan``: factor -> raw values for days 1, 2, ... after the last diary day (None or nan
        = not planned, expected as without a plan). A planned exposure enters like a logged one:
        its coded value, no variance. Factors without an effect column (constant so far) and
        days beyond the horizon are ignored. Day h's offset sums lags 0..3, so a plan for day
        k moves the forecast of days k..k+3 (treatments k+1..k+3).
        """
        assert self.future_design is not None and self.future_design_var is not None and self.coding is not None
        fo, fv = self.future_design.copy(), self.future_design_var.copy()
        steps, L = fo.shape[0], len(OBS_LAGS)
        center, scale = self.coding
        plan = dict(plan)
        for member, (rep, slope, icpt, cm, sm) in self.copies.items():  # a copy's plan is its factor's
            if member in plan and rep not in plan and rep in self.names:
                i = self.names.index(rep)
                plan[rep] = [None if v is None or v != v else ((float(v) - cm) / sm - icpt) / slope * scale[i] + center[i]
                             for v in plan[member]]
        for i, name in enumerate(self.names):
            if name not in plan:
                continue
            vals = np.array([np.nan if v is None else float(v) for v in plan[name]], float)[:steps]
            for k in np.flatnonzero(~np.isnan(vals)) + 1:  # days after the last day
                lim = self.code_limit[i] if self.code_limit is not None else CODE_LIMIT
                coded = float(np.clip((vals[k - 1] - center[i]) / scale[i], -lim, lim))
                for li, lag in enumerate(OBS_LAGS):
                    h = k + lag
                    if h <= steps and (lag > 0 or not name.startswith("treat.")):
                        fo[h - 1, i * L + li] = coded
                        fv[h - 1, i * L + li] = 0.0
        b = self.beta.reshape(-1)
        return fo @ b, fv @ (b**2)

    def effects(self) -> dict[str, tuple[float, int]]:
        """Per factor, the largest-magnitude effect (logit) and its lag."""
        out = {}
        for i, f in enumerate(self.names):
            li = int(np.argmax(np.abs(self.beta[i])))
            out[f] = (float(self.beta[i, li]), OBS_LAGS[li])
        return out


CODE_LIMIT = 20.0
"""Coded doses are capped at ``max(20, 3 × the 95th percentile of |coded|)`` of their own
series: one mistyped amount (an emollient count of 1,000,000,000) otherwise turned the logit
into nonsense -- a flare risk of 100 % or NaN probabilities (found by the web review, session 5)
-- while a pollen season, whose peaks lie far beyond 20 interquartile ranges of a mostly-zero
series, keeps its dose-response (a flat cap of 20 cost 0.25 % RPS on the synthetic bench)."""


def _shared_rows(A: np.ndarray) -> np.ndarray | None:
    """The rows where every column of ``A`` is logged, when every column is logged on exactly
    those rows (a diary's factors are usually all logged or all missing on a day), else None.
    Then a percentile along axis 0 is each column's own percentile (NumPy takes and
    interpolates the same elements), so :func:`code_limits` and :func:`factor_coding` make one
    call instead of one per factor (2026-12-07, forward chaining's speed)."""
    nan = np.isnan(A)
    rows = ~nan.any(axis=1)
    if A.shape[1] and not np.array_equal(nan, np.broadcast_to(~rows[:, None], A.shape)):
        return None
    return rows


def code_limits(C: np.ndarray) -> np.ndarray:
    """Per column of coded values (days x factors, nan = missing): the cap of :data:`CODE_LIMIT`."""
    C = np.asarray(C, float).reshape(C.shape[0], -1)
    out = np.full(C.shape[1], CODE_LIMIT)
    rows = _shared_rows(C)
    if rows is not None:  # every column logged on the same days: one call (the same numbers)
        if rows.any():
            out = np.maximum(CODE_LIMIT, 3.0 * np.percentile(np.abs(C[rows]), 95, axis=0))
        return out
    for j in range(C.shape[1]):
        v = np.abs(C[~np.isnan(C[:, j]), j])
        if v.size:
            out[j] = max(CODE_LIMIT, 3.0 * float(np.percentile(v, 95)))
    return out


def code_factors(G: np.ndarray) -> np.ndarray:
    """Coded factor values (days x factors, nan = missing) for the forecast's offset.

    A factor logged only as 0/1 stays 0/1 ("exposed that day"). Any other factor is a dose and
    keeps its dose-response: ``(x - median) / IQR``, or ``(x - median) / SD`` when the IQR is 0 --
    a pollen count that is 0 for most of the year, whose few season days carry all the
    information. (The trigger finder, :mod:`gutskin.insights.triggers`, codes such zero-heavy
    doses as exposed/unexposed instead: its verdicts are per exposure, and 0 vs > 0 is what a
    patient can act on; a forecast needs how *much* pollen tomorrow brings.)
    """
    G = np.asarray(G, float)
    center, scale = factor_coding(G)
    C = (G - center[None, :]) / scale[None, :]
    lim = code_limits(C)
    return np.clip(C, -lim[None, :], lim[None, :])


def factor_coding(G: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(center, scale)`` per column of raw factor values (days x factors, nan = missing) such
    that :func:`code_factors` is ``(x - center) / scale``: (0, 1) for a 0/1 factor or one never
    logged, (median, IQR or SD) for a dose, (median, inf) for a dose that never varies (coded 0).
    Kept apart so that values not in the diary yet (a plan) are coded the same way."""
    G = np.asarray(G, float).reshape(G.shape[0], -1)
    F = G.shape[1]
    center, scale = np.zeros(F), np.ones(F)
    rows = _shared_rows(G)
    qs = None
    if rows is not None and rows.any() and F:  # every column logged on the same days: one call
        qs = np.percentile(G[rows], [25, 50, 75], axis=0)
    for j in range(F):
        v = G[~np.isnan(G[:, j]), j]
        if v.size == 0 or np.all((v == 0) | (v == 1)):
            continue
        q25, q50, q75 = qs[:, j] if qs is not None else np.percentile(v, [25, 50, 75])
        sd = float(q75 - q25) if q75 > q25 else float(v.std())
        center[j], scale[j] = q50, (sd if sd > 0 else np.inf)
    return center, scale


def _persistence(x: np.ndarray) -> tuple[float, float, float]:
    """(mean, lag-1 autocorrelation clipped to [0, 0.95], variance) of a coded series with
    gaps (nan); pairs of consecutive logged days give the autocorrelation."""
    obs = ~np.isnan(x)
    if not obs.any():
        return 0.0, 0.0, 0.0
    mean = float(x[obs].mean())
    both = obs[1:] & obs[:-1]
    rho = 0.0
    if both.sum() >= 5:
        a, b = x[:-1][both] - mean, x[1:][both] - mean
        den = math.sqrt(float((a * a).sum() * (b * b).sum()))
        rho = float(np.clip((a * b).sum() / den, 0.0, 0.95)) if den > 0 else 0.0
    return mean, rho, float(x[obs].var())


SMOOTHING_ALPHAS = (0.1, 0.2, 0.35)  # exponential smoothing weights tried for a drifting level
BACKTEST_MIN_DAYS = 21  # logged days before the exposure predictors are compared on the past


def exposure_outlook(X: np.ndarray, steps: int, persistence=None) -> tuple[np.ndarray, np.ndarray]:
    """Expected value and variance of coded factors 1..``steps`` days after the series ends.

    ``X``: (T,) or (T, F) coded factor values, nan = not logged. Returns ``(mean, var)`` of
    shape (steps,) or (steps, F).

    Two kinds of predictor compete per factor: lag-1 persistence, ``mean + rho^k (x_last -
    mean)`` -- a habit that repeats yesterday and forgets (exact for the sticky 0/1 chains of
    diet, dust, sweat) -- and exponential smoothing ``L_t = L_{t-1} + alpha (x_t - L_{t-1})`` at
    each of :data:`SMOOTHING_ALPHAS`, which follows a level that drifts -- a pollen season,
    whose daily counts scatter widely around a slowly moving curve, so yesterday's count says
    little and the overall mean is wrong all season. Each predictor is scored on the factor's
    own past, forecasting every logged day from each origin ``k`` = 1..``steps`` days before
    (time-series cross-validation; Hyndman & Athanasopoulos, *Forecasting: Principles and
    Practice*, 3rd ed., §5.10); the one with the smallest summed squared error is used, and its
    error at ``k`` is the variance. A factor with fewer than :data:`BACKTEST_MIN_DAYS` +
    ``steps`` logged days uses persistence with its AR(1) variance ``var (1 - rho^(2k))``.
    Unlogged days are skipped (smoothing keeps its level; a gap of ``g`` days ages persistence
    by ``g``). ``persistence``: the columns' :func:`_persistence` when the caller has them.
    """
    X = np.asarray(X, float)
    one = X.ndim == 1
    X = X.reshape(X.shape[0], -1)
    T, F = X.shape
    ks = np.arange(1, steps + 1)
    obs = ~np.isnan(X)
    if persistence is None:
        persistence = [_persistence(X[:, j]) for j in range(F)]
    stats = np.array(persistence, float).reshape(F, 3)
    mean, rho, var = stats[:, 0], stats[:, 1], stats[:, 2]
    pos = np.maximum.accumulate(np.where(obs, np.arange(T)[:, None], -1), axis=0)
    xff = np.where(pos >= 0, X[np.maximum(pos, 0), np.arange(F)[None, :]], mean[None, :])
    age = np.arange(T)[:, None] - pos  # days since the last logged value
    kk = ks[:, None] + age[-1][None, :]
    out_m = mean + rho**kk * (xff[-1] - mean)
    out_v = var * (1 - rho ** (2 * kk))
    long = obs.sum(axis=0) >= BACKTEST_MIN_DAYS + steps
    if T and long.any():
        al = np.asarray(SMOOTHING_ALPHAS)[:, None]
        # the levels of every alpha, factor and day: a compiled loop since 2026-12-07 (the NumPy
        # loop over the days was a quarter of forward chaining's time), the same arithmetic
        lev = kernels.smoothed_levels(np.ascontiguousarray(X), np.asarray(SMOOTHING_ALPHAS, float))
        ready = np.cumsum(obs, axis=0) >= BACKTEST_MIN_DAYS  # origins with enough past
        err = np.zeros((1 + al.shape[0], steps, F))
        with np.errstate(invalid="ignore"):
            for k in ks:
                ok = ready[: T - k] & obs[k:]
                n = np.maximum(ok.sum(axis=0), 1)
                target = np.where(ok, X[k:], 0.0)
                ar = mean + rho ** (k + age[: T - k]) * (xff[: T - k] - mean)
                err[0, k - 1] = np.where(ok, (target - ar) ** 2, 0.0).sum(axis=0) / n
                err[1:, k - 1] = np.where(ok[None], (target[None] - lev[:, : T - k]) ** 2, 0.0).sum(axis=1) / n
        best = np.argmin(err.sum(axis=1), axis=0)  # (F,)
        for j in np.flatnonzero(long):
            if best[j] > 0:
                out_m[:, j] = lev[best[j] - 1, -1, j]
            out_v[:, j] = err[best[j], :, j]
    no_data = ~obs.any(axis=0)
    out_m[:, no_data], out_v[:, no_data] = 0.0, 0.0
    return (out_m[:, 0], out_v[:, 0]) if one else (out_m, out_v)


def fit_effects(
    y: np.ndarray,
    X: np.ndarray,
    phi: float,
    sigma: float,
    omega: float,
    level_prior=LEVEL_PRIOR,
    tau: float = TAU_RIDGE,
    newton: int = 2,
) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and covariance of the effects ``beta`` of the design ``X`` (T, p).

    The Laplace-Kalman filter of BinAR1 at one ``(phi, sigma, omega)`` with the effects
    appended to the state as constants: state ``(z, m, beta)``, prior ``beta ~ N(0, tau^2 I)``,
    day t's logit ``z_t + X[t] . beta``. Only the z row of the transition differs from the
    identity, so a day costs O(d^2), d = p + 2. Causal: uses the days given only. Compiled:
    :func:`gutskin.insights.kernels.effects_filter`.
    """
    mu0, s0 = level_prior
    dev = min(sigma**2 / max(1 - phi**2, 1e-12), INIT_DEV_VAR_MAX) if phi < 1 else INIT_DEV_VAR_MAX
    return kernels.effects_filter(
        np.asarray(y, float), np.ascontiguousarray(X, dtype=float), float(phi), float(sigma), float(omega),
        float(mu0), float(s0), float(tau), float(dev), int(newton),
    )


def spike_slab(
    m: np.ndarray, v: np.ndarray, tau: float, slab: float | None = None, prior: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Sparse effects from ridge posteriors ``N(m, v)`` (prior ``N(0, tau^2)``), one at a time.

    The ridge prior is divided out (likelihood ``b ~ N(beta, s^2)``, ``1/s^2 = 1/v - 1/tau^2``);
    each effect then gets the two-groups prior ``(1 - prior) delta_0 + prior N(0, slab^2)``
    (Efron 2010, as the trigger finder). Returns posterior means and variances.
    """
    slab = SLAB_SD if slab is None else slab
    prior = SLAB_PRIOR if prior is None else prior
    lam = np.maximum(1.0 / np.maximum(v, 1e-12) - 1.0 / tau**2, 1e-6)
    s2 = 1.0 / lam
    b = m / (v * lam)
    t2 = slab**2
    log_bf = -0.5 * np.log1p(t2 / s2) + 0.5 * b * b * (1.0 / s2 - 1.0 / (t2 + s2))
    pin = 1.0 / (1.0 + (1 - prior) / prior * np.exp(-np.minimum(log_bf, 700)))
    post_v = 1.0 / (1.0 / t2 + lam)
    post_m = post_v * b * lam
    mean = pin * post_m
    return mean, pin * (post_v + post_m**2) - mean**2


def fit_covariates(
    y: np.ndarray, G: np.ndarray, names, steps: int, theta=EFFECT_THETA, grid: Grid = DEFAULT_GRID
) -> CovariateFit | None:
    """Estimate the factor term of a series ``y`` (T,) with raw factor values ``G`` (T, F).

    Factors are coded (:func:`code_factors`; a missing value takes the factor's mean), lagged
    0..3 days (treatments 1..3), the effects estimated jointly by :func:`fit_effects` at
    ``theta`` and made sparse by :func:`spike_slab`. Future exposures come from
    :func:`exposure_outlook` (a habit's persistence or a season's smoothed level, whichever
    predicted this factor's own past better); lagged exposures already logged are known.
    Returns None when no factor varies.
    """
    names = list(names)
    y = np.asarray(y, float)
    T = y.size
    if not names or T == 0:
        return None
    G = np.asarray(G, float).reshape(T, len(names))
    center, scale = factor_coding(G)
    C = (G - center[None, :]) / scale[None, :]
    limit = code_limits(C)
    C = np.clip(C, -limit[None, :], limit[None, :])
    stats = [_persistence(C[:, j]) for j in range(len(names))]
    live = [j for j in range(len(names)) if stats[j][2] > 1e-12]
    if not live:
        return None
    # a factor logged on exactly the days of another (cake with dairy) is the same column: two
    # columns split one effect under two priors (the pair's effect came out ~1.4x the factor's
    # alone, messy-diaries walk 2026-12-06), so the first stands for both; a plan for the
    # other is translated to it (``copies``: member -> (rep, slope, intercept) of the coded values)
    fill_all = np.array([stats[j][0] for j in range(len(names))])
    Cl = np.where(np.isnan(C[:, live]), fill_all[live][None, :], C[:, live])
    copies: dict[str, tuple[str, float, float]] = {}
    for a, members in together_groups(Cl):
        ja = live[a]
        for b, _same in members:
            jb = live[b]
            if names[jb].startswith("treat.") != names[ja].startswith("treat."):
                continue  # different lags (treatments have no same-day column): keep both
            slope, icpt = np.polyfit(Cl[:, a], Cl[:, b], 1)
            copies[names[jb]] = (names[ja], float(slope), float(icpt))
    live = [j for j in live if names[j] not in copies]
    L = len(OBS_LAGS)
    fill = np.array([stats[j][0] for j in live])
    Cf = np.where(np.isnan(C[:, live]), fill[None, :], C[:, live])
    X = np.empty((T, len(live) * L))
    lag_ok = np.ones(len(live) * L, bool)
    for i, j in enumerate(live):
        for li, lag in enumerate(OBS_LAGS):
            col = np.full(T, fill[i])
            col[lag:] = Cf[: T - lag, i]
            X[:, i * L + li] = col
            if lag == 0 and names[j].startswith("treat."):
                lag_ok[i * L + li] = False
    X[:, ~lag_ok] = 0.0  # no column: the effect stays exactly 0
    mean, cov = fit_effects(y, X, *theta, level_prior=(grid.mu0, grid.s0))
    beta, bvar = spike_slab(mean, np.diag(cov).copy(), TAU_RIDGE)
    beta[~lag_ok], bvar[~lag_ok] = 0.0, 0.0
    # the coming days: logged lagged exposures are known, the others expected
    fo = np.zeros((steps, X.shape[1]))
    fv = np.zeros((steps, X.shape[1]))
    EM, EV = exposure_outlook(C[:, live], steps, persistence=[stats[j] for j in live])
    for i in range(len(live)):
        em, ev = EM[:, i], EV[:, i]
        for li, lag in enumerate(OBS_LAGS):
            for h in range(1, steps + 1):
                k = h - lag  # days after the last day
                if k <= 0:
                    fo[h - 1, i * L + li] = Cf[T - 1 + k, i] if T - 1 + k >= 0 else fill[i]
                else:
                    fo[h - 1, i * L + li] = em[k - 1]
                    fv[h - 1, i * L + li] = ev[k - 1]
    return CovariateFit(
        names=[names[j] for j in live],
        beta=beta.reshape(len(live), L),
        beta_var=bvar.reshape(len(live), L),
        offset=X @ beta,
        future_offset=fo @ beta,
        future_var=fv @ (beta**2),
        future_design=fo,
        future_design_var=fv,
        coding=(center[live], scale[live]),
        code_limit=limit[live],
        copies={m: (rep, sl, ic, float(center[names.index(m)]), float(scale[names.index(m)]))
                for m, (rep, sl, ic) in copies.items()},
    )


# ---------------------------------------------------------------------------------------------
# plain-data API
# ---------------------------------------------------------------------------------------------


@dataclass
class ForecastDay:
    date: dt.date
    probabilities: list[float]  # P(itch = 0..10), sums to 1
    mean: float
    median: int
    bands: dict[str, tuple[int, int]]  # central intervals: "50", "80", "95" -> (low, high), inclusive
    p_severe: float  # P(itch >= FLARE_THRESHOLD) that day

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "probabilities": self.probabilities,
            "mean": self.mean,
            "median": self.median,
            "bands": {k: list(v) for k, v in self.bands.items()},
            "p_severe": self.p_severe,
        }


@dataclass
class PatientForecast:
    patient: str
    origin: dt.date  # the patient's last diary row
    days: list[ForecastDay]
    flare_risk: float  # P(at least one day with itch >= flare_threshold within the horizon)
    flare_threshold: int = FLARE_THRESHOLD
    n_observed: int = 0  # itch scores the fit used
    # posterior means of phi, sigma, omega, kappa, the reading SD (0 = not a reading) and the
    # level; p_binomial: posterior probability of the binomial observation
    model: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "patient": self.patient,
            "origin": self.origin.isoformat(),
            "days": [d.to_dict() for d in self.days],
            "flare_risk": self.flare_risk,
            # the window flare_risk is over (days after origin); the JSON gave the chance with no
            # horizon beside it until 2026-12-06 (wording review)
            "horizon_days": len(self.days),
            "flare_threshold": self.flare_threshold,
            "n_observed": self.n_observed,
            "model": self.model,
        }


def _interval(cdf: np.ndarray, level: float) -> tuple[int, int]:
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    lo = int(np.searchsorted(cdf, lo_q - 1e-12))
    hi = int(np.searchsorted(cdf, hi_q - 1e-12))
    return lo, min(hi, M)


def _day(date: dt.date, p: np.ndarray) -> ForecastDay:
    p = np.clip(p, 0, None)
    p = p / p.sum()
    cdf = np.cumsum(p)
    probs = [float(x) for x in np.round(p, 6)]
    # keep the rounded list summing to 1 exactly enough for consumers
    i = int(np.argmax(p))
    probs[i] = round(probs[i] + 1.0 - sum(probs), 9)
    return ForecastDay(
        date=date,
        probabilities=probs,
        mean=round(float(p @ CATEGORIES), 3),
        median=int(np.searchsorted(cdf, 0.5 - 1e-12)),
        bands={"50": _interval(cdf, 0.5), "80": _interval(cdf, 0.8), "95": _interval(cdf, 0.95)},
        p_severe=round(float(p[FLARE_THRESHOLD:].sum()), 4),
    )


def _grid_series(dates, itch, factors=None) -> tuple[np.ndarray, dt.date, np.ndarray | None, list[str]]:
    """Itch (and raw factor values) on the day grid from the first to the last date."""
    import pandas as pd

    d = pd.to_datetime(pd.Series(dates)).to_numpy().astype("datetime64[D]").astype(np.int64)
    y = np.asarray(itch, dtype=float)
    if d.size == 0:
        raise ValueError("no diary rows")
    names: list[str] = []
    G = None
    if factors is not None:
        names = [str(c) for c in (factors.columns if hasattr(factors, "columns") else factors.keys())]
        G = np.column_stack([np.asarray(factors[c], dtype=float) for c in names]) if names else np.zeros((d.size, 0))
        if G.shape[0] != d.size:
            raise ValueError("factors must have one value per diary row")
    order = np.argsort(d, kind="stable")
    d, y = d[order], y[order]
    if np.any(np.diff(d) == 0):
        raise ValueError("duplicate dates")
    if np.any((~np.isnan(y)) & ((y < 0) | (y > M) | (y != np.round(y)))):
        raise ValueError("itch must be an integer 0-10 or missing")
    n = int(d[-1] - d[0] + 1)
    series = np.full(n, np.nan)
    series[d - d[0]] = y
    Gg = None
    if G is not None:
        Gg = np.full((n, len(names)), np.nan)
        Gg[d - d[0]] = G[order]
    last = dt.date(1970, 1, 1) + dt.timedelta(days=int(d[-1]))
    return series, last, Gg, names


@dataclass
class _Fitted:
    """A filtered series and its covariate fit: everything a forecast needs but the future."""

    st: FilterState
    cf: CovariateFit | None
    last: dt.date
    grid: Grid


def _fit(dates, itch, horizon: int, factors, grid: Grid) -> _Fitted:
    if not 1 <= int(horizon) <= 28:
        raise ValueError("horizon must be between 1 and 28 days")
    series, last, G, names = _grid_series(dates, itch, factors)
    cf = fit_covariates(series, G, names, horizon, grid=grid) if names else None
    st = filter_series(series, grid) if cf is None else filter_series(series, grid, offset=cf.offset)
    return _Fitted(st, cf, last, grid)


def _future(fit: _Fitted, plan: Mapping[str, Sequence[float | None]] | None) -> dict[str, np.ndarray]:
    if fit.cf is None:
        return {}
    off, var = (fit.cf.future_offset, fit.cf.future_var) if not plan else fit.cf.planned(plan)
    return {"offset": off, "offset_var": var}


def _flare_risk(fit: _Fitted, horizon: int, fut: dict[str, np.ndarray], threshold: int, seed: int) -> float:
    """P(itch >= threshold on at least one of the horizon days), from joint sample paths."""
    paths = sample_paths(fit.st, fit.grid, horizon, seed=seed, **fut)
    return float(np.mean(np.any(paths >= threshold, axis=1)))


def forecast_patient(
    dates,
    itch,
    horizon: int = 7,
    *,
    patient: str = "",
    grid: Grid = DEFAULT_GRID,
    flare_threshold: int = FLARE_THRESHOLD,
    seed: int = 0,
    factors=None,
    plan: Mapping[str, Sequence[float | None]] | None = None,
) -> PatientForecast:
    """Forecast itch for the ``horizon`` days after the last date (1 <= horizon <= 28).

    ``factors``: optional diary factor columns for the same rows (a DataFrame or a mapping
    name -> values, nan = not logged). With factors the model is BinAR1-X (lagged exposures
    shift the day's logit, :func:`fit_covariates`); without, plain BinAR1. ``plan``: exposures
    known in advance (factor -> values for days 1, 2, ... after the last date, None = not
    planned; :meth:`CovariateFit.planned`) -- a meal, a visit to a cat owner, tomorrow's pollen
    forecast; they replace the expected exposures of those days.
    """
    fit = _fit(dates, itch, horizon, factors, grid)
    if (dt.date.max - fit.last).days < horizon:
        who = f"patient {patient}: " if patient else ""
        raise ValueError(f"{who}the {horizon} forecast day(s) after the last row ({fit.last.isoformat()}) "
                         f"run past 9999-12-31; check the diary's dates")
    fut = _future(fit, plan)
    probs = predictive(fit.st, grid, range(1, horizon + 1), **{k: v[None] for k, v in fut.items()})[0]
    days = [_day(fit.last + dt.timedelta(days=h + 1), probs[h]) for h in range(horizon)]
    risk = _flare_risk(fit, horizon, fut, flare_threshold, seed)
    st = fit.st
    w = grid_weights(st, grid)[0]
    model = {
        "phi": round(float(w @ grid.phi), 4),
        "sigma": round(float(w @ grid.sigma), 4),
        "omega": round(float(w @ grid.omega), 4),
        "kappa": round(float(w @ np.where(grid.reading > 0, 1.0, grid.kappa)), 4),
        "reading_sd": round(float(w @ grid.reading), 4),
        "p_binomial": round(float(w[(grid.kappa == 1.0) & (grid.reading == 0)].sum()), 4),
        "level_itch": round(float(M * (w @ (1 / (1 + np.exp(-st.am[0]))))), 3),
    }
    return PatientForecast(patient, fit.last, days, round(risk, 4), flare_threshold, int(st.n_obs[0]), model)


def what_if(
    dates,
    itch,
    factors,
    names: Sequence[str],
    horizon: int = 7,
    *,
    grid: Grid = DEFAULT_GRID,
    flare_threshold: int = FLARE_THRESHOLD,
    seed: int = 0,
    together: Mapping[str, Mapping[str, tuple[float, float]]] | None = None,
) -> list[dict[str, Any]]:
    """For each 0/1 factor in ``names``: the coming ``horizon`` days with it every day vs
    without it on any day -- flare risk and mean itch of each scenario, from one fit.
    ``together``: factor -> the factors always logged with it (or on exactly the other days),
    each with its value on a day with and without the factor (:func:`together.always_with`);
    they take those values in the scenarios, since the diary has one effect for the group.

    Both scenarios use the same model, state and random numbers (common random numbers), so
    their difference is the factor's estimated effect alone. It is the model's *prediction*
    under a plan, not proof of cause: the effect is estimated from this diary (observational).
    Factors that are not 0/1 (doses), that never varied, or that are treatments are skipped.
    Returns ``[{"factor", "with": {"flare_risk", "mean_itch"}, "without": {...}}, ...]``.
    """
    fit = _fit(dates, itch, horizon, factors, grid)
    out: list[dict[str, Any]] = []
    if fit.cf is None:
        return out
    center, scale = fit.cf.coding  # type: ignore[misc]
    known = set(fit.cf.names) | set(fit.cf.copies)
    for name in names:
        if name not in known or name.startswith("treat."):
            continue
        rep = fit.cf.copies[name][0] if name in fit.cf.copies else name
        i = fit.cf.names.index(rep)
        if name == rep and (center[i] != 0 or scale[i] != 1):  # a dose, not an exposure one can skip
            continue
        row: dict[str, Any] = {"factor": name}
        partners = {p: v for p, v in (together or {}).get(name, {}).items() if p in known}
        for label, value in (("with", 1.0), ("without", 0.0)):
            plan = {name: [value] * horizon, **{p: [v[0] if value else v[1]] * horizon for p, v in partners.items()}}
            fut = _future(fit, plan)
            probs = predictive(fit.st, grid, range(1, horizon + 1), **{k: v[None] for k, v in fut.items()})[0]
            row[label] = {
                "flare_risk": round(_flare_risk(fit, horizon, fut, flare_threshold, seed), 4),
                "mean_itch": round(float((probs @ CATEGORIES).mean()), 3),
            }
        out.append(row)
    return out


SCORES = ("itch", "sleep_loss")  # the diary's daily 0-10 scores the model forecasts


def score_frame(frame, score: str = "itch"):
    """The diary frame with ``score``'s values in the ``itch`` column, which the forecast and
    the evaluation read: sleep loss (0-10, daily, worse is higher) is forecast by the same model."""
    if score not in SCORES:
        raise ValueError(f"score must be one of {', '.join(SCORES)}, got {score!r}")
    return frame if score == "itch" else frame.assign(itch=frame[score])


def forecast_frame(
    frame, horizon: int = 7, covariates: bool = True, score: str = "itch", plans=None, progress=None,
    jobs: int = 1, **kwargs
) -> dict[str, PatientForecast]:
    """Forecast every patient of a diary frame (``read_diary_frame``): patient -> forecast.

    With ``covariates`` the frame's factor columns (every non-core column) enter BinAR1-X.
    ``score``: ``"itch"`` or ``"sleep_loss"`` (:data:`SCORES`). ``plans``: patient -> plan
    (:func:`plans_from_frame`, :func:`forecast_patient`). ``progress``: called as
    ``progress(patients_done, patients)`` as patients finish (the CLI's progress on stderr).
    ``jobs`` > 1: patients are shared out to that many worker processes
    (:func:`gutskin.insights.pool.ordered_map`; 8 patients or more); each patient's forecast is
    the same computation in any process, and the answer keeps the patients' order.
    """
    from gutskin.diary.csvio import CORE_COLUMNS
    from gutskin.insights.pool import ordered_map

    frame = score_frame(frame, score)
    names = [c for c in frame.columns if c not in CORE_COLUMNS] if covariates else []
    plans = plans or {}
    groups = frame.groupby(frame["patient"].astype(str), sort=True)
    tasks = (
        (str(pid), g["date"], g["itch"], horizon, g[names] if names else None, plans.get(str(pid)), kwargs)
        for pid, g in groups
    )
    out: dict[str, PatientForecast] = {}
    # closed on any exception (Ctrl-C between two patients): the workers stop at once
    with contextlib.closing(ordered_map(_forecast_task, tasks, groups.ngroups, jobs, progress,
                                        warm=_warm_forecast)) as forecasts:
        for pf in forecasts:
            out[pf.patient] = pf
    return out


def _forecast_task(task) -> PatientForecast:
    pid, dates, itch, horizon, fac, plan, kwargs = task
    return forecast_patient(dates, itch, horizon, patient=pid, factors=fac, plan=plan, **kwargs)


def _warm_forecast() -> None:
    """Load the compiled kernels in this process, so forked workers have them."""
    filter_series(np.array([3.0, 4.0]))


def plans_from_frame(plan, diary, horizon: int) -> dict[str, dict[str, list[float | None]]]:
    """Planned exposures from a diary-format frame of *coming* days: patient -> factor -> values
    for days 1..horizon after that patient's last diary row (None = not planned).

    A plan holds factor values only; every row must belong to a patient of ``diary``, fall
    1..``horizon`` days after that patient's last row, and name only factors ``diary`` has (an
    effect can only be known for a factor that was logged). Raises ValueError naming the row.
    A plan *file* is read with :func:`read_plan`, whose errors name its line and column.
    """
    from gutskin.diary.csvio import CORE_COLUMNS

    scores = [c for c in CORE_COLUMNS if c not in ("patient", "date") and c in plan.columns]
    factors = [c for c in plan.columns if c not in CORE_COLUMNS]
    for c in factors:
        if problem := _plan_factor_problem(c, diary):
            raise ValueError(f"plan: {problem}")
    last = _last_days(diary)
    out: dict[str, dict[str, list[float | None]]] = {}
    for row in plan.itertuples(index=False):
        r = dict(zip(plan.columns, row))
        pid, day = str(r["patient"]), r["date"]
        given = [c for c in scores if not _missing(r[c])]
        if problem := _plan_row_problem(pid, day.date() if hasattr(day, "date") else day, given, last, horizon):
            raise ValueError(f"plan row for {pid} on {day:%Y-%m-%d}: {problem[1]}")
        _place(out, pid, (day - last[pid]).days, {c: r[c] for c in factors if not _missing(r[c])}, horizon)
    return out


def read_plan(source, diary, horizon: int) -> dict[str, dict[str, list[float | None]]]:
    """:func:`plans_from_frame` for a plan file in the diary CSV format (a path, or an open text
    file such as standard input): the same checks, and each error, like the diary reader's, a
    :class:`~gutskin.diary.csvio.DiaryCsvError` naming the file, line and column
    (``plan.csv: line 3, column patient: patient 'p2' has no diary rows``; a factor the diary
    cannot inform is the header's, line 1). Errors come in file order: the first bad line stops.
    Until 2026-12-06 the CLI named a plan row by patient and date, and a factor by name alone."""
    import os

    from gutskin.diary.csvio import DiaryCsvError, iter_diary_csv_lines

    name = os.fspath(source) if isinstance(source, (str, os.PathLike)) else str(getattr(source, "name", "<stdin>"))

    class Header(list):  # the reader extends it with the header's factor columns once it has read
        def extend(self, columns) -> None:  # type: ignore[no-untyped-def]  # the header, before any row
            super().extend(columns)
            for c in self:  # line 1 is checked before line 2 is read: errors come in file order
                if (problem := _plan_factor_problem(c, diary)) is not None:
                    raise DiaryCsvError(name, 1, c, problem)

    last = _last_days(diary)
    out: dict[str, dict[str, list[float | None]]] = {}
    for line, r in iter_diary_csv_lines(source, factor_columns=Header()):
        given = [c for c in ("itch", "sleep_loss", "poscorad", "poem", "flare") if getattr(r, c) is not None]
        if (problem := _plan_row_problem(r.patient, r.date, given, last, horizon)) is not None:
            raise DiaryCsvError(name, line, *problem)
        _place(out, r.patient, (r.date - last[r.patient].date()).days, r.factors, horizon)
    return out


def _last_days(diary) -> dict:  # type: ignore[no-untyped-def]
    """Each patient's last diary day (a pandas Timestamp)."""
    return {str(p): d for p, d in diary.groupby(diary["patient"].astype(str))["date"].max().items()}


def _plan_factor_problem(column: str, diary) -> str | None:  # type: ignore[no-untyped-def]
    """Why a plan may not hold ``column``, a factor of its header: its effect is unknown."""
    from gutskin.diary.csvio import CORE_COLUMNS

    if column not in diary.columns or column in CORE_COLUMNS:
        return f"factor {column!r} is not in the diary, so its effect is unknown"
    if not diary[column].notna().any():  # a column blank on every row says nothing either
        return f"factor {column!r} has no value in the diary, so its effect is unknown"
    return None


def _plan_row_problem(pid: str, day: dt.date, given: list[str], last: dict, horizon: int) -> tuple[str, str] | None:
    """(column, why) when a plan row for ``pid`` on ``day`` with scores ``given`` cannot be used."""
    if pid not in last:
        known = sorted(last)
        has = ", ".join(repr(p) for p in known[:3]) + (f" and {len(known) - 3} more" if len(known) > 3 else "")
        return "patient", f"patient {pid!r} has no diary rows; " + (f"the diary has {has}" if known else
                                                                     "the diary has no rows")
    end = last[pid].date() if hasattr(last[pid], "date") else last[pid]
    k = (day - end).days
    if not 1 <= k <= horizon:
        return "date", (f"a plan covers days 1-{horizon} after the patient's last diary day "
                        f"({end:%Y-%m-%d}); this is day {k}")
    if given:
        return given[0], f"a plan holds exposures only, not scores ({', '.join(given)})"
    return None


def _place(out: dict, pid: str, k: int, values: Mapping[str, float], horizon: int) -> None:
    days = out.setdefault(pid, {})
    for c, v in values.items():
        days.setdefault(c, [None] * horizon)[k - 1] = float(v)


def _missing(v) -> bool:  # type: ignore[no-untyped-def]
    return v is None or (isinstance(v, float) and math.isnan(v))


def forecast_records(frame, horizon: int = 7, score: str = "itch") -> dict[str, list[dict[str, Any]]]:
    """CLI contract: ``{patient: [{"date": "YYYY-MM-DD", "probabilities": [p0..p10]}, ...]}``."""
    return {
        pid: [{"date": d.date.isoformat(), "probabilities": d.probabilities} for d in fc.days]
        for pid, fc in forecast_frame(frame, horizon, score=score).items()
    }
