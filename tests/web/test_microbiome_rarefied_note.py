"""When the reference comparison uses the sample rarefied to the reference's depth, the report page
says why its Shannon differs from the table's. Found in the wording review of 2026-12-06 with a
16S profile of 12,000 reads: the statement read "Shannon diversity (natural log): 0.0653, below
the 1st percentile ... at 10000 reads per sample" and the table, a few lines lower, "Shannon
diversity (natural log) 0.067", with no word on why the same measure had two values."""

from __future__ import annotations

import html
import re

from tests.conftest import bearer
from tests.safety.test_attacks import login_page
from tests.web.test_microbiome_gauge_edges import LOW


def test_the_page_says_the_comparison_uses_the_rarefied_sample(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    r = client.post("/api/v1/me/microbiome", headers=owner, data={"method": "16S"},
                    files={"file": ("low.tsv", LOW, "text/tab-separated-values")})
    assert r.status_code == 201, r.text
    rep = r.json()["report"]
    depth, reads = rep["reference_comparison"]["depth"], rep["profile"]["reads"]
    assert depth == 10000 and reads == 12000
    shown = round(rep["diversity"]["values"]["shannon"], 3)
    compared = rep["reference_comparison"]["percentiles"]["shannon"]["value"]
    assert f"{compared:.3g}" != f"{shown:.3g}"  # the two figures the page shows differ
    for email, url in (("owner@example.org", f"/microbiome/{r.json()['id']}"),
                       ("linked@clinic.example.org", f"/clinic/patients/{people.owner_pid}/microbiome/{r.json()['id']}")):
        client.cookies.clear()
        login_page(client, email)
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", client.get(url).text)).split())
        assert (f"The table gives the whole sample ({reads} reads). The comparison above uses it cut down at random "
                f"to {depth} reads, the reference's depth, so its values can differ slightly from the table's.") in text, email


def test_the_visit_report_says_it_too(client, people) -> None:
    import io

    from pypdf import PdfReader

    owner = bearer(client, "owner@example.org")
    r = client.post("/api/v1/me/microbiome", headers=owner, data={"method": "16S"},
                    files={"file": ("low.tsv", LOW, "text/tab-separated-values")})
    assert r.status_code == 201, r.text
    login_page(client, "owner@example.org")
    pdf = client.get("/data/report.pdf")
    assert pdf.status_code == 200
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).split())
    assert ("Diversity above is of the whole sample (12000 reads); the comparison uses it cut down at random to "
            "10000 reads, the reference's depth, so its values can differ slightly.") in text, \
        text[text.find("Gut microbiome"):][:700]
