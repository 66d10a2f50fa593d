"""The visit report's "Eczema-linked taxa" line says what studies reported, as the microbiome page
does, not a fact about eczema: "Bacteroides: found, lower diversity within it (not amount) reported
in eczema (limited evidence)", "Bifidobacterium: found, reported lower in eczema (consistent
evidence)". Found in the wording review of 2026-12-06 with a baby's MetaPhlAn profile: the PDF read
"Bacteroides: found, lower in eczema" (the finding is lower diversity within Bacteroides; the page
was corrected for exactly this misreading) and dropped every evidence level."""

from __future__ import annotations

import io
from pathlib import Path

from tests.conftest import bearer
from tests.safety.test_attacks import login_page

PROFILE = (Path(__file__).parent.parent / "web" / "data" / "metaphlan_profile.tsv").read_bytes()


def test_the_reports_linked_taxa_are_reported_findings_with_their_evidence(client, people, engine) -> None:
    from pypdf import PdfReader

    from gutskin.clinic import accounts
    from gutskin.store.db import transaction

    with transaction(engine) as s:
        mia = accounts.add_child_profile(s, people.owner, "Mia", 2026).id
    owner = bearer(client, "owner@example.org")
    r = client.post(f"/api/v1/me/microbiome?patient_id={mia}", headers=owner, data={"method": "shotgun"},
                    files={"file": ("gut.tsv", PROFILE, "text/tab-separated-values")})
    assert r.status_code == 201, r.text
    assert r.json()["report"]["age_group"] == "infant"
    login_page(client, "owner@example.org")
    pdf = client.get(f"/data/report.pdf?patient={mia}")
    assert pdf.status_code == 200, pdf.text[:300]
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).split())
    line = text[text.find("Eczema-linked taxa:"):][:700]
    assert "Bacteroides: found, lower diversity within it (not amount) reported in eczema (limited evidence)" in line, line
    assert "Bifidobacterium: found, reported lower in eczema (consistent evidence)" in line, line
    assert "found, lower in eczema" not in line, line
