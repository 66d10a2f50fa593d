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
