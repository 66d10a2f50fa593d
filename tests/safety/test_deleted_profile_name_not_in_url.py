"""The address shown after a child's profile is deleted does not carry the child's name.

The page's note was signed, not encrypted: ``/data?removed=<token>`` decoded to "removed Mia",
and that address stays in the browser's history and in the operator's proxy logs after the
profile was erased (stranger walk, 2026-12-06). The note now says only that a profile was
deleted; the page reads "The profile and its records are deleted."."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, unquote, urlsplit

from itsdangerous import URLSafeTimedSerializer

from tests.safety.test_attacks import login_page


def test_the_removed_note_names_nobody(client, people) -> None:
    login_page(client, "owner@example.org")
    page = client.get("/data").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    made = client.post("/profiles/child", data={"csrf_token": csrf, "display_name": "Zephyrine", "birth_year": "2019"})
    assert made.status_code in (200, 303), made.text[:300]
    page = client.get("/data").text
    (pid,) = {int(x) for x in re.findall(r'action="/profiles/(\d+)/delete"', page)}
    r = client.post(f"/profiles/{pid}/delete", data={"csrf_token": csrf, "password": people.password})
    assert r.status_code == 200
    token = unquote(parse_qs(urlsplit(str(r.url)).query)["removed"][0])
    _, payload = URLSafeTimedSerializer("any key").loads_unsafe(token)  # readable without the secret
    assert "Zephyrine" not in json.dumps(payload) and "Zephyrine" not in str(r.url), payload
    assert "The profile and its records are deleted." in r.text and f'id="profile-{pid}"' not in r.text
