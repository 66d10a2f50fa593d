"""Signed, padded and out-of-range ids in paths and ``*_id`` query values are a 404 before any
query, on both databases (they were 500s: SQLite OverflowError, PostgreSQL integer out of range).
Extends ``test_attacks.py::test_odd_digits_in_path_are_client_errors`` to signs and negatives."""

from __future__ import annotations

import pytest

from gutskin.web.idguard import _too_big
from tests.conftest import bearer
from tests.safety.test_attacks import login_page

HUGE_NEG = "-30969759900715283060746827990040576"


@pytest.mark.parametrize("url", [
    f"/api/v1/patients/{HUGE_NEG}/insights",
    "/api/v1/patients/+99999999999999999999/diary",
    "/api/v1/patients/%2B3000000000/diary",
    "/api/v1/patients/-2147483649/diary",
    "/api/v1/patients/%20-2147483649%20/diary",
    "/api/v1/patients/3000000000.0/diary",
    "/api/v1/patients/3_000_000_000/diary",
    "/api/v1/challenges/-99999999999",
    "/api/v1/me/export.csv?patient_id=-12041993374723437297491",
    "/api/v1/me/export.csv?patient_id=%2B3000000000",
    "/api/v1/me/export.csv?patient_id=+3000000000",  # '+' in a query is a space: ' 3000000000'
])
def test_signed_and_out_of_range_ids_are_not_found(client, people, url: str) -> None:
    h = bearer(client, "owner@example.org")
    r = client.get(url, headers=h)
    assert r.status_code == 404 and r.json() == {"detail": "not found"}, (url, r.status_code, r.text)


def test_in_range_ids_still_reach_the_routes(client, people) -> None:
    h = bearer(client, "owner@example.org")
    assert client.get(f"/api/v1/patients/{people.owner_pid}/diary", headers=h).status_code == 200
    assert client.get(f"/api/v1/patients/+{people.owner_pid}/diary", headers=h).status_code == 200  # as pydantic reads it
    r = client.get("/api/v1/patients/-5/diary", headers=h)  # in range, no such row: the route's own 404
    assert r.status_code == 404
    r = client.get("/api/v1/patients/-2147483648/diary", headers=h)  # the smallest 32-bit id: queried, not found
    assert r.status_code == 404


def test_pages_answer_not_found_too(client, people) -> None:
    login_page(client, "linked@clinic.example.org")
    r = client.get("/clinic/patients/-2147483649")
    assert r.status_code == 404 and r.text == "Not found"


def test_the_rule_reads_ids_as_pydantic_does() -> None:
    for text in ("2147483648", "-2147483649", "+99999999999999999999", HUGE_NEG, " 3000000000 ", "\u30003000000000",
                 "3000000000.00", "3_000_000_000", "9" * 5000):
        assert _too_big(text), text
    for text in ("2147483647", "-2147483648", "+12", "-5", "0000000000000000000000001", "\u00b2", "12\u00b3",
                 "2026-03-01", "", "-", "3000000000.5", "abc"):
        assert not _too_big(text), text
