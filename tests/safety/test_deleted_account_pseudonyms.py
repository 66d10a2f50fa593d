"""A deleted patient account's address does not outlive it in the audit log (2026-12-06).

Until now the audit rows an account made kept its e-mail address as ``actor_label`` for ever, also
on other people's records (a co-caregiver's reads of a child's diary), and the account's
per-address sign-in count (a hash anyone can recompute from the address) stayed in
``login_attempts``. Now, in the deletion's own transaction, the rows stay (who did what to which
record when) and name ``deleted-account-<id>``; the patient's access list shows such rows as a
deleted account, not as the server's operator ("system"). A clinician's rows keep the address:
who read a record must stay answerable after the professional's account closes
(docs/security.md, "What deletion keeps"). SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select

from gutskin.clinic import accounts, caregivers, diary
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent, Base, LoginAttempt
from tests.conftest import People, bearer

OWNER = "owner@example.org"


def _trail(s, user_id: int) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [tuple(r) for r in s.execute(
        select(AuditEvent.id, AuditEvent.at, AuditEvent.patient_id, AuditEvent.action, AuditEvent.object_type,
               AuditEvent.object_id).where(AuditEvent.actor_user_id == user_id).order_by(AuditEvent.id))]


def _everywhere(s, needle: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Every table and column whose value holds ``needle`` (walked over the whole schema)."""
    found = []
    for table in Base.metadata.sorted_tables:
        for row in s.execute(select(table)).mappings():
            found += [f"{table.name}.{k}" for k, v in row.items() if needle in str(v).lower()]
    return found


def _world(engine, people: People) -> int:  # type: ignore[no-untyped-def]
    """The owner keeps their own diary and helps keep the stranger's child's (a co-caregiver), and
    someone has mistyped the owner's password once."""
    with transaction(engine) as s:
        child = accounts.add_child_profile(s, people.stranger, "Mia", 2019).id
        code = caregivers.create_code(s, people.stranger, child)["code"]
    with transaction(engine) as s:
        caregivers.redeem(s, people.owner, code)
    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, dt.date.today(), diary.DayInput(itch=3))
        diary.put_day(s, people.owner, child, dt.date.today(), diary.DayInput(itch=2))
    with transaction(engine) as s:
        diary.list_days(s, people.owner, child)
    with transaction(engine) as s:
        accounts.record_login_attempt(s, OWNER, network="192.0.2.1")
    with transaction(engine) as s:
        accounts.admit_login_attempt(s, OWNER, network="192.0.2.1")
    return child


def test_a_deleted_patients_address_leaves_the_audit_log_and_the_trail_stays(engine, people: People, client) -> None:  # type: ignore[no-untyped-def]
    child = _world(engine, people)
    uid = people.owner.user_id
    per_address = hashlib.sha256(OWNER.encode()).hexdigest()
    with transaction(engine) as s:
        before = _trail(s, uid)
        assert s.scalar(select(LoginAttempt.id).where(LoginAttempt.key == per_address)) is not None
        assert any(t.startswith("audit_events.") for t in _everywhere(s, OWNER))
    assert {(r[2], r[3]) for r in before} >= {(child, "create"), (child, "read"), (people.owner_pid, "create")}

    token = bearer(client, OWNER)
    assert client.post("/api/v1/me/delete", json={"password": People.password}, headers=token).status_code == 204

    with transaction(engine) as s:
        assert _everywhere(s, OWNER) == []  # in no table, no column
        assert s.scalar(select(LoginAttempt.id).where(LoginAttempt.key == per_address)) is None
        after = _trail(s, uid)
        labels = set(s.scalars(select(AuditEvent.actor_label).where(AuditEvent.actor_user_id == uid)))
    # the same rows (plus the deletion's own), each still at its time, on its record, with its action
    assert after[:len(before)] == before and {r[3] for r in after[len(before):]} == {"delete"}
    assert labels == {f"deleted-account-{uid}"}

    # the child's managing parent sees who kept the diary as a deleted account, not as the operator
    parent = bearer(client, "stranger@example.org")
    log = client.get(f"/api/v1/me/audit?patient_id={child}", headers=parent).json()
    gone = [e for e in log if e["actor"] == f"deleted-account-{uid}"]
    assert {e["action"] for e in gone} >= {"create", "read"}, log
    assert {e["actor_role"] for e in gone} == {"deleted"}
    page_client_log = client.get("/api/v1/me/audit", headers=parent).json()
    assert all(OWNER not in str(e) for e in page_client_log)


def test_the_pseudonyms_come_in_the_deletions_own_transaction(engine, people: People) -> None:  # type: ignore[no-untyped-def]
    """A deletion that rolls back leaves the address on the rows (the account is still there); one
    that commits changes the rows with it."""
    _world(engine, people)

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction(engine) as s:
        accounts.delete_account(s, people.owner, People.password)
        raise Abort
    with transaction(engine) as s:
        assert set(s.scalars(select(AuditEvent.actor_label).where(AuditEvent.actor_user_id == people.owner.user_id))) \
            == {OWNER}
    with transaction(engine) as s:
        accounts.delete_account(s, people.owner, People.password)
    with transaction(engine) as s:
        assert set(s.scalars(select(AuditEvent.actor_label).where(AuditEvent.actor_user_id == people.owner.user_id))) \
            == {f"deleted-account-{people.owner.user_id}"}


def test_a_deleted_clinicians_reads_stay_named_and_are_not_put_down_to_the_operator(engine, people: People, client) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, dt.date.today(), diary.DayInput(itch=3))
    with transaction(engine) as s:
        diary.list_days(s, people.clinician, people.owner_pid)
    doctor = bearer(client, "linked@clinic.example.org")
    assert client.post("/api/v1/me/delete", json={"password": People.password}, headers=doctor).status_code == 204
    log = client.get("/api/v1/me/audit", headers=bearer(client, OWNER)).json()
    reads = [e for e in log if e["actor"] == "linked@clinic.example.org" and e["action"] == "read"]
    assert reads and {e["actor_role"] for e in reads} == {"deleted"}, log


@pytest.mark.parametrize("stmt", [
    "UPDATE audit_events SET actor_label = 'someone-else'",
    "UPDATE audit_events SET actor_label = 'deleted-account-999'",  # another account's tag
    "UPDATE audit_events SET actor_label = 'deleted-account-' || actor_user_id, action = 'x'",  # and another column
    "UPDATE audit_events SET actor_label = 'deleted-account-' || actor_user_id, at = at",  # at kept: allowed alone
    "DELETE FROM audit_events",
])
def test_the_append_only_guard_lets_only_the_tag_through(engine, people: People, stmt: str) -> None:  # type: ignore[no-untyped-def]
    """Migration 0014 narrows the database's append-only guard to exactly the deletion's change."""
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    from gutskin.clinic import audit
    from gutskin.clinic.actors import SYSTEM

    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, dt.date.today(), diary.DayInput(itch=3))
        audit.record(s, SYSTEM, people.owner_pid, "update", "password")  # the operator: no account to tag
    with engine.connect() as c:
        before = c.execute(text("SELECT * FROM audit_events ORDER BY id")).all()
    if stmt.endswith("at = at"):  # the one allowed change, on rows that name an account; the operator's row refuses it
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as c:
            c.execute(text(stmt))
        with engine.begin() as c:
            c.execute(text(stmt + " WHERE actor_user_id IS NOT NULL"))
        with engine.connect() as c:
            after = c.execute(text("SELECT actor_user_id, actor_label FROM audit_events ORDER BY id")).all()
        assert (None, "cli") in after and people.owner.user_id in {u for u, _ in after}
        assert all(lab == (f"deleted-account-{u}" if u is not None else "cli") for u, lab in after), after
        return
    with pytest.raises(DatabaseError, match="append-only"), engine.begin() as c:
        c.execute(text(stmt))
    with engine.connect() as c:
        assert c.execute(text("SELECT * FROM audit_events ORDER BY id")).all() == before
