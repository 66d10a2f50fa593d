"""Data-rights review: deleting a child's profile, or the whole account, leaves no row about that
profile or person in ANY table (walked over the SQLAlchemy metadata) except the audit rows, which
stay by design and hold no health value; on SQLite and PostgreSQL. Custom factor names the person
typed go too (unless someone else uses the same name), and the insights this process cached for
the profiles are dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import or_, select, text

from gutskin.clinic import accounts, caregivers, diary, insights
from gutskin.store.db import get_engine, transaction
from gutskin.store.models import AuditEvent, Base, Factor
from tests.safety.datarights_world import MARK, seed_profile

KEPT = {"audit_events"}  # append-only by design (docs/security.md); checked to hold no health value below
#: what an audit row's object_id may be: an id, a day, a day range, a challenge's id and day, a
#: window in weeks, a questionnaire's instrument, a format -- never a score, a note or a name
OBJECT_ID = re.compile(r"^(|\d+|\d{4}-\d\d-\d\d|(\d{4}-\d\d-\d\d)?\.\.(\d{4}-\d\d-\d\d)?|\d+:\d{4}-\d\d-\d\d|\d+w|"
                       r"poem|recap|adct|dlqi|cdlqi|csv)$")


def _rows_about(s, seeds: dict[str, set[Any]]) -> dict[str, list[Any]]:  # type: ignore[no-untyped-def]
    """Rows of ``seeds`` ({table: ids}) and of every table that name one of them -- in a ``patient_id`` or
    ``*user_id`` column (with or without a foreign key) or through a foreign key -- and, in turn,
    rows that point at those (a challenge's doses)."""
    ids = {k: set(v) for k, v in seeds.items()}
    found: dict[str, list[Any]] = {}
    changed = True
    while changed:
        changed = False
        for t in Base.metadata.sorted_tables:
            conds = []
            if len(t.primary_key) == 1 and ids.get(t.name):  # the seed rows themselves
                conds.append(next(iter(t.primary_key)).in_(sorted(ids[t.name])))
            for c in t.columns:
                targets = {fk.column.table.name for fk in c.foreign_keys if len(fk.column.table.primary_key) == 1}
                if c.name == "patient_id":
                    targets.add("patients")
                if c.name.endswith("user_id"):
                    targets.add("users")
                conds += [c.in_(sorted(ids[tt])) for tt in targets if ids.get(tt)]
            if not conds:
                continue
            rows = list(s.execute(select(t).where(or_(*conds))).mappings())
            found[t.name] = rows
            if len(t.primary_key) == 1:
                pk = next(iter(t.primary_key)).name
                new = {r[pk] for r in rows} - ids.setdefault(t.name, set())
                if new:
                    ids[t.name] |= new
                    changed = True
    return {k: v for k, v in found.items() if v}


def _world(engine, people) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        child = accounts.add_child_profile(s, people.owner, "Mia", 2019).id
        # a name someone else uses too stays in the vocabulary
        diary.put_day(s, people.stranger, people.stranger_pid, dt.date.today(),
                      diary.DayInput(itch=2, factors={"food.zqx_shared": 1.0}))
    seed_profile(engine, people.owner, people.clinician, people.unlinked, people.owner_pid, "own")
    seed_profile(engine, people.owner, people.clinician, people.unlinked, child, "kid")
    with transaction(engine) as s:
        diary.put_day(s, people.owner, child, dt.date.today(), diary.DayInput(itch=1, factors={"food.zqx_shared": 1.0}))
        code = caregivers.create_code(s, people.owner, child)["code"]
    with transaction(engine) as s:  # the other person helps keep the child's diary (a co-caregiver grant)
        caregivers.redeem(s, people.stranger, code)
    return child


def _others(s, people) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """How many rows are about the other patient, and whether the clinicians' accounts are there.
    Not counted: the other person's co-caregiver grant on the deleted child (it must go with it)."""
    rows = _rows_about(s, {"users": {people.stranger.user_id}, "patients": {people.stranger_pid}})
    rows.pop("caregivers", None)
    clinicians = _rows_about(s, {"users": {people.clinician.user_id, people.unlinked.user_id}})["users"]
    return {**{t: len(r) for t, r in rows.items()}, "clinician_accounts": len(clinicians)}


def _check_audit_rows(rows: list[Any]) -> None:
    """Audit rows kept for a deleted profile name who did what to which object, never a value."""
    assert rows
    for r in rows:
        for col in ("actor_label", "action", "object_type", "object_id"):
            assert MARK not in str(r[col]).lower(), (col, r)
        assert OBJECT_ID.match(r["object_id"]), r
    assert {r["action"] for r in rows} >= {"create", "update", "read", "delete"}


def test_deleting_a_child_profile_leaves_nothing_of_it(engine, people) -> None:  # type: ignore[no-untyped-def]
    child = _world(engine, people)
    with transaction(engine) as s:
        before = _rows_about(s, {"patients": {child}})
        own_before = {t: len(r) for t, r in _rows_about(s, {"patients": {people.owner_pid}}).items()}
        others = _others(s, people)
    # the walk reached every table that holds a profile's records
    assert set(before) >= {"patients", "diary_days", "factor_values", "questionnaire_responses", "consents", "invites",
                           "caregivers",
                           "appointment_requests", "microbiome_samples", "food_challenges", "challenge_doses",
                           "challenge_adherence", "challenge_alerts", "allergy_records", "audit_events"}
    seeds = {t: {r[next(iter(Base.metadata.tables[t].primary_key)).name] for r in rows}
             for t, rows in before.items() if len(Base.metadata.tables[t].primary_key) == 1}
    with transaction(engine) as s:
        accounts.delete_child_profile(s, people.owner, child, people.password)
    with transaction(engine) as s:
        left = _rows_about(s, seeds)
        assert set(left) <= KEPT, {t: len(r) for t, r in left.items() if t not in KEPT}
        _check_audit_rows(left["audit_events"])
        names = set(s.scalars(select(Factor.name)))
        assert f"food.{MARK}_kid_cake" not in names  # typed by the person, used by nobody else
        assert {f"food.{MARK}_own_cake", f"food.{MARK}_shared"} <= names  # still in use
        after_own = {t: len(r) for t, r in _rows_about(s, {"patients": {people.owner_pid}}).items()}
        assert {t: n for t, n in after_own.items() if t != "audit_events"} == \
               {t: n for t, n in own_before.items() if t != "audit_events"}
        assert _others(s, people) == others


def test_deleting_the_account_leaves_nothing_of_the_person(engine, people) -> None:  # type: ignore[no-untyped-def]
    child = _world(engine, people)
    with transaction(engine) as s:
        before = _rows_about(s, {"users": {people.owner.user_id}, "patients": {people.owner_pid, child}})
        others = _others(s, people)
    assert {"users", "patients", "web_sessions"} - set(before) == {"web_sessions"}  # no session in this world
    seeds = {t: {r[next(iter(Base.metadata.tables[t].primary_key)).name] for r in rows}
             for t, rows in before.items() if len(Base.metadata.tables[t].primary_key) == 1}
    with transaction(engine) as s:
        accounts.delete_account(s, people.owner, people.password)
    with transaction(engine) as s:
        left = _rows_about(s, seeds)
        assert set(left) <= KEPT, {t: len(r) for t, r in left.items() if t not in KEPT}
        _check_audit_rows(left["audit_events"])
        assert not [n for n in s.scalars(select(Factor.name)) if MARK in n and n != f"food.{MARK}_shared"]
        # every other person's rows are all there
        assert _others(s, people) == others
        assert s.scalar(select(AuditEvent.id).where(AuditEvent.patient_id == people.owner_pid,
                                                    AuditEvent.action == "delete")) is not None


def _insights_ready(engine, actor, pid) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        for i in range(insights.MIN_DAYS + 2):
            diary.put_day(s, actor, pid, dt.date(2026, 1, 1) + dt.timedelta(days=i), diary.DayInput(itch=i % 7))
    with transaction(engine) as s:
        first = insights.insights_for(s, actor, pid)
    done = insights.settle(pid, first, 120)
    assert done["status"] != "computing"


@pytest.mark.parametrize("what", ["child", "account"])
def test_a_deleted_profiles_cached_insights_are_dropped(engine, people, what: str) -> None:  # type: ignore[no-untyped-def]
    insights.clear_cache()  # another test's database had these ids too
    with transaction(engine) as s:
        child = accounts.add_child_profile(s, people.owner, "Mia", 2019).id
    pid = child if what == "child" else people.owner_pid
    _insights_ready(engine, people.owner, pid)
    _insights_ready(engine, people.stranger, people.stranger_pid)
    assert insights.computed(pid) == 1 and insights.computed(people.stranger_pid) == 1
    with pytest.raises(accounts.AuthenticationFailed), transaction(engine) as s:  # rolled back: nothing dropped
        accounts.delete_child_profile(s, people.owner, child, "wrong password")
    assert insights.computed(pid) == 1
    with transaction(engine) as s:
        if what == "child":
            accounts.delete_child_profile(s, people.owner, child, people.password)
        else:
            accounts.delete_account(s, people.owner, people.password)
    assert insights.computed(pid) == 0
    assert pid not in insights.cached_patients()
    assert people.stranger_pid in insights.cached_patients()  # someone else's stays


def test_sqlite_enforces_foreign_keys_on_every_connection(sqlite_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Deletion relies on ON DELETE CASCADE, which SQLite applies only with PRAGMA foreign_keys=ON,
    per connection: every connection of the pool has it, also after migrations (which turn it off
    around table rebuilds) and after a backup is restored."""
    from gutskin.store import backup
    from gutskin.store.migrate import upgrade

    engine = get_engine(sqlite_url)

    def all_on() -> None:
        # five at once: five DBAPI connections (reads: a deferred BEGIN, not the write lock)
        conns = [engine.connect().execution_options(snapshot_read=True) for _ in range(5)]
        try:
            assert [c.exec_driver_sql("PRAGMA foreign_keys").scalar() for c in conns] == [1] * 5
        finally:
            for c in conns:
                c.close()

    all_on()
    upgrade(sqlite_url)
    all_on()
    backup.backup(sqlite_url, tmp_path / "b.json.gz")
    backup.restore(sqlite_url, tmp_path / "b.json.gz", force=True)
    all_on()
    with engine.connect() as c:  # a raw cascade on a connection from the pool
        c.exec_driver_sql("INSERT INTO users (email, password_hash, role, display_name, session_version, created_at) "
                          "VALUES ('fk@example.org', 'x', 'patient', '', 1, '2026-01-01 00:00:00')")
        uid = c.execute(text("SELECT id FROM users WHERE email = 'fk@example.org'")).scalar()
        c.execute(text("INSERT INTO patients (external_id, owner_user_id, relationship, display_name, share_identity, "
                       "created_at) VALUES ('p-fk', :u, 'self', '', 0, '2026-01-01 00:00:00')"), {"u": uid})
        c.execute(text("DELETE FROM users WHERE id = :u"), {"u": uid})
        assert c.execute(text("SELECT count(*) FROM patients WHERE external_id = 'p-fk'")).scalar() == 0
        c.commit()


def test_an_upload_leaves_no_file_on_disk(engine, people, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A microbiome upload is parsed from a temporary folder that is gone afterwards: the sample
    lives only in the database, so deleting its rows deletes it (nothing to clean up on disk)."""
    import tempfile

    from gutskin.clinic import microbiome
    from tests.safety.datarights_world import PROFILE

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where the upload's temporary folder is made
    with transaction(engine) as s:
        microbiome.upload_sample(s, people.owner, people.owner_pid, "gut.tsv", PROFILE)
    assert list(scratch.iterdir()) == []
