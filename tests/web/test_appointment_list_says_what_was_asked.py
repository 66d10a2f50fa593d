"""The patient's list of appointment requests says the urgency and the preferred times asked for,
in the form's words (phone walk, 2026-12-07: a request sent as "Soon" for "weekday mornings" was
listed with its reason, addressee and status only, so a parent could not check whether "Urgent"
had been chosen, or what times were given). Another patient's page does not show them."""

from __future__ import annotations

import html
import re

from tests.safety.test_attacks import login_page


def _asked(page: str) -> list[str]:
    return [" ".join(html.unescape(m).split()) for m in re.findall(r'<small class="asked" id="asked-\d+">(.*?)</small>', page, re.S)]


def _ask(client, reason: str, urgency: str, times: str) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/appointments").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post("/appointments", data={"csrf_token": csrf, "reason": reason, "urgency": urgency,
                                           "preferred_times": times}, follow_redirects=False)
    assert r.status_code == 303, r.text


def test_each_request_says_its_urgency_and_preferred_times(client, people) -> None:
    login_page(client, "owner@example.org")
    _ask(client, "Flare on both elbows, steroid cream not helping", "soon", "weekday mornings <before 10>")
    _ask(client, "Weeping skin on the hands", "urgent", "")
    page = client.get("/appointments").text
    assert _asked(page) == ["Urgency: Urgent", "Urgency: Soon · preferred times: weekday mornings <before 10>"]
    assert "&lt;before 10&gt;" in page  # the patient's words are text, not markup
    login_page(client, "stranger@example.org")
    assert _asked(client.get("/appointments").text) == []
