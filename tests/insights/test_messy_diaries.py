"""Real-life diaries (messy-diaries walk, 2026-12-06): factors always logged together, and a
diary kept only at weekends. Each case has a known answer."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from gutskin.insights.triggers import patient_trigger_report

from .helpers import ar_itch_patient


def _all(report: dict) -> list[dict]:
    return [x for k in ("triggers", "protective", "no_evidence", "not_enough_data") for x in report[k]]


def test_factors_always_logged_together_carry_one_effect_and_say_so() -> None:
    """Cake was logged on exactly the dairy days; dairy raises the next day's itch. The diary
    holds one effect for the two: both used to be called triggers "over 99% likely" with no word
    about it (and the singular joint fit sent every factor to the one-at-a-time fit). Now each
    gets the same effect, its sentence says the diary cannot tell which one it is, and an
    unrelated factor is still judged in the joint fit."""
    rng = np.random.default_rng(5)
    f = ar_itch_patient(rng, "p", 180, dairy_effect=1.2, missing=0.0)
    f["food.cake"] = f["food.dairy"]
    f["food.nodairy"] = 1.0 - f["food.dairy"]
    rep = patient_trigger_report(f, "p")
    by = {x["factor"]: x for x in _all(rep)}
    assert {x["factor"] for x in rep["triggers"]} >= {"food.dairy", "food.cake"}
    assert by["food.dairy"]["effect"] == by["food.cake"]["effect"] > 0.5
    assert by["food.nodairy"]["verdict"] == "likely_protective"
    assert by["food.nodairy"]["effect"] == -by["food.dairy"]["effect"]
    assert "Dairy and Cake were logged on the same days every time" in by["food.dairy"]["sentence"]
    assert "cannot tell which of them it is" in by["food.cake"]["sentence"]
    assert "Nodairy was logged on exactly the days without Dairy or Cake" in by["food.nodairy"]["sentence"]
    assert any("Cake" in n for n in by["food.dairy"]["notes"])
    # the other factors keep the joint fit: same verdicts and effects as without the copies
    alone = {x["factor"]: x for x in _all(patient_trigger_report(f.drop(columns=["food.cake", "food.nodairy"]), "p"))}
    for name in ("food.dairy", "env.noise", "treat.tcs"):
        assert by[name]["verdict"] == alone[name]["verdict"]
        assert abs(by[name]["effect"] - alone[name]["effect"]) < 1e-9
    assert "same days" not in by["env.noise"]["sentence"]


def test_a_weekend_only_diary_is_judged_on_the_lags_it_can_see() -> None:
    """Itch and dairy logged on Saturdays and Sundays only, dairy (eaten at random) raising the
    next day's itch by about 3 points. No entry is two or three days after another, so those
    lags cannot be estimated; the same day and the next can (Saturday -> Sunday). It read "it
    came on a strict rhythm (such as every other day)" for a food eaten at random, and could
    never be judged; now it is a likely trigger the next day, with the lags it could not check
    named."""
    rng = np.random.default_rng(3)
    n = 52 * 7
    dairy = (rng.random(n) < 0.4).astype(float)
    z, itch = 0.0, np.empty(n)
    for t in range(n):
        z = 0.6 * z + 0.4 * rng.standard_normal()
        itch[t] = rng.binomial(10, 1 / (1 + np.exp(-(z - 0.6 + (1.4 * dairy[t - 1] if t else 0.0)))))
    dates = [dt.date(2026, 1, 3) + dt.timedelta(days=t) for t in range(n)]  # a Saturday
    keep = np.array([d.weekday() >= 5 for d in dates])
    f = pd.DataFrame({"patient": "w", "date": pd.to_datetime(np.array(dates)[keep]), "itch": itch[keep],
                      "food.dairy": dairy[keep]})
    x = patient_trigger_report(f, "w")["triggers"]
    assert [t["factor"] for t in x] == ["food.dairy"] and x[0]["lag_days"] == 1
    assert "strict rhythm" not in x[0]["sentence"]
    assert "no entry comes two or three days after another" in x[0]["sentence"]
    assert x[0]["lag_probabilities"]["2"] == x[0]["lag_probabilities"]["3"] == 0.0
    assert x[0]["exposed_days"] + x[0]["unexposed_days"] == int(keep.sum())


def test_a_copied_factor_leaves_the_forecast_and_the_what_if_as_the_factor_alone() -> None:
    """Cake logged on exactly the dairy days adds nothing to the diary, so the forecast, a plan
    for cake and the what-if must be those of dairy alone. The two columns split one effect
    under two priors: the forecast after dairy days moved, and the page showed two what-ifs,
    "Dairy every day" and "Cake every day", each with about 0.7 of dairy's own difference in
    average itch (the pair's 1.2 points against 1.7 for seed 5)."""
    from gutskin.insights import patient_insights
    from gutskin.insights.forecast import forecast_patient

    rng = np.random.default_rng(5)
    f = ar_itch_patient(rng, "p", 180, dairy_effect=1.2, missing=0.0)
    g = f.assign(**{"food.cake": f["food.dairy"]})
    cols = ["food.dairy", "env.noise", "treat.tcs"]
    alone = forecast_patient(f["date"], f["itch"], 7, factors=f[cols])
    both = forecast_patient(g["date"], g["itch"], 7, factors=g[cols + ["food.cake"]])
    assert np.allclose([d.probabilities for d in alone.days], [d.probabilities for d in both.days], atol=1e-9)
    plan_d = forecast_patient(f["date"], f["itch"], 7, factors=f[cols], plan={"food.dairy": [1, 1, 0]})
    plan_c = forecast_patient(g["date"], g["itch"], 7, factors=g[cols + ["food.cake"]], plan={"food.cake": [1, 1, 0]})
    assert np.allclose([d.probabilities for d in plan_d.days], [d.probabilities for d in plan_c.days], atol=1e-9)

    def diff(w: dict) -> float:
        return w["with"]["mean_itch"] - w["without"]["mean_itch"]

    one = [w for w in patient_insights(f, "p")["what_if"] if w["factor"] == "food.dairy"]
    pair = [w for w in patient_insights(g, "p")["what_if"] if w["factor"] in ("food.dairy", "food.cake")]
    assert len(one) == len(pair) == 1
    assert abs(diff(pair[0]) - diff(one[0])) < 0.02 and diff(one[0]) > 1.0
    assert "(and Cake, always logged with it) every day" in pair[0]["sentence"]
    assert "with no dairy or cake:" in pair[0]["sentence"]


def test_a_diary_kept_every_other_day_is_judged_on_the_even_lags() -> None:
    """Entries on every second day, dairy at random raising itch two days later. The itch of the
    day before each entry is carried forward from two days before (a copy of that column) and
    the factor's odd lags are never logged, so every fit was singular and the food read "it came
    on a strict rhythm (such as every other day)". Now lag 2 is found, and the sentence names the
    lags no entry reaches."""
    rng = np.random.default_rng(2)
    n = 360
    dairy = (rng.random(n) < 0.4).astype(float)
    z, itch = 0.0, np.empty(n)
    for t in range(n):
        z = 0.6 * z + 0.4 * rng.standard_normal()
        itch[t] = rng.binomial(10, 1 / (1 + np.exp(-(z - 0.6 + (1.4 * dairy[t - 2] if t > 1 else 0.0)))))
    keep = np.arange(n) % 2 == 0
    dates = [dt.date(2026, 1, 1) + dt.timedelta(days=int(i)) for i in np.flatnonzero(keep)]
    f = pd.DataFrame({"patient": "e", "date": pd.to_datetime(dates), "itch": itch[keep], "food.dairy": dairy[keep]})
    x = patient_trigger_report(f, "e")["triggers"]
    assert [t["factor"] for t in x] == ["food.dairy"] and x[0]["lag_days"] == 2
    assert "strict rhythm" not in x[0]["sentence"]
    assert "Only an effect the same day or two days later could be checked: no entry comes one or three days " \
        "after another." in x[0]["sentence"]
