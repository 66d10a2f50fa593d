"""After "Request appointment" the page came back with the form empty and nothing said: the request
was listed below the fold (on a phone, under the form) and a screen reader announced nothing, so a
patient could not tell it was sent. The page now says so at the top, as a status (patient walk,
2026-12-06)."""

from __future__ import annotations

import html
import re

from tests.safety.test_attacks import login_page


def _sent(page: str) -> str | None:
    m = re.search(r'<p class="ok" role="status" id="request-sent">(.*?)</p>', page, re.S)
    return " ".join(html.unescape(m.group(1)).split()) if m else None


def _ask(client, reason: str):  # type: ignore[no-untyped-def]
    page = client.get("/appointments").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post("/appointments", data={"csrf_token": csrf, "reason": reason, "urgency": "soon"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r.headers["location"]


def test_the_page_says_the_request_was_sent_and_to_whom(client, people) -> None:
    login_page(client, "owner@example.org")  # shares with Dr Linked
    to = _ask(client, "Weeping rash on both arms")
    assert to.startswith("/appointments?sent=")
    page = client.get(to).text
    assert _sent(page) == ('Request sent to Dr Linked (linked@clinic.example.org). It is listed under "Your requests" '
                           "below, where the clinic's answer will appear."), _sent(page)
    assert page.index('id="request-sent"') < page.index('<form method="post" action="/appointments"')  # above the form, seen without scrolling
    assert _sent(client.get("/appointments").text) is None  # said once, not on every visit
    # the note is signed for this session: a link cannot make the page claim a request was sent
    assert _sent(client.get("/appointments?sent=sent%201").text) is None
    login_page(client, "stranger@example.org")
    assert _sent(client.get(to).text) is None  # nor someone else's note, for their own page


def test_a_request_nobody_can_see_yet_is_said_to_be_saved_not_sent(client, people) -> None:
    login_page(client, "stranger@example.org")  # shares with nobody
    page = client.get(_ask(client, "New flare on the hands")).text
    assert _sent(page) == ('Request saved: no clinic can see it until you share your record. It is listed under '
                           '"Your requests" below, where the clinic\'s answer will appear.'), _sent(page)
