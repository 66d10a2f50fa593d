"""The clinician's microbiome report says whose it is and speaks about the patient.

The page was the patient's own page shown read-only: no name anywhere (a clinician with two
patients' reports open could not tell them apart), no way back to the patient, and a column
"Your sample" addressed to the clinician.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from tests.conftest import bearer
from tests.safety.test_attacks import login_page

PROFILE = (Path(__file__).parent / "data" / "metaphlan_profile.tsv").read_bytes()


def test_the_clinicians_microbiome_report_names_the_patient(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    r = client.post("/api/v1/me/microbiome", headers=owner, files={"file": ("mine.tsv", PROFILE, "text/tab-separated-values")},
                    data={"method": "shotgun", "collected_on": "2026-10-01"})
    assert r.status_code == 201, r.text
    sample = r.json()["id"]
    login_page(client, "linked@clinic.example.org")
    page = client.get(f"/clinic/patients/{people.owner_pid}/microbiome/{sample}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert re.search(r"<title>[^<]*Owner[^<]*</title>", text), re.search(r"<title>.*?</title>", text).group(0)  # type: ignore[union-attr]
    h1 = re.search(r"<h1>(.*?)</h1>", text, re.S).group(1)  # type: ignore[union-attr]
    assert "Owner" in h1
    assert f'href="/clinic/patients/{people.owner_pid}"' in text  # back to the patient
    assert "<th>The patient's sample</th>" in text and "Your sample" not in text
    # the patient's own page is unchanged
    login_page(client, "owner@example.org")
    own = html.unescape(client.get(f"/microbiome/{sample}").text)
    assert "<th>Your sample</th>" in own
    # a stranger clinician still gets 404
    login_page(client, "unlinked@clinic.example.org")
    assert client.get(f"/clinic/patients/{people.owner_pid}/microbiome/{sample}").status_code == 404
