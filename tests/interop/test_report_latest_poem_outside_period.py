"""The visit report's "Latest scores" gives the newest POEM of the whole diary, not only of the
period: a patient back after five months away (the years-of-data walk, 2026-12-06) had "No
questionnaire answered yet" in the 12-week report, while the 52-week report of the same day gave
the POEM logged with the last entry."""

from __future__ import annotations

import datetime as dt

from gutskin.clinic import diary, questionnaires, reports
from gutskin.store.db import transaction
from tests.interop.test_report import _pdf_text


def test_a_diary_poem_before_the_period_is_the_latest_score(engine, people) -> None:
    today = dt.date.today()
    old, older = today - dt.timedelta(days=156), today - dt.timedelta(days=400)
    with transaction(engine) as s:
        # an imported diary's POEM (no questionnaire row), long before a 12-week period
        diary.put_day(s, people.owner, people.owner_pid, older, diary.DayInput(itch=4, poem=20))
        diary.put_day(s, people.owner, people.owner_pid, old, diary.DayInput(itch=3, poem=7))
    with transaction(engine) as s:
        data = reports.report_data(s, people.clinician, people.owner_pid, 12, today=today)
    assert data["latest_scores"]["poem"]["answered_on"] == old
    assert data["latest_scores"]["poem"]["total"] == 7 and data["latest_scores"]["poem"]["band"] == "mild"
    assert data["trend"] == []  # the period's chart stays the period's
    text = " ".join(_pdf_text(reports.render_pdf(data))[1].split())
    assert "No questionnaire answered yet" not in text
    assert f"POEM {old:%d %b %Y} 7 of 28 mild" in text


def test_a_newer_questionnaire_still_wins_and_an_older_one_loses(engine, people) -> None:
    today = dt.date.today()
    with transaction(engine) as s:
        questionnaires.submit(s, people.owner, people.owner_pid, "poem", {"answers": [1] * 7},
                              today - dt.timedelta(days=300))  # 7, mild; also the diary's POEM of that day
        diary.put_day(s, people.owner, people.owner_pid, today - dt.timedelta(days=200), diary.DayInput(poem=18))
    with transaction(engine) as s:
        data = reports.report_data(s, people.clinician, people.owner_pid, 4, today=today)
    assert data["latest_scores"]["poem"]["answered_on"] == today - dt.timedelta(days=200)
    assert data["latest_scores"]["poem"]["band"] == "severe"
    with transaction(engine) as s:
        questionnaires.submit(s, people.owner, people.owner_pid, "poem", {"answers": [0] * 7},
                              today - dt.timedelta(days=100))
    with transaction(engine) as s:
        data = reports.report_data(s, people.clinician, people.owner_pid, 4, today=today)
    assert data["latest_scores"]["poem"]["answered_on"] == today - dt.timedelta(days=100)
    assert data["latest_scores"]["poem"]["total"] == 0
