"""The clinician's challenge alerts and reminders: the same as the per-patient reminders, in a
fixed number of statements however many patients are linked (bench/clinic_scale.py: one query
per patient and challenge made the page 0.3 s for 500 patients on PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from gutskin.clinic import accounts, sharing
from gutskin.clinic import challenges as ch
from gutskin.clinic.access import default_patient
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent
from tests.challenges.test_services import NO_SYMPTOMS, plan, shift_back
from tests.web.test_panel_scale import _statements

DOSES = [ch.DoseStep(0, "1 g protein"), ch.DoseStep(4, "3 g protein")]


def _linked_patient(s, people, name: str):  # type: ignore[no-untyped-def]
    """A new patient who shares their record with the clinician: (actor, patient id)."""
    actor = accounts.actor_for(accounts.register_patient(s, f"{name}@example.org", people.password, name))
    pid = default_patient(s, actor).id
    sharing.accept_invite(s, people.clinician, sharing.create_invite(s, actor, pid)["code"])
    return actor, pid


def _linked_patient_with_challenges(engine, people, name: str) -> tuple[int, list[int]]:  # type: ignore[no-untyped-def]
    """A linked patient with an elimination up for review, a finished challenge and a stopped one (alert)."""
    # one food's reintroduction at a time (2026-12-07): each plan is made once the one before is
    # stopped or its reintroduction has passed
    with transaction(engine) as s:
        actor, pid = _linked_patient(s, people, name)
        alerted = ch.create_plan(s, people.clinician, pid, plan(food="food.peanut", doses=DOSES))["id"]
    shift_back(engine, alerted, 7)  # its first dose is today
    with transaction(engine) as s:
        dose = ch.get_challenge(s, actor, alerted)["doses"][0]["id"]
        ch.take_dose(s, actor, alerted, dose, {**NO_SYMPTOMS, "hives": True})
    with transaction(engine) as s:
        finished = ch.create_plan(s, people.clinician, pid, plan(food="food.milk", doses=DOSES))["id"]
    shift_back(engine, finished, 40)  # reintroduction over: the verdict is due
    with transaction(engine) as s:
        review = ch.create_plan(s, people.clinician, pid, plan(elimination_days=21, elimination_max_days=28))["id"]
    shift_back(engine, review, 20)  # a week before its maximum: up for review
    return pid, [review, finished, alerted]


def test_alerts_and_due_reminders_match_each_patients_own(engine, people) -> None:  # type: ignore[no-untyped-def]
    made = dict(_linked_patient_with_challenges(engine, people, f"p{k}") for k in range(3))
    with transaction(engine) as s:
        before = s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.object_type == "challenge_reminders"))
        got = ch.clinician_alerts(s, people.clinician)
        expected = [(pid, r["kind"], r["challenge_id"], r["text"]) for pid in made for c in ch._open_challenges(s, [pid])
                    for r in ch._challenge_reminders(c, ch._doses(s, c), dt.date.today(), reader="clinician")
                    if r["kind"] in ("elimination_review", "review_result")]
    assert sorted((r["patient_id"], r["kind"], r["challenge_id"], r["text"]) for r in got["due"]) == sorted(expected)
    assert {(r["patient_id"], r["kind"], r["challenge_id"]) for r in got["due"]} == {
        (pid, kind, cids[i]) for pid, cids in made.items() for i, kind in ((0, "elimination_review"), (1, "review_result"))}
    assert {r["patient_name"] for r in got["due"]} == {"p0", "p1", "p2"}
    assert sorted((a["patient_id"], a["challenge_id"], a["food"], a["patient_name"]) for a in got["alerts"]) == sorted(
        (pid, cids[2], "food.peanut", f"p{k}") for k, (pid, cids) in enumerate(made.items()))
    assert [a["id"] for a in got["alerts"]] == sorted((a["id"] for a in got["alerts"]), reverse=True)  # newest first
    with transaction(engine) as s:
        audited = set(s.scalars(select(AuditEvent.patient_id).where(AuditEvent.object_type.in_(
            ("challenge_alert", "challenge_reminders")), AuditEvent.actor_user_id == people.clinician.user_id)).all())
        after = s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.object_type == "challenge_reminders"))
    assert audited == set(made) and after == before  # each patient's read audited once (the alert's row comes first)
    with transaction(engine) as s:
        assert ch.clinician_alerts(s, people.unlinked) == {"alerts": [], "due": [], "running": []}


def _linked_patient_up_for_review(engine, people, name: str) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        _, pid = _linked_patient(s, people, name)
        cid = ch.create_plan(s, people.clinician, pid, plan(elimination_days=21, elimination_max_days=28))["id"]
    shift_back(engine, cid, 20)


def test_alert_statements_do_not_grow_with_patients(engine, people) -> None:  # type: ignore[no-untyped-def]
    _linked_patient_with_challenges(engine, people, "first")
    _linked_patient_up_for_review(engine, people, "second")

    def alerts() -> int:
        with transaction(engine) as s:
            return len(ch.clinician_alerts(s, people.clinician)["due"])

    few = _statements(engine, alerts)
    for k in range(4):
        _linked_patient_up_for_review(engine, people, f"more{k}")
    assert _statements(engine, alerts) == few
    with transaction(engine) as s:
        assert len(ch.clinician_alerts(s, people.clinician)["due"]) == 2 + 1 + 4
