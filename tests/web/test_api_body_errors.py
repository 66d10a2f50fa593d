"""A JSON body the API cannot read is a 422 that says what is wrong with the body and where.

Found by the contract review (session 8): a body cut short answered ``"10: JSON decode error"``, an
empty body ``"request: Field required"`` and a CSV or form body a pydantic phrase about
"dictionary or object to extract fields from"; none named the body or what was expected.
"""

from __future__ import annotations

import pytest

from tests.conftest import bearer

DAY = "/api/v1/me/diary/2026-03-01"


@pytest.mark.parametrize(
    ("body", "content_type", "detail"),
    [
        (b'{"itch": 3,', "application/json",
         "body: not valid JSON at character 11 (Expecting property name enclosed in double quotes)"),
        (b"{itch: 3}", "application/json", "body: not valid JSON at character 1"),
        (b"", "application/json", "body: missing; expected a JSON object (Content-Type: application/json)"),
        (b"[3]", "application/json", "body: expected a JSON object, got an array"),
        (b"null", "application/json", "body: expected a JSON object"),
        (b'{"itch": 3}', "text/plain", "body: expected a JSON object sent as Content-Type: application/json"),
        (b"itch=3", "application/x-www-form-urlencoded",
         "body: expected a JSON object sent as Content-Type: application/json"),
    ],
)
def test_an_unreadable_body_is_named(client, people, body: bytes, content_type: str, detail: str) -> None:
    h = bearer(client, "owner@example.org")
    r = client.put(DAY, content=body, headers={**h, "content-type": content_type})
    assert r.status_code == 422
    assert r.json()["detail"].startswith(detail), r.json()


def test_field_errors_keep_naming_the_field(client, people) -> None:
    h = bearer(client, "owner@example.org")
    r = client.put(DAY, json={"itch": 11}, headers=h)
    assert r.status_code == 422 and r.json()["detail"] == "itch: Input should be less than or equal to 10"
    r = client.post("/api/v1/auth/register", content=b'{"email": "x@example.org",',
                    headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"].startswith("body: not valid JSON at character 26")


def test_register_answers_the_account_as_me_does(client) -> None:
    """`POST /auth/register` answered the profile without its `external_id` (the identifier every
    CLI --patient option and the diary CSV use), which `GET /me` gives (contract review, session 8)."""
    r = client.post("/api/v1/auth/register", json={"email": "new@example.org", "password": "a-long-password-1"})
    assert r.status_code == 201
    token = client.post("/api/v1/auth/token", json={"email": "new@example.org", "password": "a-long-password-1"})
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
    assert r.json() == me.json() and r.json()["patients"][0]["external_id"].startswith("p-")


def test_empty_start_and_end_are_not_given(client, people) -> None:
    """The issue writes the diary list as `GET /api/v1/me/diary?start=&end=`; an empty value (what a
    form or a URL template with nothing filled in sends) was a 422 "start: expected a date
    YYYY-MM-DD, got ''" (contract review, session 8). It means the bound is not given."""
    h = bearer(client, "owner@example.org")
    for day, itch in (("2026-03-01", 2), ("2026-03-02", 5)):
        assert client.put(f"/api/v1/me/diary/{day}", json={"itch": itch}, headers=h).status_code == 200
    everything = client.get("/api/v1/me/diary", headers=h).json()
    assert [d["date"] for d in everything] == ["2026-03-01", "2026-03-02"]
    r = client.get("/api/v1/me/diary?start=&end=", headers=h)
    assert r.status_code == 200 and r.json() == everything
    r = client.get("/api/v1/me/diary?start=2026-03-02&end=", headers=h)
    assert r.status_code == 200 and [d["date"] for d in r.json()] == ["2026-03-02"]
    clinician = bearer(client, "linked@clinic.example.org")
    r = client.get(f"/api/v1/patients/{people.owner_pid}/diary?start=&end=", headers=clinician)
    # the same days; who logged them (`logged_by`) is for the people who keep the record only, the
    # clinic reads the role (`author_role`)
    assert r.status_code == 200
    # (nor the day's `version`, the If-Match of a write the clinic does not make)
    assert r.json() == [{**{k: v for k, v in d.items() if k not in ("logged_by", "version")}, "author_role": "patient"}
                        for d in everything]
    stranger = bearer(client, "stranger@example.org")
    assert client.get(f"/api/v1/patients/{people.owner_pid}/diary?start=&end=", headers=stranger).status_code == 404
    assert client.get("/api/v1/me/diary?start=2026-13-01", headers=h).status_code == 422
