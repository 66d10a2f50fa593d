"""The operator's database commands (README "Running it for real"): a database that cannot be
used is one line on stderr and exit 2 from every command, and ``gutskin db downgrade -1`` works
as its help says.

Found by following the README: with ``GUTSKIN_DATABASE_URL=postgresql://gutskin@127.0.0.1/gutskin``
before the role existed, ``gutskin db upgrade`` (and serve, backup, import, users create) printed a
60-line SQLAlchemy traceback; a SQLite path pointing at another file, or a database migrated by a
newer gutskin (after rolling the code back), did the same; ``gutskin db downgrade -1`` said
"No such option: -1".
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from gutskin.store.db import get_engine
from gutskin.store.migrate import current_revision, head_revision, upgrade
from tests.conftest import PG_ADMIN_URL

GUTSKIN = str(Path(sys.executable).with_name("gutskin"))


def run(url: str, *args: str, input: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GUTSKIN_DATABASE_URL": url, "GUTSKIN_NEW_PASSWORD": "correct horse battery"}
    return subprocess.run([GUTSKIN, *args], env=env, input=input, capture_output=True, text=True, timeout=120)


def assert_one_line(r: subprocess.CompletedProcess[str], *needles: str) -> None:
    lines = [line for line in r.stderr.splitlines() if not line.startswith("database: ")]  # serve/upgrade name the database
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr[-2000:]
    for needle in needles:
        assert needle in lines[0], lines[0]


COMMANDS = [
    ("db", "upgrade"),
    ("db", "current"),
    ("serve", "--port", "1"),  # never reached: the migration fails first
    ("users", "create", "--email", "doc@clinic.example"),
    ("import", "diary", "-"),
]


def test_a_postgresql_database_that_does_not_exist_is_one_line_from_every_command(tmp_path: Path) -> None:
    missing = make_url(PG_ADMIN_URL).set(database=f"gutskin_missing_{uuid.uuid4().hex[:8]}")
    url = missing.render_as_string(hide_password=False)
    for args in COMMANDS + [("backup", "--out", str(tmp_path / "b.gz"))]:
        r = run(url, *args, input="patient,date,itch\np1,2025-01-01,3\n")
        assert_one_line(r, "cannot be used", f'database "{missing.database}" does not exist')
    assert not (tmp_path / "b.gz").exists() and not (tmp_path / "b.gz.part").exists()


def test_a_file_that_is_not_a_sqlite_database_is_one_line_and_stays_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "clinic.db"
    path.write_bytes(b"these are somebody's notes, not a database\n" * 100)
    before = path.read_bytes()
    for args in COMMANDS:
        r = run(f"sqlite:///{path}", *args, input="patient,date,itch\np1,2025-01-01,3\n")
        assert_one_line(r, "file is not a database")
    assert path.read_bytes() == before


def test_a_database_migrated_by_a_newer_gutskin_is_one_line(sqlite_url: str) -> None:
    with get_engine(sqlite_url).begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    for args in [("db", "upgrade"), ("serve", "--port", "1"), ("import", "diary", "-")]:
        r = run(sqlite_url, *args, input="patient,date,itch\np1,2025-01-01,3\n")
        assert_one_line(r, "migrations: Can't locate revision identified by '0999'", "gutskin db current")
    assert run(sqlite_url, "db", "current").stdout.strip() == "0999"


def test_db_downgrade_takes_a_relative_revision_as_its_help_says(db_url: str) -> None:
    head = head_revision()
    try:
        r = run(db_url, "db", "downgrade", "-1")
        assert r.returncode == 0, r.stderr
        assert current_revision(db_url) == f"{int(head) - 1:04d}"
        assert run(db_url, "db", "current").stdout.strip() == f"{int(head) - 1:04d}"
    finally:
        upgrade(db_url)
    assert current_revision(db_url) == head


def test_the_printed_database_never_shows_a_password(pg_url: str) -> None:
    u = make_url(pg_url)
    libpq_style = f"postgresql:///{u.database}?host={u.host}&port={u.port or 5432}&user={u.username}&password=s3cret-in-query"
    r = run(libpq_style, "db", "upgrade")
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines()[0] == f"database: {u.host}/{u.database}"  # was the whole URL, password and all
    assert "s3cret" not in r.stdout + r.stderr
