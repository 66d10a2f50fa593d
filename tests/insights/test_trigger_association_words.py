"""A likely trigger is worded as what the diary shows, an adjusted association, not as a cause.
Found in the wording review of 2026-12-06: "Dairy: likely makes your itch worse the next day —
over 99% likely" (under the heading "Likely makes your itch worse") told the patient that dairy
causes their itch with 99 % certainty, while the 99 % is the posterior probability that the
adjusted association is positive and a factor that travels with an unlogged cause (pollen days
are also hot days) can be selected too (docs/insights.md, Honest limits). It now reads "Dairy:
your itch tends to be higher the next day — over 99% likely, ..."."""

from __future__ import annotations

import re

import numpy as np

from gutskin.insights.triggers import patient_trigger_report
from gutskin.insights.wording import risk_percent

from .helpers import ar_itch_patient


def test_a_likely_trigger_is_an_association_in_words() -> None:
    g = ar_itch_patient(np.random.default_rng(11), "p", 240, dairy_effect=1.2, dairy_lag=1, missing=0.03)
    r = patient_trigger_report(g, "p")
    (dairy,) = r["triggers"]
    assert dairy["factor"] == "food.dairy" and dairy["lag_days"] == 1, dairy
    assert dairy["sentence"] == (f"Dairy: your itch tends to be higher the next day — {risk_percent(dairy['probability'])} "
                                 f"likely, from {dairy['exposed_days']} days with and {dairy['unexposed_days']} without.")
    every = r["triggers"] + r["protective"] + r["no_evidence"] + r["not_enough_data"]
    causal = re.compile(r"\bmakes\b|\bcauses?\b")  # "not proof of cause" (treatments) aside
    assert not [x["sentence"] for x in every if causal.search(x["sentence"].replace("not proof of cause", ""))], \
        [x["sentence"] for x in every]
