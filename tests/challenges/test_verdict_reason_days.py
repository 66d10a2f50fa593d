"""The verdict's reasons from the science layer (gutskin.insights.challenge_confounders) wrote days as
ISO ("first logged on 2026-11-21", "a possible infection on 2026-11-23") on the challenge page, where
every other day reads "Sat 21 Nov 2026" since a15979e (2026-12-07). They now use the pure
``gutskin.diary.dates.day_words``, the formatter the pages use. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import html
import re

from gutskin.clinic import challenges as ch
from gutskin.clinic import diary
from gutskin.diary.dates import day_words
from gutskin.insights.challenge_confounders import find_confounders
from gutskin.store.db import transaction
from gutskin.web.pages.common import day_words as page_day_words
from tests.challenges.test_home_walk_delayed import _finished
from tests.safety.test_attacks import login_page

ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def test_the_pure_formatter_is_the_pages_formatter() -> None:
    for d in (dt.date(2026, 12, 19), dt.date(2027, 1, 1), dt.date(2024, 2, 29)):
        assert day_words(d) == day_words(d.isoformat()) == page_day_words(d.isoformat())
    assert day_words(dt.date(2026, 12, 19)) == "Sat 19 Dec 2026"
    assert day_words(dt.datetime(2026, 12, 7, 23, 59)) == "Mon 7 Dec 2026"


def test_confounder_reasons_write_days_in_words() -> None:
    days = [dt.date(2026, 11, 1) + dt.timedelta(days=i) for i in range(20)]
    win, other = days[14:], days[:14]
    out = find_confounders(win, other, {"treat.dupilumab": {win[1]: 1.0}, "gut.antibiotic": {win[2]: 1.0}},
                           {"treat.dupilumab": "Dupilumab injection"}, {}, win)
    said = " | ".join(out.reasons)
    assert "(first logged on Mon 16 Nov 2026, not in the days before)" in said, said
    assert "a possible infection on Tue 17 Nov 2026:" in said, said
    assert not ISO_DAY.findall(said), said


def test_the_clinicians_verdict_reasons_have_no_iso_day(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    cid, start, end, window = _finished(engine, people)
    first_dose, cold = min(window), max(window)
    day = start
    while day <= end:
        with transaction(engine) as s:
            diary.put_day(s, people.owner, people.owner_pid, day, diary.DayInput(
                itch=2 + day.toordinal() % 2, factors={"treat.dupilumab": 1.0 if day == first_dose else 0.0},
                notes="a cold" if day == cold else None))
        day += dt.timedelta(days=1)
    with transaction(engine) as s:
        v = ch.evaluate(s, people.clinician, cid)
    login_page(client, "linked@clinic.example.org")
    page = client.get(f"/clinic/challenges/{cid}").text
    verdict = html.unescape(re.sub(r"<[^>]+>", " ", page.split('id="verdict"', 1)[1].split("</div>", 1)[0]))
    assert f"(first logged on {day_words(first_dose.isoformat())}, not in the days before)" in verdict, verdict
    assert f"a possible infection on {day_words(cold.isoformat())} (the notes say 'cold')" in verdict, verdict
    assert not ISO_DAY.findall(verdict), (ISO_DAY.findall(verdict), v["reasons"])
