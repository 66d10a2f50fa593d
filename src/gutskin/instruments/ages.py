"""Validated age ranges of the patient-completed instruments (reference, instruments.md).

DLQI is for ages 16 and over (§8), CDLQI for children aged 4-16 (§9), ADCT for ages 12 and
over (§6). POEM and RECAP have self and caregiver versions for every age. A profile stores
only a birth year, so on a given day the age is one of two values (``year - birth_year - 1``
before the birthday, ``year - birth_year`` after it); an instrument is refused only when both
lie outside its range, never for a child who may already have had the birthday.
"""

from __future__ import annotations

import datetime as dt

#: instrument -> (youngest, oldest or None) in whole years, inclusive.
VALIDATED_AGES: dict[str, tuple[int, int | None]] = {
    "dlqi": (16, None),
    "cdlqi": (4, 16),
    "adct": (12, None),
}

#: What to use instead, by instrument and side of its range (the HOME choices of the reference).
_INSTEAD = {
    ("dlqi", "young"): "CDLQI (ages 4-16)",
    ("cdlqi", "young"): "IDQOL for infants under 4 (not in gutskin); POEM and RECAP have caregiver versions",
    ("cdlqi", "old"): "DLQI (ages 16 and over)",
    ("adct", "young"): "RECAP, the other HOME control instrument, which has a caregiver version",
}


def _range_text(lo: int, hi: int | None) -> str:
    return f"ages {lo} and over" if hi is None else f"ages {lo}-{hi}"


def age_problem(instrument: str, birth_year: int | None, on: dt.date) -> str | None:
    """Why ``instrument`` does not fit a person born in ``birth_year`` answering on ``on``, or
    ``None`` when it fits, may fit (the birthday is not known) or the birth year is unknown."""
    rng = VALIDATED_AGES.get(instrument)
    if rng is None or birth_year is None:
        return None
    lo, hi = rng
    oldest, youngest = on.year - birth_year, on.year - birth_year - 1
    if oldest < lo:
        side = "young"
    elif hi is not None and youngest > hi:
        side = "old"
    else:
        return None
    instead = _INSTEAD[(instrument, side)]
    if instrument == "dlqi" and age_problem("cdlqi", birth_year, on) is not None:
        # a child under 4 is too young for CDLQI as well: what CDLQI's refusal says (it named CDLQI, refused next)
        instead = _INSTEAD[("cdlqi", "young")]
    age = " or ".join(str(a) for a in sorted({max(youngest, 0), oldest}))
    return (f"{instrument.upper()} is validated for {_range_text(lo, hi)}; this profile, born in {birth_year}, "
            f"is {age} on {on.isoformat()}: use {instead}")
