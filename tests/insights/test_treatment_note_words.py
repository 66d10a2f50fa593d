"""A treatment's trigger sentence never leaves a patient to stop a prescribed treatment on the
app's say-so. Found in the wording review of 2026-12-06: a diary in which itch rose the day after
the topical steroid read "Topical steroid: likely makes your itch worse the next day — over 99%
likely ..." followed only by "it is an association, not proof of cause"; nothing said not to stop
the cream, or whom to ask. Every treatment's sentence (any verdict: "no clear effect" on a steroid
invites the same) now ends "Do not stop or change a prescribed treatment because of it: ask the
clinician who prescribed it." Foods keep their sentences."""

from __future__ import annotations

import numpy as np

from gutskin.insights.triggers import patient_trigger_report

from .helpers import ar_itch_patient

STOP = "Do not stop or change a prescribed treatment because of it: ask the clinician who prescribed it."


def test_a_steroid_found_with_worse_itch_says_not_to_stop_it() -> None:
    g = ar_itch_patient(np.random.default_rng(11), "p", 240, dairy_effect=1.2, dairy_lag=1, missing=0.03)
    g = g.drop(columns=["treat.tcs"]).rename(columns={"food.dairy": "treat.tcs"})  # the steroid goes with worse itch
    r = patient_trigger_report(g, "p")
    (tcs,) = [x for x in r["triggers"] if x["factor"] == "treat.tcs"]
    assert tcs["is_treatment"] and tcs["verdict"] == "likely_trigger", tcs
    assert tcs["sentence"].startswith("Topical steroid: ") and tcs["sentence"].endswith(STOP), tcs["sentence"]
    every = r["triggers"] + r["protective"] + r["no_evidence"] + r["not_enough_data"]
    assert all(x["sentence"].endswith(STOP) == bool(x["is_treatment"]) for x in every), [x["sentence"] for x in every]
