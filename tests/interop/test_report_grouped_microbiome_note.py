"""The visit report's microbiome note for a table of features compared as genera (2026-12-07).

mothur's real MiSeq SOP sample (tests/microbiome/real_files: .shared with .cons.taxonomy), uploaded
as a patient does, is compared with the genus-level reference after its 12 OTUs are summed by
genus: Shannon 2.38 in the report's diversity line, 1.59 as genera. The PDF said the comparison's
values "can differ slightly" because of rarefaction alone (the microbiome page was corrected in
b8786f3; the PDF was left). It now says the comparison counts them by genus, as the reference does,
how many genera, and that the values differ. A genus table keeps the rarefaction note
(tests/web/test_microbiome_rarefied_note.py). Real path: API upload, stored report, report_data,
the PDF read with pypdf; SQLite and PostgreSQL."""

from __future__ import annotations

import io

from tests.web.test_microbiome_grouped_note import SHARED, TAXONOMY, upload_f3d141


def test_a_feature_table_compared_as_genera_is_not_said_to_differ_slightly(client, people) -> None:
    from pypdf import PdfReader

    from tests.safety.test_attacks import login_page

    rep = upload_f3d141(client)["report"]
    comparison = rep["reference_comparison"]
    assert comparison["comparable"] and comparison["grouped_to"] == "genus"
    features, genera = rep["profile"]["n_features_detected"], comparison["features_compared"]
    reads, depth = rep["profile"]["reads"], comparison["depth"]
    assert 0 < genera < features and reads > depth
    for email in ("owner@example.org", "linked@clinic.example.org"):
        client.cookies.clear()
        login_page(client, email)
        url = "/data/report.pdf" if email.startswith("owner") else f"/clinic/patients/{people.owner_pid}/report.pdf"
        pdf = client.get(url)
        assert pdf.status_code == 200, (email, pdf.text[:300])
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).split())
        part = text[text.find("Gut microbiome"):][:1200]
        assert (f"Diversity above is of the sample as the file names it ({features} features, {reads} reads); the "
                f"comparison counts them by genus, as the reference does ({genera} genera), cut down at random to "
                f"{depth} reads, the reference's depth, so its values differ from these.") in text, (email, part)
        assert "differ slightly" not in text, (email, part)


def test_features_of_one_name_are_listed_once_among_the_most_abundant(engine, people) -> None:
    """mothur's F3D141 listed "unclassified Porphyromonadaceae 13%, unclassified Porphyromonadaceae 12%":
    two OTUs under one printed name, read as a taxon listed twice. Features of one name are summed and
    the count said ("unclassified Porphyromonadaceae 25% (2 features)"); the percents are of the
    whole sample, as the stored table gives them."""
    import re

    from gutskin.clinic import microbiome
    from gutskin.store.db import transaction
    from tests.interop.test_report_clinic_words import _pdf_text

    parsed = microbiome.parse_upload(SHARED.name, SHARED.read_bytes(), sample_id="F3D141", method="16S",
                                     taxonomy=TAXONOMY.read_bytes(), taxonomy_filename=TAXONOMY.name)
    with transaction(engine) as s:
        microbiome.store_sample(s, people.owner, people.owner_pid, parsed, method="16S")
    text = _pdf_text(engine, people.clinician, people.owner_pid)
    line = text[text.find("Most abundant:"):].split(". ")[0]
    names = [re.sub(r" \d+(\.\d+)?%.*", "", x) for x in line[len("Most abundant: "):].split(", ")]
    assert len(names) == 5 and len(set(names)) == 5, line
    assert re.search(r"unclassified Porphyromonadaceae \d+% \(\d+ features\)", line), line
