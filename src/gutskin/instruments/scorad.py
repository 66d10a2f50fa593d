"""SCORAD, objective SCORAD and PO-SCORAD (the Patient-Oriented SCORAD)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

from ._common import (
    InstrumentInputError,
    ScoreResult,
    as_number,
    check_int,
    check_mapping,
    check_number,
    choose,
)

VERSION = "SCORAD (European Task Force 1993), A/5 + 7B/2 + C, 0-103"
PO_VERSION = "PO-SCORAD (Stalder 2011), A/5 + 7B/2 + C, 0-103"

#: The six intensity signs, in the order of the SCORAD form. Dryness is graded on
#: uninvolved (non-lesional) skin; the others on a representative lesion.
SIGNS = ("erythema", "oedema_papulation", "oozing_crusting", "excoriation", "lichenification", "dryness")


def _classic(total: Fraction) -> str:
    # Kunz 1997 / Oranje 2007: mild < 25, moderate 25-50, severe > 50.
    if total < 25:
        return "mild"
    return "moderate" if total <= 50 else "severe"


def _four_strata(total: Fraction) -> str:
    # PMC7395647 Table 3, as half-open intervals [0,10) [10,29) [29,49) [49,103].
    if total < 10:
        return "clear"
    if total < 29:
        return "mild"
    return "moderate" if total < 49 else "severe"


def objective_band(objective: Fraction) -> str:
    """oSCORAD bands: mild < 15, moderate 15-40, severe > 40 (source paper unconfirmed)."""
    if objective < 15:
        return "mild"
    return "moderate" if objective <= 40 else "severe"


#: Minimal clinically important difference of SCORAD (Schram 2012; unverified in the reference).
MCID = 8.7

#: Rule-of-nines weights (% of body surface) for age >= 2 years (unverified in the reference).
#: The under-2 figures on the form sum to 96, not 100, and are not implemented.
RULE_OF_NINES: dict[str, int] = {
    "head_neck": 9,
    "left_upper_limb": 9,
    "right_upper_limb": 9,
    "anterior_trunk": 18,
    "back": 18,
    "left_lower_limb": 18,
    "right_lower_limb": 18,
    "genitals": 1,
}


def scorad_extent(regions: Mapping[str, float], *, age_years: float) -> int | float:
    """SCORAD extent A (0-100) from the percentage of each rule-of-nines region affected.

    .. math:: A = \\sum_r w_r \\cdot p_r / 100

    with :math:`w_r` from :data:`RULE_OF_NINES` and :math:`p_r` the percentage (0-100) of
    region r with inflammatory lesions (dryness alone does not count). Regions not given
    count as 0. Only for ``age_years >= 2``: the under-2 weights are unresolved (as
    listed they sum to 96) and raise ``ValueError``.
    """
    age = check_number(age_years, "age_years", 0, 130)
    assert age is not None
    if age < 2:
        raise InstrumentInputError(
            "age_years", "rule-of-nines weights for children under 2 are not confirmed; enter extent_percent directly"
        )
    if not isinstance(regions, Mapping):
        raise InstrumentInputError("regions", f"expected an object, got {regions!r}")
    check_mapping(regions, "regions", [], optional=RULE_OF_NINES)
    a = Fraction(0)
    for name, weight in RULE_OF_NINES.items():
        p = check_number(regions.get(name, 0), f"regions.{name}", 0, 100)
        assert p is not None
        a += weight * p / 100
    return as_number(a)


BANDS: dict[str, Callable[[Fraction], str]] = {"classic": _classic, "four_strata": _four_strata}
DEFAULT_BANDS = "classic"
PO_DEFAULT_BANDS = "four_strata"


@dataclasses.dataclass(frozen=True)
class ScoradResult(ScoreResult):
    """SCORAD or PO-SCORAD result.

    ``objective`` is A/5 + 7B/2 (0-83); ``extent`` is A (0-100), ``intensity`` is B (0-18),
    ``subjective`` is C (0-20). Any of them is ``None`` when an input it needs is null.
    """

    objective: int | float | None
    objective_band: str | None
    extent: int | float | None
    intensity: int | None
    subjective: int | float | None
    band_set: str


def _compute(
    instrument: str,
    version: str,
    extent_percent: Any,
    intensity: Any,
    itch: Any,
    sleep_loss: Any,
    bands: str,
    with_objective_band: bool,
) -> ScoradResult:
    band_set = choose(bands, "bands", BANDS)
    a = check_number(extent_percent, "extent_percent", 0, 100, nullable=True)
    signs = check_mapping(intensity, "intensity", SIGNS)
    grades = [check_int(signs[s], f"intensity.{s}", 0, 3, nullable=True) for s in SIGNS]
    i = check_number(itch, "itch", 0, 10, nullable=True)
    s = check_number(sleep_loss, "sleep_loss", 0, 10, nullable=True)

    b = None if any(g is None for g in grades) else sum(g for g in grades if g is not None)
    c = None if i is None or s is None else i + s
    objective = None if a is None or b is None else a / 5 + Fraction(7 * b, 2)
    total = None if objective is None or c is None else objective + c
    return ScoradResult(
        instrument=instrument,
        total=None if total is None else as_number(total),
        band=None if total is None else BANDS[band_set](total),
        version=version,
        objective=None if objective is None else as_number(objective),
        objective_band=objective_band(objective) if with_objective_band and objective is not None else None,
        extent=None if a is None else as_number(a),
        intensity=b,
        subjective=None if c is None else as_number(c),
        band_set=band_set,
    )


def scorad(
    extent_percent: float | None,
    intensity: Mapping[str, int | None],
    itch: float | None,
    sleep_loss: float | None,
    *,
    bands: str = DEFAULT_BANDS,
) -> ScoradResult:
    """Score SCORAD (SCORing Atopic Dermatitis) and the objective SCORAD.

    .. math::

        \\mathrm{SCORAD} = A/5 + 7B/2 + C \\quad (0\\text{-}103), \\qquad
        \\mathrm{oSCORAD} = A/5 + 7B/2 \\quad (0\\text{-}83)

    Parameters
    ----------
    extent_percent : number 0-100
        A: percentage of the body surface with inflammatory lesions (rule of nines; dryness
        alone does not count), entered as the already-summed percentage.
    intensity : mapping
        B: the six signs ``erythema, oedema_papulation, oozing_crusting, excoriation,
        lichenification, dryness``, each an integer 0 (none) - 3 (severe); B = their sum, 0-18.
    itch, sleep_loss : number 0-10
        C: pruritus and sleeplessness (VAS or NRS), each averaged over the last 3 days and
        nights; C = itch + sleep_loss, 0-20.
    bands : {"classic", "four_strata"}
        Default ``classic`` (Kunz 1997; Oranje 2007): mild < 25, moderate 25-50, severe > 50.
        ``four_strata`` (PMC7395647 Table 3): clear [0, 10), mild [10, 29), moderate
        [29, 49), severe [49, 103] - the published ".9" upper limits read as half-open.

    Returns
    -------
    ScoradResult
        ``objective_band`` uses the oSCORAD bands mild < 15, moderate 15-40, severe > 40.

    Notes
    -----
    The sources give no imputation rule, so nothing is imputed: a null extent or intensity
    grade leaves ``objective`` and ``total`` ``None``; a null itch or sleep value leaves
    ``total`` ``None`` while the objective SCORAD is still computed. Arithmetic is exact
    (rational) so band edges are decided without floating-point error. The optional +10
    points for severe disfiguring eczema of face and hands in some oSCORAD versions are not
    applied.

    References
    ----------
    European Task Force on Atopic Dermatitis. Dermatology 1993;186:23-31. Kunz B et al.
    Dermatology 1997;195:10-19. Oranje AP et al. Br J Dermatol 2007;157:645-8.
    """
    return _compute("scorad", VERSION, extent_percent, intensity, itch, sleep_loss, bands, True)


def poscorad(
    extent_percent: float | None,
    intensity: Mapping[str, int | None],
    itch: float | None,
    sleep_loss: float | None,
    *,
    bands: str = PO_DEFAULT_BANDS,
) -> ScoradResult:
    """Score PO-SCORAD, completed by the patient or parent.

    Same structure and formula as SCORAD, :math:`A/5 + 7B/2 + C` (0-103; objective part
    0-83): A is the extent shaded on a body diagram, B the six signs rated 0-3 against photos
    (dryness on non-lesional skin), C itch + sleep disturbance (0-10 each) over the past
    3 days and nights.

    Parameters
    ----------
    bands : {"four_strata", "classic"}
        Default ``four_strata`` (PMC7395647 Table 3): clear [0, 10), mild [10, 29),
        moderate [29, 49), severe [49, 103]. ``classic`` uses the SCORAD bands.

    Notes
    -----
    No missing-item rule is published: nulls behave as in :func:`scorad`. ``objective_band``
    is ``None`` (the oSCORAD bands are for the clinician's objective SCORAD).

    References
    ----------
    Vourc'h-Jourdain M et al. Dermatology 2009;218:246. Stalder JF et al. Allergy
    2011;66:1114-21.
    """
    return _compute("poscorad", PO_VERSION, extent_percent, intensity, itch, sleep_loss, bands, False)


_FIELDS = ["extent_percent", "intensity", "itch", "sleep_loss"]


def from_payload(payload: Mapping[str, Any]) -> ScoradResult:
    """Score ``{"extent_percent", "intensity": {...6 signs}, "itch", "sleep_loss", "bands"?}``."""
    p = check_mapping(payload, "", _FIELDS, optional=["bands"])
    return scorad(p["extent_percent"], p["intensity"], p["itch"], p["sleep_loss"], bands=p.get("bands", DEFAULT_BANDS))


def po_from_payload(payload: Mapping[str, Any]) -> ScoradResult:
    """Score PO-SCORAD from the same payload shape as SCORAD."""
    p = check_mapping(payload, "", _FIELDS, optional=["bands"])
    return poscorad(
        p["extent_percent"], p["intensity"], p["itch"], p["sleep_loss"], bands=p.get("bands", PO_DEFAULT_BANDS)
    )
