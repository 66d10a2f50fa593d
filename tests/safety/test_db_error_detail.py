"""PostgreSQL's own DETAIL line never reaches a person or the server log.

``hide_parameters=True`` keeps a statement's bound values out of a database error's message,
but PostgreSQL quotes the row back itself: ``DETAIL:  Key (email)=(…) already exists``,
``Failing row contains (…)``; a data exception's first line quotes the value. The engine's
``handle_error`` hook rewrites the message (gutskin.store.db.postgres_error_text).

Provoked for real: two registrations of the same address race. The other one's row is
inserted but not committed, so the route's "already taken?" check does not see it; the route's
INSERT waits on the unique index; the other transaction commits and the route's INSERT fails
with a unique violation. The running server (uvicorn in a thread) answered it with a 500 and
logged the row; now it is the 409 a second registration gets, and nothing is logged. The
rewrite itself is checked on a unique, a check and a data error raised directly."""

from __future__ import annotations

import logging
import threading
import time
import traceback
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from tests.conftest import TEST_SECRET, _fresh_db

EMAIL = "race.secret.person@example.org"


@pytest.fixture
def pg_db(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    from gutskin.store.db import dispose_engines

    url = _fresh_db("postgresql", request, tmp_path)
    yield url
    dispose_engines()


@pytest.fixture
def live_server(pg_db: str):  # type: ignore[no-untyped-def]
    import uvicorn

    from gutskin.settings import Settings
    from gutskin.web import create_app
    from tests.e2e.conftest import free_port

    app = create_app(Settings(database_url=pg_db, secret_key=TEST_SECRET, env="test"))
    port = free_port()
    # log_config=None: uvicorn's records propagate to the root logger, where caplog reads them
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(15)


def _someone_waits_on_a_lock(engine) -> bool:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                "AND wait_event_type = 'Lock'")) > 0


def test_a_unique_violation_does_not_show_the_row(pg_db: str, live_server: str, caplog: pytest.LogCaptureFixture) -> None:
    from gutskin.store.db import get_engine

    caplog.set_level(logging.WARNING)
    engine = get_engine(pg_db)
    answer: dict[str, httpx.Response] = {}
    with engine.connect() as other:
        other.execute(text("INSERT INTO users (email, password_hash, role, display_name, session_version, created_at) "
                           "VALUES (:e, 'x', 'patient', '', 1, now())"), {"e": EMAIL})  # not committed yet

        def register() -> None:
            answer["r"] = httpx.post(live_server + "/api/v1/auth/register",
                                     json={"email": EMAIL, "password": "a long password 1"}, timeout=60)

        racer = threading.Thread(target=register)
        racer.start()
        deadline = time.monotonic() + 30
        while not _someone_waits_on_a_lock(engine):  # the route's INSERT waits on the unique index
            assert time.monotonic() < deadline and racer.is_alive(), "the route did not reach its INSERT"
            time.sleep(0.05)
        other.commit()
        racer.join(60)

    r = answer["r"]
    assert r.status_code == 409 and r.json() == {"detail": "email: an account with this email already exists"}, r.text
    time.sleep(0.5)  # anything the server would log about the request is written by now
    logged = "\n".join(rec.getMessage() + "\n" + (logging.Formatter().formatException(rec.exc_info) if rec.exc_info else "")
                       for rec in caplog.records)
    assert EMAIL not in logged and "DETAIL" not in logged, logged


def test_a_check_violation_and_a_bad_value_do_not_show_the_row(pg_db: str) -> None:
    from sqlalchemy.exc import DBAPIError

    from gutskin.store.db import get_engine

    note, value = f"note-{uuid.uuid4().hex}", f"value-{uuid.uuid4().hex}"  # not in this file's source lines
    engine = get_engine(pg_db)
    with engine.connect() as conn:
        conn.execute(text("CREATE TEMP TABLE t (note text UNIQUE, n int CHECK (n < 5))"))  # this connection only
        conn.execute(text("INSERT INTO t VALUES (:note, 1)"), {"note": note})
        conn.commit()
        for sql, where in (("INSERT INTO t VALUES (:note, 1)", "t_note_key"),  # DETAIL: Key (note)=(…) already exists
                           ("INSERT INTO t VALUES (:note || 'x', 9)", "t_n_check"),  # DETAIL: Failing row contains (…)
                           ("INSERT INTO t VALUES (:note, CAST(:v AS int))", "SQLSTATE 22P02")):  # "invalid input syntax …: <value>"
            with pytest.raises(DBAPIError) as err:
                conn.execute(text(sql), {"note": note, "v": value})
            conn.rollback()
            shown = "".join(traceback.format_exception(err.value))
            assert note not in shown and value not in shown and "DETAIL" not in shown, shown
            assert where in shown, shown
        conn.execute(text("DROP TABLE t"))
        conn.commit()
