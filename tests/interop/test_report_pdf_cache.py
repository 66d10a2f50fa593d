"""The visit report PDF is kept per process, keyed by the report's data (interop.report.render_pdf,
2026-12-07): the same data gets the same PDF back without a render (~0.8 s of CPU each time,
bench.visit_report), and anything that changes the data changes the PDF, with no write having to
invalidate anything: a new diary day is in the next report. Kept at most PDF_CACHE_SIZE reports and
PDF_CACHE_SECONDS. SQLite and PostgreSQL (the data gathered by clinic.reports.report_data)."""

from __future__ import annotations

import copy
import datetime as dt
import io
import re

from pypdf import PdfReader

from gutskin.clinic import diary, reports, summary
from gutskin.interop import report
from gutskin.store.db import transaction
from tests.conftest import People


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


def _logged(text: str) -> tuple[int, int]:
    said = re.search(r"Diary logged on (\d+) of (\d+) days", text)
    assert said, text[:600]
    return int(said.group(1)), int(said.group(2))


def test_same_data_same_pdf_and_a_new_diary_day_a_new_one(engine, people: People) -> None:  # type: ignore[no-untyped-def]
    report.clear_pdf_cache()
    today = dt.date.today()
    with transaction(engine) as s:
        end = summary.patients_today(s, people.owner_pid, today)
        for k in (2, 3, 5):
            diary.put_day(s, people.owner, people.owner_pid, end - dt.timedelta(days=k), diary.DayInput(itch=k, flare=False))
    with transaction(engine) as s:
        data = reports.report_data(s, people.clinician, people.owner_pid, 12, today=today)
    data = reports.settle_insights(data, 0)
    first = reports.render_pdf(data)
    # the same data again, and equal data gathered anew (the patient downloading it), are not rendered again
    assert reports.render_pdf(data) is first
    assert reports.render_pdf(copy.deepcopy(data)) is first
    assert _logged(_text(first))[0] == 3

    with transaction(engine) as s:  # a day logged: the next report has it
        diary.put_day(s, people.owner, people.owner_pid, end - dt.timedelta(days=1), diary.DayInput(itch=6, flare=True))
    with transaction(engine) as s:
        after = reports.report_data(s, people.clinician, people.owner_pid, 12, today=today)
    after = {**reports.settle_insights(after, 0), "insights": data["insights"]}  # the same insights: only the day differs
    second = reports.render_pdf(after)
    assert second is not first and second != first
    text = _text(second)
    assert _logged(text)[0] == 4 and "1 flare day" in text, text[:600]

    # a change deep inside the data (one treatment's days) is a different report too
    changed = copy.deepcopy(after)
    changed["treatments"] = [{"name": "treat.tcs", "label": "Topical steroid", "days_used": 3, "last_used": end,
                              "active": True}]
    third = reports.render_pdf(changed)
    assert third is not second and "Topical steroid" in _text(third) and "Topical steroid" not in text


def test_kept_reports_are_bounded_in_number_and_time(engine, people: People, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    report.clear_pdf_cache()
    today = dt.date.today()
    with transaction(engine) as s:
        end = summary.patients_today(s, people.owner_pid, today)
        diary.put_day(s, people.owner, people.owner_pid, end - dt.timedelta(days=1), diary.DayInput(itch=4))
    with transaction(engine) as s:
        a = reports.settle_insights(reports.report_data(s, people.clinician, people.owner_pid, 12, today=today), 0)
        b = reports.settle_insights(reports.report_data(s, people.clinician, people.owner_pid, 4, today=today), 0)
    monkeypatch.setattr(report, "PDF_CACHE_SIZE", 1)
    pdf_a = reports.render_pdf(a)
    assert reports.render_pdf(b) is not pdf_a
    again = reports.render_pdf(a)  # pushed out by b: rendered anew, the same report
    assert again is not pdf_a and _text(again) == _text(pdf_a)
    assert reports.render_pdf(a) is again
    monkeypatch.setattr(report, "PDF_CACHE_SECONDS", -1.0)  # every kept report too old
    assert reports.render_pdf(a) is not again
