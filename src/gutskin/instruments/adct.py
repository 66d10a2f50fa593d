"""ADCT, the Atopic Dermatitis Control Tool."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from ._common import InstrumentInputError, ScoreResult, check_answers, check_int, check_mapping

VERSION = "ADCT (Pariser 2020), 6 items 0-4, total 0-24"
NOT_IN_CONTROL_FROM = 7
MEANINGFUL_CHANGE = 5


@dataclasses.dataclass(frozen=True)
class AdctResult(ScoreResult):
    """ADCT result; ``controlled`` is ``total < 7`` (``None`` when not scored)."""

    controlled: bool | None
    answers: tuple[int | None, ...]
    missing: int


def adct(answers: Sequence[int | None]) -> AdctResult:
    """Score the Atopic Dermatitis Control Tool (past week, patients aged 12 and over).

    .. math:: \\mathrm{ADCT} = \\sum_{i=1}^{6} q_i, \\qquad 0 \\le \\mathrm{ADCT} \\le 24

    A higher total means *less* control; a total of 7 or more means "not in control"
    (band ``"not in control"``, ``controlled=False``); 0-6 is ``"in control"``.

    Parameters
    ----------
    answers : sequence of 6 items
        Each an integer 0-4; ``None`` marks an unanswered item.

    Notes
    -----
    All six items are required; there is no imputation. Any unanswered item means the
    tool is not scored (``total``, ``band`` and ``controlled`` are ``None``).
    The additional "any answer in the highest-score zone" criterion is not applied: its
    per-item boundaries are not known to the project.

    References
    ----------
    Pariser DM et al. Curr Med Res Opin 2020, doi:10.1080/03007995.2019.1699516;
    official scoring at adcontroltool.com.
    """
    items = check_answers(answers, 6, 0, 4, nullable=True, ticked=False)
    missing = sum(1 for x in items if x is None)
    total = None if missing else sum(x for x in items if x is not None)
    controlled = None if total is None else total < NOT_IN_CONTROL_FROM
    band = None if controlled is None else ("in control" if controlled else "not in control")
    return AdctResult(
        instrument="adct",
        total=total,
        band=band,
        version=VERSION,
        controlled=controlled,
        answers=tuple(items),
        missing=missing,
    )


def adct_change(previous: int, current: int) -> str:
    """Classify a within-person change of ADCT total: a change of at least 5 points matters.

    Returns ``"meaningful improvement"`` (current - previous <= -5), ``"meaningful worsening"``
    (>= +5) or ``"not meaningful"``.
    """
    a = check_int(previous, "previous", 0, 24)
    b = check_int(current, "current", 0, 24)
    assert a is not None and b is not None
    delta = b - a
    if delta <= -MEANINGFUL_CHANGE:
        return "meaningful improvement"
    if delta >= MEANINGFUL_CHANGE:
        return "meaningful worsening"
    return "not meaningful"


def from_payload(payload: Mapping[str, Any]) -> AdctResult:
    """Score ``{"answers": [6 integers 0-4]}`` (``null`` items mean not scored)."""
    p = check_mapping(payload, "", ["answers"])
    return adct(p["answers"])


__all__ = ["AdctResult", "adct", "adct_change", "InstrumentInputError"]
