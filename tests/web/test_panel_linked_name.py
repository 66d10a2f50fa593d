"""After a clinician links a patient with an invite code, the panel says whom: "Patient linked."
alone left them to guess which row was new (found walking the clinician's journey). The name comes
from the clinician's own panel rows, so an address with another ``?linked=`` names nobody and says nothing."""

from __future__ import annotations

import html
import re

from tests.conftest import bearer
from tests.safety.test_attacks import login_page


def test_the_panel_names_the_patient_just_linked(client, people) -> None:
    stranger = bearer(client, "stranger@example.org")
    code = client.post("/api/v1/me/invites", headers=stranger).json()["code"]
    login_page(client, "linked@clinic.example.org")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/clinic").text).group(1)  # type: ignore[union-attr]
    r = client.post("/clinic/link", data={"csrf_token": token, "code": code})
    assert r.status_code == 200 and str(r.url).endswith(f"/clinic?linked={people.stranger_pid}")
    msg = re.search(r'<p class="ok" id="linked-msg">(.*?)</p>', html.unescape(r.text))
    assert msg and re.sub(r"<[^>]+>", "", msg.group(1)) == "Patient linked. Stranger is now on your panel.", r.text[:2000]
    # a patient the clinician does not see: no name and no message (only the clinician's own rows are
    # looked up; an address with any ?linked= said "Patient linked.")
    client.cookies.clear()
    login_page(client, "unlinked@clinic.example.org")
    page = html.unescape(client.get(f"/clinic?linked={people.stranger_pid}").text)
    assert "Stranger" not in page and "Patient linked." not in page
