"""A new patient who asks for an appointment before sharing their record read "No clinic can see
your record now ... share your record with your clinic again": they had never shared it. "Again"
and "now" are for a record whose sharing ended (patient walk, 2026-12-06)."""

from __future__ import annotations

import html
import re

from tests.safety.test_attacks import login_page


def _warning(page: str) -> str:
    m = re.search(r'<p class="warning" role="alert" id="nobody-sees-requests">(.*?)</p>', page, re.S)
    assert m, page
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).split())


def test_a_request_before_ever_sharing_does_not_say_share_again(client, people) -> None:
    login_page(client, "stranger@example.org")  # shares with nobody, never did
    page = client.get("/appointments").text
    assert _warning(page).startswith("No clinic can see your requests yet: share your record with your clinic first")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post("/appointments", data={"csrf_token": csrf, "reason": "New flare on the hands", "urgency": "soon"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get("/appointments").text
    words = _warning(page)
    assert words.startswith("No clinic can see your record yet, so nobody sees the request below"), words
    first = words.split(". If you need help")[0]
    assert "again" not in first and " now" not in first, words
    assert "share your record with your clinic (Sharing) and they will see it." in words
    status = re.search(r'<td class="status"[^>]*>(.*?)</td>', page, re.S).group(1)
    assert status == "Not seen by any clinic: your record is not shared yet"
