"""A late (eczematous) reaction after a dose alerts the clinic and holds the next step (2026-12-07).

Before, only the five immediate signs of the safety check stopped a challenge and alerted a
clinician. A patient who logged a flare the day after step 1 read "If your eczema flares ... tell
your clinic before you take another step" and was offered step 2 the same morning; no clinician
heard of it until someone ran the verdict after the last window.

Now a day in a dose's observation window with a flare ticked, or itch 3 or more points above the
food-free baseline's mean (``gutskin.insights.challenges.late_reaction_days``), writes one
``late_reaction`` alert (per challenge and day) that the clinician sees on the panel, on *Challenges*
and in ``GET /clinician/challenge-alerts``; the patient's step says the next step is on hold, with the
flare advice; ``take_dose`` (and a clinic dose) is refused until a clinician acknowledges the alert
or the challenge is stopped. The check runs where steps and alerts are computed, so a day logged by
the page, the API or a CSV import is found alike.

Time passes by moving the plan's stored dates back (tests.challenges.test_services.shift_back).
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from gutskin.clinic import accounts, challenges as ch, diary, sharing
from gutskin.clinic.errors import InvalidInput
from gutskin.insights.challenges import LATE_ITCH_RISE, late_reaction_days
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent, ChallengeAlert, ChallengeDose
from tests.challenges.test_services import NO_SYMPTOMS, log_baseline, shift_back
from tests.conftest import bearer
from tests.safety.test_attacks import login_page

TODAY = dt.date.today()
STEPS = [ch.DoseStep(0, "1/4 cooked egg"), ch.DoseStep(1, "1/2 cooked egg"), ch.DoseStep(3, "1 cooked egg")]


def _after_step_one(engine, clinician, owner, pid: int, kind: str = "home") -> int:  # type: ignore[no-untyped-def]
    """A 7-day-baseline egg plan (baseline logged at itch 2) whose step 1 was taken yesterday at this
    hour: step 2 is due today (20 hours have passed), and today is in step 1's 48 h window."""
    with transaction(engine) as s:
        cid = int(ch.create_plan(s, clinician, pid, ch.PlanInput(
            food="food.egg", kind=kind, released_for_home=kind == "home", baseline_days=7, doses=STEPS))["id"])
    shift_back(engine, cid, 7)
    log_baseline(engine, cid)
    with transaction(engine) as s:
        if kind == "home":
            dose = ch.get_challenge(s, owner, cid)["doses"][0]["id"]
            ch.take_dose(s, owner, cid, dose, NO_SYMPTOMS)
        else:
            ch.record_supervised_dose(s, clinician, cid, 1, dt.datetime.now(dt.UTC), "1/4 cooked egg", zone="UTC")
    shift_back(engine, cid, 1)
    return cid


def _step(engine, actor, pid: int) -> dict:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        (step,) = ch.today_steps(s, actor, pid)
    return step


def _late_alerts(engine, cid: int) -> list[ChallengeAlert]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        rows = s.scalars(select(ChallengeAlert).where(ChallengeAlert.challenge_id == cid,
                                                      ChallengeAlert.kind.like("late:%"))).all()
        s.expunge_all()
        return list(rows)


def test_a_flare_logged_after_a_dose_alerts_the_clinician_and_holds_the_next_step(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    cid = _after_step_one(engine, people.clinician, people.owner, people.owner_pid)
    assert _step(engine, people.owner, people.owner_pid)["action"] == "dose"  # before the flare: step 2 today

    me = bearer(client, "owner@example.org")
    r = client.put(f"/api/v1/me/diary/{TODAY.isoformat()}", json={"itch": 3, "flare": True}, headers=me)
    assert r.status_code == 200, r.text

    body = client.get("/api/v1/me/challenges", headers=me).json()
    (step,) = body["today"]
    assert step["action"] == "held" and step["dose"] is None and step["held_days"] == [TODAY.isoformat()], step
    assert "Step 2 (1/2 cooked egg) is on hold" in step["text"], step["text"]
    assert "your clinic has been alerted" in step["text"] and "Do not eat egg until then" in step["text"]
    assert ch.FLARE_ADVICE in step["text"]  # what to do about the flare itself

    doc = bearer(client, "linked@clinic.example.org")
    alerts = client.get("/api/v1/clinician/challenge-alerts", headers=doc).json()["alerts"]
    assert [(a["challenge_id"], a["kind"], a["day"], a["symptoms"]) for a in alerts] == [
        (cid, "late_reaction", TODAY.isoformat(), ["flare"])], alerts
    assert alerts[0]["symptom_labels"] == [f"Eczema flare logged on {ch._day_words(TODAY)}"]

    dose2 = client.get(f"/api/v1/challenges/{cid}", headers=me).json()["doses"][1]["id"]
    r = client.post(f"/api/v1/me/challenges/{cid}/doses/{dose2}", json={"safety": NO_SYMPTOMS}, headers=me)
    assert r.status_code == 422 and r.json()["detail"].startswith("dose: step 2 is on hold"), r.text
    assert ch._day_words(TODAY) in r.json()["detail"]

    # the same day saved again, and every read since: still one alert
    assert client.put(f"/api/v1/me/diary/{TODAY.isoformat()}", json={"itch": 4, "flare": True},
                      headers=me).status_code == 200
    client.get("/api/v1/me/challenges", headers=me)
    client.get("/api/v1/clinician/challenge-alerts", headers=doc)
    (alert,) = _late_alerts(engine, cid)
    with transaction(engine) as s:
        made = s.scalars(select(AuditEvent.actor_label).where(
            AuditEvent.object_type == "challenge_alert", AuditEvent.action == "create",
            AuditEvent.object_id == str(alert.id))).all()
    assert made == ["late-reaction check"]

    # the clinician reviews it: the step is offered again and can be taken
    r = client.post(f"/api/v1/clinician/challenge-alerts/{alert.id}/acknowledge", headers=doc)
    assert r.status_code == 200, r.text
    assert client.get("/api/v1/me/challenges", headers=me).json()["today"][0]["action"] == "dose"
    r = client.post(f"/api/v1/me/challenges/{cid}/doses/{dose2}", json={"safety": NO_SYMPTOMS}, headers=me)
    assert r.status_code == 200, r.text
    assert len(_late_alerts(engine, cid)) == 1  # the reviewed day does not alert again


def test_itch_three_points_above_the_baseline_mean_is_a_worsening(engine, people) -> None:  # type: ignore[no-untyped-def]
    cid = _after_step_one(engine, people.clinician, people.owner, people.owner_pid)  # baseline itch 2 every day
    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, TODAY, diary.DayInput(itch=4, flare=False))
    assert _step(engine, people.owner, people.owner_pid)["action"] == "dose"  # +2: the day's noise
    assert _late_alerts(engine, cid) == []
    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, TODAY, diary.DayInput(itch=5, flare=False))
    step = _step(engine, people.owner, people.owner_pid)
    assert step["action"] == "held", step
    (alert,) = _late_alerts(engine, cid)
    assert (alert.kind, alert.symptoms) == (f"late:{TODAY.isoformat()}", ["itch_rise"])


def test_a_flare_in_an_imported_diary_reaches_the_clinicians_panel(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    """A day imported from a CSV file (My data -> Import) is found as one typed on the page."""
    cid = _after_step_one(engine, people.clinician, people.owner, people.owner_pid)
    src = io.StringIO(f"patient,date,itch,sleep_loss,poscorad,poem,flare\nme,{TODAY.isoformat()},3,,,,1\n")
    diary.import_diary_csv(engine, people.owner, src, into=people.owner_pid)
    assert login_page(client, "linked@clinic.example.org").status_code == 303
    panel = client.get("/clinic").text
    assert f"/clinic/challenges/{cid}" in panel and "Eczema flare logged on" in panel, panel[:3000]
    assert "a late reaction holds the next step until acknowledged" in panel
    detail = client.get(f"/clinic/challenges/{cid}").text
    assert "Late reaction" in detail and "next step is held until you acknowledge this alert" in detail
    assert len(_late_alerts(engine, cid)) == 1


def test_a_childs_held_step_speaks_to_the_parent(engine, people) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        leo = accounts.add_child_profile(s, people.owner, "Leo", 2019).id
        sharing.accept_invite(s, people.clinician, sharing.create_invite(s, people.owner, leo)["code"])
    _after_step_one(engine, people.clinician, people.owner, leo)
    with transaction(engine) as s:
        diary.put_day(s, people.owner, leo, TODAY, diary.DayInput(itch=2, flare=True))
    step = _step(engine, people.owner, leo)
    assert step["action"] == "held", step
    assert "Leo's diary shows a flare" in step["text"] and "Give Leo no egg until then" in step["text"]
    assert "If Leo's eczema flares" in step["text"] and "your clinic" not in step["text"], step["text"]


def test_a_flare_after_a_clinic_dose_holds_the_next_clinic_dose(engine, people) -> None:  # type: ignore[no-untyped-def]
    cid = _after_step_one(engine, people.clinician, people.owner, people.owner_pid, kind="supervised")
    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, TODAY, diary.DayInput(itch=2, flare=True))
    with transaction(engine) as s:
        (alert,) = ch.clinician_alerts(s, people.clinician)["alerts"]
    assert alert["kind"] == "late_reaction" and alert["challenge_id"] == cid
    with pytest.raises(InvalidInput, match="^step: a flare or clear worsening was logged"), transaction(engine) as s:
        ch.record_supervised_dose(s, people.clinician, cid, 2, dt.datetime.now(dt.UTC), "1/2 cooked egg", zone="UTC")
    with transaction(engine) as s:
        ch.acknowledge_alert(s, people.clinician, int(alert["id"]))
    with transaction(engine) as s:
        ch.record_supervised_dose(s, people.clinician, cid, 2, dt.datetime.now(dt.UTC), "1/2 cooked egg", zone="UTC")
        assert s.scalar(select(func.count()).select_from(ChallengeDose).where(
            ChallengeDose.challenge_id == cid, ChallengeDose.status == "taken")) == 2


def test_stopping_ends_the_hold_and_the_clinician_still_sees_the_flare(engine, people) -> None:  # type: ignore[no-untyped-def]
    cid = _after_step_one(engine, people.clinician, people.owner, people.owner_pid)
    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, TODAY, diary.DayInput(itch=2, flare=True))
    assert _step(engine, people.owner, people.owner_pid)["action"] == "held"
    with transaction(engine) as s:
        ch.stop_challenge(s, people.owner, cid, "the flare")
    assert _step(engine, people.owner, people.owner_pid)["action"] == "stopped"
    with transaction(engine) as s:
        got = ch.clinician_alerts(s, people.clinician)
    assert [(a["challenge_id"], a["kind"]) for a in got["alerts"]] == [(cid, "late_reaction")]


def test_the_worsening_rule() -> None:
    """Flare ticked, or itch >= baseline mean + 3, on a window day (weight >= 0.05) only."""
    dose = dt.datetime(2026, 12, 1, 9, 0)
    days = [dt.date(2026, 12, d) for d in (1, 2, 3, 4, 5)]
    base = [2, 2, 3, 1, 2]  # mean 2.0
    got = late_reaction_days([dose], days, [2, 5, 4, 9, 2], [False, False, True, False, True], base)
    # the 2nd: itch 5 = 2 + 3; the 3rd: a flare; the 4th (itch 9) and 5th (flare) are outside the 48 h window
    assert [(x.day.day, x.signs) for x in got] == [(2, ("itch_rise",)), (3, ("flare",))]
    assert got[0].baseline_mean == 2.0 and LATE_ITCH_RISE == 3.0
    # fewer than 3 baseline days: only a flare counts
    got = late_reaction_days([dose], days, [2, 9, 4, 9, 2], [False, False, True, False, True], [2, 2])
    assert [(x.day.day, x.signs) for x in got] == [(3, ("flare",))]
    assert late_reaction_days([], days, [9] * 5, [True] * 5, base) == []
