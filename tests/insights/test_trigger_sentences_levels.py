"""A level logged every day (Bristol stool type, stress, pollen) is not a thing one has "days with".

Found in the issue-6 acceptance review (2026-12-06): a simulated patient's Bristol type was 4 on
more than half of the days, so its interquartile range was 0 and the finder coded it as "above
the patient's median" 0/1 -- and the sentence read "Stool type (Bristol): ... from 35 days with
and 107 without", although the type was logged on all 142 days. A level that still needs more
days read "needs at least 14 days with and 14 without" (pollen, 20 days logged).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gutskin.insights import triggers as tr
from tests.insights.helpers import ar_itch_patient


def _item(report: dict, factor: str) -> dict:
    return next(x for g in ("triggers", "protective", "no_evidence", "not_enough_data") for x in report[g]
                if x["factor"] == factor)


def test_a_level_with_an_interquartile_range_of_zero_reads_as_high_days() -> None:
    rng = np.random.default_rng(11)
    frame = ar_itch_patient(rng, "a", n_days=150)
    n = len(frame)
    bristol = np.full(n, 4.0)
    bristol[rng.random(n) < 0.25] = 5.0
    bristol[rng.random(n) < 0.15] = 3.0
    frame["gut.bristol"] = bristol
    assert np.quantile(bristol, 0.25) == np.quantile(bristol, 0.75) == 4.0  # the case of the review
    x = _item(tr.patient_trigger_report(frame, "a"), "gut.bristol")
    high = int((bristol > 4).sum())
    assert x["exposed_days"] == high and x["verdict"] != "not_enough_data"
    assert x["sentence"].startswith("Higher stool type (Bristol): ")
    assert f"from {high} high days and {x['unexposed_days']} other days" in x["sentence"]
    assert "days with" not in x["sentence"] and " without" not in x["sentence"]


def test_a_level_that_needs_more_days_asks_for_high_and_other_days() -> None:
    rng = np.random.default_rng(12)
    frame = ar_itch_patient(rng, "a", n_days=20, missing=0.0)
    frame["env.pollen"] = rng.gamma(2.0, 20.0, len(frame))
    x = _item(tr.patient_trigger_report(frame, "a"), "env.pollen")
    assert x["verdict"] == "not_enough_data"
    assert x["sentence"].startswith("More pollen: not enough data yet — needs at least 14 high days and 14 other days "
                                    f"(you have {x['exposed_days']} and {x['unexposed_days']}).")
    # an event keeps its words
    frame["food.egg"] = (rng.random(len(frame)) < 0.5).astype(float)
    egg = _item(tr.patient_trigger_report(frame, "a"), "food.egg")
    assert "needs at least 14 days with and 14 without (you have" in egg["sentence"]


def test_itch_that_never_changes_is_not_called_too_few_days() -> None:
    """40 days of itch 0, egg on 20 of them (found in the acceptance review's edge diaries): the
    sentence said "needs more logged days with an itch score to judge" (no regression fits a
    constant), although 40 were logged."""
    import datetime as dt

    days = [dt.date(2026, 10, 1) + dt.timedelta(days=i) for i in range(40)]
    frame = pd.DataFrame({"patient": "a", "date": pd.to_datetime(days), "itch": 0.0, "sleep_loss": np.nan,
                          "poscorad": np.nan, "poem": np.nan, "flare": np.nan,
                          "food.egg": (np.arange(40) % 2).astype(float)})
    (egg,) = tr.patient_trigger_report(frame, "a")["not_enough_data"]
    assert egg["factor"] == "food.egg" and (egg["exposed_days"], egg["unexposed_days"]) == (20, 20)
    assert "needs more logged days" not in egg["sentence"]
    assert egg["sentence"] == ("Egg: not enough data yet — your itch had the same score on every logged day, so there "
                               "is nothing to compare the days with and without it against.")


def test_a_factor_on_a_strict_rhythm_is_not_called_too_few_days() -> None:
    """Dairy every other day for 150 days (found in session 10's clinician walk): lag 0 and lag 2
    are the same column, so the joint fit failed, every factor fell back to one at a time, and
    dairy read "needs more logged days with an itch score to judge" -- which more such days never
    fix. It now says it came on a rhythm, and the other factors keep the joint fit (the same
    verdicts as without the rhythmic factor)."""
    rng = np.random.default_rng(21)
    frame = ar_itch_patient(rng, "a", n_days=150, dairy_effect=1.5, missing=0.0)
    without = {x["factor"]: x for g in ("triggers", "protective", "no_evidence", "not_enough_data")
               for x in tr.patient_trigger_report(frame, "a")[g]}
    n = len(frame)
    frame["food.soy"] = (np.arange(n) % 2).astype(float)  # every other day: lag 0 = lag 2
    frame["food.fish"] = (np.arange(n) % 3 == 0).astype(float)  # every third day: lag 0 = lag 3
    report = tr.patient_trigger_report(frame, "a")
    for factor in ("food.soy", "food.fish"):
        x = _item(report, factor)
        assert x["verdict"] == "not_enough_data" and x["notes"] == ["regular_rhythm"]
        assert "strict rhythm" in x["sentence"] and "needs more logged days" not in x["sentence"]
        assert x["exposed_days"] >= 14 and x["unexposed_days"] >= 14
    for factor, was in without.items():
        now = _item(report, factor)
        assert now["verdict"] == was["verdict"] and now["effect"] == was["effect"], factor
    # the same rhythm broken on a few days can be judged
    frame.loc[[10, 41, 77, 120], "food.soy"] = 1.0 - frame.loc[[10, 41, 77, 120], "food.soy"]
    assert _item(tr.patient_trigger_report(frame, "a"), "food.soy")["verdict"] != "not_enough_data"
