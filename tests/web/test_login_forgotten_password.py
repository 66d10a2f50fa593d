"""The log-in page says what to do about a forgotten password: no e-mail is sent (the server's
operator sets a new one, README "Forgotten password"), and a patient locked out found no word on
it, before or after a refused log-in (patient walk, 2026-12-06)."""

from __future__ import annotations

import html
import re

from tests.safety.test_attacks import login_page

SAID = ("Forgotten your password? This site sends no e-mail to reset it: ask the clinic or whoever runs this gutskin to "
        "set a new one for your email address, log in with it, then choose your own under Account. Your diary and "
        "everything else stay as they were.")


def _forgot(page: str) -> str:
    m = re.search(r'<p class="hint" id="forgot-password">(.*?)</p>', page, re.S)
    assert m, page[:3000]
    return " ".join(html.unescape(m.group(1)).split())


def test_the_login_page_says_what_to_do_about_a_forgotten_password(client, people) -> None:
    assert _forgot(client.get("/login").text) == SAID
    wrong = login_page(client, "owner@example.org", "not the password at all")
    assert wrong.status_code == 401 and 'id="login-error"' in wrong.text
    assert _forgot(wrong.text) == SAID
