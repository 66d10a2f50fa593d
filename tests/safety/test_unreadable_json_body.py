"""A JSON body Python's decoder cannot even read is a 422 naming what was wrong, never a 500 or a
bare 400 (security walk of 2026-12-06).

Found attacking the running app: an anonymous ``POST /api/v1/auth/token`` whose body was ``[``
a few thousand times (``json.loads`` raises ``RecursionError``) was a 500 "internal error" with a
traceback in the server log, and on every other JSON route the same body, a number of 5,000 digits
(Python's int size guard) or bytes that are not UTF-8 were FastAPI's bare 400 "There was an error
parsing the body", which says neither what nor where. Nothing is written in any case.
"""

from __future__ import annotations

import pytest

from tests.conftest import bearer

DEEP = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"itch": 1, "factors": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}"
LONG_NUMBER = '{"itch": ' + "9" * 5000 + "}"
NOT_UTF8 = b'{"itch": 1, "notes": "caf\xe9"}'
JSON = {"content-type": "application/json"}


@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/auth/register"])
def test_anonymous_deeply_nested_json_is_a_422_not_a_500(client, path) -> None:
    r = client.post(path, content=DEEP, headers=JSON)
    assert r.status_code == 422, (r.status_code, r.text)
    assert r.json()["detail"].startswith("body: JSON nested too deeply")


def test_the_token_route_names_a_body_that_is_not_utf8(client) -> None:
    r = client.post("/api/v1/auth/token", content=b'{"email": "\xff"}', headers=JSON)
    assert r.status_code == 422 and r.json()["detail"] == "body: not valid UTF-8 (at byte 11)"


@pytest.mark.parametrize(("body", "detail"), [
    (DEEP, "body: JSON nested too deeply"),
    (DEEP_OBJECT, "body: JSON nested too deeply"),
    (LONG_NUMBER, "body: a number has more than 4300 digits"),
    (NOT_UTF8, "body: not valid UTF-8 (at byte 25)"),
])
def test_an_unreadable_diary_body_is_a_422_naming_it_and_writes_nothing(client, people, body, detail) -> None:
    h = bearer(client, "owner@example.org")
    r = client.put("/api/v1/me/diary/2026-11-01", content=body, headers={**h, **JSON})
    assert r.status_code == 422, (r.status_code, r.text)
    assert r.json()["detail"].startswith(detail)
    assert client.get("/api/v1/me/diary", headers=h).json() == []
    r = client.post("/api/v1/me/appointments", content=body, headers={**h, **JSON})
    assert r.status_code == 422 and r.json()["detail"].startswith(detail)
    assert client.get("/api/v1/me/appointments", headers=h).json() == []
