"""Peak Pruritus NRS (worst-itch numeric rating scale, past 24 hours)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ._common import ScoreResult, band_of_int, check_int, check_mapping, choose

VERSION = "Peak Pruritus NRS (Yosipovitch 2019), 0-10, past 24 h"
RESPONDER_IMPROVEMENT = 4

BANDS: dict[str, tuple[tuple[int, int, str], ...]] = {
    "reich2017": (
        (0, 0, "none"),
        (1, 3, "mild"),
        (4, 6, "moderate"),
        (7, 8, "severe"),
        (9, 10, "very severe"),
    ),
    "three_band": (
        (0, 3, "mild"),
        (4, 6, "moderate"),
        (7, 10, "severe"),
    ),
}
DEFAULT_BANDS = "reich2017"


@dataclasses.dataclass(frozen=True)
class NrsResult(ScoreResult):
    """Peak-pruritus NRS result (``None`` when the item is missing)."""

    band_set: str


def nrs(score: int | None, *, bands: str = DEFAULT_BANDS) -> NrsResult:
    """Band a peak (worst) itch rating over the past 24 hours, 0 (no itch) - 10 (worst imaginable).

    The total is the rating itself; a missing rating gives no score.

    Parameters
    ----------
    score : int 0-10 or None
    bands : {"reich2017", "three_band"}
        Default Reich 2017: 0 none, 1-3 mild, 4-6 moderate, 7-8 severe, 9-10 very severe.
        ``three_band`` (PMC7395647 review table): 0-3 mild, 4-6 moderate, 7-10 severe.
        Both are marked unverified in the project reference.

    Notes
    -----
    Not interchangeable with the SCORAD/PO-SCORAD itch item (a 3-day average). A responder
    improves by at least 4 points (:func:`nrs_responder`).

    References
    ----------
    Yosipovitch G et al. Br J Dermatol 2019;181:761-9. Reich A et al. 2017 (bands).
    """
    band_set = choose(bands, "bands", BANDS)
    s = check_int(score, "score", 0, 10, nullable=True)
    return NrsResult(instrument="nrs", total=s, band=band_of_int(s, BANDS[band_set]), version=VERSION, band_set=band_set)


def nrs_responder(baseline: int, current: int) -> bool:
    """True when the peak-pruritus NRS improved by at least 4 points from baseline."""
    b = check_int(baseline, "baseline", 0, 10)
    c = check_int(current, "current", 0, 10)
    assert b is not None and c is not None
    return b - c >= RESPONDER_IMPROVEMENT


def from_payload(payload: Mapping[str, Any]) -> NrsResult:
    """Score ``{"score": 0-10 or null, "bands"?: str}``."""
    p = check_mapping(payload, "", ["score"], optional=["bands"])
    return nrs(p["score"], bands=p.get("bands", DEFAULT_BANDS))
