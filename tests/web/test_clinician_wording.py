"""The clinician reads about the patient, not to them: the insights panel on the clinician's
patient page and the visit report PDF say "the patient's itch" and "the patient has N days",
while the patient's own panel keeps "your" and "you have"."""

from __future__ import annotations

import datetime as dt
import html
import random

from gutskin.clinic import diary
from gutskin.clinic.insights import clear_cache, insights_for, settle
from gutskin.store.db import transaction
from tests.interop.test_report import _pdf_text, _report
from tests.safety.test_attacks import login_page
from tests.web.test_insights_acceptance import panels


def _seed(engine, people, days: int = 60, ago: int = 0) -> None:  # type: ignore[no-untyped-def]
    """Dairy on ~40 % of days raises the next day's itch; egg on only 3 days (too few to judge);
    the last day ``ago`` days before today."""
    rng = random.Random(5)
    dairy = [rng.random() < 0.4 for _ in range(days)]
    start = dt.date.today() - dt.timedelta(days=days - 1 + ago)
    with transaction(engine) as s:
        for i in range(days):
            itch = 3 + (3 if i > 0 and dairy[i - 1] else 0) + rng.choice((-1, 0, 0, 1))
            diary.put_day(s, people.owner, people.owner_pid, start + dt.timedelta(days=i),
                          diary.DayInput(itch=min(max(itch, 0), 10),
                                         factors={"food.dairy": int(dairy[i]), "food.egg": int(i in (10, 30, 50))}))


def test_panel_and_report_speak_about_the_patient_to_the_clinician(engine, people, client) -> None:
    clear_cache()
    _seed(engine, people)
    with transaction(engine) as s:
        r = settle(people.owner_pid, insights_for(s, people.owner, people.owner_pid), 60)
    assert r["status"] == "ready" and any(x["factor"] == "food.egg" for x in r["triggers"]["not_enough_data"])
    texts = panels(client, people.owner_pid)
    patient, clinician = texts["owner@example.org"], texts["linked@clinic.example.org"]
    assert "Egg: not enough data yet" in clinician and "(the patient has 3 and " in clinician
    assert "you have" not in clinician and "your itch" not in clinician
    assert "Itch, next 7 days" in clinician and 'id="forecast-stale"' not in clinician  # logged today
    assert "(you have 3 and " in patient and "the patient has" not in patient
    _, pdf = _report(engine, people.clinician, people.owner_pid)
    text = " ".join(_pdf_text(pdf)[1].split())
    assert "Dairy: likely makes the patient's itch worse" in text
    assert "your itch" not in text and "you have" not in text


def test_a_forecast_from_an_old_last_entry_is_not_called_the_next_week_for_the_clinician(engine, people, client) -> None:
    clear_cache()
    _seed(engine, people, days=40, ago=12)
    last = dt.date.today() - dt.timedelta(days=12)
    with transaction(engine) as s:
        r = settle(people.owner_pid, insights_for(s, people.owner, people.owner_pid), 60)
    assert r["status"] == "ready" and r["forecast"]["origin"] == last.isoformat()
    login_page(client, "linked@clinic.example.org")
    text = html.unescape(client.get("/insights/panel", params={"patient": people.owner_pid}).text)
    assert "Itch, the 7 days after the last entry" in text and "next 7 days" not in text
    assert f"The last diary entry is from {last:%a} {last.day} {last:%b %Y}" in text
    assert "in the next week" not in text and "in those 7 days" in text


def test_the_report_says_when_the_forecast_starts_before_the_report(engine, people) -> None:
    clear_cache()
    _seed(engine, people, days=40, ago=12)
    _, pdf = _report(engine, people.clinician, people.owner_pid)
    text = " ".join(_pdf_text(pdf)[1].split())
    assert "The last diary entry is 12 days before this report: the forecast is for the days after it" in text
    clear_cache()
    _seed(engine, people, days=1, ago=0)  # and today: the warning goes
    _, pdf = _report(engine, people.clinician, people.owner_pid)
    assert "days before this report" not in " ".join(_pdf_text(pdf)[1].split())


def test_the_patient_is_told_too_when_the_forecast_starts_from_an_old_entry(engine, people, client) -> None:
    """The patient's own page said "next 7 days" for days already past; it now says what the
    clinician's says, in the patient's words, with a link to log the missing days."""
    clear_cache()
    _seed(engine, people, days=40, ago=12)
    last = dt.date.today() - dt.timedelta(days=12)
    with transaction(engine) as s:
        settle(people.owner_pid, insights_for(s, people.owner, people.owner_pid), 60)
    login_page(client, "owner@example.org")
    text = html.unescape(client.get("/insights/panel", params={"patient": people.owner_pid}).text)
    assert "Itch, the 7 days after the last entry" in text and "next 7 days" not in text
    assert f"Your last diary entry is from {last:%a} {last.day} {last:%b %Y}" in text and "the patient" not in text
    link = f"/today?patient={people.owner_pid}"
    assert link in text and client.get(link).status_code == 200
