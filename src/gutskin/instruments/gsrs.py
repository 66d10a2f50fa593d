"""GSRS, the Gastrointestinal Symptom Rating Scale (self-administered, 15 items)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from ._common import ScoreResult, as_number, check_answers, check_mapping

VERSION = "GSRS self-administered (Revicki 1998), 15 items 1-7, mean 1-7"

ITEMS = (
    "abdominal pain",
    "heartburn",
    "acid regurgitation",
    "sucking sensation in the epigastrium",
    "nausea and vomiting",
    "borborygmus",
    "abdominal distension",
    "eructation",
    "increased flatus",
    "decreased passage of stools",
    "increased passage of stools",
    "loose stools",
    "hard stools",
    "urgent need for defecation",
    "feeling of incomplete evacuation",
)

#: Syndromes as (name, 1-based item numbers).
SYNDROMES: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("reflux", (2, 3)),
    ("abdominal_pain", (1, 4, 5)),
    ("indigestion", (6, 7, 8, 9)),
    ("diarrhoea", (11, 12, 14)),
    ("constipation", (10, 13, 15)),
)


@dataclasses.dataclass(frozen=True)
class GsrsResult(ScoreResult):
    """GSRS result: ``total`` is the mean of all 15 items; ``syndromes`` the syndrome means."""

    syndromes: dict[str, int | float | None]
    answers: tuple[int | None, ...]
    missing: int


def _mean(values: Sequence[int | None]) -> Fraction | None:
    if any(v is None for v in values):
        return None
    return Fraction(sum(v for v in values if v is not None), len(values))


def gsrs(answers: Sequence[int | None]) -> GsrsResult:
    """Score the Gastrointestinal Symptom Rating Scale, self-administered version.

    Each of the 15 items is rated on a 7-point Likert scale, 1 (no discomfort) - 7 (very
    severe discomfort); higher is worse.

    .. math::

        \\mathrm{GSRS} = \\frac{1}{15} \\sum_{i=1}^{15} q_i, \\qquad
        S_k = \\frac{1}{|k|} \\sum_{i \\in k} q_i

    Syndromes: reflux (2, 3); abdominal pain (1, 4, 5); indigestion (6-9); diarrhoea
    (11, 12, 14); constipation (10, 13, 15).

    Notes
    -----
    The sources give no bands (``band`` is always ``None``), no recall period and no
    missing-item rule. gutskin imputes nothing: a syndrome score needs all of its items and
    the total needs all 15; otherwise they are ``None``. Item mapping and the 1-7 rating are
    marked unverified in the reference. GSRS-IBS (13 items) is a different instrument.

    References
    ----------
    Svedlund J, Sjödin I, Dotevall G. Dig Dis Sci 1988;33:129-34. Revicki DA et al. Qual Life
    Res 1998;7:75-83. Kulich KR et al. 2008 (syndrome structure).
    """
    items = check_answers(answers, 15, 1, 7, nullable=True, ticked=False)
    total = _mean(items)
    syndromes: dict[str, int | float | None] = {}
    for name, idx in SYNDROMES:
        m = _mean([items[i - 1] for i in idx])
        syndromes[name] = None if m is None else as_number(m)
    return GsrsResult(
        instrument="gsrs",
        total=None if total is None else as_number(total),
        band=None,
        version=VERSION,
        syndromes=syndromes,
        answers=tuple(items),
        missing=sum(1 for x in items if x is None),
    )


def from_payload(payload: Mapping[str, Any]) -> GsrsResult:
    """Score ``{"answers": [15 integers 1-7 or null]}``."""
    p = check_mapping(payload, "", ["answers"])
    return gsrs(p["answers"])
