"""argon2 runs in no database transaction: registration, sign-in, password change, account and
child-profile deletion (API and pages) and the operator's CLI, on SQLite and PostgreSQL.

Every transaction here begins with SQLite's write lock (``BEGIN IMMEDIATE``) and, in the web
app, the process's SQLite lock: a hash or check inside one (tens of milliseconds and a core by
design) held every other writer for as long. Until 2026-12-06 the password change, the deletions
and the CLI's ``users create``/``set-password`` hashed or verified inside their write transaction.

The evidence is ordering, not time: the tests' real argon2 hasher is wrapped so that each call
notes whether its thread had a transaction open, counted from the engine's own begin, commit and
rollback events. Behaviour stays: a wrong password is refused with nothing written, a password
changed between the check and the write is refused too.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import event, select

from gutskin.clinic import accounts, passwords
from gutskin.clinic.errors import AuthenticationFailed
from gutskin.store.db import get_engine, transaction
from gutskin.store.models import LoginAttempt, Patient, User
from tests.conftest import People, bearer
from tests.safety.test_attacks import login_page


class Ledger:
    """Open transactions per thread (engine events) and every argon2 call with what was open."""

    def __init__(self, engine) -> None:  # type: ignore[no-untyped-def]
        self.engine = engine
        self.open: Counter[int] = Counter()
        self.calls: list[tuple[str, int]] = []  # (hash | verify, transactions open in the caller's thread)
        event.listen(engine, "begin", self._begin)
        event.listen(engine, "commit", self._end)
        event.listen(engine, "rollback", self._end)

    def _begin(self, conn) -> None:  # type: ignore[no-untyped-def]
        self.open[threading.get_ident()] += 1

    def _end(self, conn) -> None:  # type: ignore[no-untyped-def]
        me = threading.get_ident()
        if self.open[me] > 0:
            self.open[me] -= 1

    def close(self) -> None:
        for name, fn in (("begin", self._begin), ("commit", self._end), ("rollback", self._end)):
            event.remove(self.engine, name, fn)

    def take(self) -> list[tuple[str, int]]:
        out, self.calls = self.calls, []
        return out


class RecordingHasher:
    """The tests' real argon2 hasher; each call notes how many transactions its thread had open."""

    def __init__(self, real: Any, ledger: Ledger) -> None:
        self.real, self.ledger = real, ledger

    def hash(self, password: str) -> str:
        self.ledger.calls.append(("hash", self.ledger.open[threading.get_ident()]))
        return self.real.hash(password)

    def verify(self, password: str, password_hash: str) -> bool:
        self.ledger.calls.append(("verify", self.ledger.open[threading.get_ident()]))
        return self.real.verify(password, password_hash)


@pytest.fixture
def ledger(db_url, monkeypatch):  # type: ignore[no-untyped-def]
    led = Ledger(get_engine(db_url))
    real = passwords._hasher()
    monkeypatch.setattr(passwords, "_hasher", lambda: RecordingHasher(real, led))
    yield led
    led.close()


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _none_inside(calls: list[tuple[str, int]], *kinds: str) -> None:
    assert [k for k, _ in calls] and {k for k, _ in calls} >= set(kinds), calls  # argon2 did run
    inside = [(k, n) for k, n in calls if n]
    assert inside == [], f"argon2 ran inside an open transaction: {calls}"


def _hash_of(engine, email: str) -> str | None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return s.scalar(select(User.password_hash).where(User.email == email))


def test_the_api_hashes_and_checks_passwords_in_no_transaction(client, people, engine, ledger) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/auth/register", json={"email": "new@example.org", "password": "a-long-password-1"})
    assert r.status_code == 201, r.text
    tok = bearer(client, "owner@example.org")
    _none_inside(ledger.take(), "hash", "verify")

    before = _hash_of(engine, "owner@example.org")
    wrong = client.post("/api/v1/me/password", headers=tok, json={"old_password": "not-my-password",
                                                                 "new_password": "a-brand-new-secret"})
    assert wrong.status_code == 401 and _hash_of(engine, "owner@example.org") == before  # refused, nothing written
    ok = client.post("/api/v1/me/password", headers=tok, json={"old_password": People.password,
                                                              "new_password": "a-brand-new-secret"})
    assert ok.status_code == 204, ok.text
    _none_inside(ledger.take(), "hash", "verify")
    assert _hash_of(engine, "owner@example.org") != before


def test_the_api_deletes_an_account_checking_its_password_in_no_transaction(client, people, engine, ledger) -> None:  # type: ignore[no-untyped-def]
    tok = bearer(client, "owner@example.org")
    wrong = client.post("/api/v1/me/delete", headers=tok, json={"password": "not-my-password"})
    assert wrong.status_code == 401 and _hash_of(engine, "owner@example.org") is not None
    ledger.take()
    ok = client.post("/api/v1/me/delete", headers=tok, json={"password": People.password})
    assert ok.status_code == 204, ok.text
    _none_inside(ledger.take(), "verify")
    assert _hash_of(engine, "owner@example.org") is None


def test_the_pages_hash_and_check_passwords_in_no_transaction(client, people, engine, ledger) -> None:  # type: ignore[no-untyped-def]
    form = client.get("/register")
    r = client.post("/register", data={"email": "page@example.org", "password": "a-long-password-2",
                                       "csrf_token": _csrf(form.text)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    client.cookies.clear()
    login_page(client, "owner@example.org")
    _none_inside(ledger.take(), "hash", "verify")

    csrf = _csrf(client.get("/account").text)
    ok = client.post("/account/password", data={"csrf_token": csrf, "current_password": People.password,
                                                "new_password": "a-brand-new-secret"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/login?changed=1"
    _none_inside(ledger.take(), "hash", "verify")


def test_the_pages_delete_a_profile_and_an_account_checking_the_password_in_no_transaction(client, people, engine, ledger) -> None:  # type: ignore[no-untyped-def]
    login_page(client, "owner@example.org")
    with transaction(engine) as s:
        child = accounts.add_child_profile(s, people.owner, "Mia", 2019).id
    csrf = _csrf(client.get("/data").text)
    ledger.take()
    wrong = client.post(f"/profiles/{child}/delete", data={"csrf_token": csrf, "password": "not-my-password"})
    assert wrong.status_code == 401
    with transaction(engine) as s:
        assert s.get(Patient, child) is not None  # refused, nothing deleted
    ok = client.post(f"/profiles/{child}/delete", data={"csrf_token": csrf, "password": People.password},
                     follow_redirects=False)
    assert ok.status_code == 303, ok.text
    with transaction(engine) as s:
        assert s.get(Patient, child) is None
    ok = client.post("/data/delete", data={"csrf_token": csrf, "password": People.password}, follow_redirects=False)
    assert ok.status_code == 303 and _hash_of(engine, "owner@example.org") is None
    _none_inside(ledger.take(), "verify")


def test_the_operators_cli_hashes_before_its_transaction(db_url, people, ledger, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from gutskin.cli import app
    from gutskin.settings import get_settings

    monkeypatch.setenv("GUTSKIN_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        r = CliRunner().invoke(app, ["users", "create", "--email", "doc@clinic.example.org", "--password",
                                     "a-long-password-3", "--role", "clinician"])
        assert r.exit_code == 0, r.output
        r = CliRunner().invoke(app, ["users", "set-password", "--email", "owner@example.org", "--password",
                                     "another-long-password"])
        assert r.exit_code == 0, r.output
        short = CliRunner().invoke(app, ["users", "set-password", "--email", "nobody@example.org", "--password", "short"])
        assert short.exit_code == 2 and "no account with this email" in short.stderr  # refused in the same order
    finally:
        get_settings.cache_clear()
    _none_inside(ledger.take(), "hash")
    engine = get_engine(db_url)
    assert passwords.verify_password("another-long-password", _hash_of(engine, "owner@example.org"))


def test_a_password_changed_between_the_check_and_the_write_is_refused(engine, people) -> None:  # type: ignore[no-untyped-def]
    """The check and the write are two transactions now: a password changed in between (another
    tab, the operator) makes the checked one stale, and the write refuses it; nothing is written."""
    with transaction(engine) as s:
        accounts.record_password_recheck(s, people.owner)
    with transaction(engine) as s:
        check = accounts.check_password_recheck(s, people.owner)
    new_hash = accounts.hash_changed_password(check, People.password, "a-brand-new-secret")
    with transaction(engine) as s:
        accounts.set_password_by_operator(s, "owner@example.org", "the-operators-choice")
    operators = _hash_of(engine, "owner@example.org")
    for finish in (lambda s: accounts.finish_password_change(s, people.owner, check, new_hash),
                   lambda s: accounts.finish_delete_account(s, people.owner, check)):
        with pytest.raises(AuthenticationFailed), transaction(engine) as s:
            finish(s)
        assert _hash_of(engine, "owner@example.org") == operators  # neither changed nor deleted
    with transaction(engine) as s:  # the re-check count stays (only a finished check clears it)
        assert s.scalar(select(LoginAttempt.id).where(LoginAttempt.key == accounts._recheck_key(check.user_id)))
