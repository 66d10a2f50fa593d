"""A child's second caregiver, at the use cases (clinic layer), on SQLite and PostgreSQL.

The managing parent (``people.owner``) makes a caregiver code for a child; another person account
(``people.stranger``, "B") redeems it and keeps the child's day-to-day record; everything only the
managing account may do stays 404 for B; the parent removes B or B leaves; every step is audited.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from gutskin.clinic import (
    access,
    accounts,
    appointments,
    audit,
    caregivers,
    diary,
    export,
    microbiome,
    questionnaires,
    sharing,
)
from gutskin.clinic.errors import Conflict, Forbidden, InvalidInput, NotFound
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent, Caregiver, DiaryDay, Invite, QuestionnaireResponse

DAY = dt.date.today() - dt.timedelta(days=1)


def _world(engine, people):  # type: ignore[no-untyped-def]
    """Two children of the owner (Mia, Leo); B co-cares for Mia only."""
    with transaction(engine) as s:
        mia = accounts.add_child_profile(s, people.owner, "Mia", 2019).id
        leo = accounts.add_child_profile(s, people.owner, "Leo", 2021).id
        code = caregivers.create_code(s, people.owner, mia)["code"]
    with transaction(engine) as s:
        assert caregivers.redeem(s, people.stranger, code.lower().replace("-", " ")) == mia
    return mia, leo


def _events(s, pid: int) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [tuple(r) for r in s.execute(select(AuditEvent.actor_user_id, AuditEvent.action, AuditEvent.object_type)
                                        .where(AuditEvent.patient_id == pid).order_by(AuditEvent.id)).all()]


def test_a_co_caregiver_keeps_the_childs_diary_as_its_author(engine, people) -> None:  # type: ignore[no-untyped-def]
    mia, _ = _world(engine, people)
    b = people.stranger
    with transaction(engine) as s:
        diary.put_day(s, b, mia, DAY, diary.DayInput(itch=4, notes="from dad's"))
        questionnaires.submit(s, b, mia, "poem", {"answers": [1, 1, 1, 1, 1, 1, 1]}, DAY, respondent="proxy")
    with transaction(engine) as s:
        row = s.get(DiaryDay, (mia, DAY))
        assert (row.author_user_id, row.author_role) == (b.user_id, "co_caregiver")
        q = s.scalar(select(QuestionnaireResponse).where(QuestionnaireResponse.patient_id == mia))
        assert (q.author_user_id, q.author_role) == (b.user_id, "co_caregiver")
        assert [d["itch"] for d in diary.list_days(s, b, mia)] == [4]
        # the parent's own entry on the same child stays the parent's
        diary.put_day(s, people.owner, mia, DAY - dt.timedelta(days=1), diary.DayInput(itch=2))
        assert s.get(DiaryDay, (mia, DAY - dt.timedelta(days=1))).author_role == "caregiver"
        # B sees Mia in its switcher, after its own profile; its default stays its own
        assert [p.id for p in access.profiles(s, b)] == [people.stranger_pid, mia]
        assert access.default_patient(s, b).id == people.stranger_pid
        assert [c["email"] for c in caregivers.list_caregivers(s, people.owner, mia)] == [b.label]
        assert [c["patient_id"] for c in caregivers.caregiving(s, b)] == [mia]
    with transaction(engine) as s:
        ev = _events(s, mia)
    assert (people.owner.user_id, "create", "caregiver_invite") in ev
    assert (b.user_id, "link", "caregiver") in ev
    assert (b.user_id, "create", "diary_day") in ev
    assert (b.user_id, "read", "diary") in ev


@pytest.mark.parametrize("what", ["share", "access", "revoke", "log", "codes", "make_code", "caregivers", "remove",
                                  "delete_profile", "appointment"])
def test_a_co_caregiver_cannot_do_what_only_the_managing_parent_may(engine, people, what) -> None:  # type: ignore[no-untyped-def]
    mia, _ = _world(engine, people)
    b = people.stranger
    with transaction(engine) as s:
        own_row = s.scalar(select(Caregiver.id))
        calls = {
            "share": lambda: sharing.create_invite(s, b, mia),
            "access": lambda: sharing.list_access(s, b, mia),
            "revoke": lambda: sharing.revoke(s, b, mia, 1),
            "log": lambda: audit.access_log(s, b, mia),
            "codes": lambda: caregivers.list_codes(s, b, mia),
            "make_code": lambda: caregivers.create_code(s, b, mia),
            "caregivers": lambda: caregivers.list_caregivers(s, b, mia),
            "remove": lambda: caregivers.remove(s, b, mia, own_row),
            "delete_profile": lambda: accounts.delete_child_profile(s, b, mia, people.password),
            "appointment": lambda: appointments.request_appointment(s, b, mia, "flare", "soon", "", zone="UTC"),
        }
        with pytest.raises(NotFound):
            calls[what]()
    with transaction(engine) as s:
        assert s.scalar(select(Caregiver.id)) == own_row


def test_a_co_caregiver_of_one_child_gets_404_for_everyone_else(engine, people) -> None:  # type: ignore[no-untyped-def]
    _, leo = _world(engine, people)
    b = people.stranger
    for pid in (leo, people.owner_pid):
        with transaction(engine) as s:
            for call in (lambda: access.patient_for_read(s, b, pid), lambda: access.patient_for_entry(s, b, pid),
                         lambda: diary.list_days(s, b, pid),
                         lambda: diary.put_day(s, b, pid, DAY, diary.DayInput(itch=1)),
                         lambda: caregivers.leave(s, b, pid)):
                with pytest.raises(NotFound):
                    call()
    with transaction(engine) as s:
        assert s.scalar(select(DiaryDay.patient_id)) is None


def test_codes_are_one_kind_once_and_only_for_a_childs_parent(engine, people) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        mia = accounts.add_child_profile(s, people.owner, "Mia", 2019).id
        clinician_code = sharing.create_invite(s, people.owner, mia)["code"]
        code = caregivers.create_code(s, people.owner, mia)["code"]
        spare = caregivers.create_code(s, people.owner, mia)
        with pytest.raises(InvalidInput):  # the account's own profile takes no caregiver
            caregivers.create_code(s, people.owner, people.owner_pid)
        with pytest.raises(NotFound):  # a stranger's child
            caregivers.create_code(s, people.stranger, mia)
        # the lists keep the kinds apart: a caregiver code is not "a code for your clinician"
        assert len(sharing.list_invites(s, people.owner, mia)) == 1
        assert [c["id"] for c in caregivers.list_codes(s, people.owner, mia)][-1] == spare["id"]
        with pytest.raises(NotFound):
            sharing.cancel_invite(s, people.owner, mia, int(spare["id"]))
        caregivers.cancel_code(s, people.owner, mia, int(spare["id"]))
    with transaction(engine) as s:
        with pytest.raises(NotFound):  # a clinician's code grants no caregiving
            caregivers.redeem(s, people.stranger, clinician_code)
        with pytest.raises(NotFound):  # and a caregiver's code no clinician access
            sharing.accept_invite(s, people.clinician, code)
        with pytest.raises(Forbidden):
            caregivers.redeem(s, people.clinician, code)
        with pytest.raises(NotFound):  # cancelled
            caregivers.redeem(s, people.stranger, spare["code"])
        with pytest.raises(InvalidInput):  # the parent's own code is refused and stays usable
            caregivers.redeem(s, people.owner, code)
    with transaction(engine) as s:
        assert caregivers.redeem(s, people.stranger, code) == mia
    with transaction(engine) as s:
        c = accounts.register_patient(s, "grandma@example.org", people.password, "Grandma")
        with pytest.raises(NotFound):  # used
            caregivers.redeem(s, accounts.actor_for(c), code)
        again = caregivers.create_code(s, people.owner, mia)["code"]
        with pytest.raises(Conflict):
            caregivers.redeem(s, people.stranger, again)
        assert s.scalar(select(Invite.used_at).where(Invite.kind == "caregiver", Invite.id == int(
            caregivers.list_codes(s, people.owner, mia)[-1]["id"]))) is None


@pytest.mark.parametrize("how", ["removed", "left"])
def test_a_removed_or_departed_co_caregiver_loses_the_child_at_once(engine, people, how) -> None:  # type: ignore[no-untyped-def]
    mia, leo = _world(engine, people)
    b = people.stranger
    with transaction(engine) as s:
        diary.put_day(s, b, mia, DAY, diary.DayInput(itch=5))
        row = s.scalar(select(Caregiver))
        if how == "removed":
            with pytest.raises(NotFound):  # another child's grant id
                caregivers.remove(s, people.owner, leo, row.id)
            caregivers.remove(s, people.owner, mia, row.id)
        else:
            caregivers.leave(s, b, mia)
    with transaction(engine) as s:
        for call in (lambda: diary.list_days(s, b, mia), lambda: diary.put_day(s, b, mia, DAY, diary.DayInput(itch=1)),
                     lambda: microbiome.list_samples(s, b, mia), lambda: caregivers.leave(s, b, mia)):
            with pytest.raises(NotFound):
                call()
        assert [p.id for p in access.profiles(s, b)] == [people.stranger_pid]
        day = s.get(DiaryDay, (mia, DAY))  # the entry stays, still B's
        assert (day.itch, day.author_user_id, day.author_role) == (5, b.user_id, "co_caregiver")
        ev = _events(s, mia)
    who = people.owner.user_id if how == "removed" else b.user_id
    assert (who, "remove" if how == "removed" else "leave", "caregiver") in ev


@pytest.mark.parametrize("gone", ["child", "parent", "co_caregiver"])
def test_the_grant_goes_with_the_profile_or_either_account(engine, people, gone) -> None:  # type: ignore[no-untyped-def]
    mia, _ = _world(engine, people)
    with transaction(engine) as s:
        if gone == "child":
            accounts.delete_child_profile(s, people.owner, mia, people.password)
        else:
            accounts.delete_account(s, people.owner if gone == "parent" else people.stranger, people.password)
    with transaction(engine) as s:
        assert s.scalars(select(Caregiver)).all() == []


def test_the_archives_hold_the_grant_for_the_child_and_for_the_co_caregiver(engine, people) -> None:  # type: ignore[no-untyped-def]
    import json

    mia, _ = _world(engine, people)
    with transaction(engine) as s:
        diary.put_day(s, people.stranger, mia, DAY, diary.DayInput(itch=3))
        parent = json.loads(export.archive_json(s, people.owner))
        helper = json.loads(export.archive_json(s, people.stranger))
    child = next(p for p in parent["patients"] if p["patient_id"] == mia)
    assert [c["caregiver"]["email"] for c in child["caregivers"]] == [people.stranger.label]
    assert child["diary"][0]["author"]["email"] == people.stranger.label
    assert [p["patient_id"] for p in helper["patients"]] == [people.stranger_pid]  # not the child's record
    assert [(c["patient_id"], c["granted_by"]["email"]) for c in helper["account"]["caregiving"]] == [
        (mia, people.owner.label)]
