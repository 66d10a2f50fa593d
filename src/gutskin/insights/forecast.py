"""Probabilistic 1-7 day itch forecasts: a mean-reverting binomial state-space model.

Model (EczemaPred family; docs/insights.md)
------------------------------------------
``BinAR1``, a relative of EczemaPred's binomial random walk (BinRW, Hurault et al. 2022)::

    z_t = m + phi (z_{t-1} - m) + sigma eps_t          latent severity, logit scale
    u_t = z_t + omega nu_t                               the day's transient deviation
    y_t ~ Binomial(10, logit^-1(u_t))                    itch 0-10

``phi = 1`` is BinRW (with extra day-to-day noise when ``omega > 0``); ``phi < 1`` reverts to
the patient's own level ``m``, which real severity does (reference, issue 6). ``m`` is part of
the state with prior ``N(mu0, s0^2)`` (EczemaPred: ``mu_y0 ~ N(0, 1)``, ``sigma_y0 ~ N+(0, 1.5)``),
so it is integrated out exactly by the filter.

Fitting, no MCMC: for every ``(phi, sigma, omega)`` on a fixed grid, a Laplace-approximate
Kalman filter (iterated EKF: the binomial likelihood of each day is replaced by the Gaussian
pseudo-observation that matches its mode and curvature) gives the filtered state and the
marginal likelihood; the grid points are then weighted by prior x likelihood (Bayesian model
averaging on a grid). Forecasts propagate each grid point's Gaussian state and integrate the
binomial over the latent by Gauss-Hermite quadrature, then mix. Missing days are pure
prediction steps, so gaps are handled exactly within the approximation. Because the filter is
causal and the grid is fixed, refitting on data up to day T is the same as reading the filter
at day T: forward chaining needs one pass.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import gammaln

M = 10
CATEGORIES = np.arange(M + 1)
PHI_GRID = (0.3, 0.55, 0.7, 0.8, 0.87, 0.92, 0.96, 1.0)
SIGMA_GRID = (0.08, 0.15, 0.25, 0.38, 0.55, 0.8)
OMEGA_GRID = (0.0, 0.3, 0.6, 1.0)
LEVEL_PRIOR = (-0.4, 1.5)  # mu0, s0 on the logit scale
INIT_DEV_VAR_MAX = 1.0  # cap of the initial deviation variance from the level (phi -> 1)
SIGMA_PRIOR_SCALE = 0.5  # half-normal scale of sigma's prior (EczemaPred: 0.25 ln 5 = 0.40)
FLARE_THRESHOLD = 7  # itch >= 7 is severe on the peak-pruritus NRS
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

    @property
    def size(self) -> int:
        return int(self.phi.size)


def make_grid(
    phis=PHI_GRID, sigmas=SIGMA_GRID, omegas=OMEGA_GRID, level_prior=LEVEL_PRIOR
) -> Grid:
    """The (phi, sigma, omega) grid with prior: uniform in phi and omega, half-normal in sigma."""
    P, S, O = np.meshgrid(np.asarray(phis, float), np.asarray(sigmas, float), np.asarray(omegas, float), indexing="ij")
    P, S, O = P.ravel(), S.ravel(), O.ravel()
    lp = -0.5 * (S / SIGMA_PRIOR_SCALE) ** 2
    lp = lp - np.logaddexp.reduce(lp)
    return Grid(P, S, O, lp, float(level_prior[0]), float(level_prior[1]))


DEFAULT_GRID = make_grid()


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
    phi, s2 = grid.phi, grid.sigma**2
    a = 1 - phi
    for _ in range(steps):
        az = phi * st.az + a * st.am
        if drift is not None:
            az = az + drift[:, None]
        pzz = phi * phi * st.pzz + 2 * phi * a * st.pzm + a * a * st.pmm + s2
        pzm = phi * st.pzm + a * st.pmm
        st.az, st.pzz, st.pzm = az, pzz, pzm


def _update(st: FilterState, y: np.ndarray, grid: Grid, newton: int = 2, offset=None) -> None:
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
    # start: Gaussian combination of the prior with the empirical logit
    el = np.log((yk + 0.5) / (M - yk + 0.5))
    eh = 1.0 / (1.0 / (yk + 0.5) + 1.0 / (M - yk + 0.5))
    u = (az / V + el * eh) / (1.0 / V + eh)
    for _ in range(newton):
        p = 1.0 / (1.0 + np.exp(-u))
        g = yk - M * p - (u - az) / V
        H = M * p * (1 - p) + 1.0 / V
        u = u + g / H
    p = 1.0 / (1.0 + np.exp(-u))
    h = np.maximum(M * p * (1 - p), 1e-9)
    logp = -np.logaddexp(0.0, -u)
    log1mp = -np.logaddexp(0.0, u)
    ll = _LOG_BINOM[yk.astype(np.int64)] + yk * logp + (M - yk) * log1mp - (u - az) ** 2 / (2 * V) - 0.5 * np.log1p(h * V)
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
    for t in range(T):
        if t > 0:
            _predict(st, grid, drift=None if drift is None else drift[:, t])
        _update(st, Y[:, t], grid, offset=None if offset is None else offset[:, t])
        if t in want:
            snaps[t] = st.copy()
    return st, snaps


def filter_series(
    y: np.ndarray, grid: Grid = DEFAULT_GRID, newton: int = 2, prune_every: int = 15, prune_nats: float = 20.0
) -> FilterState:
    """The same filter as :func:`run_filter` for one series, written for speed (request path).

    Identical mathematics; scalar arithmetic for the observation and fewer array temporaries.
    Every ``prune_every`` days, grid points whose posterior weight has fallen below
    ``exp(-prune_nats)`` of the best are dropped (their weight is < 1e-9: no visible effect).
    """
    y = np.asarray(y, dtype=float)
    st = _init_state(1, grid)
    keep = np.arange(grid.size)
    phi = grid.phi
    a = 1 - phi
    phi2, c2, a2 = phi * phi, 2 * phi * a, a * a
    s2, om2 = grid.sigma**2, grid.omega**2
    lprior = grid.log_prior
    az, am, pzz, pzm, pmm = st.az[0], st.am[0], st.pzz[0], st.pzm[0], st.pmm[0]
    ll = np.zeros_like(az)
    n_obs = 0
    for t in range(y.size):
        if t and t % prune_every == 0:
            lw = ll + lprior
            sel = lw > lw.max() - prune_nats
            if not sel.all():
                keep = keep[sel]
                phi, a, phi2, c2, a2, s2, om2, lprior = (x[sel] for x in (phi, a, phi2, c2, a2, s2, om2, lprior))
                az, am, pzz, pzm, pmm, ll = (x[sel] for x in (az, am, pzz, pzm, pmm, ll))
        if t > 0:
            az = phi * az + a * am
            pzz = phi2 * pzz + c2 * pzm + a2 * pmm + s2
            pzm = phi * pzm + a * pmm
        yt = y[t]
        if yt != yt:
            continue
        yt = float(yt)
        n_obs += 1
        V = pzz + om2
        iV = 1.0 / V
        eh = 1.0 / (1.0 / (yt + 0.5) + 1.0 / (M - yt + 0.5))
        el = math.log((yt + 0.5) / (M - yt + 0.5))
        u = (az * iV + el * eh) / (iV + eh)
        for _ in range(newton):
            p = 1.0 / (1.0 + np.exp(-u))
            mp = M * p
            u = u + (yt - mp - (u - az) * iV) / (mp * (1.0 - p) + iV)
        E = np.exp(-u)
        q = 1.0 + E
        h = (M * E) / (q * q) + 1e-12
        d = u - az
        hV = h * V
        logp = -np.log1p(E)
        ll += (_LOG_BINOM[int(yt)] + M * logp - (M - yt) * u) - (0.5 * iV) * d * d - 0.5 * np.log1p(hV)
        e = d + d / hV
        iS = 1.0 / (pzz + 1.0 / h + om2)
        kz, km = pzz * iS, pzm * iS
        az = az + kz * e
        am = am + km * e
        pmm = pmm - pzm * km
        pzz = pzz - pzz * kz
        pzm = pzm - pzm * kz
    out = _init_state(1, grid)
    out.loglik[:] = -np.inf
    for name, val in (("az", az), ("am", am), ("pzz", pzz), ("pzm", pzm), ("pmm", pmm), ("loglik", ll)):
        getattr(out, name)[0, keep] = val
    out.n_obs[0] = n_obs
    return out


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
    st: FilterState, grid: Grid, steps, weights=None, prune: float = 0.999, offset=None, drift=None
) -> np.ndarray:
    """Predictive pmf of itch ``steps`` days ahead of the state: array (K, len(steps), 11).

    ``steps``: increasing positive ints (days after the state's day). Grid points are pruned
    to those carrying ``prune`` of the posterior weight. ``offset``/``drift`` (K, max(steps)):
    expected covariate terms of the future days (column h-1 for day h).
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
        az, am = st.az[k, keep].copy(), st.am[k, keep].copy()
        pzz, pzm, pmm = st.pzz[k, keep].copy(), st.pzm[k, keep].copy(), st.pmm[k, keep]
        done = 0
        for i, s in enumerate(steps):
            a = 1 - phi
            while done < s:
                dr = 0.0 if drift is None else drift[k, done]
                az, pzz, pzm = (
                    phi * az + a * am + dr,
                    phi * phi * pzz + 2 * phi * a * pzm + a * a * pmm + s2,
                    phi * pzm + a * pmm,
                )
                done += 1
            sd = np.sqrt(pzz + om2)
            off = 0.0 if offset is None else offset[k, s - 1]
            u = off + az[:, None] + math.sqrt(2.0) * sd[:, None] * _GH_X[None, :]
            pm = _binom_pmf(1.0 / (1.0 + np.exp(-u)))  # (C', N, 11)
            out[k, i] = np.einsum("c,n,cnj->j", wk, _GH_W / math.sqrt(math.pi), pm)
    out /= out.sum(axis=2, keepdims=True)
    return out


def sample_paths(st: FilterState, grid: Grid, steps: int, n: int = 2000, seed: int = 0) -> np.ndarray:
    """Joint predictive samples of itch for days 1..steps: array (n, steps) for one patient."""
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
    phi, sig, om = grid.phi[c], grid.sigma[c], grid.omega[c]
    out = np.empty((n, steps))
    for h in range(steps):
        z = m + phi * (z - m) + sig * rng.standard_normal(n)
        u = z + om * rng.standard_normal(n)
        out[:, h] = rng.binomial(M, 1.0 / (1.0 + np.exp(-u)))
    return out


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
    model: dict[str, float] = field(default_factory=dict)  # posterior means of phi, sigma, omega, level

    def to_dict(self) -> dict[str, Any]:
        return {
            "patient": self.patient,
            "origin": self.origin.isoformat(),
            "days": [d.to_dict() for d in self.days],
            "flare_risk": self.flare_risk,
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


def _grid_series(dates, itch) -> tuple[np.ndarray, dt.date]:
    import pandas as pd

    d = pd.to_datetime(pd.Series(dates)).to_numpy().astype("datetime64[D]").astype(np.int64)
    y = np.asarray(itch, dtype=float)
    if d.size == 0:
        raise ValueError("no diary rows")
    order = np.argsort(d, kind="stable")
    d, y = d[order], y[order]
    if np.any(np.diff(d) == 0):
        raise ValueError("duplicate dates")
    if np.any((~np.isnan(y)) & ((y < 0) | (y > M) | (y != np.round(y)))):
        raise ValueError("itch must be an integer 0-10 or missing")
    series = np.full(int(d[-1] - d[0] + 1), np.nan)
    series[d - d[0]] = y
    last = dt.date(1970, 1, 1) + dt.timedelta(days=int(d[-1]))
    return series, last


def forecast_patient(
    dates,
    itch,
    horizon: int = 7,
    *,
    patient: str = "",
    grid: Grid = DEFAULT_GRID,
    flare_threshold: int = FLARE_THRESHOLD,
    seed: int = 0,
) -> PatientForecast:
    """Forecast itch for the ``horizon`` days after the last date (1 <= horizon <= 28)."""
    if not 1 <= int(horizon) <= 28:
        raise ValueError("horizon must be between 1 and 28 days")
    series, last = _grid_series(dates, itch)
    st = filter_series(series, grid)
    probs = predictive(st, grid, range(1, horizon + 1))[0]
    days = [_day(last + dt.timedelta(days=h + 1), probs[h]) for h in range(horizon)]
    paths = sample_paths(st, grid, horizon, seed=seed)
    risk = float(np.mean(np.any(paths >= flare_threshold, axis=1)))
    w = grid_weights(st, grid)[0]
    model = {
        "phi": round(float(w @ grid.phi), 4),
        "sigma": round(float(w @ grid.sigma), 4),
        "omega": round(float(w @ grid.omega), 4),
        "level_itch": round(float(M * (w @ (1 / (1 + np.exp(-st.am[0]))))), 3),
    }
    return PatientForecast(patient, last, days, round(risk, 4), flare_threshold, int(st.n_obs[0]), model)


def forecast_frame(frame, horizon: int = 7, **kwargs) -> dict[str, PatientForecast]:
    """Forecast every patient of a diary frame (``read_diary_frame``): patient -> forecast."""
    out: dict[str, PatientForecast] = {}
    for pid, g in frame.groupby(frame["patient"].astype(str), sort=True):
        out[str(pid)] = forecast_patient(g["date"], g["itch"], horizon, patient=str(pid), **kwargs)
    return out


def forecast_records(frame, horizon: int = 7) -> dict[str, list[dict[str, Any]]]:
    """CLI contract: ``{patient: [{"date": "YYYY-MM-DD", "probabilities": [p0..p10]}, ...]}``."""
    return {
        pid: [{"date": d.date.isoformat(), "probabilities": d.probabilities} for d in fc.days]
        for pid, fc in forecast_frame(frame, horizon).items()
    }
