"""The clinician's panel ranks a child's POEM like with like (2026-12-07): it took the newest POEM
whoever answered it, so Mia's own "4 (mild)" of yesterday hid her parent's "20 (severe)" of five
days before, a different rater with a different validated version (questionnaires store the
respondent since 0017). Now the newest of each respondent is shown with who answered it (the
parent's, then the child's, then a diary POEM whose answerer is not recorded), the need score takes
the worse band, and nothing compares one with the other. An adult's own profile is as before.
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re

from gutskin.clinic import accounts, diary, questionnaires, sharing, summary
from gutskin.store.db import transaction
from tests.safety.test_attacks import login_page

PARENT = [3, 3, 3, 3, 3, 3, 2]  # 20, severe
MIA = [1, 1, 0, 1, 1, 0, 0]  # 4, mild


def _mia(engine, people, today: dt.date) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        mia = accounts.add_child_profile(s, people.owner, "Mia", birth_year=today.year - 10).id
        sharing.accept_invite(s, people.clinician, sharing.create_invite(s, people.owner, mia)["code"])
    with transaction(engine) as s:
        questionnaires.submit(s, people.owner, mia, "poem", {"answers": [0] * 7}, today - dt.timedelta(days=30),
                              respondent="proxy")  # an older parent's answer: not the newest
        questionnaires.submit(s, people.owner, mia, "poem", {"answers": PARENT}, today - dt.timedelta(days=5),
                              respondent="proxy")
        questionnaires.submit(s, people.owner, mia, "poem", {"answers": MIA}, today - dt.timedelta(days=1),
                              respondent="self")
    return mia


def _poem_cell(page: str, pid: int) -> str:
    row = re.search(rf'(?s)<tr><td><a href="/clinic/patients/{pid}">.*?</tr>', page)
    assert row, page[:2000]
    return " ".join(re.findall(r"(?s)<td[^>]*>(.*?)</td>", row.group(0))[4].split())


def test_a_childs_newest_poem_of_each_rater_is_shown_and_ranked_apart(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    today = dt.date.today()
    mia = _mia(engine, people, today)
    with transaction(engine) as s:  # the owner's own profile: one rater, as before
        questionnaires.submit(s, people.owner, people.owner_pid, "poem", {"answers": MIA}, today - dt.timedelta(days=2))
    with transaction(engine) as s:
        rows = {r["patient_id"]: r for r in summary.panel(s, people.clinician, today=today)}
    row = rows[mia]
    assert [(q["who"], q["poem"], q["poem_band"], q["poem_days_ago"]) for q in row["poem_reports"]] == [
        ("parent", 20.0, "severe", 5), ("Mia", 4.0, "mild", 1)]
    # ranked on the parent's severe band, not on Mia's newer mild one
    assert (row["poem"], row["poem_band"]) == (20.0, "severe")
    adult = rows[people.owner_pid]
    assert adult["poem_reports"] == [] and (adult["poem"], adult["poem_band"], adult["poem_days_ago"]) == (4.0, "mild", 2)

    login_page(client, "linked@clinic.example.org")
    page = client.get("/clinic").text
    cell = _poem_cell(page, mia)
    assert re.search(r'20 \(severe\) <small class="poem-who">parent</small>.*<br>.*4 \(mild\) '
                     r'<small class="poem-who">Mia</small>', cell), cell
    assert _poem_cell(page, people.owner_pid) == "4 (mild)"  # an adult's: no label


def test_a_diary_poem_without_its_answerer_stays_apart(engine, people) -> None:  # type: ignore[no-untyped-def]
    today = dt.date.today()
    mia = _mia(engine, people, today)
    with transaction(engine) as s:  # an imported diary's POEM today: who answered it is not recorded
        diary.put_day(s, people.owner, mia, today, diary.DayInput(itch=2, poem=9))
    with transaction(engine) as s:
        row = {r["patient_id"]: r for r in summary.panel(s, people.clinician, today=today)}[mia]
    assert [(q["respondent"], q["who"], q["poem"]) for q in row["poem_reports"]] == [
        ("proxy", "parent", 20.0), ("self", "Mia", 4.0), (None, "who answered not recorded", 9.0)]
    assert (row["poem"], row["poem_band"]) == (20.0, "severe")
