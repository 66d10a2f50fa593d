"""DLQI (16+), CDLQI (4-16) and ADCT (12+) are answered only for the ages they are validated in
(reference instruments.md §6, §8, §9); their bands belong to those ages."""

from __future__ import annotations

import datetime as dt

import pytest

from gutskin.instruments.ages import age_problem
from tests.conftest import bearer

DAY = dt.date(2026, 11, 20)


@pytest.mark.parametrize(
    ("instrument", "birth_year", "refused"),
    [
        # DLQI 16+: born 2010 may be 16 on 20 Nov 2026 (birthday unknown): allowed; born 2011 is 14 or 15
        ("dlqi", 2010, False), ("dlqi", 2011, True), ("dlqi", 1970, False),
        # CDLQI 4-16: born 2022 may be 4; born 2023 is 2 or 3; born 2009 may be 16; born 2008 is 17 or 18
        ("cdlqi", 2022, False), ("cdlqi", 2023, True), ("cdlqi", 2009, False), ("cdlqi", 2008, True),
        # ADCT 12+: born 2014 may be 12; born 2015 is 10 or 11
        ("adct", 2014, False), ("adct", 2015, True),
        # POEM and RECAP: every age (self or caregiver version); no birth year: not known, allowed
        ("poem", 2026, False), ("recap", 2025, False), ("dlqi", None, False),
    ],
)
def test_refused_only_when_certainly_outside_the_range(instrument, birth_year, refused) -> None:
    assert (age_problem(instrument, birth_year, DAY) is not None) == refused


def test_a_childs_dlqi_is_refused_with_what_to_use_and_nothing_is_stored(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    child = client.post("/api/v1/me/children", json={"display_name": "Mia", "birth_year": 2019}, headers=owner).json()
    answers = {"answers": [1, 2, 0, 0, 1, 3, 1, 1, 1, 1], "answered_on": DAY.isoformat()}
    r = client.post(f"/api/v1/me/questionnaires/dlqi?patient_id={child['patient_id']}", json=answers, headers=owner)
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == ("instrument: DLQI is validated for ages 16 and over; this profile, born in 2019, "
                                  "is 6 or 7 on 2026-11-20: use CDLQI (ages 4-16)")
    assert client.get(f"/api/v1/me/questionnaires?patient_id={child['patient_id']}", headers=owner).json() == []
    # the children's version is scored, with its own (Waters 2010) bands
    r = client.post(f"/api/v1/me/questionnaires/cdlqi?patient_id={child['patient_id']}", json=answers, headers=owner)
    assert r.status_code == 201, r.text
    assert (r.json()["total"], r.json()["band"]) == (11, "moderate effect")  # DLQI bands would say "very large effect"
    # ADCT is for 12 and over
    r = client.post(f"/api/v1/me/questionnaires/adct?patient_id={child['patient_id']}",
                    json={"answers": [1, 1, 1, 1, 1, 1]}, headers=owner)
    assert r.status_code == 422 and "ADCT is validated for ages 12 and over" in r.json()["detail"]


@pytest.mark.parametrize(("birth_year", "use"), [
    (2023, "use IDQOL for infants under 4 (not in gutskin); POEM and RECAP have caregiver versions"),  # 2 or 3
    (2022, "use CDLQI (ages 4-16)"),  # 3 or 4: may already be 4
    (2019, "use CDLQI (ages 4-16)"),
])
def test_a_dlqi_refused_for_a_toddler_does_not_send_the_parent_to_cdlqi(birth_year, use) -> None:
    """A 3-year-old's DLQI said "use CDLQI (ages 4-16)", which was then refused as well (family review)."""
    problem = age_problem("dlqi", birth_year, DAY)
    assert problem is not None and problem.endswith(use), problem
    if "CDLQI" in use:
        assert age_problem("cdlqi", birth_year, DAY) is None  # what it names is accepted
