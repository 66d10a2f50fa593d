"""Shared fixtures: real databases (SQLite file and PostgreSQL), the web app, and users.

PostgreSQL: ``GUTSKIN_TEST_PG_URL`` or postgres@127.0.0.1:5432/test; the suite creates its
own database ``gutskin_test_<pid>`` there (and drops it at the end) so it never touches
other data. Each test gets empty tables.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_ADMIN_URL = os.environ.get("GUTSKIN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TEST_SECRET = "test-secret-key-that-is-long-enough-123456"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from gutskin.store.db import dispose_engines
    from gutskin.store.migrate import upgrade

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"gutskin_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    dispose_engines()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from gutskin.store.db import dispose_engines
    from gutskin.store.migrate import upgrade

    path = tmp_path_factory.mktemp("tpl") / "template.db"
    upgrade(f"sqlite:///{path}")
    dispose_engines()
    return path


def _truncate_pg(url: str) -> None:
    from sqlalchemy import text

    from gutskin.store.db import get_engine
    from gutskin.store.models import Base

    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with get_engine(url).begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def _fresh_db(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if kind == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "gutskin.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_url")
    _truncate_pg(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated database: once on SQLite, once on PostgreSQL."""
    url = _fresh_db(request.param, request, tmp_path)
    yield url
    from gutskin.store.db import dispose_engines

    dispose_engines()


@pytest.fixture
def sqlite_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    url = _fresh_db("sqlite", request, tmp_path)
    yield url
    from gutskin.store.db import dispose_engines

    dispose_engines()


@pytest.fixture
def engine(db_url: str):  # type: ignore[no-untyped-def]
    from gutskin.store.db import get_engine

    return get_engine(db_url)


@pytest.fixture
def settings(db_url: str):  # type: ignore[no-untyped-def]
    from gutskin.settings import Settings

    return Settings(database_url=db_url, secret_key=TEST_SECRET, env="test")


@pytest.fixture
def client(settings):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from gutskin.web import create_app

    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture(autouse=True)
def _today_is_today(request: pytest.FixtureRequest) -> None:
    """A test module's ``TODAY`` constant is re-read before each of its tests.

    It was read once at import; a suite that ran across midnight then built plans from
    yesterday while the server already lived in today.
    """
    module = request.module
    if module is not None and isinstance(getattr(module, "TODAY", None), dt.date):
        module.TODAY = dt.date.today()


@pytest.fixture(autouse=True, scope="session")
def _fast_argon2() -> None:
    """Cheaper argon2 parameters in tests (production keeps pwdlib's defaults)."""
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    from gutskin.clinic import passwords

    passwords._hasher.cache_clear()
    fast = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8192, parallelism=1),))
    passwords._hasher = lambda: fast  # type: ignore[assignment]


class People:
    """Owner patient A, stranger patient B, a clinician linked to A, an unlinked clinician, an admin."""

    password = "correct-horse-battery"

    def __init__(self, engine) -> None:  # type: ignore[no-untyped-def]
        from gutskin.clinic import accounts, sharing
        from gutskin.clinic.access import default_patient
        from gutskin.store.db import transaction

        with transaction(engine) as s:
            a = accounts.register_patient(s, "owner@example.org", self.password, "Owner")
            b = accounts.register_patient(s, "stranger@example.org", self.password, "Stranger")
            c = accounts.create_user(s, "linked@clinic.example.org", self.password, "clinician", "Dr Linked")
            d = accounts.create_user(s, "unlinked@clinic.example.org", self.password, "clinician", "Dr Unlinked")
            e = accounts.create_user(s, "admin@clinic.example.org", self.password, "admin", "Admin")
            self.owner = accounts.actor_for(a)
            self.stranger = accounts.actor_for(b)
            self.clinician = accounts.actor_for(c)
            self.unlinked = accounts.actor_for(d)
            self.admin = accounts.actor_for(e)
            self.owner_pid = default_patient(s, self.owner).id
            self.stranger_pid = default_patient(s, self.stranger).id
            code = sharing.create_invite(s, self.owner, self.owner_pid)["code"]
            sharing.accept_invite(s, self.clinician, code)

    def actors(self) -> dict[str, object]:
        return {"owner": self.owner, "stranger": self.stranger, "clinician": self.clinician,
                "unlinked": self.unlinked, "admin": self.admin}


@pytest.fixture
def people(engine) -> People:  # type: ignore[no-untyped-def]
    return People(engine)


def bearer(client, email: str, password: str = People.password) -> dict[str, str]:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def earlier_today(**ago: float) -> dt.datetime:
    """This machine's wall time ``ago`` (timedelta keywords) before now, but never before today's midnight.

    Dose times must fall on the plan's day; "an hour ago" run at 00:30 is yesterday and
    made tests fail only when CI ran just after midnight.
    """
    now = dt.datetime.now().replace(microsecond=0)
    return max(now - dt.timedelta(**ago), now.replace(hour=0, minute=0, second=0))
