"""A one-time invite code redeemed by several clinicians at the same moment links exactly one."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text

from gutskin.clinic import accounts, sharing
from gutskin.clinic.errors import NotFound
from gutskin.store.db import transaction
from gutskin.store.models import Consent, Invite

USED = "code: this invite code is unknown, used or expired"
N = 6


def _clinicians(engine) -> list:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return [accounts.actor_for(accounts.create_user(s, f"race{i}@clinic.example.org", "race password 123",
                                                        "clinician", f"Dr Race {i}")) for i in range(N)]


def _redeem(engine, actor, code: str) -> str:  # type: ignore[no-untyped-def]
    try:
        with transaction(engine) as s:
            sharing.accept_invite(s, actor, code)
        return "linked"
    except NotFound as exc:
        return str(exc)


def _lock_waiters(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                "AND wait_event_type = 'Lock'")) or 0


def test_one_invite_code_links_one_clinician_however_many_redeem_it_at_once(engine, people) -> None:
    racers = _clinicians(engine)
    with transaction(engine) as s:
        code = sharing.create_invite(s, people.owner, people.owner_pid)["code"]
        invite_id = s.scalar(select(func.max(Invite.id)))
    start = threading.Barrier(N)

    def go(actor):  # type: ignore[no-untyped-def]
        start.wait()
        return _redeem(engine, actor, code)

    if engine.dialect.name == "postgresql":
        # Hold the invite's row lock while every racer reads the unused code, so all of them are
        # inside accept_invite together (deterministic, not a lucky interleaving); then let go.
        with engine.connect() as blocker:
            tx = blocker.begin()
            blocker.execute(text("SELECT id FROM invites WHERE id = :i FOR UPDATE"), {"i": invite_id})
            with ThreadPoolExecutor(max_workers=N) as pool:
                futures = [pool.submit(go, a) for a in racers]
                deadline = time.monotonic() + 20
                while _lock_waiters(engine) < N and time.monotonic() < deadline:
                    time.sleep(0.05)
                assert _lock_waiters(engine) == N  # every racer read the code as unused and waits to claim it
                tx.rollback()
                results = [f.result(timeout=60) for f in futures]
    else:  # SQLite: one writer at a time (BEGIN IMMEDIATE); the racers still start together
        with ThreadPoolExecutor(max_workers=N) as pool:
            results = list(pool.map(go, racers))

    assert results.count("linked") == 1, results
    assert sorted(r for r in results if r != "linked") == [USED] * (N - 1)
    ids = {a.user_id for a in racers}
    with transaction(engine) as s:
        linked = s.scalars(select(Consent.clinician_user_id).where(Consent.patient_id == people.owner_pid)).all()
        assert len([u for u in linked if u in ids]) == 1
        assert s.get(Invite, invite_id).used_at is not None
    assert _redeem(engine, racers[0], code) == USED  # and afterwards it stays used


@pytest.mark.parametrize("twice", [False, True])
def test_a_used_code_gives_the_same_answer_as_an_unknown_one(engine, people, twice: bool) -> None:
    racers = _clinicians(engine)[:2]
    with transaction(engine) as s:
        code = sharing.create_invite(s, people.owner, people.owner_pid)["code"]
    assert _redeem(engine, racers[0], code) == "linked"
    assert _redeem(engine, racers[1 if twice else 0], code) == USED
    assert _redeem(engine, racers[1], "ZZZZ-ZZZZ-ZZZZ") == USED
