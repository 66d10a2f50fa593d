"""A taxon's share of the sample reads the same on the report page (patient and clinician), in
its plain language and in the visit report PDF, and a taxon that is present never reads "0%"
(nor one that is not the whole sample "100%"). Found in the wording review of 2026-12-06: an
Akkermansia at 0.004 % read "found (0%)" in the page's table next to "found (0.004% of this
sample)" in its own plain language, and "0 %" in the PDF; a Faecalibacterium prausnitzii at
99.6 % read "found (1e+02% of this sample)"."""

from __future__ import annotations

import html
import io
import re

from tests.conftest import bearer
from tests.safety.test_attacks import login_page

LINEAGE = {
    "fae": "k__Bacteria|p__Firmicutes|c__Clostridia|o__Clostridiales|f__Ruminococcaceae|g__Faecalibacterium|s__Faecalibacterium_prausnitzii",
    "akk": "k__Bacteria|p__Verrucomicrobia|c__Verrucomicrobiae|o__Verrucomicrobiales|f__Akkermansiaceae|g__Akkermansia|s__Akkermansia_muciniphila",
    "bac": "k__Bacteria|p__Bacteroidetes|c__Bacteroidia|o__Bacteroidales|f__Bacteroidaceae|g__Bacteroides|s__Bacteroides_vulgatus",
}


def _profile() -> bytes:
    rows = [("k__Bacteria", 100.0)]
    for key, share in (("fae", 99.596), ("bac", 0.4), ("akk", 0.004)):
        parts = LINEAGE[key].split("|")
        rows += [("|".join(parts[: i + 1]), share) for i in range(1, len(parts))]
    return ("#mpa_vJan21_CHOCOPhlAnSGB_202103\n#clade_name\tNCBI_tax_id\trelative_abundance\tadditional_species\n"
            + "".join(f"{c}\t2\t{a}\t\n" for c, a in rows)).encode()


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_a_taxons_share_reads_the_same_everywhere_and_never_0_or_100(client, people) -> None:
    from pypdf import PdfReader

    owner = bearer(client, "owner@example.org")
    r = client.post("/api/v1/me/microbiome", headers=owner, data={"method": "shotgun"},
                    files={"file": ("gut.tsv", _profile(), "text/tab-separated-values")})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    plain = " ".join(r.json()["report"]["plain_language"])
    assert "Akkermansia was found (0.004% of this sample)" in plain, plain
    assert "Faecalibacterium prausnitzii was found (99.6% of this sample)" in plain, plain
    assert "e+0" not in plain, plain
    for email, url in (("owner@example.org", f"/microbiome/{sid}"),
                       ("linked@clinic.example.org", f"/clinic/patients/{people.owner_pid}/microbiome/{sid}")):
        client.cookies.clear()
        login_page(client, email)
        text = _text(client.get(url).text)
        table = text[text.find("Bacteria linked with eczema"):text.find("What this means")]
        assert "found (0.004%)" in table and "found (99.6%)" in table, (email, table)
        assert "(0%)" not in table and "(100%)" not in table, (email, table)
        assert "Akkermansia was found (0.004% of this sample)" in text, email
    client.cookies.clear()
    login_page(client, "owner@example.org")
    pdf = client.get("/data/report.pdf")
    assert pdf.status_code == 200, pdf.text[:300]
    words = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).split())
    most = words[words.find("Most abundant:"):][:200]
    assert "Most abundant: Faecalibacterium prausnitzii 99.6%" in most and "Akkermansia muciniphila 0.004%" in most, most
    assert " 0 %" not in most and "100 %" not in most, most
