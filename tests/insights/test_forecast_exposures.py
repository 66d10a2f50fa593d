"""BinAR1-X: how the coming days' exposures are expected (a sticky 0/1 habit)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from gutskin.insights import forecast as fc


def _sticky_chain(rng, n, p, s):
    """0/1 days: with probability s repeat yesterday, else a fresh Bernoulli(p) (as the simulators)."""
    x = np.empty(n)
    x[0] = float(rng.random() < p)
    for t in range(1, n):
        x[t] = x[t - 1] if rng.random() < s else float(rng.random() < p)
    return x


def test_persistence_of_a_sticky_habit_is_its_stickiness():
    x = _sticky_chain(np.random.default_rng(3), 3000, 0.3, 0.6)
    x[np.random.default_rng(4).random(3000) < 0.1] = np.nan  # unlogged days
    mean, rho, var = fc._persistence(x)
    assert abs(mean - 0.3) < 0.03
    assert abs(rho - 0.6) < 0.05  # lag-1 autocorrelation of the chain = s
    assert abs(var - 0.21) < 0.02


def test_forecast_two_days_after_exposure_keeps_s_squared_of_it():
    """A same-day trigger eaten by habit: today's exposure raises the expected offset of day k
    by effect * s^k (P(x_{t+k} = 1 | x_t) = p + s^k (x_t - p)), so s^2 of it two days ahead."""
    rng = np.random.default_rng(21)
    T, p, s, effect = 500, 0.35, 0.6, 1.0
    dairy = _sticky_chain(rng, T, p, s)
    z = np.zeros(T)
    for t in range(1, T):
        z[t] = 0.8 * z[t - 1] + 0.3 * rng.standard_normal()
    u = -0.8 + z + effect * dairy + 0.3 * rng.standard_normal(T)
    y = rng.binomial(10, 1 / (1 + np.exp(-u))).astype(float)
    off = {}
    for last in (0.0, 1.0):
        G = dairy.copy()
        G[-1] = last
        cf = fc.fit_covariates(y, G[:, None], ["food.dairy"], 7)
        off[last] = cf.future_offset
        beta = cf.beta[0]
    assert abs(beta[0] - effect) < 0.3 and np.all(np.abs(beta[1:]) < 0.15)  # found at lag 0 only
    diff = off[1.0] - off[0.0]  # what today's exposure adds to the coming days' offsets
    b0 = beta[0]
    assert abs(diff[0] - b0 * s) < 0.15 * b0  # tomorrow: s of it
    assert abs(diff[1] - b0 * s**2) < 0.12 * b0  # two days ahead: s^2, not s and not 0
    assert diff[0] > diff[1] > diff[2] > 0
    assert diff[6] < 0.1 * b0  # a week ahead the habit has forgotten today


def _pollen_season(rng, n, peak=100.0, start=120):
    """A season that starts on day ``start``: a smooth rise times daily log-normal scatter."""
    day = np.arange(n)
    level = peak * np.clip((day - start) / 60.0, 0, 1) ** 2
    return np.round(level * np.exp(0.6 * rng.standard_normal(n)), 1), level


def test_a_zero_heavy_dose_keeps_its_dose_response():
    """Pollen that is 0 for most of the series is a dose, not a yes/no exposure: a day of 80
    grains must code higher than a day of 10 (the trigger finder's 0/1 coding would tie them)."""
    x, _ = _pollen_season(np.random.default_rng(5), 180)
    habit = _sticky_chain(np.random.default_rng(6), 180, 0.3, 0.5)
    C = fc.code_factors(np.column_stack([x, habit]))
    assert np.mean(x == 0) > 0.6
    hi, lo = np.argmax(x), np.flatnonzero((x > 5) & (x < 15))[0]
    assert C[hi, 0] > 5 * C[lo, 0] > 0
    assert C[x == 0, 0].max() == C[x == 0, 0].min()  # all zero days code alike
    np.testing.assert_array_equal(C[:, 1], habit)  # a 0/1 factor stays 0/1


def test_a_season_is_expected_at_its_recent_level_not_its_mean():
    """Inside the season the coming days scatter around the recent level; the overall mean (most
    days 0) and yesterday's count (log-normal scatter) both predict worse."""
    rng = np.random.default_rng(7)
    x, level = _pollen_season(rng, 200, start=100)
    T = 175
    mean, var = fc.exposure_outlook(x[:T], 7)
    truth_next = level[T : T + 7] * np.exp(0.18)  # E[exp(0.6 N)] = exp(0.6^2 / 2)
    assert np.all(np.abs(mean - truth_next) < 0.3 * truth_next)
    persistence = x[:T].mean()
    assert np.all(np.abs(mean - truth_next) < np.abs(persistence - truth_next))
    assert np.all(var > 0) and np.all(np.diff(var) >= -0.2 * var[:-1])  # no shrinking certainty


def test_a_sticky_habit_keeps_persistence():
    x = _sticky_chain(np.random.default_rng(8), 300, 0.4, 0.7)
    x[-1] = 1.0
    mean, var = fc.exposure_outlook(x, 7)
    m, rho, v = fc._persistence(x)
    np.testing.assert_allclose(mean, m + rho ** np.arange(1, 8) * (1.0 - m))
    assert np.all(np.diff(var) > 0)  # tomorrow is surer than next week


def test_short_series_use_persistence_and_empty_ones_nothing():
    x = np.array([0.0, 1.0, 1.0, np.nan, 0.0])
    mean, var = fc.exposure_outlook(x, 3)
    m, rho, v = fc._persistence(x)
    np.testing.assert_allclose(mean, m + rho ** np.arange(1, 4) * (0.0 - m))
    np.testing.assert_allclose(var, v * (1 - rho ** (2 * np.arange(1, 4))))
    mean, var = fc.exposure_outlook(np.full(4, np.nan), 2)
    assert np.all(mean == 0) and np.all(var == 0)


def test_factors_are_forecast_independently_of_each_other():
    """The (T, F) form is F independent forecasts: a long season next to a short, gappy habit."""
    rng = np.random.default_rng(9)
    season, _ = _pollen_season(rng, 160, start=60)
    habit = _sticky_chain(rng, 160, 0.3, 0.6)
    habit[:130] = np.nan  # logged only lately: too short for the backtest
    habit[150:153] = np.nan
    both_m, both_v = fc.exposure_outlook(np.column_stack([season, habit]), 5)
    for j, x in enumerate((season, habit)):
        m, v = fc.exposure_outlook(x, 5)
        np.testing.assert_allclose(both_m[:, j], m)
        np.testing.assert_allclose(both_v[:, j], v)


_COLUMN_KINDS = st.sampled_from(["habit", "zero_heavy", "constant", "blank", "negative", "sparse"])


def _column(kind: str, rng, n: int) -> np.ndarray:
    if kind == "habit":
        return _sticky_chain(rng, n, 0.4, 0.5)
    if kind == "zero_heavy":
        return np.where(rng.random(n) < 0.85, 0.0, rng.gamma(2.0, 20.0, n))
    if kind == "constant":
        return np.full(n, 3.0)
    if kind == "blank":
        return np.full(n, np.nan)
    if kind == "negative":  # temperatures below zero
        return np.round(rng.normal(-4.0, 6.0, n), 1)
    x = rng.normal(5.0, 2.0, n)  # sparse: logged on a few days only
    x[rng.random(n) < 0.9] = np.nan
    return x


@settings(max_examples=25, deadline=None)
@given(st.lists(_COLUMN_KINDS, min_size=1, max_size=5), st.integers(2, 120), st.integers(0, 10_000))
def test_any_mix_of_factor_columns_gives_a_proper_forecast(kinds, n, seed):
    """Whatever the factor columns look like, the forecast is finite probabilities summing to 1."""
    rng = np.random.default_rng(seed)
    G = np.column_stack([_column(k, rng, n) for k in kinds])
    y = rng.binomial(10, 0.4, n).astype(float)
    y[rng.random(n) < 0.2] = np.nan
    y[-1] = 4.0
    names = [f"f.{i}" for i in range(len(kinds))]
    dates = np.datetime64("2026-01-01") + np.arange(n)
    fc_ = fc.forecast_patient(dates, y, 7, patient="p", factors=pd.DataFrame(G, columns=names))
    P = np.array([d.probabilities for d in fc_.days])
    assert P.shape == (7, 11) and np.all(np.isfinite(P)) and np.all(P >= 0)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-6)
