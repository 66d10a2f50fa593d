"""Food-challenge verdicts: did itch (or PO-SCORAD) rise in the observation windows after the doses?

Pure science (numpy, scipy): no clinic, store or web imports. See docs/challenges.md.

Model
-----
Every logged day ``i`` of the analysis period (food-free reference days before the first dose,
then the reintroduction period) has a day number ``t_i`` and a score ``y_i``. Late eczematous
reactions appear 6-48 h after ingestion, typically about 24 h (Breuer 2004, PMID 15144477;
PRACTALL, Sampson 2012; reference §5). The weight ``w_i`` (:func:`reaction_weights`) is the
probability that a reaction with onset ~ U(6, 30) h and duration ~ U(12, 36) h (cut at the
observation window) overlaps calendar day ``i``; reference days and reintroduction days outside
every window (control days) have ``w_i = 0``.

    y_i = mu + delta * w_i + u_i,
    Cov(u_i, u_j) = s^2 * [rho * phi^|t_i - t_j| + (1 - rho) * 1{i = j}]

i.e. day-to-day deviations from the patient's own level are a persistent AR(1) part (share
``rho``; continuous-time form, so gaps in the diary are exact) plus day noise. ``delta`` is the
effect size: the rise of the score on a day fully covered by a reaction.

Inference (Bayesian, closed form on a grid; the normal linear model with the Jeffreys prior
``p(mu, delta, s) ~ 1/s``, Zellner 1971 ch. 3-4):

* for each ``(phi, rho)`` on ``PHI_GRID x RHO_GRID`` (uniform prior), with ``R`` the
  correlation matrix and ``X = [1, w]``, the generalised least-squares (GLS) estimate
  ``b = (X' R^-1 X)^-1 X' R^-1 y`` and ``Q = (y - Xb)' R^-1 (y - Xb)``;
* the marginal likelihood ``p(y | phi, rho) ~ |R|^-1/2 |X' R^-1 X|^-1/2 Q^-(n-2)/2``;
* given ``(phi, rho)``, ``delta ~ t_{n-2}(b_delta, Q/(n-2) * [(X' R^-1 X)^-1]_{delta,delta})``;
* the posterior of ``delta`` is the mixture of these t distributions weighted by
  ``p(phi, rho | y)``. Autocorrelation widens the interval as the AR(1) effective sample size
  says: for ``n`` consecutive days the variance of a mean is
  ``s^2/n * [1 + 2 sum_{k=1}^{n-1} (1 - k/n) phi^k]`` (Bartlett 1946), reported as
  ``n_eff_window`` (:func:`effective_sample_size`).

Verdict rules (``relevant`` = smallest rise that matters: 2 itch NRS points, half the >= 4-point
responder definition of the Peak Pruritus NRS (Yosipovitch 2019) for a one-to-two-day rise;
8.7 PO-SCORAD points, the SCORAD MCID of Schram 2012; ``react`` = half of it):

* ``reaction_likely``  if P(delta > react | data) >= 0.90;
* ``no_reaction``      if P(delta < relevant | data) >= 0.90 (and not reaction_likely);
* ``inconclusive``     otherwise, or when there are fewer than 7 reference days, no logged
  window day, or the reference level is so high (itch >= 8.5) that a rise cannot be seen.
  ``settle`` lists what data would settle it (more reference days, more logged window days,
  another dose), with a number computed from the current standard error.

``probability`` is P(delta > react | data): the posterior probability of a reaction.
When PO-SCORAD is logged on enough days it is analysed the same way; a PO-SCORAD
``reaction_likely`` turns an itch ``no_reaction`` into ``inconclusive`` (never the other way),
so the second outcome cannot raise the false-positive rate of the itch verdict.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy import stats

VERDICTS = ("reaction_likely", "no_reaction", "inconclusive")
MIN_REFERENCE_DAYS = 7
ONSET_HOURS = 6.0
WINDOW_HOURS = 48.0
DEFAULT_DOSE_HOUR = 9.0
PHI_GRID = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98])
RHO_GRID = np.array([0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0])
P_DECIDE = 0.90

#: outcome -> (react threshold, relevant effect, ceiling of the reference level)
OUTCOMES: dict[str, tuple[float, float, float]] = {
    "itch": (1.0, 2.0, 8.5),
    "poscorad": (4.35, 8.7, 90.0),
}


@dataclass
class OutcomeResult:
    outcome: str
    verdict: str
    probability: float | None  # P(delta > react)
    p_below_relevant: float | None  # P(delta < relevant)
    effect: float | None  # posterior mean of delta
    effect_low: float | None  # 90 % credible interval
    effect_high: float | None
    se: float | None
    phi: float | None  # posterior mean of the AR(1) coefficient
    reference_days: int
    window_days: int
    control_days: int
    n_eff_window: float | None
    reference_mean: float | None
    reference_sd: float | None
    settle: list[str] = field(default_factory=list)


@dataclass
class ChallengeVerdict:
    """The verdict of one challenge (plain data through :meth:`to_dict`)."""

    verdict: str
    probability: float | None
    effect: float | None
    effect_low: float | None
    effect_high: float | None
    baseline_days: int
    challenge_days: int
    control_days: int
    doses: int
    settle: list[str]
    outcomes: dict[str, OutcomeResult]
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["outcomes"] = {k: asdict(v) for k, v in self.outcomes.items()}
        return d

    def summary(self) -> dict:
        """The CLI contract: verdict, probability, effect, baseline_days, challenge_days (issue 7),
        plus ``settle``: what data would settle an inconclusive verdict, and ``reasons``: why the
        verdict is what it is when the outcomes disagree (e.g. itch did not rise but PO-SCORAD
        did). Together they are the lines the plain-text output prints; both are empty lists
        once the verdict is decided on itch alone."""
        return {
            "verdict": self.verdict,
            "probability": self.probability,
            "effect": self.effect,
            "baseline_days": self.baseline_days,
            "challenge_days": self.challenge_days,
            "settle": list(self.settle),
            "reasons": list(self.reasons),
        }


def _as_datetime(x: dt.date | dt.datetime, dose_hour: float) -> dt.datetime:
    """A dose as the patient's wall-clock time on the diary's calendar (the diary's days are the
    patient's own dates): a naive datetime is that already (the app converts each stored UTC time
    to the zone the dose was taken in first); an aware one is read at its own offset."""
    if isinstance(x, dt.datetime):
        return x.replace(tzinfo=None)
    if isinstance(x, dt.date):
        return dt.datetime.combine(x, dt.time()) + dt.timedelta(hours=dose_hour)
    raise TypeError(f"dose time: expected a date or datetime, got {type(x).__name__}")


def window_days(
    doses: Sequence[dt.date | dt.datetime],
    *,
    onset_hours: float = ONSET_HOURS,
    window_hours: float = WINDOW_HOURS,
    dose_hour: float = DEFAULT_DOSE_HOUR,
) -> set[dt.date]:
    """Calendar days that overlap ``[dose + onset_hours, dose + window_hours]`` of any dose.

    A dose given as a date is taken at ``dose_hour`` (default 09:00). With the defaults a
    morning dose on day d has window days d, d+1 and d+2 (a 24-h peak itch score of each of
    those days covers part of the 6-48 h window).
    """
    if not 0 <= onset_hours < window_hours:
        raise ValueError("onset_hours must be >= 0 and below window_hours")
    out: set[dt.date] = set()
    for d in doses:
        t = _as_datetime(d, dose_hour)
        a = t + dt.timedelta(hours=onset_hours)
        b = t + dt.timedelta(hours=window_hours)
        day = a.date()
        while dt.datetime.combine(day, dt.time()) < b:
            out.add(day)
            day += dt.timedelta(days=1)
    return out


def reaction_weights(
    doses: Sequence[dt.date | dt.datetime],
    *,
    onset_hours: float = ONSET_HOURS,
    window_hours: float = WINDOW_HOURS,
    dose_hour: float = DEFAULT_DOSE_HOUR,
) -> dict[dt.date, float]:
    """Per calendar day, the chance that a late reaction to one of the doses overlaps it.

    Timing model (reference §5: late eczematous reactions 6-48 h after ingestion, typically
    about 24 h): onset ~ U(onset, onset + 24 h), duration ~ U(12 h, 36 h), cut at
    ``window_hours`` after the dose. The weight of a day is the probability that the reaction
    interval overlaps it (averaged over a 24 x 24 grid of onsets and durations); several doses
    add up, capped at 1. This is the matched filter for the window effect: ``delta`` is the rise
    on a day fully covered by a reaction.
    """
    if not 0 <= onset_hours < window_hours:
        raise ValueError("onset_hours must be >= 0 and below window_hours")
    on = onset_hours + (np.arange(24) + 0.5) / 24 * min(24.0, window_hours - onset_hours)
    du = 12.0 + (np.arange(24) + 0.5) / 24 * 24.0
    O, D = np.meshgrid(on, du, indexing="ij")
    E = np.minimum(O + D, window_hours)
    out: dict[dt.date, float] = {}
    for d in doses:
        t = _as_datetime(d, dose_hour)
        midnight = dt.datetime.combine(t.date(), dt.time())
        h0 = (t - midnight).total_seconds() / 3600.0  # dose time in hours after its midnight
        for k in range(0, int(math.ceil((h0 + window_hours) / 24.0)) + 1):
            a, b = 24.0 * k - h0, 24.0 * (k + 1) - h0  # the day in hours after the dose
            p = float(np.mean((O < b) & (E > a)))
            if p > 0:
                day = t.date() + dt.timedelta(days=k)
                out[day] = min(1.0, out.get(day, 0.0) + p)
    return out


def _ar1_posterior(t: np.ndarray, y: np.ndarray, w: np.ndarray, react: float, relevant: float) -> dict:
    """Grid posterior over (phi, rho); mixture-of-t posterior of delta (see module docstring)."""
    n = len(y)
    X = np.column_stack([np.ones(n), w])
    lag = np.abs(t[:, None] - t[None, :])
    phis, rhos = np.meshgrid(PHI_GRID, RHO_GRID, indexing="ij")
    phis, rhos = phis.ravel(), rhos.ravel()
    eye = np.eye(n)
    R = rhos[:, None, None] * phis[:, None, None] ** lag[None] + (1 - rhos)[:, None, None] * eye[None]
    R[:, np.arange(n), np.arange(n)] = 1.0
    L = np.linalg.cholesky(R)
    rhs = np.broadcast_to(np.column_stack([X, y])[None], (len(phis), n, 3))
    Z = np.linalg.solve(L, rhs)  # whitened [1, w, y]
    Xs, ys = Z[:, :, :2], Z[:, :, 2]
    XtX = np.einsum("gni,gnj->gij", Xs, Xs)
    Xty = np.einsum("gni,gn->gi", Xs, ys)
    b = np.linalg.solve(XtX, Xty[:, :, None])[:, :, 0]
    r = ys - np.einsum("gni,gi->gn", Xs, b)
    Q = np.maximum(np.einsum("gn,gn->g", r, r), 1e-9)
    V = np.linalg.inv(XtX)
    logdetR = 2.0 * np.sum(np.log(np.diagonal(L, axis1=1, axis2=2)), axis=1)
    _, logdetX = np.linalg.slogdet(XtX)
    lw = -0.5 * logdetR - 0.5 * logdetX - 0.5 * (n - 2) * np.log(Q)
    wts = np.exp(lw - lw.max())
    wts /= wts.sum()
    means_a = b[:, 1]
    scales_a = np.sqrt(Q / (n - 2) * V[:, 1, 1])
    df = n - 2
    p_react = float(np.sum(wts * stats.t.sf((react - means_a) / scales_a, df)))
    p_below = float(np.sum(wts * stats.t.cdf((relevant - means_a) / scales_a, df)))
    mean = float(np.sum(wts * means_a))
    var_t = df / (df - 2) if df > 2 else 3.0
    var = float(np.sum(wts * (scales_a**2 * var_t + means_a**2)) - mean**2)
    sd = math.sqrt(max(var, 0.0))
    grid = np.linspace(mean - 8 * sd - 1e-6, mean + 8 * sd + 1e-6, 801)
    cdf = np.sum(wts[:, None] * stats.t.cdf((grid[None, :] - means_a[:, None]) / scales_a[:, None], df), axis=0)
    return {
        "p_react": p_react,
        "p_below": p_below,
        "mean": mean,
        "se": sd,
        "low": float(np.interp(0.05, cdf, grid)),
        "high": float(np.interp(0.95, cdf, grid)),
        "phi": float(np.sum(wts * phis)),
        "rho": float(np.sum(wts * rhos)),
    }


def effective_sample_size(n: int, phi: float) -> float:
    """AR(1) effective size of the mean of ``n`` consecutive days (Bartlett 1946).

    ``n_eff = n / [1 + 2 sum_{k=1}^{n-1} (1 - k/n) phi^k]``; ``n_eff = n`` at ``phi = 0``.
    """
    if n <= 0:
        return 0.0
    if not -1 < phi < 1:
        raise ValueError("phi must lie in (-1, 1)")
    k = np.arange(1, n)
    return float(n / (1.0 + 2.0 * np.sum((1 - k / n) * phi**k)))


def evaluate_outcome(
    days: Sequence[dt.date],
    values: Sequence[float | None],
    challenge_start: dt.date,
    doses: Sequence[dt.date | dt.datetime],
    *,
    outcome: str = "itch",
    end: dt.date | None = None,
    onset_hours: float = ONSET_HOURS,
    window_hours: float = WINDOW_HOURS,
    dose_hour: float = DEFAULT_DOSE_HOUR,
    exclude: set[dt.date] | None = None,
) -> OutcomeResult:
    """Verdict for one outcome series (``itch`` 0-10 or ``poscorad`` 0-103).

    ``days``/``values``: the logged days (missing values as ``None`` or NaN are dropped).
    Days before ``challenge_start`` (and before the first dose, when that is later) are the
    food-free reference; days from it to ``end``
    (inclusive; default: the last logged day) are the reintroduction period. ``exclude``:
    days to leave out (e.g. days after an unplanned exposure).
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome: expected one of {', '.join(OUTCOMES)}")
    if len(days) != len(values):
        raise ValueError("days and values must have the same length")
    react, relevant, ceiling = OUTCOMES[outcome]
    weights = reaction_weights(doses, onset_hours=onset_hours, window_hours=window_hours, dose_hour=dose_hour)
    win = {d for d, v in weights.items() if v >= 0.05}
    exclude = exclude or set()
    pts: dict[dt.date, float] = {}
    for d, v in zip(days, values, strict=True):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        if isinstance(d, dt.datetime):
            d = d.date()
        if d in exclude or (end is not None and d > end):
            continue
        fv = float(v)
        if not math.isfinite(fv):
            continue
        pts[d] = fv
    ordered = sorted(pts)
    # the reference is every logged food-free day before the first dose, also the days of the
    # reintroduction period a late first dose leaves before it (2026-12-07: they counted as control
    # days, so a patient who missed baseline days and logged more before a late first step stayed
    # "log N more food-free baseline day(s) before the first dose" for good). Reference and control
    # days enter the model alike (w = 0); only the counts and the reference level differ.
    first_dose = min((_as_datetime(x, dose_hour).date() for x in doses), default=None)
    split = challenge_start if first_dose is None else max(challenge_start, first_dose)
    ref = [d for d in ordered if d < split]
    post = [d for d in ordered if d >= split]
    wdays = [d for d in post if d in win]
    cdays = [d for d in post if d not in win]
    res = OutcomeResult(
        outcome=outcome, verdict="inconclusive", probability=None, p_below_relevant=None, effect=None,
        effect_low=None, effect_high=None, se=None, phi=None, reference_days=len(ref), window_days=len(wdays),
        control_days=len(cdays), n_eff_window=None,
        reference_mean=float(np.mean([pts[d] for d in ref])) if ref else None,
        reference_sd=float(np.std([pts[d] for d in ref], ddof=1)) if len(ref) > 1 else None,
    )
    if not doses:
        res.settle.append("no dose recorded yet: the verdict needs at least one dose")
    if len(ref) < MIN_REFERENCE_DAYS:
        res.settle.append(f"log {MIN_REFERENCE_DAYS - len(ref)} more food-free baseline day(s) before the first dose")
    if doses and not wdays:
        res.settle.append("log the days after each dose (the 6-48 h observation window)")
    if res.settle:
        return res
    if res.reference_mean is not None and res.reference_mean >= ceiling:
        res.settle.append(
            f"the baseline {outcome} is near the top of the scale, so a rise cannot be seen; "
            "repeat once the eczema is better controlled"
        )
        return res
    use = ref + post
    t0 = use[0]
    t = np.array([(d - t0).days for d in use], dtype=float)
    y = np.array([pts[d] for d in use], dtype=float)
    w = np.array([weights.get(d, 0.0) if d >= challenge_start else 0.0 for d in use])
    if np.ptp(y) == 0:
        # a perfectly constant diary: no variability at all; an exact comparison
        res.effect = res.effect_low = res.effect_high = 0.0
        res.se, res.phi, res.probability, res.p_below_relevant = 0.0, 0.0, 0.0, 1.0
        res.n_eff_window = float(len(wdays))
        res.verdict = "no_reaction"
        return res
    post_ = _ar1_posterior(t, y, w, react, relevant)
    res.probability = round(post_["p_react"], 4)
    res.p_below_relevant = round(post_["p_below"], 4)
    res.effect = round(post_["mean"], 3)
    res.effect_low = round(post_["low"], 3)
    res.effect_high = round(post_["high"], 3)
    res.se = round(post_["se"], 3)
    res.phi = round(post_["phi"], 3)
    res.n_eff_window = round(effective_sample_size(len(wdays), post_["phi"]), 2)
    if post_["p_react"] >= P_DECIDE:
        res.verdict = "reaction_likely"
    elif post_["p_below"] >= P_DECIDE:
        res.verdict = "no_reaction"
    else:
        res.settle.extend(_what_settles(post_, react, relevant, len(ref), len(wdays)))
    return res


def _what_settles(post: dict, react: float, relevant: float, n_ref: int, n_win: int) -> list[str]:
    """How much more data would make the interval decisive, from the current standard error.

    The standard error of a difference of means scales about as sqrt(1/n_win + 1/n_ref); we
    find the smallest extra window days (3 per extra dose) such that the current effect
    estimate would pass one of the two decision thresholds.
    """
    z = stats.norm.ppf(P_DECIDE)
    mean, se = post["mean"], max(post["se"], 1e-9)
    # the SE needed to decide at the current estimate
    need = max((mean - react) / z, (relevant - mean) / z)
    out: list[str] = []
    base = math.sqrt(1 / max(n_win, 1) + 1 / max(n_ref, 1))
    if need <= 0:
        out.append("the estimate sits between the two thresholds; another dose step with its "
                   "observation window would settle it")
        return out
    ratio = need / se
    for extra in range(3, 31, 3):
        if base / math.sqrt(1 / (n_win + extra) + 1 / max(n_ref, 1)) >= 1 / ratio:
            out.append(f"about {extra // 3} more dose(s) with fully logged observation windows "
                       f"(~{extra} more window days)")
            break
    else:
        out.append("the day-to-day variability is too large for a home challenge to decide; "
                   "consider a supervised challenge")
    if n_ref < 14:
        out.append(f"more food-free baseline days would help (now {n_ref}; 14 or more is better)")
    return out


def evaluate_challenge(
    days: Sequence[dt.date],
    itch: Sequence[float | None],
    challenge_start: dt.date,
    doses: Sequence[dt.date | dt.datetime],
    *,
    poscorad: Sequence[float | None] | None = None,
    end: dt.date | None = None,
    onset_hours: float = ONSET_HOURS,
    window_hours: float = WINDOW_HOURS,
    dose_hour: float = DEFAULT_DOSE_HOUR,
    exclude: set[dt.date] | None = None,
) -> ChallengeVerdict:
    """The verdict of one food challenge from the diary (itch, and PO-SCORAD when logged).

    See the module docstring for the model and the decision rules. ``baseline_days`` is the
    number of logged reference days, ``challenge_days`` the number of logged observation-window
    days. ``doses``: the patient's local wall-clock times (or days, taken at ``dose_hour``), on
    the same calendar as ``days``; a UTC time of a patient far from UTC would lay the windows on
    the wrong days.
    """
    kw = dict(end=end, onset_hours=onset_hours, window_hours=window_hours, dose_hour=dose_hour, exclude=exclude)
    res_itch = evaluate_outcome(days, itch, challenge_start, doses, outcome="itch", **kw)
    outcomes = {"itch": res_itch}
    reasons: list[str] = []
    verdict = res_itch.verdict
    if poscorad is not None:
        logged = sum(1 for v in poscorad if v is not None and not (isinstance(v, float) and math.isnan(v)))
        if logged >= MIN_REFERENCE_DAYS + 2:
            res_ps = evaluate_outcome(days, poscorad, challenge_start, doses, outcome="poscorad", **kw)
            outcomes["poscorad"] = res_ps
            if verdict == "no_reaction" and res_ps.verdict == "reaction_likely":
                verdict = "inconclusive"
                reasons.append("itch did not rise but PO-SCORAD did: the clinician should look at the skin")
    settle = list(res_itch.settle)
    if verdict == "inconclusive" and not settle:
        settle.append("the clinician should examine the skin (PO-SCORAD rose)")
    return ChallengeVerdict(
        verdict=verdict,
        probability=res_itch.probability,
        effect=res_itch.effect,
        effect_low=res_itch.effect_low,
        effect_high=res_itch.effect_high,
        baseline_days=res_itch.reference_days,
        challenge_days=res_itch.window_days,
        control_days=res_itch.control_days,
        doses=len(doses),
        settle=settle,
        outcomes=outcomes,
        reasons=reasons,
    )


def evaluate_frame(
    frame,
    patient: str,
    food: str,
    start: dt.date,
    end: dt.date | None = None,
    *,
    baseline_days: int = 28,
    onset_hours: float = ONSET_HOURS,
    window_hours: float = WINDOW_HOURS,
) -> ChallengeVerdict:
    """Verdict from a diary frame (``gutskin.diary.csvio.read_diary_frame``).

    Doses are the days from ``start`` to ``end`` on which ``food`` was logged (> 0); they are
    taken at 09:00. The reference is the logged days in the ``baseline_days`` before ``start``,
    except days inside the observation window of an exposure to ``food`` before ``start``
    (they are neither food-free nor part of the challenge).
    """
    import pandas as pd

    one = frame[frame["patient"].astype(str) == str(patient)]
    if len(one) == 0:
        raise ValueError(f"no diary rows for patient {patient!r}")
    if food not in one.columns:
        raise ValueError(f"the diary has no factor column {food!r}")
    dates = pd.to_datetime(one["date"]).dt.date
    try:
        lo = start - dt.timedelta(days=baseline_days)
    except OverflowError:  # a baseline reaching before 0001-01-01 starts at the calendar's first day
        lo = dt.date.min
    keep = (dates >= lo) & ((dates <= end) if end is not None else True)
    one = one[keep.to_numpy()]
    dates = list(pd.to_datetime(one["date"]).dt.date)
    exposed = (one[food].fillna(0).to_numpy() > 0)
    doses = [d for d, e in zip(dates, exposed, strict=True) if e and d >= start]
    reach = int(math.ceil((DEFAULT_DOSE_HOUR + window_hours) / 24.0)) + 1  # days a dose's window can touch
    if any(d > dt.date.max - dt.timedelta(days=reach) for d in dates if d >= start):
        raise ValueError(f"diary days from {start.isoformat()} reach within {reach} days of 9999-12-31, where "
                         f"a dose's observation window would run past the calendar's end; check the diary's dates")
    before = [d for d, e in zip(dates, exposed, strict=True) if e and d < start]
    exclude = {d for d in window_days(before, onset_hours=onset_hours, window_hours=window_hours) if d < start}
    exclude |= set(before)
    itch = [None if pd.isna(v) else float(v) for v in one["itch"]]
    ps = [None if pd.isna(v) else float(v) for v in one["poscorad"]] if "poscorad" in one.columns else None
    return evaluate_challenge(dates, itch, start, doses, poscorad=ps, end=end, onset_hours=onset_hours,
                              window_hours=window_hours, exclude=exclude)


# --------------------------------------------------------------------------------------------
# simulation of challenge diaries with a known answer (tests and bench/challenges.py)


@dataclass
class SimulatedChallenge:
    days: list[dt.date]
    itch: list[float | None]
    start: dt.date
    doses: list[dt.datetime]
    reactor: bool
    effect_logit: float
    reacted_days: list[dt.date]


def simulate_challenge(
    rng: np.random.Generator,
    *,
    reactor: bool,
    baseline_days: int = 14,
    challenge_days: int = 14,
    dose_days: Sequence[int] = (0, 4, 8),
    effect_range: tuple[float, float] = (0.9, 1.6),
    react_prob: float = 0.85,
    missing: float = 0.08,
    noisy_day_rate: float = 0.05,
    start: dt.date = dt.date(2026, 1, 1),
) -> SimulatedChallenge:
    """One simulated challenge diary (daily peak itch 0-10) with a known answer.

    Same generative family as :mod:`gutskin.insights.synthetic`: a latent AR(1) on the logit
    scale (level ~ N(-0.6, 0.7), phi ~ U(0.6, 0.95), innovation SD ~ U(0.2, 0.5)), a daily
    transient (SD ~ U(0.1, 0.5)), itch ~ Binomial(10, logit^-1(.)). A reactor reacts to each
    dose with probability ``react_prob``: onset U(6, 30) h after a 07:00-10:00 dose, duration
    U(12, 36) h (ending by 48 h after the dose), adding ``effect_logit`` ~ U(effect_range) to
    every calendar day the reaction overlaps. Noisy days: unrelated bad days (+U(0.8, 2.0)
    logit) at ``noisy_day_rate``; missing days at ``missing``.
    """
    n = baseline_days + challenge_days
    level = rng.normal(-0.6, 0.7)
    phi = rng.uniform(0.6, 0.95)
    sigma = rng.uniform(0.2, 0.5)
    omega = rng.uniform(0.1, 0.5)
    eff = float(rng.uniform(*effect_range)) if reactor else 0.0
    t0 = start - dt.timedelta(days=baseline_days)
    day_list = [t0 + dt.timedelta(days=i) for i in range(n)]
    bump = np.zeros(n)
    doses: list[dt.datetime] = []
    reacted: set[dt.date] = set()
    for k in dose_days:
        t = dt.datetime.combine(start + dt.timedelta(days=int(k)), dt.time()) + dt.timedelta(hours=float(rng.uniform(7, 10)))
        doses.append(t)
        if reactor and rng.random() < react_prob:
            onset = rng.uniform(6, 30)
            dur = min(rng.uniform(12, 36), 48 - onset)
            a, b = t + dt.timedelta(hours=onset), t + dt.timedelta(hours=onset + dur)
            for i, d in enumerate(day_list):
                ds = dt.datetime.combine(d, dt.time())
                if ds < b and ds + dt.timedelta(days=1) > a:
                    bump[i] += eff
                    reacted.add(d)
    noisy = rng.random(n) < noisy_day_rate
    bump += noisy * rng.uniform(0.8, 2.0, n)
    z = level + sigma / math.sqrt(1 - phi**2) * rng.standard_normal()
    itch: list[float | None] = []
    for i in range(n):
        z = level + phi * (z - level) + sigma * rng.standard_normal()
        u = z + bump[i] + omega * rng.standard_normal()
        itch.append(float(rng.binomial(10, 1 / (1 + math.exp(-u)))))
    logged = rng.random(n) >= missing
    days_out = [d for d, ok in zip(day_list, logged, strict=True) if ok]
    itch_out = [v for v, ok in zip(itch, logged, strict=True) if ok]
    return SimulatedChallenge(days_out, itch_out, start, doses, reactor, eff, sorted(reacted))


__all__ = [
    "ChallengeVerdict",
    "OutcomeResult",
    "SimulatedChallenge",
    "VERDICTS",
    "effective_sample_size",
    "evaluate_challenge",
    "evaluate_frame",
    "evaluate_outcome",
    "simulate_challenge",
    "window_days",
]


# ----------------------------------------------------------------------------- late reactions as they come

#: a day's itch this far above the food-free baseline's mean, in a dose's observation window, is a
#: clear worsening to alert on (2026-12-07). Three points: above the verdict's ``relevant`` 2-point
#: rise (half the >= 4-point Peak Pruritus NRS responder definition, Yosipovitch 2019) for one day
#: read alone, below the 4-point responder change itself, so a worsening a clinician would call
#: meaningful is not missed while one day's ordinary noise (SD about 1-1.5 points) is.
LATE_ITCH_RISE = 3.0
#: the baseline mean needs this many logged food-free days; with fewer, only a logged flare alerts
LATE_MIN_BASELINE_DAYS = 3
LATE_SIGNS = ("flare", "itch_rise")


@dataclass(frozen=True)
class LateSign:
    """One day in a dose's observation window that reads as a late (eczematous) reaction."""

    day: dt.date
    signs: tuple[str, ...]  # of LATE_SIGNS
    itch: float | None
    baseline_mean: float | None


def late_reaction_days(
    doses: Sequence[dt.date | dt.datetime],
    days: Sequence[dt.date],
    itch: Sequence[float | None],
    flare: Sequence[bool | None],
    baseline_itch: Sequence[float],
    *,
    window_hours: float = WINDOW_HOURS,
    min_weight: float = 0.05,
) -> list[LateSign]:
    """The logged days in a dose's observation window that show a late reaction, in day order.

    Late eczematous reactions show 6-48 h after a dose, typically about 24 h (reference §5:
    Breuer 2004, PMID 15144477; PRACTALL, Sampson 2012, which re-examines the skin 6-48 h after a
    challenge in atopic dermatitis). A window day (:func:`reaction_weights` >= ``min_weight``, the
    verdict's own window days) is a sign of one when

    * ``flare``: the patient (or parent) ticked a flare on it, or
    * ``itch_rise``: its itch NRS is at least ``LATE_ITCH_RISE`` (3) points above the mean of the
      food-free ``baseline_itch`` days, when at least ``LATE_MIN_BASELINE_DAYS`` are logged.

    This is an alert rule, not the verdict: it reads one day at a time so that the clinic hears of
    a flare the day it is logged, while the verdict (:func:`evaluate_challenge`) weighs all days
    against the baseline's variability once the windows have ended.
    """
    if len(days) != len(itch) or len(days) != len(flare):
        raise ValueError("days, itch and flare must have the same length")
    if not doses:
        return []
    weights = reaction_weights(doses, window_hours=window_hours)
    base = [float(x) for x in baseline_itch if x is not None and math.isfinite(float(x))]
    mean = float(np.mean(base)) if len(base) >= LATE_MIN_BASELINE_DAYS else None
    out: list[LateSign] = []
    for day, y, f in sorted(zip(days, itch, flare), key=lambda r: r[0]):
        if weights.get(day, 0.0) < min_weight:
            continue
        signs = []
        if f:
            signs.append("flare")
        if y is not None and mean is not None and float(y) >= mean + LATE_ITCH_RISE:
            signs.append("itch_rise")
        if signs:
            out.append(LateSign(day, tuple(signs), None if y is None else float(y), mean))
    return out
