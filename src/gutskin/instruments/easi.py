"""EASI, the Eczema Area and Severity Index."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from ._common import (
    InstrumentInputError,
    as_number,
    check_mapping,
    check_number,
    exact,
    is_number,
    show,
    ScoreResult,
)

VERSION = "EASI (Hanifin 2001; user guide 2022), 4 regions, 0-72"

REGIONS = ("head_neck", "upper_limbs", "trunk", "lower_limbs")
SIGNS = ("erythema", "induration", "excoriation", "lichenification")

#: Region weights (multipliers), adults and children aged >= 8 y vs children 0-7 y.
WEIGHTS: dict[str, dict[str, Fraction]] = {
    "adult": {"head_neck": Fraction(1, 10), "upper_limbs": Fraction(2, 10), "trunk": Fraction(3, 10), "lower_limbs": Fraction(4, 10)},
    "child": {"head_neck": Fraction(2, 10), "upper_limbs": Fraction(2, 10), "trunk": Fraction(3, 10), "lower_limbs": Fraction(3, 10)},
}
CHILD_BELOW_AGE = 8

#: Allowed sign grades: half points only between 1 and 3 (0.5 is never allowed).
GRADES = (Fraction(0), Fraction(1), Fraction(3, 2), Fraction(2), Fraction(5, 2), Fraction(3))

#: Area score lower bounds (percent of the region) for scores 1-6.
_AREA_LOWER = ((90, 6), (70, 5), (50, 4), (30, 3), (10, 2))

#: Leshem 2015 bands as upper-inclusive intervals: 0 clear, (0, 1] almost clear, (1, 7] mild,
#: (7, 21] moderate, (21, 50] severe, (50, 72] very severe.
BANDS: tuple[tuple[Fraction, str], ...] = (
    (Fraction(0), "clear"),
    (Fraction(1), "almost clear"),
    (Fraction(7), "mild"),
    (Fraction(21), "moderate"),
    (Fraction(50), "severe"),
    (Fraction(72), "very severe"),
)


@dataclasses.dataclass(frozen=True)
class EasiResult(ScoreResult):
    """EASI result with the per-region area scores, severity sums and region scores."""

    weights: str
    area_scores: dict[str, int]
    severity_sums: dict[str, int | float]
    region_scores: dict[str, int | float]


def area_score(percent: float) -> int:
    """Map the percentage of a region affected (0-100) to the EASI area score 0-6.

    0 % -> 0; 1-9 % -> 1; 10-29 % -> 2; 30-49 % -> 3; 50-69 % -> 4; 70-89 % -> 5; 90-100 % -> 6.
    Fractional percentages (which the published table does not cover) take the score of the
    highest band whose lower limit they reach; any involvement above 0 % scores at least 1
    (so 0.5 % -> 1, 9.5 % -> 1, 29.9 % -> 2).
    """
    p = check_number(percent, "area_percent", 0, 100)
    assert p is not None
    if p == 0:
        return 0
    for lower, score in _AREA_LOWER:
        if p >= lower:
            return score
    return 1


def check_grade(value: Any, field: str) -> Fraction:
    """Validate an EASI sign grade: one of 0, 1, 1.5, 2, 2.5, 3."""
    if is_number(value):
        g = exact(value)
        if g in GRADES:
            return g
    raise InstrumentInputError(field, f"expected 0, 1, 1.5, 2, 2.5 or 3, got {show(value)}")


def band(total: Fraction | float) -> str:
    """Leshem 2015 band of an EASI total (upper-inclusive intervals, see ``BANDS``)."""
    t = total if isinstance(total, Fraction) else exact(total)
    for upper, label in BANDS:
        if t <= upper:
            return label
    raise ValueError(f"total: expected 0-72, got {total}")


def easi(age_years: float, regions: Mapping[str, Mapping[str, float]]) -> EasiResult:
    """Score the Eczema Area and Severity Index.

    For each region r (head/neck; upper limbs; trunk incl. genitals; lower limbs incl.
    buttocks), grade erythema, induration (oedema/papulation), excoriation and
    lichenification 0-3 and score the area involved 0-6:

    .. math::

        \\mathrm{EASI} = \\sum_r w_r \\cdot \\mathrm{area}_r \\cdot
            (E_r + I_r + X_r + L_r), \\qquad 0 \\le \\mathrm{EASI} \\le 72

    Weights :math:`w`: adults and children aged 8 and over 0.1 / 0.2 / 0.3 / 0.4
    (head-neck / upper limbs / trunk / lower limbs); children aged 7 or less (``age_years
    < 8``) 0.2 / 0.2 / 0.3 / 0.3.

    Parameters
    ----------
    age_years : number >= 0
        Age in years; decides the weight set.
    regions : mapping
        All four regions ``head_neck, upper_limbs, trunk, lower_limbs``, each a mapping with
        ``area_percent`` (0-100) and the four signs. Sign grades must be 0, 1, 1.5, 2, 2.5
        or 3 (half points only between 1 and 3).

    Returns
    -------
    EasiResult
        ``band`` (Leshem 2015): 0 clear, 0.1-1.0 almost clear, 1.1-7.0 mild, 7.1-21.0
        moderate, 21.1-50.0 severe, 50.1-72 very severe, read as upper-inclusive intervals
        because totals are multiples of 0.05 (e.g. 7.05 is moderate).

    Notes
    -----
    No missing-item rule is published, so every region and sign is required. Computed in
    exact rational arithmetic before banding. Dryness and scaling are not scored; in darker
    skin the assessor may grade erythema one step higher (done before input).

    References
    ----------
    Hanifin JM et al. Exp Dermatol 2001;10:11-18. Hanifin JM et al. Dermatitis 2022
    (EASI user guide, PMC9154300). Leshem YA et al. Br J Dermatol 2015;172:1353 (bands).
    """
    age = check_number(age_years, "age_years", 0, 130)
    assert age is not None
    weight_set = "child" if age < CHILD_BELOW_AGE else "adult"
    regs = check_mapping(regions, "regions", REGIONS)
    areas: dict[str, int] = {}
    sums: dict[str, Fraction] = {}
    scores: dict[str, Fraction] = {}
    total = Fraction(0)
    for r in REGIONS:
        field = f"regions.{r}"
        reg = check_mapping(regs[r], field, ("area_percent",) + SIGNS)
        try:
            areas[r] = area_score(reg["area_percent"])
        except InstrumentInputError as e:
            raise InstrumentInputError(f"{field}.area_percent", e.problem) from None
        sums[r] = sum((check_grade(reg[s], f"{field}.{s}") for s in SIGNS), Fraction(0))
        scores[r] = sums[r] * areas[r] * WEIGHTS[weight_set][r]
        total += scores[r]
    return EasiResult(
        instrument="easi",
        total=as_number(total),
        band=band(total),
        version=VERSION,
        weights=weight_set,
        area_scores=areas,
        severity_sums={r: as_number(v) for r, v in sums.items()},
        region_scores={r: as_number(v) for r, v in scores.items()},
    )


def percent_improvement(baseline: float, current: float) -> float:
    """Improvement from baseline in percent, ``100 * (baseline - current) / baseline``.

    EASI-50/75/90 responders have an improvement of at least 50, 75 or 90 %. A baseline of
    0 has no defined improvement and raises ``ValueError``.
    """
    b = check_number(baseline, "baseline", 0, 72)
    c = check_number(current, "current", 0, 72)
    assert b is not None and c is not None
    if b == 0:
        raise InstrumentInputError("baseline", "expected a total above 0 to compute improvement, got 0")
    return float(100 * (b - c) / b)


def from_payload(payload: Mapping[str, Any]) -> EasiResult:
    """Score ``{"age_years": n, "regions": {region: {"area_percent", 4 signs}}}``."""
    p = check_mapping(payload, "", ["age_years", "regions"])
    return easi(p["age_years"], p["regions"])
