"""CDLQI, the Children's Dermatology Life Quality Index (ages 4-16)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._common import check_mapping
from .dlqi import DlqiResult, _score

VERSION = "CDLQI (Lewis-Jones & Finlay 1995), 10 items 0-3, total 0-30"

DOMAINS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("symptoms_and_feelings", (1, 2)),
    ("leisure", (4, 5, 6)),
    ("school_or_holidays", (7,)),
    ("personal_relationships", (3, 8)),
    ("sleep", (9,)),
    ("treatment", (10,)),
)

BANDS: dict[str, tuple[tuple[int, int, str], ...]] = {
    "waters2010": (
        (0, 1, "no effect"),
        (2, 6, "small effect"),
        (7, 12, "moderate effect"),
        (13, 18, "very large effect"),
        (19, 30, "extremely large effect"),
    ),
}
DEFAULT_BANDS = "waters2010"


def cdlqi(answers: Sequence[int | None], *, bands: str = DEFAULT_BANDS) -> DlqiResult:
    """Score the Children's Dermatology Life Quality Index (the last week).

    Responses: very much = 3, quite a lot = 2, only a little = 1, not at all = 0; on Q7
    (school or holidays) "prevented school" = 3.

    .. math:: \\mathrm{CDLQI} = \\sum_{i=1}^{10} q_i, \\qquad 0 \\le \\mathrm{CDLQI} \\le 30

    Parameters
    ----------
    answers : sequence of 10 items
        Each an integer 0-3, ``None`` for unanswered, or a list of ticked options (highest kept).
    bands : {"waters2010"}
        0-1 no effect, 2-6 small, 7-12 moderate, 13-18 very large, 19-30 extremely large.

    Notes
    -----
    Missing items: one unanswered item scores 0 (reference: unverified). The rule for two or
    more unanswered items is not published in the project's sources ("to be confirmed with
    Cardiff University"); gutskin adopts the DLQI rule and does **not score** the
    questionnaire, which never invents a total. Domains: symptoms and feelings Q1-2,
    leisure Q4-6, school or holidays Q7, personal relationships Q3 and Q8, sleep Q9,
    treatment Q10.

    References
    ----------
    Lewis-Jones MS, Finlay AY. Br J Dermatol 1995;132:942-9. Waters A et al. Br J Dermatol
    2010;163(Suppl 1):121 (bands).
    """
    return _score("cdlqi", answers, bands, BANDS, DEFAULT_BANDS, DOMAINS, VERSION)


def from_payload(payload: Mapping[str, Any]) -> DlqiResult:
    """Score ``{"answers": [10 items], "bands"?: str}``."""
    p = check_mapping(payload, "", ["answers"], optional=["bands"])
    return cdlqi(p["answers"], bands=p.get("bands", DEFAULT_BANDS))
