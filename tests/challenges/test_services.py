"""Food-challenge use cases with owner, linked clinician, stranger, unlinked clinician and admin, on both databases.

Time passes in these tests by moving a stored plan's dates into the past (what the database
would hold after those days), never by patching the clock.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import select

from gutskin.clinic import challenges as ch
from gutskin.clinic import diary
from gutskin.clinic.errors import Conflict, Forbidden, InvalidInput, NotFound
from gutskin.store.db import transaction
from gutskin.store.models import (
    AllergyRecord,
    AuditEvent,
    ChallengeAlert,
    ChallengeDose,
    FoodChallenge,
)

TODAY = dt.date.today()
NO_SYMPTOMS = {k: False for k in ch.SAFETY_SYMPTOMS}


def plan(**kw) -> ch.PlanInput:  # type: ignore[no-untyped-def]
    base = dict(food="food.egg", kind="home", released_for_home=True, start=TODAY, baseline_days=7,
                doses=[ch.DoseStep(0, "1/4 cooked egg"), ch.DoseStep(4, "1/2 cooked egg"), ch.DoseStep(8, "1 cooked egg")])
    base.update(kw)
    return ch.PlanInput(**base)


def create(engine, people, **kw):  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return ch.create_plan(s, people.clinician, people.owner_pid, plan(**kw))


def egg_plan_at_first_dose(engine, clinician, patient_id: int) -> dict:  # type: ignore[no-untyped-def]
    """A released home egg reintroduction (1/4 egg on day 0, 1/2 egg on day 2) whose 7-day
    baseline has just passed: its first dose is due today. The plan as ``create_plan`` returns it."""
    with transaction(engine) as s:
        out = ch.create_plan(s, clinician, patient_id, ch.PlanInput(
            food="food.egg", kind="home", released_for_home=True, baseline_days=7,
            doses=[ch.DoseStep(0, "1/4 egg"), ch.DoseStep(2, "1/2 egg")]))
    shift_back(engine, int(out["id"]), 7)
    log_baseline(engine, int(out["id"]))  # the first step waits for 7 logged baseline days (2026-12-07)
    return out


def shift_back(engine, challenge_id: int, days: int) -> None:
    """Let ``days`` days pass: every stored date of the plan moves back by that much."""
    with transaction(engine) as s:
        shift_back_in(s, challenge_id, days)


def shift_back_in(s, challenge_id: int, days: int) -> None:  # type: ignore[no-untyped-def]
    """:func:`shift_back` inside a transaction the caller holds."""
    d = dt.timedelta(days=days)
    c = s.get(FoodChallenge, challenge_id)
    for name in ("elimination_start", "elimination_end", "baseline_start", "baseline_end",
                 "reintroduction_start", "reintroduction_end"):
        v = getattr(c, name)
        if v is not None:
            setattr(c, name, v - d)
    for dose in s.scalars(select(ChallengeDose).where(ChallengeDose.challenge_id == challenge_id)):
        dose.planned_on -= d
        if dose.taken_at is not None:
            dose.taken_at -= d


def log_baseline(engine, challenge_id: int, itch: int = 2, before: dt.date | None = None) -> int:  # type: ignore[no-untyped-def]
    """The patient kept the plan: every baseline day before ``before`` (default: the server's today) not
    logged yet is logged food-free (itch ``itch``, no flare), as the 7 days the first step waits for
    (2026-12-07: it is held until they are logged). Returns how many days were written."""
    from gutskin.store.models import DiaryDay

    with transaction(engine) as s:
        return log_baseline_in(s, challenge_id, itch, before)


def log_baseline_in(s, challenge_id: int, itch: int = 2, before: dt.date | None = None) -> int:  # type: ignore[no-untyped-def]
    """:func:`log_baseline` inside a transaction the caller holds."""
    from gutskin.store.models import DiaryDay

    before = before or dt.date.today()
    n = 0
    s.flush()
    c = s.get(FoodChallenge, challenge_id)
    day = c.baseline_start
    while day <= c.baseline_end and day < before:
        if s.get(DiaryDay, (c.patient_id, day)) is None:
            s.add(DiaryDay(patient_id=c.patient_id, day=day, itch=itch, flare=0))
            n += 1
        day += dt.timedelta(days=1)
    s.flush()
    return n


def audit_actions(engine, pid):  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return [(e.actor_user_id, e.action, e.object_type) for e in s.scalars(
            select(AuditEvent).where(AuditEvent.patient_id == pid).order_by(AuditEvent.id))]


# ------------------------------------------------------------------------------------------ plans


def test_linked_clinician_creates_plan_with_phase_dates(engine, people) -> None:
    out = create(engine, people, elimination_days=14, elimination_max_days=28)
    assert out["elimination_start"] == TODAY.isoformat()
    assert out["elimination_end"] == (TODAY + dt.timedelta(days=13)).isoformat()
    assert out["baseline_start"] == (TODAY + dt.timedelta(days=14)).isoformat()
    assert out["reintroduction_start"] == (TODAY + dt.timedelta(days=21)).isoformat()
    # last dose on day 8 of reintroduction + 2 observation days
    assert out["reintroduction_end"] == (TODAY + dt.timedelta(days=31)).isoformat()
    assert [d["setting"] for d in out["doses"]] == ["home"] * 3
    assert out["review_by"] == (TODAY + dt.timedelta(days=27 - 7)).isoformat()
    assert (people.clinician.user_id, "create", "food_challenge") in audit_actions(engine, people.owner_pid)


def test_only_linked_clinician_creates(engine, people) -> None:
    for who, error in (("owner", Forbidden), ("stranger", Forbidden), ("unlinked", NotFound), ("admin", Forbidden)):
        with pytest.raises(error), transaction(engine) as s:
            ch.create_plan(s, getattr(people, who), people.owner_pid, plan())
    with transaction(engine) as s:
        assert s.scalar(select(FoodChallenge.id)) is None


def test_plan_validation(engine, people) -> None:
    bad = [
        dict(kind="home", released_for_home=False),  # home steps only for foods released for home
        dict(baseline_days=6),
        dict(elimination_days=10, elimination_max_days=None),
        dict(elimination_days=10, elimination_max_days=ch.HARD_MAX_ELIMINATION_DAYS + 1),
        dict(elimination_days=30, elimination_max_days=20),
        dict(food="env.dust"),
        dict(doses=[]),
        dict(doses=[ch.DoseStep(2, "1/4 egg"), ch.DoseStep(1, "1/2 egg")]),
        dict(observation_hours=12),
        dict(start=TODAY - dt.timedelta(days=10)),
    ]
    for kw in bad:
        with pytest.raises(InvalidInput), transaction(engine) as s:
            ch.create_plan(s, people.clinician, people.owner_pid, plan(**kw))
    create(engine, people)
    with pytest.raises(Conflict), transaction(engine) as s:  # one open challenge per food
        ch.create_plan(s, people.clinician, people.owner_pid, plan())


def test_reads_owner_and_linked_clinician_only(engine, people) -> None:
    cid = create(engine, people)["id"]
    for who in ("owner", "clinician"):
        with transaction(engine) as s:
            assert ch.get_challenge(s, getattr(people, who), cid)["food"] == "food.egg"
            assert [c["id"] for c in ch.list_challenges(s, getattr(people, who), people.owner_pid)] == [cid]
            assert ch.reminders(s, getattr(people, who), people.owner_pid)[0]["kind"] == "next_step"
    for who in ("stranger", "unlinked", "admin"):
        with pytest.raises(NotFound), transaction(engine) as s:
            ch.get_challenge(s, getattr(people, who), cid)
        with pytest.raises(NotFound), transaction(engine) as s:
            ch.list_challenges(s, getattr(people, who), people.owner_pid)
        with pytest.raises(NotFound), transaction(engine) as s:
            ch.today_steps(s, getattr(people, who), people.owner_pid)
        with pytest.raises(NotFound), transaction(engine) as s:
            ch.evaluate(s, getattr(people, who), cid)
        with pytest.raises(NotFound), transaction(engine) as s:
            ch.avoid_list(s, getattr(people, who), people.owner_pid)
    actions = audit_actions(engine, people.owner_pid)
    assert (people.owner.user_id, "read", "food_challenge") in actions
    assert (people.clinician.user_id, "read", "food_challenge") in actions


# ------------------------------------------------------------------------------- patient steps


def test_today_step_through_the_phases(engine, people) -> None:
    cid = create(engine, people, elimination_days=7, elimination_max_days=14)["id"]
    with transaction(engine) as s:
        (step,) = ch.today_steps(s, people.owner, people.owner_pid)
    assert step["phase"] == "elimination" and step["action"] == "avoid" and "Avoid egg" in step["text"]
    assert step["next_due"] == (TODAY + dt.timedelta(days=14)).isoformat()
    with transaction(engine) as s:
        (step,) = ch.today_steps(s, people.owner, people.owner_pid, TODAY + dt.timedelta(days=8))
    assert step["phase"] == "baseline" and step["action"] == "avoid"
    log_baseline(engine, cid, before=TODAY + dt.timedelta(days=14))  # the patient logged the baseline week
    with transaction(engine) as s:
        (step,) = ch.today_steps(s, people.owner, people.owner_pid, TODAY + dt.timedelta(days=14))
    assert step["action"] == "dose" and "1/4 cooked egg" in step["text"] and step["dose"]["step"] == 1
    with transaction(engine) as s:  # the linked clinician sees the same step (read)
        assert ch.today_steps(s, people.clinician, people.owner_pid)[0]["challenge_id"] == cid


def test_supervised_food_never_offered_as_home_dose(engine, people) -> None:
    out = create(engine, people, kind="supervised", released_for_home=False)
    cid = out["id"]
    shift_back(engine, cid, 7)  # baseline done: reintroduction day 0
    with transaction(engine) as s:
        (step,) = ch.today_steps(s, people.owner, people.owner_pid)
    assert step["action"] == "clinic" and "in clinic" in step["text"]
    dose_id = out["doses"][0]["id"]
    with pytest.raises(Forbidden), transaction(engine) as s:
        ch.take_dose(s, people.owner, cid, dose_id, NO_SYMPTOMS)
    with transaction(engine) as s:
        assert s.get(ChallengeDose, dose_id).status == "planned"


def test_take_dose_needs_full_safety_check_owner_only(engine, people) -> None:
    out = create(engine, people)
    cid, dose_id = out["id"], out["doses"][0]["id"]
    with pytest.raises(InvalidInput), transaction(engine) as s:  # not today yet
        ch.take_dose(s, people.owner, cid, dose_id, NO_SYMPTOMS)
    shift_back(engine, cid, 7)
    log_baseline(engine, cid)
    with pytest.raises(InvalidInput), transaction(engine) as s:  # every question must be answered
        ch.take_dose(s, people.owner, cid, dose_id, {"hives": False})
    with pytest.raises(Forbidden), transaction(engine) as s:  # the clinician does not take home doses
        ch.take_dose(s, people.clinician, cid, dose_id, NO_SYMPTOMS)
    for who in ("stranger", "unlinked"):
        with pytest.raises(NotFound), transaction(engine) as s:
            ch.take_dose(s, getattr(people, who), cid, dose_id, NO_SYMPTOMS)
    with transaction(engine) as s:
        r = ch.take_dose(s, people.owner, cid, dose_id, NO_SYMPTOMS)
    assert r["stopped"] is False and r["dose"]["status"] == "taken"
    with pytest.raises(Conflict), transaction(engine) as s:
        ch.take_dose(s, people.owner, cid, dose_id, NO_SYMPTOMS)
    with transaction(engine) as s:
        (step,) = ch.today_steps(s, people.owner, people.owner_pid)
        assert step["action"] == "observe"
        assert ch.safety_check(s, people.owner, cid, [], dose_id)["stopped"] is False
    assert (people.owner.user_id, "take", "challenge_dose") in audit_actions(engine, people.owner_pid)


def test_any_safety_symptom_stops_and_alerts(engine, people) -> None:
    foods = ["food.egg", "food.milk", "food.wheat", "food.soy", "food.fish"]
    ids = {}
    for symptom, food in zip(sorted(ch.SAFETY_SYMPTOMS), foods, strict=True):
        name = food.split(".")[1]  # each plan doses its own food
        out = create(engine, people, food=food, doses=[ch.DoseStep(0, f"1/4 portion of {name}"),
                                                       ch.DoseStep(4, f"1/2 portion of {name}"),
                                                       ch.DoseStep(8, f"1 portion of {name}")])
        shift_back(engine, out["id"], 7)
        ids[symptom] = out
        with transaction(engine) as s:
            r = ch.take_dose(s, people.owner, out["id"], out["doses"][0]["id"], {**NO_SYMPTOMS, symptom: True})
        assert r["stopped"] and "emergency" in r["guidance"] and r["symptoms"] == [symptom]
    with transaction(engine) as s:
        for symptom, out in ids.items():
            c = s.get(FoodChallenge, out["id"])
            assert c.status == "stopped" and symptom in c.stop_reason
            statuses = {d.status for d in s.scalars(select(ChallengeDose).where(ChallengeDose.challenge_id == c.id))}
            assert statuses == {"stopped", "skipped"}
        steps = ch.today_steps(s, people.owner, people.owner_pid)
        assert [st["action"] for st in steps] == ["stopped"] * 5
        assert all(st["guidance"] == ch.EMERGENCY_GUIDANCE for st in steps)
        panel = ch.clinician_alerts(s, people.clinician)
        assert sorted(a["challenge_id"] for a in panel["alerts"]) == sorted(o["id"] for o in ids.values())
        assert ch.clinician_alerts(s, people.unlinked)["alerts"] == []
    out = ids["hives"]
    with pytest.raises(InvalidInput), transaction(engine) as s:  # no more doses after a stop
        ch.take_dose(s, people.owner, out["id"], out["doses"][1]["id"], NO_SYMPTOMS)


def test_missed_step_can_be_taken_late_but_not_two_doses_in_a_day(engine, people) -> None:
    out = create(engine, people, doses=[ch.DoseStep(0, "1/4 egg"), ch.DoseStep(1, "1/2 egg"), ch.DoseStep(5, "1 egg")])
    cid = out["id"]
    shift_back(engine, cid, 8)  # step 1 was due yesterday, step 2 is due today
    log_baseline(engine, cid)
    with transaction(engine) as s:
        (step,) = ch.today_steps(s, people.owner, people.owner_pid)
    assert step["action"] == "dose" and step["dose"]["step"] == 1 and "was due on" in step["text"]
    with pytest.raises(InvalidInput), transaction(engine) as s:  # steps in order
        ch.take_dose(s, people.owner, cid, out["doses"][1]["id"], NO_SYMPTOMS)
    with transaction(engine) as s:
        ch.take_dose(s, people.owner, cid, out["doses"][0]["id"], NO_SYMPTOMS)
    with pytest.raises(InvalidInput), transaction(engine) as s:
        ch.take_dose(s, people.owner, cid, out["doses"][1]["id"], NO_SYMPTOMS)
    with transaction(engine) as s:
        (step,) = ch.today_steps(s, people.owner, people.owner_pid)
    assert step["action"] == "observe" and step["dose"] is None  # step 2 waits for tomorrow
    assert step["next_due"] == (TODAY + dt.timedelta(days=1)).isoformat() and "step 2" in step["next_text"]


def test_safety_check_after_dose_stops(engine, people) -> None:
    out = create(engine, people)
    cid, dose_id = out["id"], out["doses"][0]["id"]
    shift_back(engine, cid, 7)
    log_baseline(engine, cid)
    with transaction(engine) as s:
        ch.take_dose(s, people.owner, cid, dose_id, NO_SYMPTOMS)
    with pytest.raises(Forbidden), transaction(engine) as s:
        ch.safety_check(s, people.clinician, cid, ["hives"], dose_id)
    with pytest.raises(NotFound), transaction(engine) as s:
        ch.safety_check(s, people.stranger, cid, ["hives"], dose_id)
    with transaction(engine) as s:
        r = ch.safety_check(s, people.owner, cid, ["breathing", "swelling"], dose_id)
    assert r["stopped"] and r["symptoms"] == ["breathing", "swelling"]
    with transaction(engine) as s:
        (alert,) = s.scalars(select(ChallengeAlert)).all()
        assert alert.symptoms == ["breathing", "swelling"]
        # the taken dose's own row records the signs after it (its Symptoms column was blank; only the alert had them)
        (dose,) = [d for d in ch.get_challenge(s, people.clinician, cid)["doses"] if d["id"] == dose_id]
        assert dose["status"] == "taken"
        (check,) = [c for c in dose["safety"]["checks"] if c["symptoms"]]
        assert check["symptoms"] == ["breathing", "swelling"] and check["at"].endswith("Z")
        assert check["symptom_labels"] == [ch.SAFETY_SYMPTOMS["breathing"], ch.SAFETY_SYMPTOMS["swelling"]]
    with pytest.raises(NotFound), transaction(engine) as s:
        ch.acknowledge_alert(s, people.unlinked, alert.id)
    with transaction(engine) as s:
        assert ch.acknowledge_alert(s, people.clinician, alert.id)["acknowledged"]
        assert ch.clinician_alerts(s, people.clinician)["alerts"] == []


def test_adherence_owner_only(engine, people) -> None:
    cid = create(engine, people)["id"]
    with transaction(engine) as s:
        out = ch.log_adherence(s, people.owner, cid, TODAY, True, "avoided egg")
    assert out["followed"] is True
    with pytest.raises(InvalidInput), transaction(engine) as s:  # in the future anywhere on Earth
        ch.log_adherence(s, people.owner, cid, TODAY + dt.timedelta(days=2), True)
    with pytest.raises(Forbidden), transaction(engine) as s:
        ch.log_adherence(s, people.clinician, cid, TODAY, False)
    for who in ("stranger", "unlinked"):
        with pytest.raises(NotFound), transaction(engine) as s:
            ch.log_adherence(s, getattr(people, who), cid, TODAY, False)
    with transaction(engine) as s:
        assert ch.get_challenge(s, people.clinician, cid)["adherence"] == [
            {"day": TODAY.isoformat(), "followed": True, "note": "avoided egg"}]
    with transaction(engine) as s:  # tomorrow on the server is today for a patient ahead of it (UTC+14)
        assert ch.log_adherence(s, people.owner, cid, TODAY + dt.timedelta(days=1), True)["followed"] is True


def test_stop_by_owner_or_clinician(engine, people) -> None:
    a = create(engine, people)["id"]
    b = create(engine, people, food="food.milk", start=TODAY + dt.timedelta(days=20),  # one reintroduction at a time
               doses=[ch.DoseStep(0, "5 ml milk"), ch.DoseStep(4, "50 ml milk")])["id"]
    for who in ("stranger", "unlinked"):
        with pytest.raises(NotFound), transaction(engine) as s:
            ch.stop_challenge(s, getattr(people, who), a, "no")
    with transaction(engine) as s:
        assert ch.stop_challenge(s, people.owner, a, "ill this week")["status"] == "stopped"
        assert ch.stop_challenge(s, people.clinician, b, "plan changed")["status"] == "stopped"
    with pytest.raises(InvalidInput), transaction(engine) as s:
        ch.stop_challenge(s, people.owner, a, "again")


def test_elimination_extension_never_beyond_max(engine, people) -> None:
    cid = create(engine, people, elimination_days=14, elimination_max_days=21)["id"]
    with pytest.raises(Forbidden), transaction(engine) as s:
        ch.extend_elimination(s, people.owner, cid, 3)
    with pytest.raises(NotFound), transaction(engine) as s:
        ch.extend_elimination(s, people.unlinked, cid, 3)
    with transaction(engine) as s:
        out = ch.extend_elimination(s, people.clinician, cid, 7)
    assert out["elimination_end"] == (TODAY + dt.timedelta(days=20)).isoformat()
    assert out["doses"][0]["planned_on"] == (TODAY + dt.timedelta(days=28)).isoformat()
    with pytest.raises(InvalidInput), transaction(engine) as s:
        ch.extend_elimination(s, people.clinician, cid, 1)


def test_elimination_comes_up_for_review_before_max(engine, people) -> None:
    cid = create(engine, people, elimination_days=21, elimination_max_days=28)["id"]
    with transaction(engine) as s:
        assert all(r["kind"] != "elimination_review" for r in ch.reminders(s, people.owner, people.owner_pid))
    shift_back(engine, cid, 20)  # day 21 of 28: a week before the maximum
    with transaction(engine) as s:
        kinds = [r["kind"] for r in ch.reminders(s, people.owner, people.owner_pid)]
        assert "elimination_review" in kinds
        due = ch.clinician_alerts(s, people.clinician)["due"]
        assert [(r["kind"], r["challenge_id"]) for r in due] == [("elimination_review", cid)]


# ------------------------------------------------------------------------- clinic record, verdict


def test_supervised_record_and_outcome(engine, people) -> None:
    out = create(engine, people, kind="supervised", released_for_home=False,
                 doses=[ch.DoseStep(0, "3 mg protein"), ch.DoseStep(0, "30 mg protein"), ch.DoseStep(0, "300 mg protein")])
    cid = out["id"]
    shift_back(engine, cid, 8)  # the reintroduction began yesterday
    t0 = (dt.datetime.now().astimezone() - dt.timedelta(hours=2)).replace(second=0, microsecond=0)  # with its offset
    for who, err in (("owner", Forbidden), ("unlinked", NotFound), ("stranger", Forbidden)):
        with pytest.raises(err), transaction(engine) as s:
            ch.record_supervised_dose(s, getattr(people, who), cid, 1, t0, "3 mg protein")
    with transaction(engine) as s:
        for i, amount in enumerate(("3 mg protein", "30 mg protein", "300 mg protein")):
            d = ch.record_supervised_dose(s, people.clinician, cid, i + 1, t0 + dt.timedelta(minutes=20 * i), amount,
                                          "none" if i < 2 else "mild perioral redness")
            assert d["status"] == "taken" and d["setting"] == "clinic"
    with pytest.raises(Forbidden), transaction(engine) as s:
        ch.record_supervised_outcome(s, people.owner, cid, "negative")
    with transaction(engine) as s:
        r = ch.record_supervised_outcome(s, people.clinician, cid, "negative", "no immediate reaction; home observation 48 h")
    assert r["immediate_outcome"] == "negative" and r["status"] == "active"
    with transaction(engine) as s:
        got = ch.get_challenge(s, people.owner, cid)
    utc = t0.astimezone(dt.UTC).replace(tzinfo=None)
    assert [d["taken_at"] for d in got["doses"]] == [(utc + dt.timedelta(minutes=m)).isoformat(timespec="minutes") + "Z"
                                                     for m in (0, 20, 40)]  # stored in UTC
    assert {d["recorded_by_role"] for d in got["doses"]} == {"clinician"}  # given in clinic


def _log_series(engine, people, start: dt.date, values) -> None:  # type: ignore[no-untyped-def]
    for i, v in enumerate(values):
        with transaction(engine) as s:
            diary.put_day(s, people.owner, people.owner_pid, start + dt.timedelta(days=i), diary.DayInput(itch=int(v)))


def _run_home_challenge(engine, people, reacts: bool) -> int:  # type: ignore[no-untyped-def]
    """A home challenge 19 days in the past: 7 baseline days, doses on days 0, 4, 8, diary logged."""
    out = create(engine, people)
    cid = out["id"]
    shift_back(engine, cid, 19)
    rng = np.random.default_rng(7)
    start = TODAY - dt.timedelta(days=19)
    itch = np.clip(np.round(3 + rng.normal(0, 0.6, 19)), 0, 10)
    with transaction(engine) as s:
        c = s.get(FoodChallenge, cid)
        r0 = c.reintroduction_start
        for k, dose in enumerate(s.scalars(select(ChallengeDose).where(ChallengeDose.challenge_id == cid)
                                           .order_by(ChallengeDose.step))):
            dose.status = "taken"
            dose.taken_at = dt.datetime.combine(r0 + dt.timedelta(days=4 * k), dt.time(9))
    if reacts:
        for k in (0, 4, 8):
            itch[7 + k + 1] = 8  # the day after each dose
            itch[7 + k] = max(itch[7 + k], 5)
    _log_series(engine, people, start, itch)
    return cid


@pytest.mark.parametrize("reacts", [True, False])
def test_evaluate_and_clinician_confirms(engine, people, reacts: bool) -> None:
    cid = _run_home_challenge(engine, people, reacts)
    with transaction(engine) as s:
        v = ch.evaluate(s, people.owner, cid)
    assert v["verdict"] == ("reaction_likely" if reacts else "no_reaction")
    assert v["baseline_days"] == 7 and v["doses"] == 3
    # a patient cannot mark their own challenge passed (or failed)
    with pytest.raises(Forbidden), transaction(engine) as s:
        ch.confirm_outcome(s, people.owner, cid, "refuted")
    for who in ("stranger", "unlinked"):
        with pytest.raises(NotFound), transaction(engine) as s:
            ch.confirm_outcome(s, getattr(people, who), cid, "refuted")
    outcome = "confirmed" if reacts else "refuted"
    with transaction(engine) as s:
        out = ch.confirm_outcome(s, people.clinician, cid, outcome, "agree with the verdict")
    assert out["status"] == "confirmed" and out["override"] is False
    assert out["allergy_record"]["status"] == outcome and out["allergy_record"]["avoid"] is reacts
    with transaction(engine) as s:
        avoid = ch.avoid_list(s, people.owner, people.owner_pid)
        assert [a["food"] for a in avoid] == (["food.egg"] if reacts else [])
        assert ch.allergy_records(s, people.clinician, people.owner_pid)[0]["status"] == outcome
    with pytest.raises(Conflict), transaction(engine) as s:
        ch.confirm_outcome(s, people.clinician, cid, outcome)
    actions = audit_actions(engine, people.owner_pid)
    assert (people.clinician.user_id, "confirm", "food_challenge") in actions
    assert (people.owner.user_id, "evaluate", "food_challenge") in actions


def test_last_elimination_days_join_the_reference(engine, people) -> None:
    out = create(engine, people, elimination_days=21, elimination_max_days=28, doses=[ch.DoseStep(0, "1/4 egg")])
    cid = out["id"]
    shift_back(engine, cid, 21 + 7 + 3)  # elimination, baseline, one dose and its window are over
    with transaction(engine) as s:
        c = s.get(FoodChallenge, cid)
        first, r0 = c.elimination_start, c.reintroduction_start
        dose = s.scalars(select(ChallengeDose).where(ChallengeDose.challenge_id == cid)).one()
        dose.status, dose.taken_at = "taken", dt.datetime.combine(r0, dt.time(9))
    _log_series(engine, people, first, [3, 4] * 15 + [3])  # every day from the first elimination day
    with transaction(engine) as s:
        v = ch.evaluate(s, people.clinician, cid)
    assert v["baseline_days"] == 7 + ch.ELIMINATION_REFERENCE_DAYS  # not the first 7 elimination days


def test_override_needs_a_reason_and_refuting_takes_food_off_the_list(engine, people) -> None:
    cid = _run_home_challenge(engine, people, reacts=True)
    with transaction(engine) as s:
        s.add(AllergyRecord(patient_id=people.owner_pid, food="food.egg", status="confirmed", avoid=True))
    with transaction(engine) as s:
        assert ch.evaluate(s, people.clinician, cid)["verdict"] == "reaction_likely"
        assert [a["food"] for a in ch.avoid_list(s, people.owner, people.owner_pid)] == ["food.egg"]
    with pytest.raises(InvalidInput), transaction(engine) as s:
        ch.confirm_outcome(s, people.clinician, cid, "refuted")
    with transaction(engine) as s:
        out = ch.confirm_outcome(s, people.clinician, cid, "refuted", "itch rose with a viral illness that week")
    assert out["override"] is True
    with transaction(engine) as s:
        assert ch.avoid_list(s, people.owner, people.owner_pid) == []
    assert (people.clinician.user_id, "override", "food_challenge") in audit_actions(engine, people.owner_pid)


def test_confirmed_allergy_blocks_a_new_home_challenge(engine, people) -> None:
    with transaction(engine) as s:
        s.add(AllergyRecord(patient_id=people.owner_pid, food="food.egg", status="confirmed", avoid=True))
    with pytest.raises(InvalidInput), transaction(engine) as s:
        ch.create_plan(s, people.clinician, people.owner_pid, plan())
    out = create(engine, people, kind="supervised", released_for_home=False)
    assert out["kind"] == "supervised"


def test_safety_stop_counts_as_reaction_in_verdict(engine, people) -> None:
    out = create(engine, people)
    cid = out["id"]
    shift_back(engine, cid, 7)
    with transaction(engine) as s:
        ch.take_dose(s, people.owner, cid, out["doses"][0]["id"], {**NO_SYMPTOMS, "hives": True})
    with transaction(engine) as s:
        v = ch.evaluate(s, people.clinician, cid)
    assert v["verdict"] == "reaction_likely" and any("immediate" in r for r in v["reasons"])


@pytest.mark.parametrize(
    ("food", "amount", "ok"),
    [("food.dairy", "1/4 cooked egg", False), ("food.dairy", "5 ml milk", True), ("food.egg", "2 eggs", True),
     ("food.wheat", "1 slice of bread", True), ("food.peanut", "1/2 cashew", False),
     ("food.sesame", "1 tsp tahini", True), ("food.dairy", "1/4 of the usual serving", True),
     ("food.dairy", "milk with a bit of egg in the batter", True)],  # its own food named: the clinician's words stand
)
def test_a_dose_naming_another_allergen_food_is_refused(engine, people, food, amount, ok) -> None:
    """The plan form once defaulted every challenge to egg doses: a dairy challenge went home as
    'Dairy step 1 (1/4 cooked egg)'."""
    if ok:
        assert create(engine, people, food=food, doses=[ch.DoseStep(0, amount)])["food"] == food
    else:
        with pytest.raises(InvalidInput, match=r"doses\[0\]\.amount: .* names .*, but this challenge is for"), \
                transaction(engine) as s:
            ch.create_plan(s, people.clinician, people.owner_pid, plan(food=food, doses=[ch.DoseStep(0, amount)]))


def test_ending_sharing_stops_the_challenges_that_clinician_supervised(engine, people) -> None:
    """A home reintroduction nobody can see (no clinician gets its safety alerts) must not go on;
    revoking is never blocked, so it stops the challenge and says so."""
    from gutskin.clinic import sharing

    cid = create(engine, people)["id"]
    with transaction(engine) as s:
        access = sharing.list_access(s, people.owner, people.owner_pid)
    assert [a["open_challenges"] for a in access] == [1]
    with transaction(engine) as s:
        assert sharing.revoke(s, people.owner, people.owner_pid, access[0]["consent_id"]) == 1
    with transaction(engine) as s:
        mine = ch.get_challenge(s, people.owner, cid)
    assert mine["status"] == "stopped" and "sharing with the supervising clinician ended" in mine["stop_reason"]
    assert all(d["status"] != "planned" for d in mine["doses"])
    with pytest.raises(NotFound), transaction(engine) as s:  # and the clinician no longer sees it
        ch.get_challenge(s, people.clinician, cid)


def test_ending_sharing_cancels_the_appointments_that_clinician_booked(engine, people) -> None:
    """The clinician's accepted appointment vanished from their queue after a revoke, while the
    patient still read 'accepted … See you then'."""
    from gutskin.clinic import appointments, sharing

    with transaction(engine) as s:
        req = appointments.request_appointment(s, people.owner, people.owner_pid, "Flare", "urgent")
    when = dt.datetime.combine(TODAY + dt.timedelta(days=5), dt.time(10))
    with transaction(engine) as s:
        appointments.respond(s, people.clinician, req["id"], "accept", when, "See you then")
    with transaction(engine) as s:
        access = sharing.list_access(s, people.owner, people.owner_pid)
    assert [a["booked_appointments"] for a in access] == [1]
    with transaction(engine) as s:
        sharing.revoke(s, people.owner, people.owner_pid, access[0]["consent_id"])
    with transaction(engine) as s:
        (mine,) = appointments.my_requests(s, people.owner, people.owner_pid)
    assert mine["status"] == "cancelled" and "sharing with this clinician ended" in mine["message"]


def test_food_logged_in_the_diary_outside_the_doses_is_left_out_of_the_verdict(engine, people) -> None:
    """Egg logged on a baseline day is not a food-free reference day (the CLI's evaluate_frame
    always left such days out; the app counted them, and a patient who kept eating the food
    could 'pass' against a baseline raised by it). Egg logged on a dose day is the dose."""
    cid = _run_home_challenge(engine, people, reacts=True)
    start = TODAY - dt.timedelta(days=19)
    with transaction(engine) as s:
        clean = ch.evaluate(s, people.clinician, cid)
    assert clean["baseline_days"] == 7 and clean["diary_exposures"] == []
    with transaction(engine) as s:
        c = s.get(FoodChallenge, cid)
        r0, end = c.reintroduction_start, c.reintroduction_end
    for day in (start + dt.timedelta(days=1), r0, r0 + dt.timedelta(days=4)):  # one baseline day, two dose days
        with transaction(engine) as s:
            old = diary.list_days(s, people.owner, people.owner_pid, day, day)[0]
            diary.put_day(s, people.owner, people.owner_pid, day, diary.DayInput(itch=old["itch"], factors={"food.egg": 1}))
    with transaction(engine) as s:
        v = ch.evaluate(s, people.clinician, cid)
    assert v["diary_exposures"] == [(start + dt.timedelta(days=1)).isoformat()]
    assert v["baseline_days"] == 7 - 3  # that day and the next two (its 6-48 h window)
    assert any("the diary logs egg on 1 day without a dose" in r for r in v["reasons"])
    assert v["doses"] == 3  # egg logged on the dose days is the dose, not an extra exposure
    # an extra helping between doses (more than a day from any dose) is left out with its window too
    extra = r0 + dt.timedelta(days=2)
    assert extra + dt.timedelta(days=1) < r0 + dt.timedelta(days=4) <= end
    with transaction(engine) as s:
        old = diary.list_days(s, people.owner, people.owner_pid, extra, extra)[0]
        diary.put_day(s, people.owner, people.owner_pid, extra, diary.DayInput(itch=old["itch"], factors={"food.egg": 1}))
    with transaction(engine) as s:
        v = ch.evaluate(s, people.clinician, cid)
    assert extra.isoformat() in v["diary_exposures"] and extra.isoformat() in v["excluded_days"]
