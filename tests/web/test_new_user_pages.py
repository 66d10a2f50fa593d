"""What a brand-new person sees: nothing that reads like a result they do not have yet."""

from __future__ import annotations

import re

from tests.conftest import People
from tests.safety.test_attacks import login_page


def test_a_new_patients_pages_say_what_is_not_there_yet(client, people) -> None:
    login_page(client, "stranger@example.org")
    trends = client.get("/trends").text
    assert 'id="no-days-yet"' in trends and "missing" not in trends.split('id="no-days-yet"')[1][:200]
    challenges = client.get("/challenges").text
    assert "This is not an all-clear" in challenges and "<li>None.</li>" not in challenges
    assert 'id="no-requests"' in client.get("/appointments").text


def test_deleting_the_account_is_confirmed_and_head_works(client, people) -> None:
    login_page(client, "stranger@example.org")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/data").text).group(1)
    r = client.post("/data/delete", data={"csrf_token": csrf, "password": People.password}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/?deleted=1"
    client.cookies.clear()
    assert 'id="account-deleted"' in client.get("/?deleted=1").text
    assert client.head("/").status_code == 200
