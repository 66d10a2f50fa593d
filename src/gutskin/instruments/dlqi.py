"""DLQI, the Dermatology Life Quality Index (ages 16 and over)."""

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

VERSION = "DLQI (Finlay & Khan 1994), 10 items 0-3, total 0-30"
COPYRIGHT = "© A Y Finlay, G K Khan April 1992"

#: Domains as (name, 1-based item numbers).
DOMAINS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("symptoms_and_feelings", (1, 2)),
    ("daily_activities", (3, 4)),
    ("leisure", (5, 6)),
    ("work_school", (7,)),
    ("personal_relationships", (8, 9)),
    ("treatment", (10,)),
)

BANDS: dict[str, tuple[tuple[int, int, str], ...]] = {
    "hongbo2005": (
        (0, 1, "no effect"),
        (2, 5, "small effect"),
        (6, 10, "moderate effect"),
        (11, 20, "very large effect"),
        (21, 30, "extremely large effect"),
    ),
}
DEFAULT_BANDS = "hongbo2005"


@dataclasses.dataclass(frozen=True)
class DlqiResult(ScoreResult):
    """DLQI/CDLQI result with domain sub-scores (``None`` when not scored)."""

    domains: dict[str, int] | None
    answers: tuple[int | None, ...]
    missing: int
    band_set: str


def domain_scores(
    items: Sequence[int | None], domains: Sequence[tuple[str, Sequence[int]]]
) -> dict[str, int]:
    """Sum items per domain (an unanswered item counts 0, as in the total)."""
    return {name: sum(items[i - 1] or 0 for i in idx) for name, idx in domains}


def dlqi(answers: Sequence[int | None], *, bands: str = DEFAULT_BANDS) -> DlqiResult:
    """Score the Dermatology Life Quality Index (the last week).

    Responses: very much = 3, a lot = 2, a little = 1, not at all = 0, not relevant = 0.
    Question 7 is entered already scored: "prevented work or studying" (Yes) = 3, otherwise
    a lot = 2, a little = 1, not at all = 0.

    .. math:: \\mathrm{DLQI} = \\sum_{i=1}^{10} q_i, \\qquad 0 \\le \\mathrm{DLQI} \\le 30

    Parameters
    ----------
    answers : sequence of 10 items
        Each an integer 0-3, ``None`` for unanswered, or a list of ticked options (highest kept).
    bands : {"hongbo2005"}
        0-1 no effect, 2-5 small, 6-10 moderate, 11-20 very large, 21-30 extremely large
        effect on the patient's life.

    Notes
    -----
    Missing items: one unanswered item scores 0 (total out of 30); two or more unanswered:
    not scored. Two or more options ticked: record the highest. (Marked unverified in the
    reference: quoted from a trial statistical analysis plan.) Domains: symptoms and
    feelings Q1-2, daily activities Q3-4, leisure Q5-6, work/school Q7, personal
    relationships Q8-9, treatment Q10. Use at least 7 days apart; licence from Cardiff
    University; reproduce the copyright line ``COPYRIGHT``.

    References
    ----------
    Finlay AY, Khan GK. Clin Exp Dermatol 1994;19:210-6. Hongbo Y et al. J Invest Dermatol
    2005;125:659-64 (bands).
    """
    return _score("dlqi", answers, bands, BANDS, DEFAULT_BANDS, DOMAINS, VERSION)


def _score(
    name: str,
    answers: Sequence[int | None],
    bands: str,
    band_sets: Mapping[str, tuple[tuple[int, int, str], ...]],
    default: str,
    domains: Sequence[tuple[str, Sequence[int]]],
    version: str,
) -> DlqiResult:
    band_set = choose(bands, "bands", band_sets)
    items = check_answers(answers, 10, 0, 3, nullable=True)
    total = total_one_missing_as_zero(items)
    return DlqiResult(
        instrument=name,
        total=total,
        band=band_of_int(total, band_sets[band_set]),
        version=version,
        domains=None if total is None else domain_scores(items, domains),
        answers=tuple(items),
        missing=sum(1 for x in items if x is None),
        band_set=band_set,
    )


def from_payload(payload: Mapping[str, Any]) -> DlqiResult:
    """Score ``{"answers": [10 items], "bands"?: str}``."""
    p = check_mapping(payload, "", ["answers"], optional=["bands"])
    return dlqi(p["answers"], bands=p.get("bands", DEFAULT_BANDS))
