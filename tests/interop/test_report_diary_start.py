"""The visit report's "Diary logged on N of M days" counts from when the diary began, as the
clinician's patient page does (summary.trends' counted_from): a patient who joined 10 days ago
and logged all 10 read "logged on 10 of 84 days (12 %)" in the 12-week report while the page
said "10 days logged, 0 not logged in the last 12 weeks" (clinician walk, 2026-12-06). The
figures are recomputed here from the diary rows; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from gutskin.clinic import diary, reports, summary
from gutskin.interop.report import report_html
from gutskin.store.db import transaction
from gutskin.store.models import DiaryDay, Patient
from tests.conftest import People

TODAY = dt.date.today()


def _figures(engine, people: People, pid: int, weeks: int = 12):  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        data = reports.report_data(s, people.clinician, pid, weeks, today=TODAY)
        page = summary.trends(s, people.clinician, pid, 12, TODAY)
        rows = [d for d, in s.execute(select(DiaryDay.day).where(DiaryDay.patient_id == pid))]
        created = s.get(Patient, pid).created_at.date()  # type: ignore[union-attr]
    flat = " ".join(re.sub(r"<[^>]+>", "", report_html(data)).split())
    said = re.search(r"Diary logged on (\d+) of (\d+) days(.*?) \((\d+) %\)", flat)
    assert said, flat[:600]
    return data, page, rows, created, said


def test_a_diary_begun_inside_the_period_is_counted_from_its_first_day(engine, people: People) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        for k in range(10):  # joined today (People), logged the last 10 days, one missed
            if k != 4:
                diary.put_day(s, people.owner, people.owner_pid, TODAY - dt.timedelta(days=k), diary.DayInput(itch=3))
    data, page, rows, created, said = _figures(engine, people, people.owner_pid)
    began = min([created, *rows])
    end = data["end"]
    start = end - dt.timedelta(days=83)
    expect_days = (end - max(began, start)).days + 1
    expect_logged = sum(1 for d in rows if start <= d <= end)
    assert (expect_logged, expect_days) == (9, 10)  # the seed, recomputed from the rows
    assert (int(said.group(1)), int(said.group(2))) == (expect_logged, expect_days), said.group(0)
    assert said.group(3) == f" since the diary began on {began.strftime('%d %b %Y')}", said.group(0)
    assert int(said.group(4)) == round(100 * expect_logged / expect_days) == 90
    # the clinician's page says the same: 9 logged, 1 not logged
    assert (page["logged_days"], page["missing_days"]) == (expect_logged, expect_days - expect_logged)
    assert data["completeness"]["days_in_window"] == 84  # the period itself is still 12 weeks


def test_a_diary_older_than_the_period_counts_every_day_of_it(engine, people: People) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:  # logged 200 days ago (an imported past), then the last 5 days
        diary.put_day(s, people.owner, people.owner_pid, TODAY - dt.timedelta(days=200), diary.DayInput(itch=6))
        for k in range(5):
            diary.put_day(s, people.owner, people.owner_pid, TODAY - dt.timedelta(days=k), diary.DayInput(itch=2))
    data, page, rows, created, said = _figures(engine, people, people.owner_pid)
    start = data["end"] - dt.timedelta(days=83)
    logged = sum(1 for d in rows if start <= d <= data["end"])
    assert (int(said.group(1)), int(said.group(2)), said.group(3)) == (logged, 84, ""), said.group(0)
    assert int(said.group(4)) == round(100 * logged / 84) == 6
    assert (page["logged_days"], page["missing_days"]) == (logged, 84 - logged)
