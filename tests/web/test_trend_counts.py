"""Logged and missed days of the trends window (patient and clinician pages) agree with the
visit report: unlogged days at the start of the window count as missed when the diary began
before the window."""

from __future__ import annotations

import datetime as dt

from gutskin.clinic import diary, reports, summary
from gutskin.store.db import transaction


def test_unlogged_days_at_the_start_of_the_window_are_missed(engine, people) -> None:
    today = dt.date.today()
    start = today - dt.timedelta(days=27)  # the 4-week window
    logged = [today - dt.timedelta(days=k) for k in range(40, 30, -1)]  # before the window
    logged += [start + dt.timedelta(days=k) for k in range(3, 28)]  # the window without its first 3 days
    with transaction(engine) as s:
        for d in logged:
            diary.put_day(s, people.owner, people.owner_pid, d, diary.DayInput(itch=3))
    with transaction(engine) as s:
        t = summary.trends(s, people.clinician, people.owner_pid, 4, today=today)
    assert t["dates"][0] == start.isoformat()
    assert (t["logged_days"], t["missing_days"]) == (25, 3)  # was (25, 0)
    with transaction(engine) as s:  # the visit report over the same weeks says the same
        data = reports.report_data(s, people.clinician, people.owner_pid, 4, today=today)
    assert data["completeness"]["logged_days"] == 25
    assert data["completeness"]["logged_days"] + t["missing_days"] == 28
