"""The microbiome report page prints whole numbers without ".0": "Observed features 4" and
"found (45%)", not "4.0" and "45.0%" (a count of taxa is not a measurement to one decimal;
found walking the clinician's journey with a MetaPhlAn profile). Other values keep 3 decimals."""

from __future__ import annotations

import html
import re
from pathlib import Path

from tests.conftest import bearer
from tests.safety.test_attacks import login_page

PROFILE = (Path(__file__).parent / "data" / "metaphlan_profile.tsv").read_bytes()


def test_whole_numbers_are_printed_whole(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    r = client.post("/api/v1/me/microbiome", headers=owner, data={"method": "shotgun"},
                    files={"file": ("gut.tsv", PROFILE, "text/tab-separated-values")})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    for email, url in (("owner@example.org", f"/microbiome/{sid}"),
                       ("linked@clinic.example.org", f"/clinic/patients/{people.owner_pid}/microbiome/{sid}")):
        client.cookies.clear()
        login_page(client, email)
        page = html.unescape(client.get(url).text)
        cells = dict(re.findall(r"<tr><td>([^<]+)</td><td>([^<]*)</td></tr>", page))
        assert cells["Observed features (richness)"] == "4", cells
        assert cells["Shannon diversity (natural log)"] == "1.32", cells  # not whole: as before
        assert "found (45%)" in page and "(45.0%)" not in page, (email, page[page.find("Bacteria linked"):][:600])
