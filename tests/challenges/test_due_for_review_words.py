"""The clinician's "Due for review" list (/clinic/challenges) speaks to the clinician and says how
late an item is, with days written as the other pages write them: "The cow's milk challenge is
finished: review the verdict. Overdue since Sat 7 Nov 2026 (29 days)." It said "the clinician
reviews the verdict" to the clinician and "(due 2026-11-07)" a month late with no word that it was
overdue. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re

from gutskin.clinic import challenges as ch
from gutskin.clinic import zones
from gutskin.store.db import transaction
from gutskin.store.models import FoodChallenge
from tests.challenges.test_alerts_scale import DOSES
from tests.challenges.test_pages import csrf
from tests.challenges.test_services import plan, shift_back


def _words(d: dt.date) -> str:
    return f"{d:%a} {d.day} {d:%b %Y}"


def _due_list(client) -> str:  # type: ignore[no-untyped-def]
    page = client.get("/clinic/challenges")
    assert page.status_code == 200, page.text
    m = re.search(r"<h2>Due for review</h2>\s*<ul>(.*?)</ul>", page.text, re.S)
    assert m, page.text
    return m.group(1)


def test_due_for_review_addresses_the_clinician_and_says_how_late(engine, people, client) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        finished = ch.create_plan(s, people.clinician, people.owner_pid, plan(food="food.milk", doses=DOSES))["id"]
        review = ch.create_plan(s, people.clinician, people.owner_pid,
                                plan(elimination_days=21, elimination_max_days=28))["id"]
    late = 37
    shift_back(engine, finished, late)  # its reintroduction ended weeks ago: the verdict is overdue
    shift_back(engine, review, 20)  # up for review a week before its maximum
    with transaction(engine) as s:
        today = zones.patient_today(s, people.owner_pid)
        c = s.get(FoodChallenge, finished)
        due_on = c.reintroduction_end + dt.timedelta(days=1)
        r = s.get(FoodChallenge, review)
        max_end = r.elimination_start + dt.timedelta(days=r.elimination_max_days - 1)
    overdue = (today - due_on).days
    assert overdue > 1  # the case this test is about

    login = client.get("/login")
    assert client.post("/login", data={"email": "linked@clinic.example.org", "password": people.password,
                                       "csrf_token": csrf(login.text)}, follow_redirects=False).status_code == 303
    items = re.findall(r"<li>(.*?)</li>", _due_list(client), re.S)
    text = [re.sub(r"<[^>]+>", "", i).strip() for i in items]
    [verdict] = [t for t in text if "finished" in t]
    assert "the clinician reviews" not in verdict and "review the verdict" in verdict, verdict
    assert f"Overdue since {_words(due_on)} ({overdue} days)" in verdict, verdict
    [elimination] = [t for t in text if "elimination" in t]
    assert f"may not go beyond {_words(max_end)}" in elimination, elimination
    for t in text:  # no ISO day anywhere in the list
        assert re.search(r"\d{4}-\d\d-\d\d", t) is None, t
        assert "(due " not in t, t


def test_the_patients_own_reminder_keeps_its_words(engine, people, client) -> None:  # type: ignore[no-untyped-def]
    """The patient's reminder (API) still says who reviews the verdict: only the clinician's list changed."""
    with transaction(engine) as s:
        finished = ch.create_plan(s, people.clinician, people.owner_pid, plan(food="food.milk", doses=DOSES))["id"]
    shift_back(engine, finished, 40)
    with transaction(engine) as s:
        mine = ch.reminders(s, people.owner, people.owner_pid)
        theirs = ch.clinician_alerts(s, people.clinician)["due"]
    food = ch.food_label("food.milk")
    assert [r["text"] for r in mine if r["kind"] == "review_result"] == [
        f"The {food} challenge is finished: the clinician reviews the verdict."]
    [r] = [r for r in theirs if r["kind"] == "review_result"]
    assert r["text"] == f"The {food} challenge is finished: review the verdict."
    with transaction(engine) as s:
        today = zones.patient_today(s, people.owner_pid)
    assert r["overdue_days"] == (today - dt.date.fromisoformat(str(r["due"]))).days > 0
