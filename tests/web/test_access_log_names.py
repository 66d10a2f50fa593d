"""The patient's access log names a clinician as "Who can see your record" does.

Found walking the clinician's journey (2026-12-06): "Who can see your record" listed
"Dr Linked", but the access log below it said only "linked@clinic.example.org read ...", so the
patient had to match an address to a person. The log now reads "Dr Linked
(linked@clinic.example.org)": the name people know, and the address that identifies the account.
"""

from __future__ import annotations

import html

from tests.conftest import bearer


def test_access_log_gives_the_clinicians_name_and_address(people, client) -> None:
    from tests.safety.test_attacks import login_page

    login_page(client, "linked@clinic.example.org")
    assert client.get(f"/clinic/patients/{people.owner_pid}").status_code == 200
    client.cookies.clear()
    login_page(client, "owner@example.org")
    page = html.unescape(client.get("/sharing").text)
    log = page.split("Dr Linked", 1)[1]  # the first mention is the list of who can see the record
    assert "Dr Linked (linked@clinic.example.org)" in log
    assert "Dr Unlinked" not in page
    api = client.get("/api/v1/me/audit", headers=bearer(client, "owner@example.org")).json()
    mine = [e for e in api if e["actor"] == "linked@clinic.example.org"]
    assert mine and all(e["actor_name"] == "Dr Linked" for e in mine)
