"""A small generative model of eczema diaries with known triggers, for tests and benches.

This is *not* the mechanistic simulator (``gutskin.axis``); it is the simplest model that has
the features that make trigger finding and forecasting hard on real diaries:

* itch persists and reverts to the patient's own level: a latent AR(1) process on the logit
  scale, ``z_t = m + phi (z_{t-1} - m) - gamma * tcs_{t-1} + sigma * eps_t``;
* daily measurement noise: ``y_t ~ Binomial(10, logit^-1(u_t))`` with
  ``u_t = z_t + sum_f beta_f x_{f, t - lag_f} + omega * nu_t`` (a trigger bumps the itch of
  the day ``lag_f`` days after exposure; eps, nu standard normal);
* reactive treatment: a topical steroid is used on day t with probability
  ``logit^-1(a + b (y_t - 5))`` -- *because* the day was bad -- and it lowers tomorrow's latent
  severity (``gamma > 0``), so a naive comparison calls it a trigger;
* habitual (autocorrelated) foods, seasonal pollen, a stress scale, missing days and gaps.

Every patient draws its own level, persistence, noise and set of triggers; the truth is
returned next to the diary so tests and benches can score verdicts and forecasts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

M_ITCH = 10

#: factor -> (kind, lags a true trigger can have, probability that a patient reacts)
TRIGGER_CANDIDATES: dict[str, tuple[str, tuple[int, ...], float]] = {
    "food.dairy": ("binary", (1, 1, 1, 2), 0.25),
    "food.egg": ("binary", (1, 1, 2), 0.2),
    "food.wheat": ("binary", (1, 2), 0.15),
    "env.dust": ("binary", (0, 1), 0.25),
    "env.pollen": ("continuous", (0, 1), 0.2),
    "life.stress": ("scale", (1, 2, 3), 0.2),
    "life.sweat": ("binary", (0, 1, 3), 0.2),
}
#: factors that are never triggers in this model (gut.probiotic is sometimes protective)
OTHER_FACTORS: tuple[str, ...] = ("gut.probiotic", "treat.emollient", "treat.tcs")
FACTORS: tuple[str, ...] = (*TRIGGER_CANDIDATES, *OTHER_FACTORS)


def expit(x):
    return 1.0 / (1.0 + np.exp(-x))


@dataclass
class PatientTruth:
    """The generating parameters of one synthetic patient."""

    patient: str
    level: float  # m, long-run latent level (logit scale)
    phi: float  # AR(1) persistence
    sigma: float  # latent innovation SD
    omega: float  # daily transient SD (logit scale)
    tcs_effect: float  # gamma: reduction of tomorrow's latent per steroid day (> 0 = protective)
    tcs_a: float
    tcs_b: float
    #: factor -> {"effect_logit", "effect_itch", "lag"}; protective factors have negative effects
    effects: dict[str, dict[str, float]] = field(default_factory=dict)
    #: exposure process parameters per factor (for oracle simulation of unknown futures)
    exposure: dict[str, dict[str, float]] = field(default_factory=dict)
    #: per-day SD of a random walk of the level (0: the level is fixed; ``simulate_cohort``'s
    #: ``level_drift``). The oracles (``oracle_forecast``, ``bayes_forecasts``) assume 0.
    level_drift: float = 0.0

    def triggers(self) -> dict[str, dict[str, float]]:
        return {f: e for f, e in self.effects.items() if e["effect_logit"] > 0}

    def to_json(self) -> dict:
        return {
            "patient": self.patient,
            "level": self.level,
            "phi": self.phi,
            "sigma": self.sigma,
            "omega": self.omega,
            "tcs_effect": self.tcs_effect,
            "effects": self.effects,
        }


@dataclass
class SyntheticCohort:
    """A diary frame (as :func:`gutskin.diary.csvio.read_diary_frame` returns) and its truth."""

    frame: object  # pandas.DataFrame
    truth: dict[str, PatientTruth]
    #: per patient, the full daily latent z_t and transient-free state, aligned on a day grid
    latent: dict[str, np.ndarray]
    #: per patient, full daily arrays of every factor (including unlogged days) on the grid
    exposures: dict[str, dict[str, np.ndarray]]
    start: dict[str, dt.date]


def _markov_binary(rng, shape, p, stickiness, last=None) -> np.ndarray:
    """0/1 series (last axis = days) with stationary mean p; ``stickiness`` repeats yesterday."""
    x = np.empty(shape)
    u = rng.random(shape)
    fresh = (rng.random(shape) < p).astype(float)
    prev = fresh[..., 0] if last is None else np.broadcast_to(np.asarray(last, float), shape[:-1])
    for t in range(shape[-1]):
        prev = np.where(u[..., t] < stickiness, prev, fresh[..., t]) if (t > 0 or last is not None) else prev
        x[..., t] = prev
    return x


def _draw_exposures(
    rng: np.random.Generator,
    n: int,
    params: dict[str, dict[str, float]],
    batch: int | None = None,
    t0: int = 0,
    last: dict[str, float] | None = None,
) -> dict[str, np.ndarray]:
    """Exposure paths of ``n`` days (shape (n,) or (batch, n)), from day ``t0``, continuing ``last``."""
    shape = (n,) if batch is None else (batch, n)
    out: dict[str, np.ndarray] = {}
    for f, pr in params.items():
        kind = pr["kind"]
        prev = None if last is None else last.get(f)
        if kind == "binary":
            out[f] = _markov_binary(rng, shape, pr["p"], pr["stick"], prev)
        elif kind == "pollen":
            day = pr["phase"] + t0 + np.arange(n)
            season = np.clip(np.sin(2 * np.pi * (day - 80) / 365.0), 0, None) ** 2
            out[f] = np.round(pr["peak"] * season * np.exp(0.6 * rng.standard_normal(shape)), 1)
        elif kind == "stress":
            s = np.empty(shape)
            cur = np.full(shape[:-1], pr["mean"] if prev is None else prev, dtype=float)
            noise = rng.standard_normal(shape)
            for t in range(n):
                if t > 0 or prev is not None:
                    cur = pr["mean"] + 0.6 * (cur - pr["mean"]) + 1.6 * noise[..., t]
                s[..., t] = cur
            out[f] = np.clip(np.round(s), 0, 10)
        else:  # pragma: no cover - internal
            raise ValueError(kind)
    return out


def _standardise(f: str, x: np.ndarray, pr: dict[str, float]) -> np.ndarray:
    """The covariate that enters the model: 0/1 for binary, (x - centre)/scale otherwise."""
    if pr["kind"] == "binary":
        return x
    return (x - pr["centre"]) / pr["scale"]


def simulate_cohort(
    n_patients: int = 20,
    n_days: int = 180,
    seed: int = 0,
    *,
    effect_range: tuple[float, float] = (0.45, 0.9),
    trigger_rate_scale: float = 1.0,
    missing_range: tuple[float, float] = (0.0, 0.12),
    start: dt.date = dt.date(2025, 1, 1),
    id_prefix: str = "s",
    level_drift: float = 0.0,
) -> SyntheticCohort:
    """Simulate ``n_patients`` diaries of ``n_days`` days with known triggers.

    ``effect_range`` bounds a trigger's effect on the logit scale (0.45-0.9 is roughly
    1-2 points of itch at mid-range severity). Missing days are absent from the frame, as in
    the CSV ("a day that is not in the file was not logged").

    ``level_drift`` > 0: each patient's level follows a random walk with that per-day SD (logit
    scale) instead of staying fixed -- a disease that changes over months (seasons, a new
    treatment, growing up); the latent path is then ``z_t = m_t + phi (z_{t-1} - m_{t-1}) +
    sigma eps_t``, ``m_t = m_{t-1} + level_drift zeta_t``. The default 0 draws the same cohort as
    before (no extra random numbers are drawn).
    """
    import pandas as pd

    if n_patients < 1 or n_days < 2:
        raise ValueError("need at least 1 patient and 2 days")
    rng = np.random.default_rng(seed)
    truth: dict[str, PatientTruth] = {}
    latent: dict[str, np.ndarray] = {}
    exposures_all: dict[str, dict[str, np.ndarray]] = {}
    starts: dict[str, dt.date] = {}
    cols: dict[str, list] = {k: [] for k in ("patient", "date", "itch", "flare", *FACTORS)}
    width = len(str(n_patients))
    for k in range(n_patients):
        pid = f"{id_prefix}{k + 1:0{width}d}"
        params: dict[str, dict[str, float]] = {
            "food.dairy": {"kind": "binary", "p": rng.uniform(0.2, 0.6), "stick": rng.uniform(0.0, 0.5)},
            "food.egg": {"kind": "binary", "p": rng.uniform(0.15, 0.5), "stick": rng.uniform(0.0, 0.4)},
            "food.wheat": {"kind": "binary", "p": rng.uniform(0.3, 0.7), "stick": rng.uniform(0.0, 0.4)},
            "env.dust": {"kind": "binary", "p": rng.uniform(0.1, 0.4), "stick": rng.uniform(0.0, 0.3)},
            "env.pollen": {"kind": "pollen", "peak": rng.uniform(40, 150), "phase": rng.integers(0, 365)},
            "life.stress": {"kind": "stress", "mean": rng.uniform(2, 6)},
            "life.sweat": {"kind": "binary", "p": rng.uniform(0.1, 0.4), "stick": rng.uniform(0.0, 0.3)},
            "gut.probiotic": {"kind": "binary", "p": rng.uniform(0.1, 0.5), "stick": rng.uniform(0.3, 0.8)},
            "treat.emollient": {"kind": "binary", "p": rng.uniform(0.3, 0.9), "stick": rng.uniform(0.0, 0.5)},
        }
        x = _draw_exposures(rng, n_days, params)
        for f, pr in params.items():
            if pr["kind"] == "binary":
                continue
            q25, q50, q75 = np.percentile(x[f], [25, 50, 75])
            pr["centre"], pr["scale"] = float(q50), float(max(q75 - q25, 1.0))
        effects: dict[str, dict[str, float]] = {}
        for f, (_kind, lags, rate) in TRIGGER_CANDIDATES.items():
            if rng.random() < rate * trigger_rate_scale:
                effects[f] = {"effect_logit": float(rng.uniform(*effect_range)), "lag": int(rng.choice(lags))}
        if rng.random() < 0.15 * trigger_rate_scale:
            effects["gut.probiotic"] = {"effect_logit": -float(rng.uniform(*effect_range)), "lag": 1}
        pt = PatientTruth(
            patient=pid,
            level=float(rng.normal(-0.6, 0.7)),
            phi=float(rng.uniform(0.6, 0.95)),
            sigma=float(rng.uniform(0.2, 0.5)),
            omega=float(rng.uniform(0.1, 0.5)),
            tcs_effect=float(rng.uniform(0.15, 0.5)),
            tcs_a=float(rng.uniform(-3.0, -1.5)),
            tcs_b=float(rng.uniform(0.5, 1.2)),
            effects=effects,
            exposure=params,
            level_drift=float(level_drift),
        )
        z, y, tcs, u = _run_dynamics(rng, pt, x, n_days)
        x["treat.tcs"] = tcs
        for f, e in effects.items():  # average marginal effect on the 0-10 itch scale
            # per exposed day (binary) or per interquartile range (others)
            base = u - e["effect_logit"] * _standardise(f, _shift(x[f], e["lag"]), params[f])
            e["effect_itch"] = float(M_ITCH * np.mean(expit(base + e["effect_logit"]) - expit(base)))
        truth[pid] = pt
        latent[pid] = z
        exposures_all[pid] = x
        starts[pid] = start
        # which days are logged: random missing days plus occasional multi-day gaps
        miss_p = rng.uniform(*missing_range)
        logged = rng.random(n_days) >= miss_p
        t = 5
        while t < n_days:
            if rng.random() < 0.01:
                g = int(rng.integers(3, 10))
                logged[t : t + g] = False
                t += g
            t += 1
        logged[0] = logged[-1] = True
        dates = [start + dt.timedelta(days=int(i)) for i in np.flatnonzero(logged)]
        cols["patient"].extend([pid] * len(dates))
        cols["date"].extend(dates)
        cols["itch"].extend(y[logged].astype(float))
        cols["flare"].extend((y[logged] >= 7).astype(float))
        for f in FACTORS:
            cols[f].extend(x[f][logged].astype(float))
    frame = pd.DataFrame(cols)
    frame.insert(3, "sleep_loss", np.nan)
    frame.insert(4, "poscorad", np.nan)
    frame.insert(5, "poem", np.nan)
    frame["date"] = pd.to_datetime(frame["date"])
    frame = frame[["patient", "date", "itch", "sleep_loss", "poscorad", "poem", "flare", *FACTORS]]
    return SyntheticCohort(frame.reset_index(drop=True), truth, latent, exposures_all, starts)


def _shift(x: np.ndarray, lag: int) -> np.ndarray:
    if lag == 0:
        return x
    out = np.empty_like(x)
    out[:lag] = x[0]
    out[lag:] = x[:-lag]
    return out


def _run_dynamics(rng: np.random.Generator, pt: PatientTruth, x: dict[str, np.ndarray], n: int):
    """Simulate latent z, itch y, reactive steroid use and the day's logit u."""
    bump = np.zeros(n)
    for f, e in pt.effects.items():
        bump += e["effect_logit"] * _standardise(f, _shift(x[f], e["lag"]), pt.exposure[f])
    z = np.empty(n)
    y = np.empty(n)
    u = np.empty(n)
    tcs = np.zeros(n)
    sd0 = pt.sigma / np.sqrt(1 - pt.phi**2)
    z_prev = pt.level + sd0 * rng.standard_normal()
    m_prev = m = pt.level
    for t in range(n):
        if pt.level_drift > 0:  # a drifting level (drawn only then: the default cohorts are unchanged)
            m = m_prev + pt.level_drift * rng.standard_normal()
        z[t] = m + pt.phi * (z_prev - m_prev) + pt.sigma * rng.standard_normal()
        m_prev = m
        if t > 0:
            z[t] -= pt.tcs_effect * tcs[t - 1]
        u[t] = z[t] + bump[t] + pt.omega * rng.standard_normal()
        y[t] = rng.binomial(M_ITCH, expit(u[t]))
        tcs[t] = float(rng.random() < expit(pt.tcs_a + pt.tcs_b * (y[t] - 5)))
        z_prev = z[t]
    return z, y, tcs, u


def _exposure_paths(
    pt: PatientTruth, exposures: dict[str, np.ndarray], t_origin: int, steps: int, n: int,
    rng: np.random.Generator, lagmax: int,
) -> dict[str, np.ndarray]:
    """Per factor, ``n`` paths (n, lagmax + steps): the last ``lagmax`` known days up to the
    origin, then ``steps`` future days drawn from the exposure process continuing the origin's."""
    last = {f: float(exposures[f][t_origin]) for f in pt.exposure}
    fut = _draw_exposures(rng, steps, pt.exposure, batch=n, t0=t_origin + 1, last=last)
    paths = {}
    for f in pt.exposure:
        lo = max(0, t_origin - lagmax + 1)
        hist = exposures[f][lo : t_origin + 1]
        hist = np.concatenate([np.full(lagmax - len(hist), hist[0]), hist])
        paths[f] = np.concatenate([np.broadcast_to(hist, (n, lagmax)), fut[f]], axis=1)
    return paths


def oracle_forecast(
    pt: PatientTruth,
    z_origin: float,
    t_origin: int,
    exposures: dict[str, np.ndarray],
    tcs_origin: float,
    steps: int,
    n_sims: int = 4000,
    seed: int = 0,
) -> np.ndarray:
    """The true predictive distribution of itch 1..``steps`` days after day ``t_origin``.

    Knows the generating parameters, the true latent state ``z_origin`` at the origin, the
    steroid use of the origin day and the exposures up to the origin (``exposures``: full
    per-day arrays; only days <= ``t_origin`` are read), but not the future exposures, which
    are drawn from the patient's exposure process (continuing the origin day's values); Monte
    Carlo with ``n_sims`` paths. Returns an array (steps, 11) of probabilities.
    """
    rng = np.random.default_rng(seed)
    lagmax = 3
    paths = _exposure_paths(pt, exposures, t_origin, steps, n_sims, rng, lagmax)
    z = np.full(n_sims, float(z_origin))
    tcs_prev = np.full(n_sims, float(tcs_origin))
    probs = np.zeros((steps, M_ITCH + 1))
    for h in range(steps):
        z = pt.level + pt.phi * (z - pt.level) + pt.sigma * rng.standard_normal(n_sims) - pt.tcs_effect * tcs_prev
        u = z + pt.omega * rng.standard_normal(n_sims)
        for f, e in pt.effects.items():
            col = lagmax + h - int(e["lag"])
            u = u + e["effect_logit"] * _standardise(f, paths[f][:, col], pt.exposure[f])
        y = rng.binomial(M_ITCH, expit(u))
        probs[h] = np.bincount(y, minlength=M_ITCH + 1) / n_sims
        tcs_prev = (rng.random(n_sims) < expit(pt.tcs_a + pt.tcs_b * (y - 5))).astype(float)
    return probs


def write_diary(cohort: SyntheticCohort, path) -> None:
    """Write the cohort's diary as an interchange-format CSV (``gutskin.diary.csvio``)."""
    write_frame_csv(cohort.frame, path)


def write_frame_csv(f, path) -> None:
    """Write a diary frame (``read_diary_frame`` layout) as an interchange-format CSV."""
    from gutskin.diary.csvio import CORE_COLUMNS, DiaryRow, write_diary_csv

    names = [c for c in f.columns if c not in CORE_COLUMNS]

    def rows():
        for rec in f.itertuples(index=False, name=None):
            vals = dict(zip(f.columns, rec))
            def num(col, cast=int):
                v = vals.get(col)
                return None if v is None or v != v else cast(v)

            yield DiaryRow(
                patient=str(vals["patient"]),
                date=vals["date"].date(),
                itch=num("itch"),
                sleep_loss=num("sleep_loss"),
                poscorad=num("poscorad", float),
                poem=num("poem"),
                flare=num("flare"),
                factors={k: float(vals[k]) for k in names if vals[k] == vals[k]},
            )

    with open(path, "w", newline="", encoding="utf-8") as fh:
        write_diary_csv(rows(), fh, names)


# ---------------------------------------------------------------------------------------------
# The achievable limit: Bayes-optimal forecasts from the diary alone (true model, unknown state)
# ---------------------------------------------------------------------------------------------

_GH_X, _GH_W = np.polynomial.hermite.hermgauss(20)
_GH_W = _GH_W / np.sqrt(np.pi)
_LOG_FACT = np.array([np.sum(np.log(np.arange(1, k + 1))) for k in range(M_ITCH + 1)])


def _binom_pmf_rows(p: np.ndarray) -> np.ndarray:
    """Binomial(10, p) pmf for an array of p, as (..., 11)."""
    p = np.clip(p, 1e-12, 1 - 1e-12)[..., None]
    j = np.arange(M_ITCH + 1)
    logc = _LOG_FACT[M_ITCH] - _LOG_FACT - _LOG_FACT[::-1]
    return np.exp(logc + j * np.log(p) + (M_ITCH - j) * np.log1p(-p))


def trigger_bump(pt: PatientTruth, exposures: dict[str, np.ndarray], n: int) -> np.ndarray:
    """The true trigger term ``sum_f beta_f x_{f, t - lag_f}`` of days 0..n-1 (as the simulator)."""
    bump = np.zeros(n)
    for f, e in pt.effects.items():
        bump += e["effect_logit"] * _standardise(f, _shift(exposures[f], e["lag"]), pt.exposure[f])[:n]
    return bump


def _simulate_ahead(
    pt: PatientTruth,
    z: np.ndarray,
    tcs_prev: np.ndarray,
    t_origin: int,
    exposures: dict[str, np.ndarray],
    steps: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Predictive pmfs (steps, 11) of the true model from latent draws ``z`` at ``t_origin``.

    Same dynamics as :func:`oracle_forecast` (future exposures drawn from the exposure process
    continuing the origin day's values; reactive steroid use simulated), but each path's pmf is
    Rao-Blackwellised: the day's pmf is the binomial averaged over the transient ``omega`` by
    Gauss-Hermite quadrature, not a histogram of draws (less Monte Carlo noise).
    """
    n = z.size
    lagmax = 3
    paths = _exposure_paths(pt, exposures, t_origin, steps, n, rng, lagmax)
    z = np.asarray(z, float).copy()
    tcs_prev = np.broadcast_to(np.asarray(tcs_prev, float), (n,)).copy()
    probs = np.zeros((steps, M_ITCH + 1))
    for h in range(steps):
        z = pt.level + pt.phi * (z - pt.level) + pt.sigma * rng.standard_normal(n) - pt.tcs_effect * tcs_prev
        mu = z.copy()
        for f, e in pt.effects.items():
            col = lagmax + h - int(e["lag"])
            mu = mu + e["effect_logit"] * _standardise(f, paths[f][:, col], pt.exposure[f])
        u_nodes = mu[:, None] + np.sqrt(2.0) * pt.omega * _GH_X[None, :]
        probs[h] = np.einsum("q,nqj->j", _GH_W, _binom_pmf_rows(expit(u_nodes))) / n
        u = mu + pt.omega * rng.standard_normal(n)
        y = rng.binomial(M_ITCH, expit(u))
        tcs_prev = (rng.random(n) < expit(pt.tcs_a + pt.tcs_b * (y - 5))).astype(float)
    return probs / probs.sum(axis=1, keepdims=True)


def bayes_forecasts(
    pt: PatientTruth,
    itch: np.ndarray,
    tcs: np.ndarray,
    exposures: dict[str, np.ndarray],
    origins,
    steps: int,
    n_particles: int = 2000,
    seed: int = 0,
) -> dict[int, np.ndarray]:
    """Bayes-optimal forecasts given what the diary shows: the achievable limit of any model.

    The generating model with the patient's TRUE parameters (level, phi, sigma, omega, trigger
    effects and lags, steroid effect and reactive-use rule, exposure process), but the latent
    state inferred from the diary only: a bootstrap particle filter on the daily grid
    (``n_particles``, multinomial-free systematic resampling after every logged day).

    ``itch``: the diary's itch on the day grid from day 0 (nan = day not logged); ``tcs``: the
    logged steroid use (read only on logged days; on unlogged days each particle simulates its
    own itch and reactive use). ``exposures``: per-day factor arrays; on unlogged days the true
    values are used (slightly *more* than the diary shows, so this limit is, if anything,
    optimistic). Returns ``{origin: pmfs (steps, 11)}`` for the 1..``steps`` days after each
    origin (0-based day index), from the filtered particles at the origin, with the future
    simulated as :func:`oracle_forecast` does.
    """
    rng = np.random.default_rng(seed)
    itch = np.asarray(itch, float)
    T = itch.size
    want = sorted(int(o) for o in origins if 0 <= int(o) < T)
    bump = trigger_bump(pt, exposures, T)
    N = int(n_particles)
    sd0 = pt.sigma / np.sqrt(1 - pt.phi**2)
    z = pt.level + sd0 * rng.standard_normal(N)
    tcs_prev = np.zeros(N)
    out: dict[int, np.ndarray] = {}
    wi = 0
    for t in range(T):
        z = pt.level + pt.phi * (z - pt.level) + pt.sigma * rng.standard_normal(N)
        if t > 0:
            z = z - pt.tcs_effect * tcs_prev
        mu = z + bump[t]
        if itch[t] == itch[t]:
            y = int(itch[t])
            p = expit(mu[:, None] + np.sqrt(2.0) * pt.omega * _GH_X[None, :])
            lik = (_GH_W * p**y * (1 - p) ** (M_ITCH - y)).sum(axis=1)
            w = lik / lik.sum()
            # systematic resampling
            pos = (rng.random() + np.arange(N)) / N
            idx = np.minimum(np.searchsorted(np.cumsum(w), pos), N - 1)
            z = z[idx]
            tcs_prev = np.full(N, float(tcs[t]))
        else:
            u = mu + pt.omega * rng.standard_normal(N)
            yy = rng.binomial(M_ITCH, expit(u))
            tcs_prev = (rng.random(N) < expit(pt.tcs_a + pt.tcs_b * (yy - 5))).astype(float)
        while wi < len(want) and want[wi] == t:
            out[t] = _simulate_ahead(pt, z, tcs_prev, t, exposures, steps, rng)
            wi += 1
    return out
