"""The visit report's last day is the patient's today: not logged *yet* is neither logged nor missed,
as on Trends since becddd9 ("today, not logged yet"). A report made at breakfast for a diary logged
every day so far read "Diary logged on 9 of 10 days (90 %)" while Trends said "none missed"
(2026-12-07). Figures recomputed from the diary rows; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from gutskin.clinic import diary, reports, summary
from gutskin.interop.report import report_html
from gutskin.store.db import transaction
from gutskin.store.models import DiaryDay, Patient
from tests.conftest import People


def _report(engine, people: People, pid: int):  # type: ignore[no-untyped-def]
    today = dt.date.today()
    with transaction(engine) as s:
        data = reports.report_data(s, people.clinician, pid, 12, today=today)
        page = summary.trends(s, people.clinician, pid, 12, today)
    return data, page, " ".join(re.sub(r"<[^>]+>", "", report_html(data)).split())


def _log(engine, people: People, days: list[int]) -> tuple[dt.date, dt.date]:  # type: ignore[no-untyped-def]
    """Log the patient's today minus each of ``days``; their today and when their diary began."""
    with transaction(engine) as s:
        end = summary.patients_today(s, people.owner_pid, dt.date.today())
        for k in days:
            diary.put_day(s, people.owner, people.owner_pid, end - dt.timedelta(days=k), diary.DayInput(itch=3))
        created = s.get(Patient, people.owner_pid).created_at.date()  # type: ignore[union-attr]
        rows = [d for d, in s.execute(select(DiaryDay.day).where(DiaryDay.patient_id == people.owner_pid))]
    return end, min([created, *rows])


def test_today_not_logged_yet_is_not_a_missed_day_of_the_report(engine, people: People) -> None:  # type: ignore[no-untyped-def]
    end, began = _log(engine, people, list(range(1, 10)))  # the 9 days before today, today not yet
    data, page, flat = _report(engine, people, people.owner_pid)
    assert data["end"] == end
    said = re.search(r"Diary logged on (\d+) of (\d+) days(.*?) \((\d+) %\)([^;]*);", flat)
    assert said, flat[:800]
    expect_days = (end - began).days  # from the first day up to yesterday
    assert (int(said.group(1)), int(said.group(2)), int(said.group(4))) == (9, expect_days, round(900 / expect_days))
    assert expect_days == 9, expect_days  # the seed: nothing missed
    assert said.group(5) == f", today ({end.strftime('%d %b %Y')}) not logged yet, so not counted", said.group(0)
    # Trends says the same of the same days: 9 logged, none missed, today open
    assert (page["logged_days"], page["missing_days"], page["open_today"]) == (9, 0, end.isoformat())
    assert data["completeness"]["open_today"] == end
    pdf = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(reports.render_pdf(data))).pages).split())
    assert f"(100 %), today ({end.strftime('%d %b %Y')}) not logged yet, so not counted" in pdf, pdf[:600]


def test_today_logged_counts_as_logged(engine, people: People) -> None:  # type: ignore[no-untyped-def]
    end, began = _log(engine, people, [0, 1, 2, 4])  # today logged, one day missed
    data, page, flat = _report(engine, people, people.owner_pid)
    said = re.search(r"Diary logged on (\d+) of (\d+) days(.*?) \((\d+) %\)([^;]*);", flat)
    assert said, flat[:800]
    expect_days = (end - began).days + 1
    assert (int(said.group(1)), int(said.group(2))) == (4, expect_days)
    assert said.group(5) == "" and "not logged yet" not in flat
    assert (page["logged_days"], page["missing_days"]) == (4, expect_days - 4)
    assert data["completeness"]["open_today"] is None


def test_a_diary_begun_today_with_nothing_logged_is_not_0_of_0_days(engine, people: People) -> None:  # type: ignore[no-untyped-def]
    from gutskin.clinic import questionnaires

    with transaction(engine) as s:  # a RECAP answered at the first visit, no diary day yet: the report has data
        end = summary.patients_today(s, people.owner_pid, dt.date.today())
        questionnaires.submit(s, people.owner, people.owner_pid, "recap", {"answers": [1, 2, 0, 0, 1, 3, 4]}, end)
    data, _page, flat = _report(engine, people, people.owner_pid)
    assert f"Diary not logged yet: it began today ({end.strftime('%d %b %Y')}), which is not over;" in flat, flat[:800]
    assert "0 of 0 days" not in flat and "0 of 1 days" not in flat
