"""Attack walk of the newest surfaces (2026-12-07, docs/security.md "Attack walk 2026-12-07").

Races between the codes of a child's profile, run as explicit interleavings on SQLite and
PostgreSQL (the first transaction holds its write, the second starts and, on PostgreSQL, waits on a
row lock; then the first commits):

- a code cancelled (by the parent, or with a handover) while someone redeems it: the redemption
  had read the code as usable before the cancellation committed, and its claim (``UPDATE ... WHERE
  used_at IS NULL``) then took it anyway on PostgreSQL: the person the parent had just cancelled
  the code for became a co-caregiver, a clinician got the record the patient had withdrawn the code
  for;
- a caregiver code redeemed at the moment the grown-up child redeemed the handover code: the new
  co-caregiver row was not seen by the handover (which ends every co-caregiver's share), so an
  adult kept a ``caregivers`` row on the young person's own profile and the profile's name on
  their "Children you help keep".
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gutskin.clinic import accounts, appointments, caregivers, handover, sharing
from gutskin.clinic.errors import NotFound
from gutskin.store.db import transaction
from gutskin.store.models import AppointmentRequest, Caregiver, Consent, DiaryDay, Invite, Patient, QuestionnaireResponse
from tests.conftest import People, bearer
from tests.safety.lock_waits import until_waiting_or_done


def _account(engine, email: str):  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return accounts.actor_for(accounts.register_patient(s, email, People.password, email.split("@")[0]))


def _teen(engine, people) -> int:  # type: ignore[no-untyped-def]
    """The owner's child Tom, 17 this year (old enough to be handed over)."""
    with transaction(engine) as s:
        return accounts.add_child_profile(s, people.owner, "Tom", dt.date.today().year - 17).id


def _race(engine, first, second) -> list[object]:  # type: ignore[no-untyped-def]
    """``first(s)`` in a transaction that stays open until ``second`` (in its own transaction, on
    another thread) waits for it (PostgreSQL: on a row lock; SQLite: at BEGIN IMMEDIATE); then the
    first commits. Returns what the second returned or raised."""
    outcome: list[object] = []

    def run() -> None:
        try:
            with transaction(engine) as s2:
                outcome.append(second(s2))
        except Exception as exc:  # noqa: BLE001 - what the second one got
            outcome.append(exc)

    with transaction(engine) as s1:
        first(s1)
        s1.flush()
        t = threading.Thread(target=run)
        t.start()
        until_waiting_or_done(engine, t)
        t.join(0.3)
    t.join(30)
    assert not t.is_alive() and len(outcome) == 1, outcome
    return outcome


def test_a_caregiver_code_cancelled_while_it_is_redeemed_is_not_used(engine, people) -> None:  # type: ignore[no-untyped-def]
    """The parent cancels the code they gave; the person redeeming it at that moment is refused
    (was: co-caregiver of the child on PostgreSQL, the 'cancelled' code marked used)."""
    tom = _teen(engine, people)
    with transaction(engine) as s:
        made = caregivers.create_code(s, people.owner, tom)
    outcome = _race(engine, lambda s: caregivers.cancel_code(s, people.owner, tom, int(made["id"])),
                    lambda s: caregivers.redeem(s, people.stranger, made["code"]))
    assert isinstance(outcome[0], NotFound), outcome
    with Session(engine) as s:
        assert s.scalars(select(Caregiver).where(Caregiver.patient_id == tom)).all() == []
        assert s.get(Invite, int(made["id"])).used_at is None
    with transaction(engine) as s:  # and nothing of Tom's on the stranger's list
        assert caregivers.caregiving(s, people.stranger) == []


def test_a_clinician_code_withdrawn_while_it_is_redeemed_links_nobody(engine, people) -> None:  # type: ignore[no-untyped-def]
    """The patient withdraws the code given to a clinician; the clinician entering it at that
    moment is refused (was: linked, reading the record, on PostgreSQL)."""
    with transaction(engine) as s:
        made = sharing.create_invite(s, people.owner, people.owner_pid)
    outcome = _race(engine, lambda s: sharing.cancel_invite(s, people.owner, people.owner_pid, int(made["id"])),
                    lambda s: sharing.accept_invite(s, people.unlinked, made["code"]))
    assert isinstance(outcome[0], NotFound), outcome
    with Session(engine) as s:
        assert s.scalars(select(Consent).where(Consent.clinician_user_id == people.unlinked.user_id)).all() == []


@pytest.mark.parametrize("handover_first", [False, True], ids=["caregiver-first", "handover-first"])
def test_a_caregiver_code_redeemed_during_the_handover_leaves_no_co_caregiver(
        engine, people, handover_first: bool) -> None:  # type: ignore[no-untyped-def]
    """Grandma redeems the caregiver code the parent gave her while Tom redeems his handover code:
    whichever comes first, once both are done Tom's own profile has no co-caregiver, and Grandma's
    "Children you help keep" does not name him."""
    tom = _teen(engine, people)
    grandma, grown = _account(engine, "grandma@example.org"), _account(engine, "tom@example.org")
    with transaction(engine) as s:
        cg = caregivers.create_code(s, people.owner, tom)["code"]
        hc = handover.create_code(s, people.owner, tom)["code"]

    def take(s: Session) -> int:
        return handover.redeem(s, grown, hc)

    def join(s: Session) -> int:
        return caregivers.redeem(s, grandma, cg)

    outcome = _race(engine, take, join) if handover_first else _race(engine, join, take)
    if handover_first:
        assert isinstance(outcome[0], NotFound), outcome  # the code went with the handover
    else:
        assert outcome == [tom]  # the handover came second and ended Grandma's share as everyone's
    with Session(engine) as s:
        p = s.get(Patient, tom)
        assert (p.owner_user_id, p.relationship) == (grown.user_id, "self")
        assert s.scalars(select(Caregiver).where(Caregiver.patient_id == tom)).all() == []
    with transaction(engine) as s:
        assert caregivers.caregiving(s, grandma) == []


def test_a_co_caregiver_row_left_on_a_grown_ups_profile_names_nothing(engine, people) -> None:  # type: ignore[no-untyped-def]
    """A row such a race left before the fix (a database of the old code): the profile is the young
    person's own now, so the adult's list of children does not name it (it named Tom and 'managed
    by' his parent) and it gives no access."""
    tom = _teen(engine, people)
    grown = _account(engine, "tom@example.org")
    with transaction(engine) as s:
        hc = handover.create_code(s, people.owner, tom)["code"]
    with transaction(engine) as s:
        handover.redeem(s, grown, hc)
    with transaction(engine) as s:  # the row the old code's race left behind
        s.add(Caregiver(patient_id=tom, user_id=people.stranger.user_id, granted_by_user_id=people.owner.user_id))
    with transaction(engine) as s:
        assert caregivers.caregiving(s, people.stranger) == []


@pytest.mark.parametrize("what", ["account", "profile"])
@pytest.mark.parametrize("handover_first", [True, False], ids=["handover-first", "deletion-first"])
def test_the_parent_deleting_during_the_handover_never_erases_the_young_persons_record(
        engine, people, what: str, handover_first: bool) -> None:  # type: ignore[no-untyped-def]
    """The parent deletes their account (or Tom's profile) at the moment Tom takes the profile over.
    Handover first: the record is Tom's when the deletion goes ahead, so it is not erased (was, on
    PostgreSQL: the deletion had listed the profile as the parent's, waited for the handover's lock
    and then deleted Tom's own record with every day in it). Deletion first: the profile is gone and
    Tom's code finds nothing; his own profile is kept."""
    tom = _teen(engine, people)
    grown = _account(engine, "tom@example.org")
    with transaction(engine) as s:
        hc = handover.create_code(s, people.owner, tom)["code"]
        grown_own = s.scalar(select(Patient.id).where(Patient.owner_user_id == grown.user_id))

    def take(s: Session) -> int:
        return handover.redeem(s, grown, hc)

    def delete(s: Session) -> object:
        if what == "account":
            return accounts.delete_account(s, people.owner, People.password)
        return accounts.delete_child_profile(s, people.owner, tom, People.password)

    outcome = _race(engine, take, delete) if handover_first else _race(engine, delete, take)
    with Session(engine) as s:
        p = s.get(Patient, tom)
        if handover_first:
            assert p is not None and (p.owner_user_id, p.relationship) == (grown.user_id, "self")
            if what == "profile":
                assert isinstance(outcome[0], NotFound), outcome  # no longer the parent's to delete
            else:
                assert not isinstance(outcome[0], Exception), outcome  # the account goes, without Tom's record
        else:
            assert p is None and isinstance(outcome[0], NotFound), outcome
            assert s.get(Patient, grown_own) is not None


@pytest.mark.parametrize("write", ["clinician code", "caregiver code", "appointment"])
def test_the_parent_cannot_speak_for_the_record_once_it_is_handed_over(engine, people, write: str) -> None:  # type: ignore[no-untyped-def]
    """The parent makes a clinician code (or a caregiver code, or requests an appointment) at the
    moment Tom takes the profile over: refused (404), nothing of the parent's on Tom's record. Was,
    on PostgreSQL: a clinician code of Tom's record in the parent's hands after the handover (the
    handover had cancelled the codes it saw), which any clinician could redeem to read it."""
    tom = _teen(engine, people)
    grown = _account(engine, "tom@example.org")
    with transaction(engine) as s:
        hc = handover.create_code(s, people.owner, tom)["code"]
        sharing.accept_invite(s, people.clinician, sharing.create_invite(s, people.owner, tom)["code"])
        before = s.scalar(select(func.count()).select_from(Invite).where(Invite.patient_id == tom))

    def parent(s: Session) -> object:
        if write == "clinician code":
            return sharing.create_invite(s, people.owner, tom)
        if write == "caregiver code":
            return caregivers.create_code(s, people.owner, tom)
        return appointments.request_appointment(s, people.owner, tom, "Tom's skin is worse")

    outcome = _race(engine, lambda s: handover.redeem(s, grown, hc), parent)
    assert isinstance(outcome[0], NotFound), outcome
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Invite).where(Invite.patient_id == tom)) == before
        assert s.scalars(select(AppointmentRequest).where(AppointmentRequest.patient_id == tom)).all() == []


# ---- checks that held (2026-12-07), kept as regression tests where nothing covered them ----


def test_a_replace_id_naming_another_patients_answer_changes_nothing(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    """The questionnaire's ``?replace=<id>`` (an answer of the day by another account) given the
    id of another patient's answer: on the caller's own profile it replaces nothing of theirs (a
    new answer of the caller's), on the other patient's profile it is 404; the other answer stays."""
    a, b = bearer(client, "owner@example.org"), bearer(client, "stranger@example.org")
    mine = client.post(f"/api/v1/me/questionnaires/poem?patient_id={people.owner_pid}", json={"answers": [3] * 7},
                       headers=a)
    assert mine.status_code == 201, mine.text
    rid = mine.json()["id"]
    theirs = client.post(f"/api/v1/me/questionnaires/poem?patient_id={people.stranger_pid}&replace={rid}",
                         json={"answers": [0] * 7}, headers=b)
    assert theirs.status_code == 201 and theirs.json()["id"] != rid, theirs.text
    for who, pid in ((b, people.owner_pid), (bearer(client, "unlinked@clinic.example.org"), people.owner_pid)):
        r = client.post(f"/api/v1/me/questionnaires/poem?patient_id={pid}&replace={rid}", json={"answers": [0] * 7},
                        headers=who)
        assert r.status_code in (403, 404), r.text
    with Session(engine) as s:
        row = s.get(QuestionnaireResponse, rid)
        assert (row.patient_id, row.total, row.author_user_id) == (people.owner_pid, 21, people.owner.user_id)
        assert s.scalar(select(func.count()).select_from(QuestionnaireResponse)
                        .where(QuestionnaireResponse.patient_id == people.owner_pid)) == 1


def test_cached_insights_end_with_the_handover_for_the_parent_and_the_co_caregiver(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    """Tom's triggers and forecast computed (and cached) while his parent kept the profile: after
    the handover the parent and the co-caregiver get 404 (the cache is per profile, every read is
    authorized first); Tom and the clinic he shares it with still read them."""
    tom = _teen(engine, people)
    today = dt.date.today()
    with transaction(engine) as s:
        for i in range(1, 31):
            s.add(DiaryDay(patient_id=tom, day=today - dt.timedelta(days=i), itch=(i * 7) % 11, sleep_loss=i % 4))
        cg = caregivers.create_code(s, people.owner, tom)["code"]
        sharing.accept_invite(s, people.clinician, sharing.create_invite(s, people.owner, tom)["code"])
        hc = handover.create_code(s, people.owner, tom)["code"]
    with transaction(engine) as s:
        caregivers.redeem(s, people.stranger, cg)
    a, b = bearer(client, "owner@example.org"), bearer(client, "stranger@example.org")
    for h in (a, b):
        r = client.get(f"/api/v1/me/insights?patient_id={tom}&wait=10", headers=h)
        assert r.status_code == 200 and r.json().get("status") != "computing", r.text
    grown = _account(engine, "tom@example.org")
    with transaction(engine) as s:
        handover.redeem(s, grown, hc)
    for h in (a, b):
        assert client.get(f"/api/v1/me/insights?patient_id={tom}&wait=1", headers=h).status_code == 404
        assert client.get(f"/api/v1/patients/{tom}/insights", headers=h).status_code in (403, 404)
    t = bearer(client, "tom@example.org")
    assert client.get("/api/v1/me/insights?wait=10", headers=t).status_code == 200
    assert client.get(f"/api/v1/patients/{tom}/insights", headers=bearer(client, "linked@clinic.example.org")).status_code == 200
