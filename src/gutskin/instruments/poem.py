"""POEM, the Patient-Oriented Eczema Measure."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from ._common import (
    ScoreResult,
    band_of_int,
    check_answers,
    check_mapping,
    choose,
    total_one_missing_as_zero,
)

VERSION = "POEM (Charman 2004), 7 items 0-4, total 0-28"

ITEMS = (
    "itchy skin",
    "sleep disturbed by eczema (nights)",
    "bleeding skin",
    "weeping or oozing clear fluid",
    "cracked skin",
    "flaking skin",
    "dry or rough skin",
)

#: Band sets: the default is Charman 2013; Silverberg 2018 (US adults) only if chosen deliberately.
BANDS: dict[str, tuple[tuple[int, int, str], ...]] = {
    "charman2013": (
        (0, 2, "clear/almost clear"),
        (3, 7, "mild"),
        (8, 16, "moderate"),
        (17, 24, "severe"),
        (25, 28, "very severe"),
    ),
    "silverberg2018": (
        (0, 7, "mild"),
        (8, 19, "moderate"),
        (20, 28, "severe"),
    ),
}
DEFAULT_BANDS = "charman2013"


@dataclasses.dataclass(frozen=True)
class PoemResult(ScoreResult):
    """POEM result. ``answers`` are the items as recorded (``None`` = unanswered)."""

    answers: tuple[int | None, ...]
    missing: int
    band_set: str


def poem(answers: Sequence[int | None], *, bands: str = DEFAULT_BANDS) -> PoemResult:
    """Score the Patient-Oriented Eczema Measure.

    Each of the 7 items counts the days (item 2: nights) in the last week with the symptom:
    no days = 0, 1-2 days = 1, 3-4 days = 2, 5-6 days = 3, every day = 4.

    .. math:: \\mathrm{POEM} = \\sum_{i=1}^{7} q_i, \\qquad 0 \\le \\mathrm{POEM} \\le 28

    Parameters
    ----------
    answers : sequence of 7 items
        Each an integer 0-4, ``None`` for an unanswered item, or a list of the options ticked
        (the highest is recorded).
    bands : {"charman2013", "silverberg2018"}
        Band set. Default Charman 2013: 0-2 clear/almost clear, 3-7 mild, 8-16 moderate,
        17-24 severe, 25-28 very severe. Alternative Silverberg 2018 (US adults): 0-7 mild,
        8-19 moderate, 20-28 severe.

    Returns
    -------
    PoemResult
        ``total`` and ``band`` are ``None`` when the questionnaire is not scored.

    Raises
    ------
    ValueError
        If there are not 7 items or an item is not an integer 0-4 or null; the message names it.

    Notes
    -----
    Missing items: one unanswered item is scored 0 and the total is out of 28 as usual; with
    two or more unanswered the questionnaire is not scored. Two or more options ticked for one
    item: the highest is recorded. (The reference marks the POEM rule as unverified; it is the
    same as the verified Nottingham RECAP rule.)

    References
    ----------
    Charman CR, Venn AJ, Williams HC. Arch Dermatol 2004;140:1513-9.
    Charman CR et al. Br J Dermatol 2013;169:1326-32 (bands). Silverberg JI et al. Ann Allergy
    Asthma Immunol 2018;121:464 (alternative bands). LOINC 89870-0.
    """
    band_set = choose(bands, "bands", BANDS)
    items = check_answers(answers, 7, 0, 4, nullable=True)
    total = total_one_missing_as_zero(items)
    return PoemResult(
        instrument="poem",
        total=total,
        band=band_of_int(total, BANDS[band_set]),
        version=VERSION,
        answers=tuple(items),
        missing=sum(1 for x in items if x is None),
        band_set=band_set,
    )


def from_payload(payload: Mapping[str, Any]) -> PoemResult:
    """Score ``{"answers": [7 items], "bands"?: str}``."""
    p = check_mapping(payload, "", ["answers"], optional=["bands"])
    return poem(p["answers"], bands=p.get("bands", DEFAULT_BANDS))
