"""BinAR1-X: how the coming days' exposures are expected (a sticky 0/1 habit)."""

from __future__ import annotations

import numpy as np

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
