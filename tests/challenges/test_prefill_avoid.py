"""The diary form does not copy a food the patient must avoid today into a new day.

A new day is prefilled from the last logged one ("change what differs and save"). A patient who
ate egg the day before an egg challenge's food-free baseline began found Egg ticked on the first
baseline day; Save logged egg eaten, a lapse the verdict leaves out with its observation window,
so the baseline came up short and the challenge inconclusive.
"""

from __future__ import annotations

import datetime as dt

from gutskin.diary.dates import day_words
from tests.conftest import bearer
from tests.safety.test_attacks import login_page
from tests.web.test_today_form import _BrowserForm


def test_a_food_in_its_challenge_baseline_is_not_copied_into_a_new_day(client, people, engine) -> None:
    from gutskin.clinic import challenges as ch
    from gutskin.store.db import transaction

    today = dt.date.today()
    yesterday = today - dt.timedelta(days=1)
    owner = bearer(client, "owner@example.org")
    r = client.put(f"/api/v1/me/diary/{yesterday.isoformat()}", headers=owner,
                   json={"itch": 3, "factors": {"food.egg": 1, "food.dairy": 1, "treat.emollient": 2}})
    assert r.status_code == 200, r.text
    with transaction(engine) as s:
        ch.create_plan(s, people.clinician, people.owner_pid, ch.PlanInput(
            food="food.egg", kind="home", released_for_home=True, start=today, baseline_days=7,
            doses=[ch.DoseStep(0, "1/4 cooked egg")]))
    login_page(client, "owner@example.org")
    page = client.get(f"/today?date={today.isoformat()}").text
    assert f"Prefilled from {day_words(yesterday)}" in page
    assert "Not copied, on your avoid list today: egg." in page
    form = _BrowserForm(page).data
    assert "f:food.egg" not in form  # the chip is offered, not ticked
    assert form["f:food.dairy"] == "1" and form["f:treat.emollient"] == "2"  # the rest is copied as before
    assert client.post("/today", data=form, follow_redirects=False).status_code == 303
    [day] = client.get(f"/api/v1/me/diary?start={today}&end={today}", headers=owner).json()
    assert day["factors"] == {"food.dairy": 1.0, "treat.emollient": 2.0}
    # the same day opened again shows what was saved, not a prefill
    assert "Not copied" not in client.get(f"/today?date={today.isoformat()}").text
