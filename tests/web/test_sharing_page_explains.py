"""The Sharing page says what sharing does before its button: a new patient met a lone "Create an
invite code" and "Nobody else can see your record", with no word on what a code is for, what the
clinician then sees, or that it can be stopped (patient walk, 2026-12-06)."""

from __future__ import annotations

import html
import re

from tests.safety.test_attacks import login_page


def _how(page: str) -> str:
    m = re.search(r'<p id="sharing-how">(.*?)</p>', page, re.S)
    assert m, page[:3000]
    return " ".join(html.unescape(m.group(1)).split())


def test_the_sharing_page_says_what_an_invite_code_does(client, people) -> None:
    from gutskin.clinic.sharing import INVITE_DAYS

    login_page(client, "stranger@example.org")
    page = client.get("/sharing").text
    how = _how(page)
    assert how.startswith("Your record is private until you share it."), how
    assert f"create an invite code and give it to them (it works once, for {INVITE_DAYS} days)" in how
    assert "they see the diary (notes too), scores, insights, gut microbiome reports, food challenges and appointment requests." in how
    assert "You can stop sharing here at any time: their access ends at once." in how
    assert page.index('id="sharing-how"') < page.index('id="new-invite"')  # read before the button
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post("/profiles/child", data={"csrf_token": csrf, "display_name": "Mia"}, follow_redirects=False)
    cid = int(r.headers["location"].rsplit("=", 1)[1])
    child = _how(client.get(f"/sharing?patient={cid}").text)
    assert child.startswith("The record of Mia is private until you share it.") and "appointment requests of Mia." in child
