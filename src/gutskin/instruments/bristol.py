"""Bristol Stool Form Scale (a categorical record, not a severity score)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ._common import ScoreResult, check_int, check_mapping

VERSION = "Bristol Stool Form Scale (Lewis & Heaton 1997), types 1-7"

#: type -> (description, conventional reading)
TYPES: dict[int, tuple[str, str]] = {
    1: ("separate hard lumps, like nuts; hard to pass", "constipation"),
    2: ("sausage-shaped but lumpy", "constipation"),
    3: ("sausage-shaped with cracks on the surface", "normal"),
    4: ("sausage- or snake-like, smooth and soft", "normal"),
    5: ("soft blobs with clear-cut edges; passed easily", "tending to diarrhoea"),
    6: ("fluffy pieces with ragged edges; mushy", "diarrhoea"),
    7: ("watery, no solid pieces; entirely liquid", "diarrhoea"),
}


@dataclasses.dataclass(frozen=True)
class BristolResult(ScoreResult):
    """Bristol result: ``total`` is always ``None`` (the scale has no total)."""

    type: int
    description: str


def bristol(stool_type: int) -> BristolResult:
    """Classify one stool on the Bristol Stool Form Scale.

    The scale records a type 1-7 per stool; it has no total (``total`` is ``None``). The
    ``band`` is the conventional reading: 1-2 constipation, 3-4 normal, 5 tending to
    diarrhoea, 6-7 diarrhoea (descriptions and readings unverified in the reference).

    Raises
    ------
    ValueError
        Unless ``stool_type`` is an integer 1-7.

    References
    ----------
    Lewis SJ, Heaton KW. Scand J Gastroenterol 1997;32:920-4.
    """
    t = check_int(stool_type, "type", 1, 7)
    assert t is not None
    description, reading = TYPES[t]
    return BristolResult(instrument="bristol", total=None, band=reading, version=VERSION, type=t, description=description)


def from_payload(payload: Mapping[str, Any]) -> BristolResult:
    """Classify ``{"type": 1-7}``."""
    p = check_mapping(payload, "", ["type"])
    return bristol(p["type"])
