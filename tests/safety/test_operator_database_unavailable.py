"""The database cannot be used (PostgreSQL down or refusing connections, SQLite's disk full or
file read-only): the app answers 503 with ``Retry-After``, says so in words, logs one line naming
the route and the reason, and serves again as soon as the database is back.

Found by the IT-operator review: with the clinic's PostgreSQL refusing connections, ``/healthz``,
every sign-in and every page answered 500 "internal error" (a load balancer cannot tell that from
a bug) and each request logged a 60-line traceback with no time and no route; with the SQLite
disk full, sign-in itself was a 500 (it records the attempt). A statement that is a bug (a table
that is not there) stays a 500 with its traceback.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from gutskin.settings import Settings
from gutskin.store.db import dispose_engines, get_engine
from gutskin.store.migrate import upgrade
from gutskin.web import create_app
from tests.conftest import PG_ADMIN_URL, TEST_SECRET, People, bearer
from tests.e2e.conftest import Server

NOTE = "private note 7c1f"
UNAVAILABLE_DETAIL = "the database is unavailable; nothing was saved; try again in a minute"


def _sign_in_page(base: str, email: str) -> httpx.Client:
    page = httpx.Client(base_url=base, timeout=30)
    form = page.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    r = page.post("/login", data={"email": email, "password": People.password, "csrf_token": csrf})
    assert r.status_code == 303, r.text
    return page


def test_postgresql_refusing_connections_is_a_503_and_the_server_recovers() -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"gutskin_down_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    srv = None
    try:
        upgrade(url)
        People(get_engine(url))
        dispose_engines()
        srv = Server(url)
        api = httpx.Client(base_url=srv.base, timeout=30)
        token = bearer(api, "owner@example.org")
        page = _sign_in_page(srv.base, "owner@example.org")
        with admin.connect() as conn:  # the database goes away under the running server
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})

        health = api.get("/healthz")
        assert health.status_code == 503 and health.headers["retry-after"] == "30", health.text
        assert health.json() == {"detail": UNAVAILABLE_DETAIL}
        write = api.put("/api/v1/me/diary/2026-12-01", json={"itch": 4, "notes": NOTE}, headers=token)
        assert write.status_code == 503 and write.json() == {"detail": UNAVAILABLE_DETAIL}, write.text
        signin = api.post("/api/v1/auth/token", json={"email": "owner@example.org", "password": People.password})
        assert signin.status_code == 503, signin.text
        today = page.get("/today")
        assert today.status_code == 503 and today.headers["retry-after"] == "30"
        assert "gutskin cannot reach its database right now, so nothing was saved" in today.text
        assert "Traceback" not in today.text

        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        statuses = [api.get("/healthz").status_code for _ in range(3)]  # a pooled connection killed above may cost one
        assert statuses[-1] == 200, statuses
        again = api.put("/api/v1/me/diary/2026-12-01", json={"itch": 4, "notes": NOTE}, headers=token)
        assert again.status_code == 200, again.text
    finally:
        if srv is not None:
            srv.stop()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    log = srv.proc.stdout.read() if srv and srv.proc.stdout else ""
    lines = [line for line in log.splitlines() if "database unavailable" in line]
    assert any("database unavailable (PUT /api/v1/me/diary/{day}): connection failed" in line
               and "is not currently accepting connections" in line for line in lines), log[-3000:]
    assert any("(GET /today)" in line for line in lines), log[-3000:]
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} ERROR: ", line) for line in lines), lines
    assert "Traceback" not in log and NOTE not in log and "owner@example.org" not in log, log[-3000:]


@pytest.fixture
def sqlite_app(sqlite_url: str):  # type: ignore[no-untyped-def]
    People(get_engine(sqlite_url))
    app = create_app(Settings(database_url=sqlite_url, secret_key=TEST_SECRET, env="test"))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield app, client


def _break_new_connections(app, pragma: str) -> None:  # type: ignore[no-untyped-def]
    """Every connection the app opens from now on runs ``pragma`` (SQLite's own limits: a page cap
    gives the full disk's SQLITE_FULL, query_only the read-only file's SQLITE_READONLY)."""
    engine = app.state.engine
    event.listen(engine, "connect", lambda dbapi_conn, _r: dbapi_conn.execute(pragma))
    engine.dispose()


def test_sqlite_with_the_disk_full_is_a_503_naming_why(sqlite_app, caplog) -> None:  # type: ignore[no-untyped-def]
    app, client = sqlite_app
    token = bearer(client, "owner@example.org")
    with app.state.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    _break_new_connections(app, f"PRAGMA max_page_count = {pages}")  # the file may not grow: a full disk
    caplog.set_level(logging.ERROR, logger="gutskin.web")
    start = dt.date(2026, 1, 1)
    answers = []
    for i in range(300):
        r = client.put(f"/api/v1/me/diary/{start + dt.timedelta(days=i)}", json={"itch": 4, "notes": NOTE * 200},
                       headers=token)
        answers.append(r.status_code)
        if r.status_code != 200:
            break
    assert answers[-1] == 503 and set(answers[:-1]) <= {200}, answers
    assert r.headers["retry-after"] == "30" and r.json() == {"detail": UNAVAILABLE_DETAIL}
    assert client.get("/api/v1/me/diary", headers=token).status_code == 200  # reading still works
    messages = [rec.getMessage() for rec in caplog.records if rec.name == "gutskin.web"]
    assert messages == ["database unavailable (PUT /api/v1/me/diary/{day}): SQLITE_FULL: database or disk is full"], messages


def test_sqlite_read_only_is_a_503_everywhere_and_healthz_says_so(sqlite_app, caplog) -> None:  # type: ignore[no-untyped-def]
    app, client = sqlite_app
    token = bearer(client, "owner@example.org")
    _break_new_connections(app, "PRAGMA query_only = 1")  # SQLite's answer for a read-only file or folder
    caplog.set_level(logging.ERROR, logger="gutskin.web")
    write = client.put("/api/v1/me/diary/2026-12-01", json={"itch": 4, "notes": NOTE}, headers=token)
    assert write.status_code == 503 and write.headers["retry-after"] == "30", write.text
    assert write.json() == {"detail": UNAVAILABLE_DETAIL}
    signin = client.post("/api/v1/auth/token", json={"email": "owner@example.org", "password": People.password})
    assert signin.status_code == 503, signin.text
    # every transaction takes SQLite's write lock first (store.db._sqlite_begin), so nothing works:
    # the load balancer's health check must say so
    assert client.get("/healthz").status_code == 503
    messages = [rec.getMessage() for rec in caplog.records if rec.name == "gutskin.web"]
    reason = "SQLITE_READONLY: attempt to write a readonly database"
    assert messages == [f"database unavailable (PUT /api/v1/me/diary/{{day}}): {reason}",
                        f"database unavailable (POST /api/v1/auth/token): {reason}",
                        f"database unavailable (GET /healthz): {reason}"], messages
    assert not any(NOTE in m or "owner@example.org" in m for m in messages)


def test_a_statement_that_is_a_bug_stays_a_500_with_its_traceback(sqlite_app, caplog) -> None:  # type: ignore[no-untyped-def]
    app, client = sqlite_app
    token = bearer(client, "owner@example.org")
    with app.state.engine.begin() as conn:
        conn.execute(text("DROP TABLE appointment_requests"))
    caplog.set_level(logging.ERROR, logger="gutskin.web")
    r = client.get("/api/v1/me/appointments", headers=token)
    assert r.status_code == 500 and r.json() == {"detail": "internal error"}, r.text
    messages = [r.getMessage() for r in caplog.records if r.name == "gutskin.web"]
    assert messages == ["internal error on GET /api/v1/me/appointments (the traceback follows)"], messages
