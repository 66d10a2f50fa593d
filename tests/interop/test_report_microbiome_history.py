"""The visit report names every microbiome sample, oldest first, with what may not be compared
across them. Found in the allergist walk of 2026-12-06: a patient with four stool tests over a
year (before and after antibiotics, during a probiotic course, a shotgun test at follow-up) had a
report naming only the latest; the 16S and shotgun values could not be set side by side at all,
and nothing said they must not be."""

from __future__ import annotations

import html
import re

from gutskin.clinic import reports
from gutskin.interop.report import report_html
from gutskin.store.db import transaction
from tests.interop.test_report import _pdf_text
from tests.web.test_microbiome_timeline import _upload_four


def test_the_visit_report_lists_all_samples_with_their_caveats(engine, people) -> None:
    _upload_four(engine, people)
    with transaction(engine) as s:
        data = reports.report_data(s, people.clinician, people.owner_pid, 12)
    data = reports.settle_insights(data, 60.0)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", report_html(data))).split())
    assert "Gut microbiome (latest sample)" in text and "Sample followup" in text
    m = re.search(r"All 4 samples, oldest first: (.*?)\.(?: |$)", text)
    assert m, text[text.find("Gut microbiome"):][:1500]
    order = [n for n in re.findall(r"(before_abx|after_abx|probiotic|followup)", m.group(0))]
    assert order == ["before_abx", "after_abx", "probiotic", "followup"], order
    assert "10 Dec 2025 before_abx (16S): Shannon" in m.group(0) and "percentile" in m.group(0)
    assert "not compared with a reference" in m.group(0)  # the shotgun test
    assert "measured by different methods" in text and "not comparable with each other" in text
    pages, pdf_text = _pdf_text(reports.render_pdf(data))
    assert pages <= 2 and "All 4 samples, oldest first" in " ".join(pdf_text.split()), pages


def test_one_sample_has_no_list(engine, people) -> None:
    from tests.web.test_microbiome_timeline import _table
    from gutskin.clinic import microbiome as micro

    with transaction(engine) as s:
        micro.upload_sample(s, people.owner, people.owner_pid, "one.tsv", _table("one", 12_000, 16), method="16S")
    with transaction(engine) as s:
        data = reports.report_data(s, people.clinician, people.owner_pid, 12)
    data = reports.settle_insights(data, 60.0)
    assert data["microbiome"]["history"] == [] and "samples, oldest first" not in report_html(data)
