"""The clinician's panel gives the newest POEM, questionnaire or diary, with its date when it is
more than a week old. It took any questionnaire, however old, over the POEMs of an imported
diary since, and gave a 5-month-old POEM with no date, as if it were the patient's state now
(the years-of-data walk, 2026-12-06)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event

from gutskin.clinic import diary, questionnaires, summary
from gutskin.store.db import transaction
from tests.safety.test_attacks import login_page
from tests.web.test_panel_scale import _patient


def _words(d: dt.date) -> str:
    return f"{d:%a} {d.day} {d:%b %Y}"


def test_the_newest_poem_counts_and_an_old_one_shows_its_date(client, engine, people) -> None:
    today = dt.date.today()
    asked, logged = today - dt.timedelta(days=700), today - dt.timedelta(days=156)
    with transaction(engine) as s:
        # answered in the app two years ago: 28, very severe
        questionnaires.submit(s, people.owner, people.owner_pid, "poem", {"answers": [4] * 7}, asked)
        # then a diary imported from another app, its last POEM 5 months ago: 5, mild
        for k in range(60):
            day = logged - dt.timedelta(days=k)
            diary.put_day(s, people.owner, people.owner_pid, day,
                          diary.DayInput(itch=2, poem=5 if k % 7 == 0 else None))
        a, recent = _patient(s, people, "recent")  # answered this week: no date shown
        questionnaires.submit(s, a, recent, "poem", {"answers": [2] * 7}, today - dt.timedelta(days=2))
        b, never = _patient(s, people, "never")  # no POEM at all
        diary.put_day(s, b, never, today, diary.DayInput(itch=1))
    with transaction(engine) as s:
        rows = {r["patient_id"]: r for r in summary.panel(s, people.clinician, today=today)}
    row = rows[people.owner_pid]
    assert (row["poem"], row["poem_band"], row["poem_on"], row["poem_days_ago"]) == (5.0, "mild", logged.isoformat(), 156)
    assert (rows[recent]["poem"], rows[recent]["poem_band"], rows[recent]["poem_days_ago"]) == (14.0, "moderate", 2)
    assert rows[never]["poem"] is None and rows[never]["poem_on"] is None

    login_page(client, "linked@clinic.example.org")
    page = " ".join(client.get("/clinic").text.split())
    assert f"5 (mild)<br><small class=\"poem-on\">on {_words(logged)}</small>" in page
    assert "28 (very severe)" not in page
    assert page.count('class="poem-on"') == 1  # this week's POEM has no date


def test_a_newer_questionnaire_wins_over_the_diary_and_queries_do_not_grow(engine, people) -> None:
    today = dt.date.today()
    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, today - dt.timedelta(days=30), diary.DayInput(poem=20))
        questionnaires.submit(s, people.owner, people.owner_pid, "poem", {"answers": [0, 1, 0, 0, 0, 0, 0]},
                              today - dt.timedelta(days=3))
    seen: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    def statements() -> int:
        seen.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            with transaction(engine) as s:
                rows = {r["patient_id"]: r for r in summary.panel(s, people.clinician, today=today)}
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert (rows[people.owner_pid]["poem"], rows[people.owner_pid]["poem_band"]) == (1.0, "clear/almost clear")
        return len(seen)

    few = statements()
    with transaction(engine) as s:
        for k in range(5):
            a, pid = _patient(s, people, f"more{k}")
            diary.put_day(s, a, pid, today - dt.timedelta(days=k), diary.DayInput(itch=3, poem=k))
    assert statements() == few
