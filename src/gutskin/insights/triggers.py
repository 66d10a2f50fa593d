"""Personal triggers: lagged, autocorrelation- and treatment-adjusted, pooled, FDR-controlled.

Method (docs/insights.md has the full derivation and sources)
------------------------------------------------------------
1. **Per patient, a dynamic regression** (Langan 2009 residualise-on-dynamics approach;
   reference §4.3) on the patient's day grid::

       y_t = a + sum_{j=1..3} rho_j y_{t-j} + sum_f sum_{l in L_f} b_{f,l} x_{f,t-l} + e_t

   ``y`` is the 0-10 itch, so ``b_{f,l}`` is directly "points of itch on the day l days after
   exposure, compared with a day without it, at the same recent itch". The lagged itch terms
   absorb persistence (autocorrelation) *and* block the back-door path of reactive treatment:
   a steroid used on day t-l *because* y_{t-l} was bad is compared with days of equally bad
   y_{t-l}. For ``treat.*`` factors the same-day lag is excluded (same-day use is a response to
   the day's itch, not a cause) so ``L_treat = {1, 2, 3}``; other factors use ``{0, 1, 2, 3}``.
   Missing lagged itch is carried forward (at most 3 days, else the patient's mean) with an
   indicator column; missing factor cells take the patient's mean covariate. OLS gives
   ``b_hat`` and its standard error.

2. **Lag-selection spike-and-slab with empirical-Bayes pooling.** For factor f of patient k,
   either no lag has an effect (``M_0``, prior 1 - pi_f) or exactly one lag l has an effect
   ``beta ~ N(mu_f, tau_f^2)`` (prior pi_f * w_{f,l}). With ``b_hat_l ~ N(beta_l, s_l^2)``::

       P(M_l | b) ∝ pi_f w_{f,l} N(b_l; mu_f, tau_f^2 + s_l^2) / N(b_l; 0, s_l^2),  P(M_0 | b) ∝ 1 - pi_f
       beta | M_l, b ~ N(m_l, v_l),  v_l = 1/(1/tau^2 + 1/s_l^2),  m_l = v_l (mu/tau^2 + b_l/s_l^2)

   ``probability`` (that the factor worsens itch) = sum_l P(M_l|b) Phi(m_l/sqrt(v_l)). When a
   cohort is given, (pi_f, w_f, mu_f, tau_f) are fitted per factor by EM over patients
   (Efron 2010 two-groups model; Stephens 2017 "ash"-style shrinkage), which pulls each
   patient's noisy effect toward the cohort's; alone, a patient gets weakly-informative
   defaults (pi = 0.3, mu = 0, tau = 1 itch point, lag weights favouring day 1 for foods).

3. **Multiple testing.** Per patient, factors are ranked by the local false-discovery rate
   ``1 - probability``; the largest set whose average lfdr is at most ``q`` (Bayesian FDR,
   Müller et al. 2004; Newton et al. 2004) and whose members each have probability >= 0.8 is
   called ``likely_trigger``; the same on the protective side.

Verdicts: ``not_enough_data`` when a factor has fewer than ``min_days`` (default 14) exposed or
unexposed days with an itch score, or the patient has too few analysable days for the model.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy.linalg.lapack import dpotrf as _dpotrf
from scipy.linalg.lapack import dpotri as _dpotri
from scipy.special import ndtr

from gutskin.insights.together import together_groups, varies
from gutskin.insights.wording import risk_percent

LAGS: tuple[int, ...] = (0, 1, 2, 3)
TREATMENT_LAGS: tuple[int, ...] = (1, 2, 3)
AR_ORDER = 3
MIN_DAYS = 14
DEFAULT_Q = 0.10
MIN_PROBABILITY = 0.8
TREATMENT_MIN_PROBABILITY = 0.95
"""A treatment (``treat.*``) is called ``likely_trigger`` only at this probability or more
(2026-12-06). Calling a prescribed steroid "likely makes your itch worse" can make a patient stop
it, so a false call costs far more than for a food; and treatment is used *because of* bad days,
so what the lagged-itch adjustment cannot remove (a threshold rule, itch felt but not logged)
leans the same way. A clinician's walk found it: a cream used on every day with itch >= 6 of a
diary whose itch had no memory at all came out "likely makes your itch worse in two days, 82 %"
beside two real triggers (their near-zero local fdr let it into the Bayesian-FDR set). Between
``MIN_PROBABILITY`` and this bar the verdict is ``no_evidence`` with the note
``treatment_bar`` and a sentence that gives the figure."""
MIN_POOL_PATIENTS = 8
TAU_FLOOR = 0.25
CODE_LIMIT = 20.0
"""Implausible amounts: a continuous factor's day whose coded value ``(x - median) / IQR`` lies
beyond ``max(CODE_LIMIT, 3 x the 95th percentile of |coded|)`` of the patient's own series (the
forecast's cap, ``code_limits`` in :mod:`gutskin.insights.forecast`, same rule and number) is
left out of that factor's regression like an unlogged cell, and the verdict says how many days
were. One mistyped amount (a pollen count of 1e308) overflowed ``X'X`` (a numpy RuntimeWarning)
and made the factor ``not_enough_data``, or, when finite (1e9), ``no_evidence`` with effect 0.
The forecast clips such a dose to the cap instead (a forecast needs some value for tomorrow);
here a clipped day still sits 20 interquartile ranges out, and its leverage masked the trigger
in 20 of 21 simulated patients with a found pollen trigger (120 days, one pollen day of 1e308;
2026-12-06); left out, in 0 of 21."""
CODE_CEILING = 1e6
"""Coded values at or beyond this many interquartile ranges (or beyond float's range) are always
left out, whatever the percentile says (more than 5 % absurd days); this keeps every sum of
squares of the regression far below float overflow."""

VERDICTS = ("likely_trigger", "likely_protective", "no_evidence", "not_enough_data")
TREATMENT_NOTE = (
    "Treatments are usually used because of a bad day; this result is adjusted for the itch of the "
    "days before use, but it is an association, not proof of cause. Do not stop or change a "
    "prescribed treatment because of it: ask the clinician who prescribed it."
)
"""Appended to every treatment's sentence, whatever its verdict. The second sentence since the
wording review of 2026-12-06: a patient read "Topical steroid: likely makes your itch worse" (or
"no clear effect") with nothing against stopping a prescribed cream on the app's say-so."""


def _norm_logpdf(x, var):
    return -0.5 * (np.log(2 * np.pi * var) + x * x / var)


def _norm_cdf(x):
    return ndtr(x)


@dataclass(frozen=True)
class TriggerPrior:
    """Hyperparameters of the spike-and-slab prior for one factor (see module docstring)."""

    pi: float = 0.3  # prior probability that the factor has an effect at some lag
    mu: float = 0.0  # slab mean (itch points)
    tau: float = 1.0  # slab SD (itch points)
    lag_weights: tuple[float, ...] = (0.25, 0.25, 0.25, 0.25)  # over LAGS
    pooled_from: int = 0  # number of patients the prior was fitted on (0 = default)


def default_prior(factor: str) -> TriggerPrior:
    """Weakly-informative default: foods peak about 1 day after ingestion (reference §5)."""
    group = factor.split(".", 1)[0]
    if group == "food":
        return TriggerPrior(lag_weights=(0.2, 0.45, 0.25, 0.1))
    if group == "treat":
        return TriggerPrior(lag_weights=(0.0, 1 / 3, 1 / 3, 1 / 3))
    return TriggerPrior()


@dataclass
class FactorEstimate:
    """Per-patient regression output for one factor (before the prior is applied)."""

    patient: str
    factor: str
    kind: str  # "binary" (effect per exposed day) or "continuous" (a level: effect per interquartile range,
    #            or per day above the median when the IQR is 0)
    exposed_days: int
    unexposed_days: int
    lags: tuple[int, ...]
    b: np.ndarray | None = None  # OLS coefficient per lag in LAGS (nan where not estimated)
    se: np.ndarray | None = None
    reason: str = ""  # why not estimated
    post: dict[str, Any] | None = None  # posterior summaries (filled by find_triggers)
    implausible: int = 0  # days left out as implausible amounts (CODE_LIMIT)
    together: tuple[tuple[str, bool], ...] = ()  # factors logged on the same days (True) or the other days

    @property
    def estimable(self) -> bool:
        return self.b is not None


@dataclass
class TriggerResult:
    """One verdict for one factor of one patient, in plain data for the CLI, API and pages."""

    patient: str
    factor: str
    label: str
    verdict: str
    effect: float | None  # expected change of itch (0-10) after exposure, at lag_days
    lag_days: int | None
    probability: float | None  # posterior probability that the factor worsens itch
    probability_protective: float | None
    exposed_days: int
    unexposed_days: int
    needed_days: int  # exposed and unexposed days needed each (for not_enough_data)
    kind: str
    is_treatment: bool
    sentence: str
    notes: list[str] = field(default_factory=list)
    lag_probabilities: dict[int, float] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        """The CLI contract record."""
        return {
            "patient": self.patient,
            "factor": self.factor,
            "verdict": self.verdict,
            "effect": self.effect,
            "lag_days": self.lag_days,
            "probability": self.probability,
            "exposed_days": self.exposed_days,
        }

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["lag_probabilities"] = {str(k): v for k, v in self.lag_probabilities.items()}
        return d


# ---------------------------------------------------------------------------------------------
# 1. per-patient regression
# ---------------------------------------------------------------------------------------------


def _factor_covariate(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
    """Covariate (nan where missing), exposed mask and kind for a factor's raw daily values.

    Binary-like factors (values 0/1, or non-negative with at least 30 % zeros, e.g. servings
    or applications) enter as 0/1 "exposed that day". Other factors (pollen counts, stress,
    temperature) enter as (x - median) / IQR, so the effect is per interquartile range, and
    "exposed" means above the patient's median (when the IQR is 0, e.g. Bristol type 4 on most
    days, the covariate is that 0/1; the kind stays "continuous", worded "high days").
    """
    covs, exposed, kinds, _ = _factor_covariates(np.asarray(x, dtype=float)[:, None])
    return covs[:, 0], exposed[:, 0], kinds[0]


def _factor_covariates(G: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """:func:`_factor_covariate` for every column of ``G`` (days x factors) at once, plus the
    number of days per column left out as implausible amounts (:data:`CODE_LIMIT`)."""
    n, F = G.shape
    implausible = np.zeros(F, dtype=np.int64)
    if F == 0:
        return np.zeros((n, 0)), np.zeros((n, 0), bool), [], implausible
    obs = ~np.isnan(G)
    n_obs = obs.sum(axis=0)
    Gz = np.where(obs, G, 0.0)
    n_zero = np.count_nonzero(obs & (Gz == 0), axis=0)
    n_one = np.count_nonzero(obs & (Gz == 1), axis=0)
    vmin = np.where(obs, G, np.inf).min(axis=0)
    binary = (n_obs == 0) | ((vmin >= 0) & ((n_zero >= 0.3 * n_obs) | (n_zero + n_one == n_obs)))
    exposed = obs & (Gz > 0)
    covs = np.where(obs, exposed.astype(float), np.nan)  # binary coding for every column first
    kinds = ["binary"] * F
    for j in np.flatnonzero(~binary):
        col = G[:, j]
        vs = np.sort(col[obs[:, j]])
        if max(-vs[0], vs[-1]) > 2.0**1000:  # near float's end (1e308): the coding is scale-free,
            col, vs = col * 2.0**-8, vs * 2.0**-8  # so scale exactly by a power of 2 (no overflow below)
        q25, q50, q75 = (_quantile_sorted(vs, q) for q in (0.25, 0.5, 0.75))
        e = obs[:, j] & (col > q50)
        exposed[:, j] = e
        kinds[j] = "continuous"  # a level: worded "high days" and "other days" (not "days with") either way
        if q75 - q25 <= 0:  # most days at the median (Bristol type 4): coded 0/1 as "above the median"
            covs[:, j] = np.where(obs[:, j], e.astype(float), np.nan)
        else:
            with np.errstate(over="ignore"):  # a quotient beyond float's range is inf: left out below
                c = (col - q50) / (q75 - q25)
            absurd = obs[:, j] & ~(np.abs(c) < CODE_CEILING)
            out = absurd | (np.abs(c) > _code_limit(np.where(absurd, np.nan, c)))  # nan compares False
            implausible[j] = np.count_nonzero(out)
            covs[:, j] = np.where(out, np.nan, c)  # left out: missing, like an unlogged cell
            exposed[:, j] = e & ~out
    return covs, exposed, kinds, implausible


def _code_limit(c: np.ndarray) -> float:
    """The cap of one column of coded values (nan = missing, every other |c| below
    :data:`CODE_CEILING`): ``max(CODE_LIMIT, 3 x the 95th percentile of |c|)``, the forecast's
    ``code_limits`` of the same column."""
    v = np.sort(np.abs(c[~np.isnan(c)]))
    if v.size == 0:
        return CODE_LIMIT
    return max(CODE_LIMIT, 3.0 * _quantile_sorted(v, 0.95))


def _quantile_sorted(vs: np.ndarray, q: float) -> float:
    """Linear-interpolation quantile (numpy's default) of an already sorted array."""
    pos = q * (vs.size - 1)
    lo = int(pos)
    hi = min(lo + 1, vs.size - 1)
    return float(vs[lo] + (vs[hi] - vs[lo]) * (pos - lo))


def _lagged(a: np.ndarray, lag: int, fill: float) -> np.ndarray:
    out = np.full(a.shape, fill)
    if lag == 0:
        out[:] = a
    else:
        out[lag:] = a[:-lag]
    return out


def patient_estimates(
    patient: str,
    day_index: np.ndarray,
    itch: np.ndarray,
    factors: dict[str, np.ndarray],
    *,
    min_days: int = MIN_DAYS,
) -> list[FactorEstimate]:
    """Fit the dynamic regression for one patient.

    ``day_index``: integer day numbers (e.g. days since the first entry), strictly increasing;
    ``itch``: 0-10 or nan; ``factors``: name -> raw values (nan = missing), aligned with
    ``day_index``. Returns one :class:`FactorEstimate` per factor.
    """
    names = list(factors)
    raw = np.column_stack([np.asarray(factors[f], dtype=float) for f in names]) if names else np.zeros((len(itch), 0))
    return _estimates(patient, np.asarray(day_index, dtype=np.int64), np.asarray(itch, dtype=float), names, raw, min_days)


def _ols(X: np.ndarray, yv: np.ndarray):
    """OLS coefficients and standard errors; None when (near-)collinear or too few rows."""
    p = X.shape[1]
    dof = X.shape[0] - p
    if dof < 10:
        return None
    xtx = X.T @ X
    d = np.sqrt(np.diag(xtx))
    if np.any(d <= 1e-9):
        return None
    corr = xtx / np.outer(d, d)
    chol, info = _dpotrf(corr, lower=1)
    if info != 0 or np.min(np.abs(np.diag(chol))) < 1e-4:  # not positive definite / collinear
        return None
    cinv, info = _dpotri(chol, lower=1)
    if info != 0:
        return None
    cinv = np.tril(cinv) + np.tril(cinv, -1).T
    xtx_inv = cinv / np.outer(d, d)
    beta = xtx_inv @ (X.T @ yv)
    resid = yv - X @ beta
    s2 = float(resid @ resid) / dof
    se = np.sqrt(np.clip(np.diag(xtx_inv) * s2, 1e-12, None))
    if not np.all(np.isfinite(se)):
        return None
    return beta, se


def _estimates(patient, day_index, itch, names, raw, min_days) -> list[FactorEstimate]:
    n = int(day_index[-1] - day_index[0] + 1) if day_index.size else 0
    pos = day_index - (day_index[0] if day_index.size else 0)
    y = np.full(n, np.nan)
    y[pos] = itch
    y_obs = ~np.isnan(y)
    G = np.full((n, len(names)), np.nan)
    G[pos] = raw

    covs, exposed, kinds, implausible = _factor_covariates(G)
    obs = ~np.isnan(covs)
    n_exp = np.count_nonzero(exposed & y_obs[:, None], axis=0)
    n_unexp = np.count_nonzero(obs & ~exposed & y_obs[:, None], axis=0)
    est: list[FactorEstimate] = []
    for j, name in enumerate(names):
        lags = TREATMENT_LAGS if name.startswith("treat.") else LAGS
        fe = FactorEstimate(patient, name, kinds[j], int(n_exp[j]), int(n_unexp[j]), lags,
                            implausible=int(implausible[j]))
        if n_exp[j] < min_days or n_unexp[j] < min_days:
            fe.reason = "few_days"
        est.append(fe)

    elig = [j for j, fe in enumerate(est) if not fe.reason]
    scored = y[y_obs]
    if elig and scored.size and np.all(scored == scored[0]):  # no regression fits a constant: say so,
        for j in elig:  # not "needs more logged days" (40 days of itch 0 read that way)
            est[j].reason = "flat_itch"
        return est
    if not elig or n <= AR_ORDER + 1:
        for j in elig:
            est[j].reason = "few_rows"
        return est

    # lagged itch, carried forward up to 3 days, else the patient's mean; plus an indicator
    ymean = float(y[y_obs].mean())
    idx = np.where(y_obs, np.arange(n), -1)
    np.maximum.accumulate(idx, out=idx)
    age = np.arange(n) - idx
    filled = np.where((idx >= 0) & (age <= 3), y[np.maximum(idx, 0)], ymean)
    rows = np.flatnonzero(y_obs)
    rows = rows[rows >= AR_ORDER]
    cols = [np.ones(rows.size)]
    imputed = np.zeros(rows.size, bool)
    for j in range(1, AR_ORDER + 1):
        cols.append(filled[rows - j])
        imputed |= ~y_obs[rows - j]
    if imputed.any() and not imputed.all():
        cols.append(imputed.astype(float))
    # a lagged itch that is the same on every row (a weekend-only diary: the days two and three
    # before an entry are never logged) cannot be estimated, nor one that copies another (a diary
    # kept every other day: the day before is carried forward from two days before); both are
    # left out rather than making every fit singular
    cols = [c for i, c in enumerate(cols) if i == 0 or varies(c)]
    copied = {b for _a, ms in together_groups(np.column_stack(cols[1:])) for b, _s in ms} if len(cols) > 2 else set()
    base = np.column_stack([cols[0]] + [c for i, c in enumerate(cols[1:]) if i not in copied])
    yv = y[rows]

    C = covs[:, elig]  # (n, E), mean-imputed below
    miss = np.isnan(C)
    if miss.any():
        means = np.where(miss, 0.0, C).sum(axis=0) / np.maximum((~miss).sum(axis=0), 1)
        C = np.where(miss, means[None, :], C)
    is_treat = np.array([est[j].factor.startswith("treat.") for j in elig])
    # factors logged on exactly the same days (or exactly the other days): one stands for its
    # group in the fits below, the others get the group's effect in their own units at the end
    groups = together_groups(np.vstack([C[rows - lag] for lag in LAGS]))  # copies at every lag
    elig_all = list(elig)
    partners = {}
    for a, members in groups:
        names_ = [(elig[a], True)] + [(elig[b], same) for b, same in members]
        for j, same_j in names_:
            est[j].together = tuple((est[k].factor, same_k == same_j) for k, same_k in names_ if k != j)
        partners.update({elig[b]: (a, same) for b, same in members})
    by_factor = {j: C[:, e] for e, j in enumerate(elig)}
    if partners:
        kept0 = [e for e, j in enumerate(elig) if j not in partners]
        elig, C, is_treat = [elig[e] for e in kept0], C[:, kept0], is_treat[kept0]

    def lag_cols(C: np.ndarray, lag: int) -> np.ndarray:
        blk = C[rows - lag]
        return blk, (np.ptp(blk, axis=0) > 1e-12 if blk.shape[0] else np.zeros(blk.shape[1], bool))

    def own_lags(col: np.ndarray, j: int) -> tuple[np.ndarray, list[int]]:
        lags = [lag for lag in est[j].lags if varies(col[rows - lag])]
        return np.column_stack([base] + [col[rows - lag] for lag in lags]), lags

    def joint(C: np.ndarray, is_treat: np.ndarray):
        blocks, index = [], []  # index: (position in elig, lag)
        for lag in LAGS:
            blk, vary = lag_cols(C, lag)
            keep = (~is_treat if lag == 0 else np.ones(len(is_treat), bool)) & vary
            blocks.append(blk[:, keep])
            index.extend((e, lag) for e in np.flatnonzero(keep))
        X = np.column_stack([base, *blocks])
        return X, index, (_ols(X, yv) if X.shape[0] >= X.shape[1] + 20 else None)

    def fill_joint(B: np.ndarray, SE: np.ndarray, index, fit) -> None:
        beta, se = fit
        at = np.array(index, dtype=np.int64).reshape(-1, 2)  # (position in elig, lag); LAGS = 0..3
        B[at[:, 0], at[:, 1]] = beta[nb:]
        SE[at[:, 0], at[:, 1]] = se[nb:]

    def fill_own(j: int, col: np.ndarray) -> None:
        X1, lags = own_lags(col, j)
        f1 = _ols(X1, yv) if lags else None
        if f1 is None:
            est[j].b = est[j].se = None
            # enough rows for its own lags yet no fit: its lag columns copy each other
            est[j].reason = "regular_rhythm" if lags and X1.shape[0] - X1.shape[1] >= 10 else "few_rows"
            return
        est[j].b, est[j].se = np.full(len(LAGS), np.nan), np.full(len(LAGS), np.nan)
        for k, lag in enumerate(lags):
            est[j].b[lag] = f1[0][nb + k]
            est[j].se[lag] = f1[1][nb + k]

    nb = base.shape[1]
    X, index, fit = joint(C, is_treat)
    if fit is None and X.shape[0] >= X.shape[1] + 20:
        # A factor that came on a strict rhythm (every other day: lag 0 = lag 2; every third
        # day: lag 0 = lag 3) has lag columns that are copies of each other, so no amount of
        # such days tells which day it acts on. Say so ("regular_rhythm"), leave it out and fit
        # the rest jointly; it used to send every factor to the one-at-a-time fit and read
        # "needs more logged days".
        rhythm = [e for e, j in enumerate(elig) if _ols(own_lags(C[:, e], j)[0], yv) is None]
        if rhythm:
            for e in rhythm:
                est[elig[e]].reason = "regular_rhythm"
            kept = [e for e in range(len(elig)) if e not in set(rhythm)]
            elig = [elig[e] for e in kept]
            C, is_treat = C[:, kept], is_treat[kept]
            if elig:
                X, index, fit = joint(C, is_treat)
    B = np.full((len(elig), len(LAGS)), np.nan)  # one row per eligible factor (views below)
    SE = np.full((len(elig), len(LAGS)), np.nan)
    for i, j in enumerate(elig):
        est[j].b, est[j].se = B[i], SE[i]
    if elig and fit is not None:
        fill_joint(B, SE, index, fit)
    else:  # too few days for the joint model: one factor at a time (same dynamics terms)
        for e, j in enumerate(elig):
            fill_own(j, C[:, e])
    for j, (a, _same) in partners.items():  # each member of a group in its representative's place
        rep = est[elig_all[a]]
        if rep.reason:
            est[j].reason = rep.reason
        elif fit is not None and elig_all[a] in elig:
            Cj = C.copy()
            Cj[:, elig.index(elig_all[a])] = by_factor[j]
            _X, index_j, fit_j = joint(Cj, is_treat)
            if fit_j is None:
                fill_own(j, by_factor[j])
                continue
            Bj, SEj = np.full_like(B, np.nan), np.full_like(SE, np.nan)
            fill_joint(Bj, SEj, index_j, fit_j)
            i = elig.index(elig_all[a])
            est[j].b, est[j].se = Bj[i].copy(), SEj[i].copy()
        else:
            fill_own(j, by_factor[j])
    for fe in est:  # no lag of it could be estimated (every lag column constant)
        if fe.b is not None and not np.any(np.isfinite(fe.b)):
            fe.b = fe.se = None
            fe.reason = fe.reason or "few_rows"
    return est


# ---------------------------------------------------------------------------------------------
# 2. spike-and-slab posterior and empirical-Bayes pooling
# ---------------------------------------------------------------------------------------------


def _log_bf(b: np.ndarray, se: np.ndarray, mu: float, tau: float) -> np.ndarray:
    """log N(b; mu, tau^2 + s^2) - log N(b; 0, s^2), nan-safe (nan lag -> -inf)."""
    s2 = se * se
    out = _norm_logpdf(b - mu, tau * tau + s2) - _norm_logpdf(b, s2)
    return np.where(np.isnan(out), -np.inf, out)


def posterior(b: np.ndarray, se: np.ndarray, prior: TriggerPrior) -> dict[str, Any]:
    """Posterior over (no effect, effect at lag l) and the effect, for arrays (..., len(LAGS))."""
    b = np.atleast_2d(b)
    se = np.atleast_2d(se)
    w = np.asarray(prior.lag_weights, float)
    with np.errstate(divide="ignore"):
        logw = np.log(w)
    lbf = _log_bf(b, se, prior.mu, prior.tau)
    log_alt = math.log(max(prior.pi, 1e-12)) + logw + lbf
    log_null = math.log(max(1 - prior.pi, 1e-12))
    mx = np.maximum(np.max(log_alt, axis=1), log_null)
    ea = np.exp(log_alt - mx[:, None])
    en = np.exp(log_null - mx)
    z = en + ea.sum(axis=1)
    p_lag = ea / z[:, None]
    p_null = en / z
    s2 = np.where(np.isnan(se), 1.0, se * se)
    t2 = prior.tau**2
    v = 1.0 / (1.0 / t2 + 1.0 / s2)
    m = v * (prior.mu / t2 + np.where(np.isnan(b), 0.0, b) / s2)
    pos = _norm_cdf(m / np.sqrt(v))
    p_worse = np.sum(p_lag * pos, axis=1)
    p_better = np.sum(p_lag * (1 - pos), axis=1)
    return {"p_null": p_null, "p_lag": p_lag, "mean": m, "var": v, "p_worse": p_worse, "p_better": p_better}


def fit_prior(estimates: list[FactorEstimate], base: TriggerPrior, iters: int = 40) -> TriggerPrior:
    """Empirical-Bayes (EM) fit of (pi, lag weights, mu, tau) for one factor across patients."""
    est = [e for e in estimates if e.estimable]
    if len(est) < MIN_POOL_PATIENTS:
        return base
    b = np.vstack([e.b for e in est])
    se = np.vstack([e.se for e in est])
    allowed = np.asarray(base.lag_weights) > 0
    pi, mu, tau = base.pi, base.mu, base.tau
    w = np.asarray(base.lag_weights, float)
    s2 = np.where(np.isnan(se), np.inf, se * se)
    bb = np.where(np.isnan(b), 0.0, b)
    for _ in range(iters):
        old = (pi, mu, tau, w)
        prior = TriggerPrior(pi, mu, tau, tuple(w), len(est))
        post = posterior(b, se, prior)
        r = post["p_lag"]  # (K, L)
        # pseudo-counts keep the estimates away from the boundaries (1 null, 1 alt; 1 per lag)
        pi = float((r.sum() + 1.0) / (len(est) + 2.0))
        pi = min(max(pi, 0.02), 0.9)
        wl = (r.sum(axis=0) + 1.0) * allowed
        w = wl / wl.sum()
        wt = r / (tau * tau + s2)
        if wt.sum() <= 1e-9:
            break
        mu = float((wt * bb).sum() / wt.sum())
        wt2 = r / (tau * tau + s2) ** 2
        num = (wt2 * ((bb - mu) ** 2 - np.where(np.isinf(s2), 0.0, s2))).sum()
        tau2 = num / wt2.sum() if wt2.sum() > 0 else tau * tau
        tau = float(math.sqrt(max(tau2, TAU_FLOOR**2)))
        if max(abs(pi - old[0]), abs(mu - old[1]), abs(tau - old[2]), float(np.max(np.abs(w - old[3])))) < 1e-4:
            break
    return TriggerPrior(pi, mu, tau, tuple(float(x) for x in w), len(est))


# ---------------------------------------------------------------------------------------------
# 3. verdicts and plain-language sentences
# ---------------------------------------------------------------------------------------------

_WHEN = {0: "the same day", 1: "the next day", 2: "two days later", 3: "three days later"}


@functools.lru_cache(maxsize=4096)
def _label(factor: str) -> str:
    from gutskin.diary.factors import known_factor

    try:
        return known_factor(factor).label or factor
    except ValueError:
        return factor


def _bayes_fdr_select(lfdr: dict[str, float], q: float, min_prob: float) -> set[str]:
    """Largest set of smallest local fdr whose mean is <= q (Müller et al. 2004)."""
    chosen: set[str] = set()
    total = 0.0
    for name, l in sorted(lfdr.items(), key=lambda kv: kv[1]):
        if 1 - l < min_prob:
            break
        if (total + l) / (len(chosen) + 1) > q:
            break
        total += l
        chosen.add(name)
    return chosen


def _more(factor: str) -> str:
    """"More" for amounts (pollen, emollient applications), "Higher" for readings on a scale
    (humidity, stress, Bristol type): "High emollient" read as nonsense."""
    from gutskin.diary.factors import FactorKind, known_factor

    try:
        kind = known_factor(factor).kind
    except ValueError:
        return "More"
    return "Higher" if kind is FactorKind.scale else "More"


def _join_or(words: list[str], last: str = "or") -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"


def _caveats(e: FactorEstimate) -> str:
    """What the verdict cannot tell (2026-12-06 messy-diaries walk): a factor logged on exactly
    the same days as another has one effect for the two of them, and a lag no entry reaches
    (a weekend-only diary has no entry two or three days after another) was not checked."""
    out = []
    if e.together:
        same = [_label(f) for f, s in e.together if s]
        other = [_label(f) for f, s in e.together if not s]
        me = _label(e.factor)
        if same:
            out.append(f"{me} and {_join_or(same, 'and')} were logged on the same days every time, so this is the "
                       "effect of them together: the diary cannot tell which of them it is.")
        if other:
            out.append(f"{me} was logged on exactly the days without {_join_or(other)}, so the diary cannot tell "
                       f"the effect of {me} from that of going without {_join_or(other)}.")
    if e.b is not None:
        done = [lag for lag in e.lags if np.isfinite(e.b[lag])]
        if done and len(done) < len(e.lags):
            missing = [("one", "two", "three")[lag - 1] for lag in e.lags if lag not in done and lag]
            gap = _join_or(missing) + (" day" if missing == ["one"] else " days")
            out.append(f"Only an effect {_join_or([_WHEN[lag] for lag in done])} could be checked: no entry "
                       f"comes {gap} after another.")
    return " ".join(out)


def _sentence(r: TriggerResult, caveat: str = "") -> str:
    with_ = "days with" if r.kind == "binary" else "high days"
    without = "without" if r.kind == "binary" else "other days"
    counts = f"from {r.exposed_days} {with_} and {r.unexposed_days} {without}"
    if r.kind == "binary":
        counts = f"from {r.exposed_days} days with and {r.unexposed_days} without"
    when = _WHEN.get(r.lag_days, "") if r.lag_days is not None else ""
    name = r.label if r.kind == "binary" else f"{_more(r.factor)} {r.label[:1].lower()}{r.label[1:]}"
    if r.verdict == "likely_trigger":
        s = f"{name}: likely makes your itch worse {when} — {risk_percent(r.probability)} likely, {counts}."
    elif r.verdict == "likely_protective":
        s = (
            f"{name}: likely goes with less itch {when} — {risk_percent(r.probability_protective)} likely, {counts}."
        )
    elif r.verdict == "no_evidence" and "treatment_bar" in r.notes:
        s = (f"{name}: some sign of more itch {when} — {risk_percent(r.probability)} likely, {counts}; "
             f"a treatment needs {risk_percent(TREATMENT_MIN_PROBABILITY)} to be called a trigger.")
    elif r.verdict == "no_evidence":
        s = f"{name}: no clear effect on your itch found ({counts}); small effects cannot be ruled out."
    else:
        s = (
            f"{name}: not enough data yet — needs at least {r.needed_days} {with_} and {r.needed_days} "
            f"{without} (you have {r.exposed_days} and {r.unexposed_days})."
        )
        if "few_days" in r.notes and r.exposed_days == 0 and r.unexposed_days > 0:  # a food never eaten read
            n = r.unexposed_days  # "none of the 1 days", "all 1 days" for a diary of one day (2026-12-07)
            s = (f"{name}: not judged — "  # "needs at least 14 days with", as if to eat it 14 times (2026-12-06)
                 + ((f"none of the {n} days with an itch score had it" if n != 1 else
                     "the one day with an itch score did not have it") if r.kind == "binary" else
                    (f"it had the same value on all {n} days with an itch score" if n != 1 else
                     "it was recorded on only one day with an itch score"))
                 + ", so there is nothing to compare.")
        if "few_days" in r.notes and r.unexposed_days == 0 and r.exposed_days > 0:  # a daily cream: more days
            # "on every day it was recorded", not "on all N days with an itch score": a factor added
            # late (a food of one's own, a chip carried on from then) was "on all 3 days with an itch
            # score" beside 47 logged days (the new patient's walk, 2026-12-07)
            s = (f"{name}: not judged — it was on every day it was recorded ({r.exposed_days} "
                 f"{'day' if r.exposed_days == 1 else 'days'} with an itch score), so there are no days without "
                 "it to compare with.")  # would not help; "needs 14 without" nudged to stop it
        if r.notes and "few_rows" in r.notes:
            s = f"{name}: not enough data yet — needs more logged days with an itch score to judge."
        if r.notes and "regular_rhythm" in r.notes:
            s = (f"{name}: cannot be judged yet — {'it came' if r.kind == 'binary' else 'its high days came'} "
                 "on a strict rhythm (such as every other day), so its effect cannot be told apart from the "
                 "day before or after. A few days off that rhythm would settle it; more days on it would not.")
        if r.notes and "flat_itch" in r.notes:
            s = (f"{name}: not enough data yet — your itch had the same score on every logged day, so there is "
                 "nothing to compare the days with and without it against.")
    if caveat:
        s += " " + caveat
    if r.is_treatment:
        s += " " + TREATMENT_NOTE
    return s


def _verdicts_for_patient(
    estimates: list[FactorEstimate],
    priors: dict[str, TriggerPrior],
    q: float,
    min_prob: float,
    min_days: int,
) -> list[TriggerResult]:
    results: dict[str, TriggerResult] = {}
    post_by: dict[str, dict[str, Any]] = {e.factor: e.post for e in estimates if e.estimable}
    up = {f: 1 - float(p["p_worse"]) for f, p in post_by.items()}
    down = {f: 1 - float(p["p_better"]) for f, p in post_by.items()}
    trig = _bayes_fdr_select(up, q, min_prob)
    below_bar = {f for f in trig if f.startswith("treat.") and 1 - up[f] < max(min_prob, TREATMENT_MIN_PROBABILITY)}
    trig -= below_bar
    prot = _bayes_fdr_select(down, q, min_prob) - trig
    for e in estimates:
        label = _label(e.factor)
        is_treat = e.factor.startswith("treat.")
        if not e.estimable:
            r = TriggerResult(
                e.patient, e.factor, label, "not_enough_data", None, None, None, None,
                e.exposed_days, e.unexposed_days, min_days, e.kind, is_treat, "",
                notes=[e.reason] if e.reason else [],
            )
        else:
            p = post_by[e.factor]
            verdict = "likely_trigger" if e.factor in trig else "likely_protective" if e.factor in prot else "no_evidence"
            r = TriggerResult(
                e.patient, e.factor, label, verdict, p["effect"], p["lag"], p["p_worse_4"], p["p_better_4"],
                e.exposed_days, e.unexposed_days, min_days, e.kind, is_treat, "",
                lag_probabilities=dict(zip(LAGS, p["p_lag_4"])),
            )
            if e.factor in below_bar:
                r.notes.append("treatment_bar")
            prior = priors[e.factor]
            if prior.pooled_from:
                r.notes.append(f"pooled with {prior.pooled_from} patients")
        if e.implausible:
            r.notes.append(f"{e.implausible} day(s) with an implausible amount (far outside the usual range) left out")
        if e.together and e.estimable:
            r.notes.append("logged on the same days as " + _join_or([_label(f) for f, _s in e.together], "and")
                           if all(s for _f, s in e.together) else "cannot be told apart from " +
                           _join_or([_label(f) for f, _s in e.together], "and"))
        r.sentence = _sentence(r, _caveats(e) if e.estimable else "")
        results[e.factor] = r
    return [results[e.factor] for e in estimates]


# ---------------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------------


def _split_frame(frame, factor_names=None):
    """Yield (patient, day_index, itch, factor names, factor matrix) from a diary frame."""
    import pandas as pd

    if frame is None or len(frame) == 0:
        return
    for col in ("patient", "date", "itch"):
        if col not in frame.columns:
            raise ValueError(f"diary frame: missing column {col!r}")
    from gutskin.diary.csvio import CORE_COLUMNS

    names = list(factor_names) if factor_names is not None else [c for c in frame.columns if c not in CORE_COLUMNS]
    f = frame.sort_values(["patient", "date"], kind="stable")
    patients = f["patient"].astype(str).to_numpy()
    days = (pd.to_datetime(f["date"]).to_numpy().astype("datetime64[D]").astype(np.int64))
    itch = f["itch"].to_numpy(dtype=float)
    fac = f[names].to_numpy(dtype=float) if names else np.zeros((len(f), 0))
    if patients.size == 0:
        return
    change = np.flatnonzero(patients[1:] != patients[:-1]) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [patients.size]])
    for s, e in zip(starts, ends):
        d = days[s:e]
        if np.any(np.diff(d) <= 0):
            raise ValueError(f"patient {patients[s]}: duplicate or unsorted dates")
        yield patients[s], d - d[0], itch[s:e], names, fac[s:e]


_SHARED_ITEMS: list = []


def _one_blas_thread():
    """Small per-patient matrices: threaded BLAS only adds contention (measured 3-10x slower on
    a loaded 2-core machine), so BLAS runs single-threaded here and is restored afterwards."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional speed-up
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _estimate_range(args: tuple[int, int, int]) -> list[list[FactorEstimate]]:
    lo, hi, min_days = args
    with _one_blas_thread():
        return [_estimates(p, d, y, names, fac, min_days) for p, d, y, names, fac in _SHARED_ITEMS[lo:hi]]


def estimate_all(
    frame, factor_names=None, *, min_days: int = MIN_DAYS, n_jobs: int = 1
) -> list[list[FactorEstimate]]:
    """Per-patient regressions for every patient of a diary frame.

    ``n_jobs > 1`` splits the patients over that many forked worker processes (POSIX only;
    worthwhile for thousands of patients, e.g. cohort jobs); results are identical.
    """
    items = list(_split_frame(frame, factor_names))
    if n_jobs <= 1 or len(items) < 400:
        with _one_blas_thread():
            return [_estimates(p, d, y, names, fac, min_days) for p, d, y, names, fac in items]
    import multiprocessing as mp

    global _SHARED_ITEMS
    _SHARED_ITEMS = items  # inherited by the forked workers (copy-on-write), not pickled
    try:
        n_chunks = 4 * n_jobs
        bounds = np.linspace(0, len(items), n_chunks + 1).astype(int)
        with mp.get_context("fork").Pool(n_jobs) as pool:
            parts = pool.map(_estimate_range, [(int(a), int(b), min_days) for a, b in zip(bounds[:-1], bounds[1:])])
    finally:
        _SHARED_ITEMS = []
    return [ests for part in parts for ests in part]


def find_triggers(
    frame,
    *,
    pool: bool = True,
    q: float = DEFAULT_Q,
    min_probability: float = MIN_PROBABILITY,
    min_days: int = MIN_DAYS,
    cohort=None,
    factor_names=None,
    n_jobs: int = 1,
) -> list[TriggerResult]:
    """Triggers of every patient in ``frame`` (a diary frame as ``read_diary_frame`` returns).

    Every factor column of every patient gets exactly one :class:`TriggerResult`, in patient
    then column order. With ``pool=True`` the prior of each factor is fitted across the
    patients of ``frame`` (plus the patients of ``cohort``, another diary frame, if given: use
    it to analyse one patient against a reference cohort) by empirical Bayes; with fewer than
    8 analysable patients for a factor the default prior is used. ``n_jobs`` parallelises the
    per-patient regressions over processes (see :func:`estimate_all`).
    """
    if not 0 < q < 1:
        raise ValueError("q must be in (0, 1)")
    if min_days < 2:
        raise ValueError("min_days must be at least 2")
    per_patient = estimate_all(frame, factor_names, min_days=min_days, n_jobs=n_jobs)
    names = []
    for ests in per_patient:
        for e in ests:
            if e.factor not in names:
                names.append(e.factor)
    priors = {n: default_prior(n) for n in names}
    if pool:
        pool_est: dict[str, list[FactorEstimate]] = {n: [] for n in names}
        for ests in per_patient:
            for e in ests:
                pool_est[e.factor].append(e)
        if cohort is not None:
            for ests in estimate_all(cohort, min_days=min_days):
                for e in ests:
                    if e.factor in pool_est:
                        pool_est[e.factor].append(e)
        priors = {n: fit_prior(pool_est[n], priors[n]) for n in names}
    _attach_posteriors(per_patient, priors)
    out: list[TriggerResult] = []
    for ests in per_patient:
        out.extend(_verdicts_for_patient(ests, priors, q, min_probability, min_days))
    return out


def _attach_posteriors(per_patient: list[list[FactorEstimate]], priors: dict[str, TriggerPrior]) -> None:
    """Posterior of every estimable factor, computed one factor at a time over all patients."""
    by: dict[str, list[FactorEstimate]] = {}
    for ests in per_patient:
        for e in ests:
            if e.estimable:
                by.setdefault(e.factor, []).append(e)
    for name, es in by.items():
        post = posterior(np.vstack([e.b for e in es]), np.vstack([e.se for e in es]), priors[name])
        # the summaries a verdict shows, vectorised over patients (one factor at a time)
        rows = np.arange(len(es))
        lag_idx = np.argmax(post["p_lag"], axis=1)
        effect = np.round(post["p_lag"][rows, lag_idx] * post["mean"][rows, lag_idx], 3).tolist()
        lag = np.asarray(LAGS)[lag_idx].tolist()
        worse, better = post["p_worse"].tolist(), post["p_better"].tolist()
        worse4, better4 = np.round(post["p_worse"], 4).tolist(), np.round(post["p_better"], 4).tolist()
        p_lag4 = np.round(post["p_lag"], 4).tolist()
        for i, e in enumerate(es):
            e.post = {
                "p_worse": worse[i], "p_better": better[i], "p_worse_4": worse4[i], "p_better_4": better4[i],
                "lag": lag[i], "effect": effect[i], "p_lag_4": p_lag4[i],
            }


def trigger_records(frame, **kwargs) -> list[dict[str, Any]]:
    """The CLI contract: ``[{"patient","factor","verdict","effect","lag_days","probability","exposed_days"}]``."""
    return [r.to_record() for r in find_triggers(frame, **kwargs)]


def patient_trigger_report(frame, patient: str, *, cohort=None, **kwargs) -> dict[str, Any]:
    """Plain data for one patient's insights page.

    Returns ``{"patient", "triggers": [...], "protective": [...], "no_evidence": [...],
    "not_enough_data": [...], "method": str}``; each item is :meth:`TriggerResult.to_dict`
    (factor, label, verdict, effect, lag_days, probability, probability_protective,
    exposed_days, unexposed_days, needed_days, sentence, notes, ...). Triggers are sorted by
    probability, most likely first. ``cohort`` (optional) is a diary frame to pool with.
    """
    one = frame[frame["patient"].astype(str) == str(patient)]
    if len(one) == 0:
        raise ValueError(f"no diary rows for patient {patient!r}")
    results = find_triggers(one, cohort=cohort, **kwargs)
    groups: dict[str, list[dict[str, Any]]] = {v: [] for v in VERDICTS}
    for r in results:
        groups[r.verdict].append(r.to_dict())
    groups["likely_trigger"].sort(key=lambda d: -d["probability"])
    groups["likely_protective"].sort(key=lambda d: -d["probability_protective"])
    return {
        "patient": str(patient),
        "triggers": groups["likely_trigger"],
        "protective": groups["likely_protective"],
        "no_evidence": groups["no_evidence"],
        "not_enough_data": groups["not_enough_data"],
        "method": (
            "Lagged (0-3 day) regression of daily itch on each factor, adjusted for the previous "
            "3 days' itch (persistence and treatment used because of bad days), pooled across "
            "patients, with false-discovery control; see docs/insights.md."
        ),
    }
