"""Forecast scoring and forward chaining (EczemaPred validation protocol; reference §2).

* Forward chaining (``ghurault/EczemaPred`` ``R/validation.R``): with block length h, day t
  (1-based) belongs to iteration ``i(t) = floor((t - 2)/h) + 1`` (day 1 is iteration 0). For each
  i, train on iterations <= i and test on iteration i + 1. The horizon of a test point is its day
  minus the patient's last *observed* training day.
* RPS for y on 0..M: ``(1/M) sum_j (F(j) - 1{j >= y})^2`` (``R/metrics.R``), in [0, 1].
* RPSS = 1 - RPS / RPS_ref against the uniform and historical forecasts. Historical = the
  patient's own training scores with one pseudo-count per category, as reference §1.6 says;
  EczemaPred's ``add_historical_pred`` (``R/validation.R``) pools whatever training data it is
  given, and the paper's analysis gives it every patient's (a population forecast, an easier
  baseline), so RPSS against it is not comparable with the paper's (audit of 2026-12-06).
* lpd = log p(y) of the predictive pmf.
* Calibration: reliability of the cumulative events ``P(y <= j)``, j = 0..M-1, pooled over test
  points, in ten probability bins; ECE = bin-size-weighted mean |observed - predicted|.
"""

from __future__ import annotations

import contextlib
import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gutskin.insights.forecast import (
    DEFAULT_GRID,
    M,
    Grid,
    filter_series,
    fit_covariates,
    predictive,
    predictive_fast,
    run_filter,
)
from gutskin.insights.pool import POOL_MIN_TASKS, default_jobs, ordered_map  # noqa: F401  (default_jobs: the CLI's)


def rps(probs: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Ranked probability score of pmfs ``probs`` (..., M+1) for integer outcomes ``y`` (...)."""
    probs = np.asarray(probs, float)
    y = np.asarray(y)
    cdf = np.cumsum(probs, axis=-1)
    step = (np.arange(probs.shape[-1]) >= y[..., None]).astype(float)
    return np.sum((cdf - step) ** 2, axis=-1) / (probs.shape[-1] - 1)


def log_density(probs: np.ndarray, y: np.ndarray) -> np.ndarray:
    p = np.take_along_axis(np.asarray(probs, float), np.asarray(y, int)[..., None], axis=-1)[..., 0]
    return np.log(np.clip(p, 1e-300, None))


def calibration(probs: np.ndarray, y: np.ndarray, bins: int = 10) -> dict[str, Any]:
    """Reliability of P(y <= j), j = 0..M-1, pooled; returns bins and the ECE."""
    probs = np.asarray(probs, float)
    if probs.size == 0:
        return {"bins": [], "ece": None}
    cdf = np.cumsum(probs, axis=-1)[..., :-1].ravel()
    ev = (np.asarray(y)[..., None] <= np.arange(probs.shape[-1] - 1)).astype(float).ravel()
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(cdf, edges[1:-1]), 0, bins - 1)
    out, ece = [], 0.0
    for b in range(bins):
        sel = which == b
        n = int(sel.sum())
        if n == 0:
            continue
        pred, obs = float(cdf[sel].mean()), float(ev[sel].mean())
        ece += n * abs(pred - obs)
        out.append({"predicted": round(pred, 4), "observed": round(obs, 4), "n": n})
    return {"bins": out, "ece": round(ece / cdf.size, 5)}


def historical_pmf(train_y: np.ndarray) -> np.ndarray:
    y = np.asarray(train_y, float)
    y = y[~np.isnan(y)].astype(int)
    counts = np.bincount(y, minlength=M + 1).astype(float) + 1.0
    return counts / counts.sum()


@dataclass
class ChainPoints:
    """Test points of a forward-chaining run (one row per patient-day tested)."""

    patient: list[str] = field(default_factory=list)
    day: list[int] = field(default_factory=list)  # 0-based index on the patient's day grid
    origin: list[int] = field(default_factory=list)  # last day index of the training block
    horizon: list[int] = field(default_factory=list)
    y: list[int] = field(default_factory=list)
    forecasts: dict[str, list[np.ndarray]] = field(default_factory=dict)  # method -> pmfs


def patient_series(frame) -> tuple[list[str], np.ndarray, list]:
    """Itch of every patient on its own day grid: (ids, Y (K x Tmax, nan padded), start dates)."""
    import pandas as pd

    ids, series, starts = [], [], []
    for pid, g in frame.groupby(frame["patient"].astype(str), sort=True):
        d = pd.to_datetime(g["date"]).to_numpy().astype("datetime64[D]").astype(np.int64)
        s = np.full(int(d.max() - d.min() + 1), np.nan)
        s[d - d.min()] = g["itch"].to_numpy(float)
        ids.append(str(pid))
        series.append(s)
        starts.append(int(d.min()))
    T = max((len(s) for s in series), default=0)
    Y = np.full((len(series), T), np.nan)
    for k, s in enumerate(series):
        Y[k, : len(s)] = s
    return ids, Y, starts


def factor_names(frame) -> list[str]:
    """The factor columns of a diary frame (every column that is not a core diary column)."""
    from gutskin.diary.csvio import CORE_COLUMNS

    return [c for c in frame.columns if c not in CORE_COLUMNS]


def patient_factors(frame, names) -> list[np.ndarray]:
    """Raw factor values of every patient on its own day grid (same order as
    :func:`patient_series`): a list of (T_k, F) arrays, nan where not logged."""
    import pandas as pd

    out = []
    for _pid, g in frame.groupby(frame["patient"].astype(str), sort=True):
        d = pd.to_datetime(g["date"]).to_numpy().astype("datetime64[D]").astype(np.int64)
        G = np.full((int(d.max() - d.min() + 1), len(names)), np.nan)
        if names:
            G[d - d.min()] = g[list(names)].to_numpy(float)
        out.append(G)
    return out


def origins_for(T: int, block: int) -> list[int]:
    """0-based last training day of each forward-chaining iteration with a non-empty test block."""
    # day t (1-based) in iteration floor((t-2)/h)+1; iteration i ends at day 1 + i*h (1-based)
    return [i * block for i in range(0, max(T - 1, 0) // block + 1) if i * block + 1 < T]


@dataclass
class PatientPoints:
    """The test points of one patient (forward chaining), origin by origin, days ascending."""

    patient: str
    k: int  # the patient's place in id order
    day: np.ndarray  # (n,) 0-based index on the patient's day grid
    origin: np.ndarray  # (n,) last day index of the training block
    horizon: np.ndarray  # (n,)
    y: np.ndarray  # (n,)
    forecasts: dict[str, np.ndarray]  # method -> (n, M+1) pmfs


def chain_patients(
    frame,
    horizon: int = 7,
    block: int | None = None,
    grid: Grid = DEFAULT_GRID,
    covariates: bool = True,
    jobs: int = 1,
    progress=None,
    chunk: int = 256,
):
    """Forward chaining of BinAR1(-X) with the uniform and historical baselines, one patient at a
    time: yields a :class:`PatientPoints` for every patient, in id order (:func:`forward_chain`
    has the rules). A patient's data and points are built when it comes up and dropped once
    yielded, so a caller summing as it goes (:class:`ChainSummary`) holds one patient's points,
    not every patient's (2026-12-07; the 5,000-patient run's parent peaked at 1.08 GiB holding
    them all). BinAR1 without factors filters ``chunk`` patients at once (the grid filter is
    elementwise across patients: the same numbers as all at once)."""
    block = int(block or horizon)
    if block < 1 or horizon < 1:
        raise ValueError("horizon and block must be >= 1")
    names = factor_names(frame) if covariates else []
    groups = frame.groupby(frame["patient"].astype(str), sort=True)
    K = groups.ngroups
    T = _longest(groups)
    origins = origins_for(T, block)
    series = (
        (k, str(pid), *_patient_days(g, names, T)) for k, (pid, g) in enumerate(groups)
    )
    if names:
        tasks = ((k, pid, y, G, names, origins, block, horizon, grid) for k, pid, y, G in series)
        yield from ordered_map(_chain_task, tasks, K, jobs, progress, warm=_warm_kernels)
        return
    done = 0
    while True:
        part = list(itertools.islice(series, chunk))
        if not part:
            break
        Y = np.vstack([y for _, _, y, _ in part])
        work = [_patient_work(y, origins, block, horizon) for _, _, y, _ in part]
        _, snaps = run_filter(Y, grid, snapshots=origins)
        pmfs: dict[int, np.ndarray] = {}
        for o in origins:
            if any(o in w for w in work):
                pmfs[o] = predictive(snaps[o], grid, range(1, block + 1))
        del snaps
        for i, (k, pid, y, _) in enumerate(part):
            yield _patient_points(k, pid, y, work[i], {o: pmfs[o][i] for o in work[i]})
        done += len(part)
        if progress is not None:
            progress(done, K)
    if progress is not None and K == 0:
        progress(0, 0)


def _longest(groups) -> int:
    """Days spanned by the longest patient (first to last row): the shared day grid's length."""
    if groups.ngroups == 0:
        return 0
    d = groups["date"].agg(["min", "max"])
    span = (d["max"] - d["min"]).dt.days
    return int(span.max()) + 1


def _patient_days(g, names, T: int):
    """One patient's score on the shared day grid (T,) (nan padded, as :func:`patient_series`)
    and factors (T_k, F) on its own grid (as :func:`patient_factors`; None without factors)."""
    import pandas as pd

    d = pd.to_datetime(g["date"]).to_numpy().astype("datetime64[D]").astype(np.int64)
    y = np.full(T, np.nan)
    y[d - d.min()] = g["itch"].to_numpy(float)
    if not names:
        return y, None
    G = np.full((int(d.max() - d.min() + 1), len(names)), np.nan)
    G[d - d.min()] = g[list(names)].to_numpy(float)
    return y, G


def _patient_work(y, origins, block: int, horizon: int) -> dict[int, list[int]]:
    """origin -> the test days of one patient (those with a score and a horizon <= ``horizon``
    from the last observed training day), for the origins with a training day and a test day."""
    T = y.size
    obs = ~np.isnan(y)
    last_obs = np.maximum.accumulate(np.where(obs, np.arange(T), -1)) if T else np.zeros(0, int)
    work: dict[int, list[int]] = {}
    for o in origins:
        lo = last_obs[o]
        if lo < 0:
            continue
        days = [int(t) for t in range(o + 1, min(o + block, T - 1) + 1) if obs[t] and t - lo <= horizon]
        if days:
            work[o] = days
    return work


_UNIFORM = np.full(M + 1, 1.0 / (M + 1))


def _patient_points(k: int, pid: str, y, work: dict[int, list[int]], model: dict[int, np.ndarray]) -> PatientPoints:
    T = y.size
    obs = ~np.isnan(y)
    last_obs = np.maximum.accumulate(np.where(obs, np.arange(T), -1)) if T else np.zeros(0, int)
    day, origin, hz, yy, pm, hist = [], [], [], [], [], []
    for o, days in work.items():  # origins ascending
        pk, h = model[o], historical_pmf(y[: o + 1])
        lo = int(last_obs[o])
        for t in days:
            day.append(t)
            origin.append(o)
            hz.append(t - lo)
            yy.append(int(y[t]))
            pm.append(pk[t - o - 1])
            hist.append(h)
    n = len(day)
    empty = np.empty((0, M + 1))
    return PatientPoints(
        pid, k, np.asarray(day, int), np.asarray(origin, int), np.asarray(hz, int), np.asarray(yy, int),
        {
            "model": np.array(pm) if n else empty,
            "uniform": np.tile(_UNIFORM, (n, 1)),
            "historical": np.array(hist) if n else empty,
        },
    )


def _chain_task(task) -> PatientPoints:
    """One patient's points with BinAR1-X refitted at each of its origins (a worker's task)."""
    k, pid, y, G, names, origins, block, horizon, grid = task
    work = _patient_work(y, origins, block, horizon)
    pmfs = _chain_patient(k, y, G, names, list(work), block, grid)
    return _patient_points(k, pid, y, work, dict(zip(work, pmfs)))


def forward_chain(
    frame,
    horizon: int = 7,
    block: int | None = None,
    grid: Grid = DEFAULT_GRID,
    covariates: bool = True,
    jobs: int = 1,
    progress=None,
) -> ChainPoints:
    """Forward chaining of BinAR1 with the uniform and historical baselines (all patients at once).

    ``block`` (default ``horizon``) is the refit interval; each test block is forecast from the
    state at the end of the previous one, so horizons run 1..block (more after gaps; points whose
    horizon exceeds ``horizon`` are not scored). Test points with no observed training day are
    skipped. With ``covariates`` (and factor columns in the frame) the model is BinAR1-X: at
    every origin the factor coding, the effects and the filter are refitted on the days up to
    the origin only.

    Speed (2026-12-07, docs/insights.md "Forward chaining on a big file"): BinAR1-X refits every
    patient at every origin; the refits of one patient go to one call of :func:`_chain_patient`,
    and with ``jobs`` > 1 patients are shared out to that many worker processes (the points are
    put back in the same order, so the result is the same). ``progress``: called as
    ``progress(patients_done, patients)`` as patients finish.

    Every point is held (listed origin by origin, then patient by patient, as it always was);
    :func:`evaluate_forecast` sums the points of :func:`chain_patients` as they come instead.
    """
    with contextlib.closing(chain_patients(frame, horizon, block, grid, covariates, jobs, progress)) as it:
        parts = list(it)
    pts = ChainPoints(forecasts={"model": [], "uniform": [], "historical": []})
    if not parts:
        return pts
    origin = np.concatenate([p.origin for p in parts])
    k = np.concatenate([np.full(p.origin.size, p.k) for p in parts])
    order = np.lexsort((k, origin))  # stable: days ascending within (origin, patient)
    ids = np.concatenate([np.full(p.origin.size, p.patient, dtype=object) for p in parts])
    pts.patient = [str(x) for x in ids[order]]
    pts.day = np.concatenate([p.day for p in parts])[order].tolist()
    pts.origin = origin[order].tolist()
    pts.horizon = np.concatenate([p.horizon for p in parts])[order].tolist()
    pts.y = np.concatenate([p.y for p in parts])[order].tolist()
    for m in pts.forecasts:
        pts.forecasts[m] = list(np.concatenate([p.forecasts[m] for p in parts])[order])
    return pts


POOL_MIN_PATIENTS = POOL_MIN_TASKS  # fewer patients than this are refitted in the calling process


def _warm_kernels() -> None:
    """Load the compiled kernels in this process, so forked workers have them."""
    filter_series(np.array([3.0, 4.0]))
    predictive_fast(filter_series(np.array([3.0])), DEFAULT_GRID, [1])
    fit_covariates(np.arange(30.0) % 11, (np.arange(30.0) % 3)[:, None], ["f"], 2)


def _chain_patient(k, y, G, names, origins, block, grid) -> list[np.ndarray]:
    """BinAR1-X predictive pmfs (block, 11) of one patient from each origin in ``origins``."""
    return [_covariate_pmf(y[: o + 1], G[: o + 1], names, block, grid, fast=True) for o in origins]


def _covariate_pmf(y, G, names, steps, grid, fast: bool = False) -> np.ndarray:
    """BinAR1-X predictive pmfs (steps, 11) from the days given (training data only).
    ``fast``: :func:`~gutskin.insights.forecast.predictive_fast` (the compiled mixture; the
    same numbers up to the order of the sums) instead of :func:`predictive`."""
    cf = fit_covariates(y, G, names, steps, grid=grid)
    if cf is None:
        st = filter_series(y, grid)
        if fast:
            return predictive_fast(st, grid, range(1, steps + 1))
        return predictive(st, grid, range(1, steps + 1))[0]
    st = filter_series(y, grid, offset=cf.offset)
    if fast:
        return predictive_fast(st, grid, range(1, steps + 1), offset=cf.future_offset, offset_var=cf.future_var)
    return predictive(
        st, grid, range(1, steps + 1), offset=cf.future_offset[None], offset_var=cf.future_var[None]
    )[0]


class _Sum:
    """A running sum kept as an unevaluated pair ``hi + lo`` (``math.fsum`` of the pair and each
    batch: exact to ~1e-32 relative), so the mean of a million points summed patient by patient
    is the correctly rounded mean whatever the order; NumPy's pairwise mean of all the points at
    once (the summary until 2026-12-07) is within a few units in the last place of it, and every
    figure is rounded to 5 decimals, so the figures are the same."""

    __slots__ = ("hi", "lo")

    def __init__(self) -> None:
        self.hi, self.lo = 0.0, 0.0

    def add(self, values) -> None:
        xs = np.asarray(values, float).ravel().tolist()
        xs += (self.hi, self.lo)
        self.hi = math.fsum(xs)
        xs.append(-self.hi)
        self.lo = math.fsum(xs)


def _total(sums) -> float:
    sums = list(sums)
    return math.fsum([s.hi for s in sums] + [s.lo for s in sums])


class ChainSummary:
    """RPS, RPSS (vs uniform and historical), lpd and calibration, per horizon and overall, summed
    as the points come (:meth:`add` a patient's points, or any batch) and given by :meth:`result`.

    Holds per horizon (and one bucket for points of other horizons, counted in ``overall`` only)
    the count, the sums of each method's RPS and log density, and per calibration bin the count,
    the events and the sum of the predicted probabilities: a few hundred numbers, whatever the
    number of points. Until 2026-12-07 the summary held every point's pmfs (:func:`summarize`
    over a :class:`ChainPoints`), 1.08 GiB on 5,000 patients x 180 days."""

    def __init__(self, horizon: int, methods=("model", "uniform", "historical"), reference: str = "model",
                 bins: int = 10) -> None:
        self.horizon, self.methods, self.reference, self.bins = horizon, list(methods), reference, bins
        self.edges = np.linspace(0, 1, bins + 1)
        self.patients: set[str] = set()
        nb = horizon + 1  # bucket 0: any other horizon
        self.n = [0] * nb
        self.sums = {(b, m, w): _Sum() for b in range(nb) for m in self.methods for w in ("rps", "lpd")}
        self.cal_n = np.zeros((nb, bins), np.int64)
        self.cal_events = np.zeros((nb, bins), np.int64)
        self.cal_pred = [[_Sum() for _ in range(bins)] for _ in range(nb)]

    def add(self, patients, horizon, y, forecasts) -> None:
        """A batch of points: patient ids (one per point, or one id for all), horizons, outcomes
        and method -> (n, M+1) pmfs."""
        y = np.asarray(y, int)
        if y.size == 0:
            return
        self.patients.update([patients] if isinstance(patients, str) else set(patients))
        hz = np.asarray(horizon, int)
        bucket = np.where((hz >= 1) & (hz <= self.horizon), hz, 0)
        P = {m: np.asarray(forecasts[m], float) for m in self.methods}
        score = {(m, "rps"): rps(P[m], y) for m in self.methods}
        score.update({(m, "lpd"): log_density(P[m], y) for m in self.methods})
        ref = P[self.reference]
        cdf = np.cumsum(ref, axis=-1)[..., :-1]
        ev = y[..., None] <= np.arange(ref.shape[-1] - 1)
        which = np.clip(np.digitize(cdf, self.edges[1:-1]), 0, self.bins - 1)
        for b in np.unique(bucket):
            sel = bucket == b
            self.n[b] += int(sel.sum())
            for (m, w), v in score.items():
                self.sums[(b, m, w)].add(v[sel])
            c, e, wb = cdf[sel].ravel(), ev[sel].ravel(), which[sel].ravel()
            for j in np.unique(wb):
                at = wb == j
                self.cal_n[b, j] += int(at.sum())
                self.cal_events[b, j] += int(e[at].sum())
                self.cal_pred[b][j].add(c[at])

    def add_points(self, pp: PatientPoints) -> None:
        self.add(pp.patient, pp.horizon, pp.y, pp.forecasts)

    def _block(self, buckets) -> dict[str, Any]:
        n = sum(self.n[b] for b in buckets)
        res: dict[str, Any] = {"n": n}
        if n == 0:
            # every block has every key (the "per horizon and overall"); with no test point
            # the scores are null. Until 2026-12-07 such a block was {"n": 0} alone, so a reader of
            # per_horizon["7"]["model"]["rps"] failed on a diary too short to reach day 7
            res.update({m: None for m in self.methods})
            res.update({"rpss_uniform": None, "rpss_historical": None, "calibration": {"bins": [], "ece": None}})
            return res
        for m in self.methods:
            r = _total(self.sums[(b, m, "rps")] for b in buckets) / n
            lp = _total(self.sums[(b, m, "lpd")] for b in buckets) / n
            res[m] = {"rps": round(r, 5), "lpd": round(lp, 5)}
        ref = res[self.reference]["rps"]
        res["rpss_uniform"] = round(1 - ref / res["uniform"]["rps"], 5) if "uniform" in res else None
        res["rpss_historical"] = round(1 - ref / res["historical"]["rps"], 5) if "historical" in res else None
        out, ece = [], 0.0
        for j in range(self.bins):
            nj = int(sum(self.cal_n[b, j] for b in buckets))
            if nj == 0:
                continue
            pred = _total(self.cal_pred[b][j] for b in buckets) / nj
            obs = int(sum(self.cal_events[b, j] for b in buckets)) / nj
            ece += nj * abs(pred - obs)
            out.append({"predicted": round(pred, 4), "observed": round(obs, 4), "n": nj})
        res["calibration"] = {"bins": out, "ece": round(ece / (n * M), 5)}
        return res

    def result(self) -> dict[str, Any]:
        return {
            "horizon": self.horizon,
            "n_points": sum(self.n),
            "n_patients": len(self.patients),
            "overall": self._block(range(self.horizon + 1)),
            "per_horizon": {str(h): self._block([h]) for h in range(1, self.horizon + 1)},
        }


def summarize(pts: ChainPoints, horizon: int, methods=None, reference: str = "model") -> dict[str, Any]:
    """RPS, RPSS (vs uniform and historical), lpd and calibration, per horizon and overall, of
    points held in a :class:`ChainPoints` (:class:`ChainSummary` over them in one batch)."""
    s = ChainSummary(horizon, methods or list(pts.forecasts.keys()), reference)
    n = len(pts.y)
    s.add(pts.patient, pts.horizon, pts.y,
          {m: np.asarray(pts.forecasts[m], float).reshape(n, M + 1) for m in s.methods})
    return s.result()


def evaluate_forecast(
    frame, horizon: int = 7, block: int | None = None, score: str = "itch", jobs: int = 1, progress=None
) -> dict[str, Any]:
    """Forward-chaining evaluation of the BinAR1(-X) forecast against uniform and historical
    (``score``: ``"itch"`` or ``"sleep_loss"``; ``jobs`` and ``progress`` as :func:`forward_chain`).
    The points are summed patient by patient as they come (:func:`chain_patients`,
    :class:`ChainSummary`): the run holds one patient's points (per worker chunk), not all."""
    from gutskin.insights.forecast import score_frame

    summary = ChainSummary(horizon)
    # closed on any exception here (Ctrl-C while a patient is being summed): the workers are
    # stopped then, not when the generator is collected
    with contextlib.closing(chain_patients(score_frame(frame, score), horizon, block, jobs=jobs,
                                           progress=progress)) as parts:
        for pp in parts:
            summary.add_points(pp)
    out = summary.result()
    out["score"] = score
    out["block"] = int(block or horizon)
    out["model"] = (
        "BinAR1-X (Laplace-Kalman filter on a parameter grid; factors at lags 0-3)"
        if factor_names(frame)
        else "BinAR1 (Laplace-Kalman filter on a parameter grid)"
    )
    return out
