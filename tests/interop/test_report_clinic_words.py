"""The visit report's words for what the clinic printed (clinician's walk, 2026-12-06), on the
real path (upload parser, stored sample or assessment, report_data, the PDF read with pypdf), on
SQLite and PostgreSQL:

- bacteria by the names the microbiome report uses, not the lineage's raw rank prefix: "Most
  abundant: g__Bacteroides 44%, g__Faecalibacterium 33%, g__ 22%" for a QIIME-style table;
- a clinician-recorded EASI is not "Answered": the latest scores' date column is "Date" and its
  row reads "the clinic" under "Answered or recorded by", as the clinician's Scores table says."""

from __future__ import annotations

import io
import re

LINEAGES = ("#OTU ID\tS1\n"
            "k__Bacteria;p__Bacteroidetes;c__Bacteroidia;o__Bacteroidales;f__Bacteroidaceae;g__Bacteroides\t40\n"
            "k__Bacteria;p__Firmicutes;c__Clostridia;o__Clostridiales;f__Ruminococcaceae;g__Faecalibacterium\t30\n"
            "k__Bacteria;p__Firmicutes;c__Clostridia;o__Clostridiales;f__Lachnospiraceae;g__\t20\n")


def _pdf_text(engine, actor, pid) -> str:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    from gutskin.clinic import reports
    from gutskin.store.db import transaction

    with transaction(engine) as s:
        data = reports.report_data(s, actor, pid, 4)
    pdf = reports.render_pdf(reports.settle_insights(data, 0))
    return " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


def test_most_abundant_bacteria_are_named_as_the_microbiome_report_names_them(engine, people) -> None:
    from gutskin.clinic import microbiome
    from gutskin.store.db import transaction

    parsed = microbiome.parse_upload("table.tsv", LINEAGES.encode())
    with transaction(engine) as s:
        microbiome.store_sample(s, people.owner, people.owner_pid, parsed, method="16S")
    text = _pdf_text(engine, people.clinician, people.owner_pid)
    line = text[text.find("Most abundant"):][:120]
    assert "Most abundant: Bacteroides 44%, Faecalibacterium 33%, unclassified Lachnospiraceae 22%." in text, line
    assert "g__" not in text and "f__" not in text


def test_a_clinician_recorded_easi_is_not_called_answered(engine, people) -> None:
    from gutskin.clinic import assessments, questionnaires
    from gutskin.store.db import transaction
    from tests.web.test_clinic_assessments import EASI_REGIONS

    with transaction(engine) as s:
        assessments.record(s, people.clinician, people.owner_pid, "easi", {"regions": EASI_REGIONS, "age_years": 40})
        questionnaires.submit(s, people.owner, people.owner_pid, "poem", {"answers": [2, 2, 2, 1, 1, 1, 1]})
    text = _pdf_text(engine, people.clinician, people.owner_pid)
    assert "Instrument Date Total Band Answered or recorded by" in text, text[text.find("Latest scores"):][:300]
    assert re.search(r"EASI \d\d \w+ \d{4} \d+(\.\d)? of 72 \w+ the clinic", text), text[text.find("Latest scores"):][:300]
    assert re.search(r"POEM \d\d \w+ \d{4} 10 of 28 moderate the patient", text), text[text.find("Latest scores"):][:300]
    assert "Instrument Answered" not in text
