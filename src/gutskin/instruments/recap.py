"""RECAP, the Recap of atopic eczema (eczema control)."""

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

VERSION = "RECAP (Howells 2020), 7 items 0-4, total 0-28"

#: Control bands from the Dutch validation of the caregiver version (unverified in the
#: reference); the only published band set the project has. Total >= 8 = not controlled.
BANDS: dict[str, tuple[tuple[int, int, str], ...]] = {
    "dutch_caregiver": (
        (0, 1, "completely controlled"),
        (2, 7, "mostly controlled"),
        (8, 12, "moderately controlled"),
        (13, 18, "a little controlled"),
        (19, 28, "not at all controlled"),
    ),
}
DEFAULT_BANDS = "dutch_caregiver"
NOT_CONTROLLED_FROM = 8


@dataclasses.dataclass(frozen=True)
class RecapResult(ScoreResult):
    """RECAP result; ``controlled`` is ``total < 8`` (``None`` when not scored)."""

    controlled: bool | None
    answers: tuple[int | None, ...]
    missing: int
    band_set: str


def recap(answers: Sequence[int | None], *, bands: str = DEFAULT_BANDS) -> RecapResult:
    """Score RECAP (self-report or caregiver version; both score the same way).

    Seven items about the past week, each 0-4 (higher = worse control).

    .. math:: \\mathrm{RECAP} = \\sum_{i=1}^{7} q_i, \\qquad 0 \\le \\mathrm{RECAP} \\le 28

    Parameters
    ----------
    answers : sequence of 7 items
        Each an integer 0-4, ``None`` for unanswered, or a list of ticked options (highest kept).
    bands : {"dutch_caregiver"}
        Control bands: 0-1 completely, 2-7 mostly, 8-12 moderately, 13-18 a little,
        19-28 not at all controlled; ``controlled`` is False from 8 upwards.

    Notes
    -----
    Missing items (University of Nottingham scoring instructions): one unanswered item scores
    0 and the total is out of 28 as usual; two or more unanswered: not scored. Two or more
    options ticked: record the highest. A change < 2 may be noise; 2-2.9 is small; 3-3.9 is
    likely and >= 4 highly likely important (Baker 2024). The bands come from a Dutch caregiver validation
    and are marked unverified in the reference.

    References
    ----------
    Howells L et al. Br J Dermatol 2020;183:524. University of Nottingham CEBD RECAP page.
    """
    band_set = choose(bands, "bands", BANDS)
    items = check_answers(answers, 7, 0, 4, nullable=True)
    total = total_one_missing_as_zero(items)
    return RecapResult(
        instrument="recap",
        total=total,
        band=band_of_int(total, BANDS[band_set]),
        version=VERSION,
        controlled=None if total is None else total < NOT_CONTROLLED_FROM,
        answers=tuple(items),
        missing=sum(1 for x in items if x is None),
        band_set=band_set,
    )


def from_payload(payload: Mapping[str, Any]) -> RecapResult:
    """Score ``{"answers": [7 items], "bands"?: str}``."""
    p = check_mapping(payload, "", ["answers"], optional=["bands"])
    return recap(p["answers"], bands=p.get("bands", DEFAULT_BANDS))
