"""The report's Diversity section when the sample is not compared with the reference (the new
patient's walk of 2026-12-07, the real MetaPhlAn 3 profile of tests/microbiome/real_files): it
printed the bare reason, a fragment starting in lower case, "the reference was measured by 16S rRNA
sequencing; a shotgun (e.g. MetaPhlAn) profile is not comparable with it", under the heading, on
the patient's and the clinician's page. Now a sentence that says what was not done and with which
group: "Not compared with Flemish Gut Flora Project adults (genus level, 16S): the reference ... it."
SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re
from pathlib import Path

from tests.conftest import bearer
from tests.safety.test_attacks import login_page

PROFILE = Path(__file__).resolve().parents[1] / "microbiome" / "real_files" / "metaphlan3_SRS014476_supragingival_plaque.tsv"


def _no_reference(page: str) -> str:
    m = re.search(r'<p id="no-reference">(.*?)</p>', page, re.S)
    assert m, page
    return " ".join(html.unescape(m.group(1)).split())


def test_a_sample_not_compared_says_so_in_a_sentence(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    r = client.post("/api/v1/me/microbiome", headers=owner, data={"method": "shotgun"},
                    files={"file": (PROFILE.name, PROFILE.read_bytes(), "text/tab-separated-values")})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    comparison = r.json()["report"]["reference_comparison"]
    assert comparison["comparable"] is False
    name, reason = comparison["reference"]["name"], comparison["reason"]
    assert reason.startswith("the reference was measured by 16S")
    for email, url in (("owner@example.org", f"/microbiome/{sid}"),
                       ("linked@clinic.example.org", f"/clinic/patients/{people.owner_pid}/microbiome/{sid}")):
        client.cookies.clear()
        login_page(client, email)
        page = client.get(url)
        assert page.status_code == 200
        assert _no_reference(page.text) == f"Not compared with {name}: {reason}.", email
