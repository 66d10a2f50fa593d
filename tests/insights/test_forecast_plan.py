"""Planned exposures and "what if": coming days whose exposures are known in advance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gutskin.insights import forecast as fc
from gutskin.insights import patient_insights

from .helpers import ar_itch_patient

FACTORS = ["food.dairy", "env.noise", "treat.tcs"]


def _patient(effect=1.2, lag=1, seed=11, n_days=240):
    rng = np.random.default_rng(seed)
    return ar_itch_patient(rng, "p", n_days, dairy_effect=effect, dairy_lag=lag, missing=0.03, level=0.0)


def _means(g, plan=None, horizon=5):
    f = fc.forecast_patient(g["date"], g["itch"], horizon, factors=g[FACTORS], plan=plan)
    return np.array([d.mean for d in f.days]), f


def test_factor_coding_is_what_code_factors_applies():
    rng = np.random.default_rng(0)
    dose = np.where(rng.random(60) < 0.6, 0.0, rng.lognormal(3, 1, 60))
    G = np.column_stack([(rng.random(60) < 0.3).astype(float), dose, np.full(60, 5.0), np.full(60, np.nan)])
    G[[3, 9], 1] = np.nan
    center, scale = fc.factor_coding(G)
    assert (center[0], scale[0]) == (0.0, 1.0)  # 0/1 stays "exposed that day"
    assert center[1] == np.nanmedian(dose[~np.isnan(G[:, 1])])
    assert scale[2] == np.inf  # a dose that never varies codes to 0
    lim = fc.code_limits((G - center) / scale)
    np.testing.assert_array_equal(fc.code_factors(G), np.clip((G - center) / scale, -lim, lim))
    assert np.all(lim >= fc.CODE_LIMIT)
    assert np.all(fc.code_factors(G)[:, 2] == 0.0) and np.all(np.isnan(fc.code_factors(G)[:, 3]))


def test_a_planned_trigger_moves_only_the_days_its_lag_reaches():
    g = _patient(effect=1.2, lag=1)
    base, _ = _means(g)
    eaten, _ = _means(g, {"food.dairy": [1, None, None, None, None]})
    skipped, _ = _means(g, {"food.dairy": [0, None, None, None, None]})
    assert eaten[0] == pytest.approx(base[0], abs=0.01)  # dairy tomorrow cannot change tomorrow (lag 1)
    assert eaten[1] > skipped[1] + 1.0  # the day after: about the true effect (1.2 logit ~ 2+ points)
    assert skipped[1] < base[1] < eaten[1]  # no plan sits between (dairy expected with p ~ 0.4)


def test_a_plan_for_a_factor_without_effect_changes_little():
    g = _patient(effect=1.2)
    base, _ = _means(g)
    noisy, _ = _means(g, {"env.noise": [1, 1, 1, 1, 1]})
    assert np.max(np.abs(noisy - base)) < 0.2


def test_same_day_treatment_in_a_plan_does_not_move_that_day():
    g = _patient()
    base, _ = _means(g, horizon=3)
    tcs, _ = _means(g, {"treat.tcs": [None, None, 1]}, horizon=3)
    np.testing.assert_allclose(tcs, base, atol=1e-9)  # day 3's use reaches day 4+, beyond the horizon


@settings(max_examples=25, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from([0.0, 1.0])), min_size=7, max_size=7))
def test_planned_is_the_plain_outlook_where_nothing_is_planned_and_exact_where_it_is(values):
    g = _patient(seed=5, n_days=120)
    series, _, G, names = fc._grid_series(g["date"], g["itch"], g[FACTORS])
    cf = fc.fit_covariates(series, G, names, 7)
    off, var = cf.planned({"food.dairy": values})
    i = cf.names.index("food.dairy")
    L = len(fc.OBS_LAGS)
    fo, fv = cf.future_design.copy(), cf.future_design_var.copy()
    for k, v in enumerate(values, start=1):
        for li, lag in enumerate(fc.OBS_LAGS):
            if v is not None and k + lag <= 7:
                fo[k + lag - 1, i * L + li], fv[k + lag - 1, i * L + li] = v, 0.0
    b = cf.beta.reshape(-1)
    np.testing.assert_allclose(off, fo @ b)
    np.testing.assert_allclose(var, fv @ b**2)
    if all(v is None for v in values):
        np.testing.assert_allclose(off, cf.future_offset)
        np.testing.assert_allclose(var, cf.future_var)
    assert np.all(var <= cf.future_var + 1e-12)  # knowing an exposure never adds uncertainty


def test_what_if_separates_a_real_trigger_from_noise_and_skips_treatments_and_doses():
    g = _patient(effect=1.2).assign(**{"env.pollen": lambda d: np.arange(len(d)) % 17 * 3.0})
    names = FACTORS + ["env.pollen"]
    rows = {r["factor"]: r for r in fc.what_if(g["date"], g["itch"], g[names], names, 7)}
    assert set(rows) == {"food.dairy", "env.noise"}
    dairy, noise = rows["food.dairy"], rows["env.noise"]
    assert dairy["with"]["flare_risk"] > dairy["without"]["flare_risk"] + 0.2
    assert dairy["with"]["mean_itch"] > dairy["without"]["mean_itch"] + 1.0
    assert abs(noise["with"]["mean_itch"] - noise["without"]["mean_itch"]) < 0.3
    for r in rows.values():
        for side in ("with", "without"):
            assert 0.0 <= r[side]["flare_risk"] <= 1.0


def test_patient_insights_words_the_what_if_of_a_likely_trigger():
    g = _patient(effect=1.2)
    r = patient_insights(g, "p")
    assert [w["factor"] for w in r["what_if"]] == ["food.dairy"]
    w = r["what_if"][0]
    assert w["verdict"] == "likely_trigger" and w["label"] == "Dairy"
    assert w["sentence"].startswith("Dairy every day of the next 7 days: chance of a bad day ")
    assert "with no dairy" in w["sentence"]
    assert "treat.tcs" not in {x["factor"] for x in r["what_if"]}  # a treatment is never a "what if"


def _frames():
    g = _patient(n_days=60)
    last = g["date"].max()

    def plan(days, **cols):
        return pd.DataFrame({"patient": "p", "date": [last + pd.Timedelta(days=k) for k in days], **cols})

    return g, plan


def test_plans_from_frame_places_each_value_on_its_day():
    g, plan = _frames()
    out = fc.plans_from_frame(plan([1, 3], **{"food.dairy": [1.0, np.nan], "env.noise": [np.nan, 1.0]}), g, 4)
    assert out == {"p": {"food.dairy": [1.0, None, None, None], "env.noise": [None, None, 1.0, None]}}


@pytest.mark.parametrize(
    ("days", "cols", "message"),
    [
        ([1], {"food.cat": [1.0]}, "factor 'food.cat' is not in the diary"),
        ([0], {"food.dairy": [1.0]}, "covers days 1-7 after the patient's last diary day"),
        ([8], {"food.dairy": [1.0]}, "this is day 8"),
        ([1], {"food.dairy": [1.0], "itch": [3.0]}, "a plan holds exposures only, not scores (itch)"),
    ],
)
def test_plans_from_frame_names_what_is_wrong(days, cols, message):
    g, plan = _frames()
    with pytest.raises(ValueError, match="plan") as err:
        fc.plans_from_frame(plan(days, **cols), g, 7)
    assert message in str(err.value)


def test_a_plan_for_an_unknown_patient_is_refused():
    g, plan = _frames()
    with pytest.raises(ValueError, match="patient 'q' has no diary rows"):
        fc.plans_from_frame(plan([1], **{"food.dairy": [1.0]}).assign(patient="q"), g, 7)


def test_one_absurd_amount_does_not_take_over_the_forecast() -> None:
    """An emollient count of 1e9 typed once gave a flare risk of 100 % (or NaN probabilities)."""
    g = _patient(effect=0.0, seed=3).assign(**{"treat.emollient": lambda d: np.where(np.arange(len(d)) % 3 == 0, 2.0, 1.0)})
    names = FACTORS + ["treat.emollient"]
    base = fc.forecast_patient(g["date"], g["itch"], 7, factors=g[names])
    g.loc[g.index[-5], "treat.emollient"] = 1e9
    odd = fc.forecast_patient(g["date"], g["itch"], 7, factors=g[names])
    assert all(np.isfinite(d.probabilities).all() for d in odd.days)
    assert abs(odd.flare_risk - base.flare_risk) < 0.25 and odd.flare_risk < 0.99
