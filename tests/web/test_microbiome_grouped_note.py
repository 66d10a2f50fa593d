"""A table of features with its taxonomy (mothur's .shared and .cons.taxonomy, the real files of
tests/microbiome/real_files) is compared with the genus-level reference as genera: its 12 OTUs,
Shannon 2.38 in the report's table, are 1.59 as genera, "below the 1st percentile". The page said
only that the comparison used the sample "cut down at random to 2000 reads ... so its values can
differ slightly from the table's" (the new patient's walk of 2026-12-07). It now says the
comparison counts the features by genus, as the reference does, and how many genera. Patient's
and clinician's page, SQLite and PostgreSQL; a genus table (the README's example) keeps the
rarefaction note alone."""

from __future__ import annotations

import html
import re
from pathlib import Path

from tests.conftest import bearer
from tests.safety.test_attacks import login_page

REAL = Path(__file__).resolve().parents[1] / "microbiome" / "real_files"
SHARED = REAL / "mothur_stability.opti_mcc.shared"
TAXONOMY = REAL / "mothur_stability.opti_mcc.0.03.cons.taxonomy"
STOOL = Path(__file__).resolve().parents[2] / "docs" / "examples" / "stool-genus.csv"


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def upload_f3d141(client) -> dict:  # type: ignore[no-untyped-def]
    """mothur's F3D141 OTU table with its taxonomy, uploaded by the owner: the API's answer (id, report)."""
    owner = bearer(client, "owner@example.org")
    r = client.post("/api/v1/me/microbiome", headers=owner, data={"sample_id": "F3D141", "method": "16S"},
                    files={"file": (SHARED.name, SHARED.read_bytes(), "text/plain"),
                           "taxonomy": (TAXONOMY.name, TAXONOMY.read_bytes(), "text/plain")})
    assert r.status_code == 201, r.text
    return r.json()


def test_a_feature_table_compared_as_genera_says_so(client, people) -> None:
    stored = upload_f3d141(client)
    rep = stored["report"]
    comparison = rep["reference_comparison"]
    assert comparison["comparable"] and comparison["grouped_to"] == "genus"
    features, genera = rep["profile"]["n_features_detected"], comparison["features_compared"]
    assert 0 < genera < features  # OTUs of one genus summed: fewer
    reads, depth = rep["profile"]["reads"], comparison["depth"]
    assert reads > depth
    said = (f"The table gives the sample as the file names it ({features} features, {reads} reads). The comparison "
            f"above counts them by genus, as the reference does ({genera} genera), cut down at random to {depth} "
            "reads, the reference's depth, so its values differ from the table's.")
    for email, url in (("owner@example.org", f"/microbiome/{stored['id']}"),
                       ("linked@clinic.example.org", f"/clinic/patients/{people.owner_pid}/microbiome/{stored['id']}")):
        client.cookies.clear()
        login_page(client, email)
        text = _text(client.get(url).text)
        assert said in text, (email, text[text.find("Diversity"):][:900])
        assert "can differ slightly" not in text, email


def test_a_genus_table_keeps_the_rarefaction_note(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    r = client.post("/api/v1/me/microbiome", headers=owner, data={"method": "16S"},
                    files={"file": (STOOL.name, STOOL.read_bytes(), "text/csv")})
    assert r.status_code == 201, r.text
    assert r.json()["report"]["reference_comparison"]["grouped_to"] is None
    login_page(client, "owner@example.org")
    text = _text(client.get(f"/microbiome/{r.json()['id']}").text)
    assert "so its values can differ slightly from the table's" in text and "counts them by genus" not in text
