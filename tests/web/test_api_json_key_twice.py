"""A JSON key given twice is refused on every API route, not only on the questionnaire and
assessment routes (2026-12-07). JSON keeps the last one silently, so ``{"itch": 9, "itch": 0}``
stored a day with itch 0 and an appointment request's reason was the second one typed. Each is
refused (422 naming the key) with nothing stored; forms, multipart uploads and CSV imports,
which are not JSON, are not read by the check."""

from __future__ import annotations

import datetime as dt

from tests.conftest import bearer

JSON = {"content-type": "application/json"}


def _yesterday() -> str:
    return (dt.date.today() - dt.timedelta(days=1)).isoformat()  # worked out when the test runs


def test_a_diary_day_with_itch_twice_is_refused_and_not_stored(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    day = _yesterday()
    r = client.put(f"/api/v1/me/diary/{day}", content=b'{"itch": 9, "itch": 0}', headers={**owner, **JSON})
    assert r.status_code == 422, r.text  # was 200 with itch 0
    assert r.json()["detail"] == "itch: the key appears twice in one JSON object; keep one"
    assert client.get(f"/api/v1/me/diary?start={day}&end={day}", headers=owner).json() == []
    # the same day once is stored
    r = client.put(f"/api/v1/me/diary/{day}", content=b'{"itch": 9}', headers={**owner, **JSON})
    assert r.status_code == 200, r.text
    assert [d["itch"] for d in client.get(f"/api/v1/me/diary?start={day}&end={day}", headers=owner).json()] == [9]


def test_a_key_twice_inside_a_nested_object_is_named(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    day = _yesterday()
    body = b'{"itch": 3, "factors": {"food.dairy": 1, "food.dairy": 0}}'
    r = client.put(f"/api/v1/me/diary/{day}", content=body, headers={**owner, **JSON})
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith("food.dairy: the key appears twice")
    assert client.get(f"/api/v1/me/diary?start={day}&end={day}", headers=owner).json() == []


def test_a_childs_profile_named_twice_is_not_made(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    before = client.get("/api/v1/me", headers=owner).json()["patients"]
    assert len(before) == 1
    r = client.post("/api/v1/me/children", content=b'{"display_name": "Mia", "display_name": "Noor"}',
                    headers={**owner, **JSON})
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == "display_name: the key appears twice in one JSON object; keep one"
    assert client.get("/api/v1/me", headers=owner).json()["patients"] == before


def test_json_with_a_json_suffix_media_type_is_checked_and_a_form_is_not(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    day = _yesterday()
    r = client.put(f"/api/v1/me/diary/{day}", content=b'{"itch": 9, "itch": 0}',
                   headers={**owner, "content-type": "application/merge-patch+json"})
    assert r.status_code == 422 and r.json()["detail"].startswith("itch: the key appears twice")
    # the token route's form body (OAuth2 password flow) is still read by FastAPI, not by the check
    r = client.post("/api/v1/auth/token", data={"username": "owner@example.org", "password": "correct-horse-battery"})
    assert r.status_code == 200, r.text
