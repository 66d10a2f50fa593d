"""The visit report's Simpson value is named as what it is (a clinician's first read, 2026-12-07).

gutskin's "simpson" is the Gini–Simpson index 1 − Σp² (gutskin.microbiome.diversity); the report
printed "Simpson 0.64", which a reader takes for Simpson's D = Σp², the dominance, where a high
value means *low* diversity. It now reads "Simpson diversity (1 − D) 0.64", as the microbiome page
says "Simpson diversity". A table of three genera at 40/30/20 reads: Σp² = 0.358, so 0.64, and
inverse Simpson 2.79. Real path (upload parser, stored sample, report_data, PDF read with pypdf);
SQLite and PostgreSQL."""

from __future__ import annotations

from tests.interop.test_report_clinic_words import LINEAGES, _pdf_text


def test_simpson_is_named_as_one_minus_d(engine, people) -> None:
    from gutskin.clinic import microbiome
    from gutskin.store.db import transaction

    parsed = microbiome.parse_upload("table.tsv", LINEAGES.encode())
    with transaction(engine) as s:
        microbiome.store_sample(s, people.owner, people.owner_pid, parsed, method="16S")
    text = _pdf_text(engine, people.clinician, people.owner_pid)
    p = [40 / 90, 30 / 90, 20 / 90]
    d = sum(x * x for x in p)
    line = text[text.find("Diversity:"):][:300]
    assert f"Simpson diversity (1 − D) {1 - d:.2f}" in text, line
    assert f"inverse Simpson {1 / d:.2f}" in text, line
