"""BinAR1-X: lagged factor exposures in the forecast (known answers on small simulated cases)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gutskin.insights import evaluation as ev
from gutskin.insights import forecast as fc

from .helpers import ar_itch_patient, cohort


def _patient(seed=11, n_days=240, effect=1.2, lag=1):
    rng = np.random.default_rng(seed)
    return ar_itch_patient(rng, "p", n_days, dairy_effect=effect, dairy_lag=lag, missing=0.03)


def test_effects_filter_recovers_a_lag_one_trigger_and_ignores_noise():
    g = _patient()
    series, _, G, names = fc._grid_series(g["date"], g["itch"], g[["food.dairy", "env.noise", "treat.tcs"]])
    cf = fc.fit_covariates(series, G, names, 7)
    eff = dict(zip(cf.names, cf.beta))
    dairy, noise = eff["food.dairy"], eff["env.noise"]
    assert abs(dairy[1] - 1.2) < 0.35  # the true effect sits at lag 1 ...
    assert np.all(np.abs(np.delete(dairy, 1)) < 0.2)  # ... and nowhere else
    assert np.all(np.abs(noise) < 0.2)  # a pure-noise factor gets (almost) nothing
    assert eff["treat.tcs"][0] == 0.0  # same-day treatment never enters (it follows the itch)


def _dense_effects_filter(y, X, phi, sigma, omega, mu0, s0, tau, newton=2):
    """Textbook reference for ``fit_effects``: the full transition matrix F = [[phi, 1 - phi, 0],
    [0, 1, 0], [0, 0, I]] and observation row h = (1, 0, X[t]) in a generic Laplace (iterated
    EKF) Kalman step, with no structure exploited."""
    T, p = X.shape
    d = 2 + p
    F = np.eye(d)
    F[0, 0], F[0, 1] = phi, 1 - phi
    Q = np.zeros((d, d))
    Q[0, 0] = sigma**2
    dev = min(sigma**2 / (1 - phi**2), fc.INIT_DEV_VAR_MAX)
    a = np.r_[mu0, mu0, np.zeros(p)]
    P = np.diag(np.r_[0.0, 0.0, np.full(p, tau**2)])
    P[:2, :2] = s0**2
    P[0, 0] += dev
    for t in range(T):
        if t:
            a, P = F @ a, F @ P @ F.T + Q
        if np.isnan(y[t]):
            continue
        h = np.r_[1.0, 0.0, X[t]]
        mu, V = h @ a, h @ P @ h + omega**2
        u = mu
        for _ in range(30):  # the mode of log Binomial(y | u) - (u - mu)^2 / 2V, to convergence
            pr = 1 / (1 + np.exp(-u))
            u += (y[t] - 10 * pr - (u - mu) / V) / (10 * pr * (1 - pr) + 1 / V)
        pr = 1 / (1 + np.exp(-u))
        r = 1 / (10 * pr * (1 - pr)) + omega**2  # pseudo-observation variance
        ytil = u + (u - mu) / (10 * pr * (1 - pr) * V)
        k = P @ h / (h @ P @ h + r)
        a, P = a + k * (ytil - mu), P - np.outer(k, h @ P)
    return a[2:], P[2:, 2:]


def test_compiled_effects_filter_is_the_textbook_filter():
    rng = np.random.default_rng(5)
    T, p = 90, 6
    X = rng.binomial(1, 0.3, size=(T, p)).astype(float)
    X[:, 5] = rng.normal(size=T)  # a dose column too
    z = np.cumsum(0.2 * rng.standard_normal(T)) * 0.5 - 0.5
    y = rng.binomial(10, 1 / (1 + np.exp(-(z + X @ np.r_[0.8, 0, 0, -0.5, 0, 0.3])))).astype(float)
    y[[4, 5, 40]] = np.nan
    args = (0.8, 0.3, 0.3)
    m, V = fc.fit_effects(y, X, *args, level_prior=(-0.4, 1.5), newton=30)
    rm, rV = _dense_effects_filter(y, X, *args, -0.4, 1.5, fc.TAU_RIDGE)
    assert np.allclose(m, rm, atol=1e-8) and np.allclose(V, rV, atol=1e-10)
    m2, _ = fc.fit_effects(y, X, *args, level_prior=(-0.4, 1.5))  # the default 2 Newton steps
    assert np.abs(m2 - rm).max() < 0.02


def test_forecast_is_higher_the_day_after_exposure():
    g = _patient()
    factors = g[["food.dairy", "env.noise", "treat.tcs"]].copy()
    out = {}
    for dairy_today in (0.0, 1.0):
        factors.iloc[-1, 0] = dairy_today
        out[dairy_today] = fc.forecast_patient(g["date"], g["itch"], 7, factors=factors)
    d1 = out[1.0].days[0].mean - out[0.0].days[0].mean
    assert d1 > 1.0  # true effect 1.2 logit ~ 2.5 itch points mid-range; shrinkage allowed
    # the lag-1 effect is about tomorrow only: a week ahead the two forecasts nearly agree
    assert abs(out[1.0].days[6].mean - out[0.0].days[6].mean) < 0.3 * d1
    assert out[1.0].days[0].p_severe > out[0.0].days[0].p_severe
    # without factors the exposure cannot matter
    plain = fc.forecast_patient(g["date"], g["itch"], 7)
    assert plain.days[0].probabilities != out[1.0].days[0].probabilities


def test_covariates_improve_forward_chaining_when_triggers_are_strong():
    frame = cohort(21, 8, n_days=150, dairy_effect=1.0, dairy_lag=1)
    with_x = ev.forward_chain(frame, 7)
    without = ev.forward_chain(frame, 7, covariates=False)
    y = np.asarray(with_x.y)
    assert with_x.y == without.y
    hz = np.asarray(with_x.horizon)
    r_x = ev.rps(np.asarray(with_x.forecasts["model"]), y)
    r_0 = ev.rps(np.asarray(without.forecasts["model"]), y)
    assert r_x[hz == 1].mean() < 0.96 * r_0[hz == 1].mean()  # the day after a (known) exposure
    assert r_x.mean() < r_0.mean()  # later days: the exposure is not yet known, little to gain


def test_forward_chaining_uses_no_factor_value_after_the_origin():
    frame = cohort(22, 1, n_days=60, dairy_effect=1.0)
    base = ev.forward_chain(frame, 7)
    cut = frame["date"].min() + pd.Timedelta(days=35)
    changed = frame.copy()
    late = changed["date"] > cut
    changed.loc[late, "food.dairy"] = 1.0 - changed.loc[late, "food.dairy"]
    changed.loc[late, "env.noise"] = np.nan
    again = ev.forward_chain(changed, 7)
    n_same = 0
    for o, a, b in zip(base.origin, base.forecasts["model"], again.forecasts["model"]):
        if o <= 35:
            np.testing.assert_allclose(a, b, atol=1e-12)
            n_same += 1
    assert n_same > 20
    assert any(not np.allclose(a, b) for o, a, b in zip(base.origin, base.forecasts["model"], again.forecasts["model"]) if o > 35)


def test_records_contract_with_factor_columns():
    frame = cohort(23, 2, n_days=30)
    rec = fc.forecast_records(frame, 3)
    assert set(rec) == {"p00", "p01"}
    for days in rec.values():
        assert len(days) == 3
        for d in days:
            assert set(d) == {"date", "probabilities"}
            assert abs(sum(d["probabilities"]) - 1) < 1e-9
