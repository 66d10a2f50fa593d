"""A flood of sign-ins cannot take the server's worker threads from everyone else (fourth
security review).

Found live: one anonymous client sending 100 parallel ``POST /api/v1/auth/token`` with made-up
addresses (each one a real argon2 check; the sign-in limits count per address, and every
address was new) held all 40 worker threads waiting for the two password-hash slots, and a
patient's diary read took 13 s instead of 14 ms. Sign-in and register now wait for a hash slot
in the event loop (``gutskin.web.hashgate``) and only then take a thread; beyond
``hashgate.MAX_QUEUED`` waiting requests the next is answered 429 at once.

The test holds both hash slots itself (``passwords._slots``, the semaphore every argon2 call
takes), as two long password checks in progress would, so the queue is there for as long as
the test needs on any machine.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from gutskin.clinic import passwords
from gutskin.settings import Settings
from gutskin.store.db import get_engine
from tests.conftest import TEST_SECRET, People, bearer


def _flood(c: TestClient, n: int, answers: list[tuple[float, int]], page: bool = False) -> list[threading.Thread]:
    def one() -> None:
        body = {"email": f"x{uuid.uuid4().hex}@example.org", "password": "wrong password 1"}
        r = c.post("/api/v1/auth/token", json=body)
        answers.append((time.monotonic(), r.status_code))

    threads = [threading.Thread(target=one, daemon=True) for _ in range(n)]
    for t in threads:
        t.start()
    return threads


@contextlib.contextmanager
def _hash_slots_held() -> Iterator[None]:
    """Hold every password-hash slot, as long password checks in progress would; a timer frees
    them after 20 s in any case (the old code's stalled threads get free in the end)."""
    for _ in range(passwords.HASH_SLOTS):
        passwords._slots.acquire()
    release = threading.Timer(20, lambda: [passwords._slots.release() for _ in range(passwords.HASH_SLOTS)])
    release.start()
    try:
        yield
    finally:
        if release.is_alive():
            release.cancel()
            for _ in range(passwords.HASH_SLOTS):
                passwords._slots.release()


@pytest.fixture
def app(sqlite_url: str):  # type: ignore[no-untyped-def]
    from gutskin.web import create_app

    People(get_engine(sqlite_url))
    # 50 registrations from one test client below: above the per-network registration cap (20 an
    # hour, test_registration_network_cap.py), which is not what these tests are about
    return create_app(Settings(database_url=sqlite_url, secret_key=TEST_SECRET, env="test", register_max_per_network=1000))


def test_a_diary_read_is_served_while_sign_ins_wait_for_a_hash_slot(app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as c:
        h = bearer(c, "owner@example.org")
        answers: list[tuple[float, int]] = []
        with _hash_slots_held():
            threads = _flood(c, 60, answers)
            time.sleep(1.5)  # every sign-in is in: waiting for a slot
            t0 = time.monotonic()
            r = c.get("/api/v1/me/diary", headers=h)
            took = time.monotonic() - t0
        for t in threads:
            t.join(timeout=60)
    assert r.status_code == 200
    assert took < 5, f"a diary read waited {took:.1f} s behind sign-ins waiting for a password-hash slot"
    assert len(answers) == 60 and {s for _, s in answers} <= {401, 429}, sorted({s for _, s in answers})


def test_beyond_the_queue_a_sign_in_is_told_at_once_the_server_is_busy(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from gutskin.web import hashgate

    monkeypatch.setattr(hashgate, "MAX_QUEUED", 10)
    with TestClient(app) as c:
        answers: list[tuple[float, int]] = []
        with _hash_slots_held():
            threads = _flood(c, 30, answers)
            time.sleep(2)
            early = list(answers)  # answered while both slots are still held
        for t in threads:
            t.join(timeout=60)
        # page sign-in: the form again, 429, saying why
        form = c.get("/login")
        assert form.status_code == 200
    # 2 hold a slot (in a thread), 10 wait in the queue, the other 18 are told at once
    assert len(early) >= 18 and all(s == 429 for _, s in early), early
    assert len(answers) == 30 and {s for _, s in answers} <= {401, 429}


def test_registrations_waiting_for_a_hash_slot_hold_no_thread_and_no_lock(app) -> None:  # type: ignore[no-untyped-def]
    """Registering hashes the new password the same way: before its transaction, after a slot.
    (Inside the transaction it held the app's SQLite lock for the whole hash.)"""
    with TestClient(app) as c:
        h = bearer(c, "owner@example.org")
        codes: list[int] = []

        def one() -> None:
            r = c.post("/api/v1/auth/register", json={"email": f"n{uuid.uuid4().hex}@example.org",
                                                     "password": "long password 1"})
            codes.append(r.status_code)

        threads = [threading.Thread(target=one, daemon=True) for _ in range(50)]
        with _hash_slots_held():
            for t in threads:
                t.start()
            time.sleep(1.5)
            t0 = time.monotonic()
            r = c.put("/api/v1/me/diary/2026-11-01", headers=h, json={"itch": 3})
            took = time.monotonic() - t0
        for t in threads:
            t.join(timeout=60)
    assert r.status_code == 200
    assert took < 5, f"a diary write waited {took:.1f} s behind registrations waiting for a password-hash slot"
    assert codes.count(201) == 50, sorted(set(codes))
