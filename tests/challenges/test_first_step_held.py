"""The first home step is held until 7 food-free baseline days are logged (2026-12-07).

Until then a patient who had logged 3 of the 7 baseline days was offered "Step 1: eat 1/4 cooked
egg today" with a warning, and a dose sent through the API was taken: the challenge could then give
no result. Now the step is not offered (action ``wait_baseline``), the API refuses the dose with a
422 naming how many days are logged and needed, and a linked clinician may lengthen the baseline
(the steps move with it) or let the step start with the days there are; both are audited, and
kept with no schema change (the baseline dates; a ``short_baseline_start`` row of
``challenge_alerts`` acknowledged by that clinician as it is made).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from gutskin.clinic import challenges as ch
from gutskin.clinic import diary
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent, ChallengeDose, FoodChallenge
from tests.challenges.test_services import NO_SYMPTOMS, create, shift_back
from tests.conftest import bearer
from tests.safety.test_attacks import login_page

TODAY = dt.date.today()
STEPS = [ch.DoseStep(0, "1/4 cooked egg"), ch.DoseStep(2, "1 cooked egg")]


def _three_days_logged(engine, people) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """A 7-day-baseline egg plan whose step 1 is due today, with 3 of its baseline days logged: (id, step 1's id)."""
    cid = int(create(engine, people, doses=STEPS)["id"])
    shift_back(engine, cid, 7)
    with transaction(engine) as s:
        c = s.get(FoodChallenge, cid)
        for k in (0, 2, 5):
            diary.put_day(s, people.owner, people.owner_pid, c.baseline_start + dt.timedelta(days=k),
                          diary.DayInput(itch=2))
        dose = s.scalar(select(ChallengeDose.id).where(ChallengeDose.challenge_id == cid, ChallengeDose.step == 1))
    return cid, dose


def test_the_api_refuses_the_first_dose_naming_the_days_logged_and_needed(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    cid, dose = _three_days_logged(engine, people)
    me = bearer(client, "owner@example.org")
    (step,) = client.get("/api/v1/me/challenges", headers=me).json()["today"]
    assert step["action"] == "wait_baseline" and step["dose"] is None, step
    assert (step["baseline_logged"], step["baseline_needed"]) == (3, 7)
    r = client.post(f"/api/v1/me/challenges/{cid}/doses/{dose}", json={"safety": NO_SYMPTOMS}, headers=me)
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith("dose: step 1 waits for the baseline: 3 of the 7 food-free baseline days "
                                         "are logged and 7 are needed"), r.text
    with transaction(engine) as s:
        assert s.get(ChallengeDose, dose).status == "planned"
    # the patient's page offers no dose form
    assert login_page(client, "owner@example.org").status_code == 303
    page = client.get("/challenges").text
    assert f"/challenges/{cid}/dose/{dose}" not in page and "Step 1 waits: only 3 of the 7" in page


def test_the_clinician_lets_the_first_step_start(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    cid, dose = _three_days_logged(engine, people)
    me = bearer(client, "owner@example.org")
    assert client.post(f"/api/v1/challenges/{cid}/start-first-step", headers=me).status_code == 403
    assert client.post(f"/api/v1/challenges/{cid}/start-first-step",
                       headers=bearer(client, "unlinked@clinic.example.org")).status_code == 404
    doc = bearer(client, "linked@clinic.example.org")
    r = client.post(f"/api/v1/challenges/{cid}/start-first-step", headers=doc)
    assert r.status_code == 200, r.text
    assert r.json()["first_step"] == {"logged": 3, "needed": 7, "started": True}
    assert client.get("/api/v1/clinician/challenge-alerts", headers=doc).json()["alerts"] == []  # a decision, no alert
    (step,) = client.get("/api/v1/me/challenges", headers=me).json()["today"]
    assert step["action"] == "dose" and "Your clinic let this step start with 3 of the 7" in step["text"], step
    r = client.post(f"/api/v1/me/challenges/{cid}/doses/{dose}", json={"safety": NO_SYMPTOMS}, headers=me)
    assert r.status_code == 200, r.text
    with transaction(engine) as s:
        assert (people.clinician.user_id, "record", "food_challenge") in {
            (e.actor_user_id, e.action, e.object_type) for e in s.scalars(
                select(AuditEvent).where(AuditEvent.patient_id == people.owner_pid))}


def test_the_clinician_extends_the_baseline_from_the_page(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    cid, dose = _three_days_logged(engine, people)
    assert login_page(client, "linked@clinic.example.org").status_code == 303
    page = client.get(f"/clinic/challenges/{cid}").text
    assert "Baseline: 3 of the 7 food-free days the result needs are logged" in page
    assert "Step 1 is held at home until 7 are logged" in page
    from tests.challenges.test_pages import csrf

    r = client.post(f"/clinic/challenges/{cid}/extend-baseline", data={"baseline_extra_days": "4", "csrf_token": csrf(page)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    with transaction(engine) as s:
        c = s.get(FoodChallenge, cid)
        assert c.baseline_end == TODAY + dt.timedelta(days=3) and c.reintroduction_start == TODAY + dt.timedelta(days=4)
        assert [d.planned_on for d in s.scalars(select(ChallengeDose).where(ChallengeDose.challenge_id == cid)
                                                .order_by(ChallengeDose.step))] == [
            TODAY + dt.timedelta(days=4), TODAY + dt.timedelta(days=6)]
        (step,) = ch.today_steps(s, people.owner, people.owner_pid)
    assert step["phase"] == "baseline" and step["action"] == "avoid", step
