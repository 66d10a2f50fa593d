"""The "with and without" sentence of a likely trigger says what changes even when the chance of
a bad day does not.

Found in the issue-6 acceptance review (2026-12-06): a child with mild eczema and a dairy
trigger ("Dairy: likely makes your child's itch worse the next day — over 99% likely") read
"Dairy every day of the next 7 days: chance of a bad day under 1%; with no dairy: under 1%."
The forecast's own numbers were an average itch of 3.0 against 2.1; the sentence said the
factor changes nothing. For most patients a bad day (itch 7+) is rare either way.
"""

from __future__ import annotations

import re

import numpy as np

from gutskin.insights import patient_insights

from .helpers import ar_itch_patient


def test_a_mild_patients_trigger_shows_its_average_itch_with_and_without() -> None:
    g = ar_itch_patient(np.random.default_rng(11), "p", 240, dairy_effect=1.2, dairy_lag=1, missing=0.03, level=-3.5)
    r = patient_insights(g, "p")
    assert [x["factor"] for x in r["triggers"]["triggers"]] == ["food.dairy"]
    (w,) = r["what_if"]
    assert w["with"]["flare_risk"] < 0.01 and w["without"]["flare_risk"] < 0.01  # a bad day is rare either way
    m = re.fullmatch(r"Dairy every day of the next 7 days: chance of a bad day (under 1%|1%), average itch (\d+\.\d) out of 10; "
                     r"with no dairy: (under 1%|1%), average itch (\d+\.\d) out of 10\.", w["sentence"])
    assert m is not None, w["sentence"]
    assert float(m.group(2)) == round(w["with"]["mean_itch"], 1) > float(m.group(4)) == round(w["without"]["mean_itch"], 1)
