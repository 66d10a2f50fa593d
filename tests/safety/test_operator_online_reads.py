"""An operator's backup and diary export run while the app serves: on SQLite they read a WAL
snapshot and never hold the write lock.

Found by following README's "Running it for real" on a 1,000,000-day SQLite clinic: `gutskin
backup` (47 s there) opened its transaction with BEGIN IMMEDIATE, so every diary write of the
running app waited and failed with "database is locked" after the 10 s busy timeout; `gutskin
export diary` did the same for as long as its reader (a pipe, a slow disk) took.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import text

from gutskin.clinic.actors import SYSTEM
from gutskin.clinic.diary import export_diary_csv, import_diary_csv
from gutskin.store.db import get_engine

GUTSKIN = str(Path(sys.executable).with_name("gutskin"))


def _raw_write(url: str) -> None:
    """Another process's write, not willing to wait: raises "database is locked" while the lock is held."""
    raw = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
    try:
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("INSERT INTO login_attempts (key, at) VALUES ('written-during-the-read', '2026-12-05 01:00:00')")
        raw.execute("COMMIT")
    finally:
        raw.close()


def _fill(url: str, days: int) -> None:
    """One patient with ``days`` diary days carrying incompressible notes (the backup is far
    larger than a pipe's buffer, so its writer is still inside its transaction while it waits)."""
    engine = get_engine(url)
    buf = io.StringIO("patient,date,itch\n" + "".join(
        f"p1,{dt.date(2000, 1, 1) + dt.timedelta(days=i)},{i % 11}\n" for i in range(days)))
    buf.name = "d.csv"  # type: ignore[attr-defined]
    import_diary_csv(engine, SYSTEM, buf)
    with engine.begin() as conn:
        conn.execute(text("UPDATE diary_days SET notes = :n WHERE day = :d"),
                     [{"n": os.urandom(500).hex(), "d": dt.date(2000, 1, 1) + dt.timedelta(days=i)} for i in range(days)])


def test_gutskin_backup_does_not_hold_the_write_lock(sqlite_url: str, tmp_path: Path) -> None:
    _fill(sqlite_url, 600)  # about 600 kB of gzip
    out = tmp_path / "b.jsonl.gz"
    part = tmp_path / "b.jsonl.gz.part"  # where the backup writes; a pipe here lets the test hold it mid-way
    os.mkfifo(part)
    env = {**os.environ, "GUTSKIN_DATABASE_URL": sqlite_url}
    proc = subprocess.Popen([GUTSKIN, "backup", "--out", str(out)], env=env, stderr=subprocess.PIPE)
    try:
        with open(part, "rb") as pipe:  # returns once the backup has begun its read and opened its file
            head = pipe.read(1024)  # the backup is now writing, and blocks when the pipe is full
            _raw_write(sqlite_url)  # was: sqlite3.OperationalError: database is locked
            data = head + pipe.read()
    finally:
        proc.wait(60)
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    lines = [json.loads(line) for line in gzip.decompress(data).decode().splitlines()]
    assert sum(1 for item in lines if item.get("t") == "diary_days") == 600
    # a consistent snapshot: the write made during the backup is not in it
    assert not any(item.get("t") == "login_attempts" for item in lines)
    assert lines[-1]["end"]["tables"]["diary_days"] == 600


def test_export_diary_does_not_hold_the_write_lock_while_its_reader_is_slow(sqlite_url: str) -> None:
    _fill(sqlite_url, 50)
    engine = get_engine(sqlite_url)
    outcome: dict[str, object] = {}

    class SlowReader(io.StringIO):
        """Where the CSV goes (a pipe to another program); it tries a write of its own at the first row."""

        def write(self, s: str) -> int:
            if "error" not in outcome and "ok" not in outcome:
                try:
                    _raw_write(sqlite_url)
                    outcome["ok"] = True
                except sqlite3.OperationalError as exc:
                    outcome["error"] = str(exc)
            return super().write(s)

    sink = SlowReader()
    assert export_diary_csv(engine, SYSTEM, sink) == 50
    assert outcome == {"ok": True}, outcome  # was: {'error': 'database is locked'}
    assert sink.getvalue().count("\np1,") == 50


def test_the_installed_export_command_lets_the_app_write_while_its_pipe_is_full(sqlite_url: str) -> None:
    engine = get_engine(sqlite_url)
    buf = io.StringIO("patient,date,itch,sleep_loss,food.dairy,env.pollen\n" + "".join(
        f"p{i % 4},{dt.date(1990, 1, 1) + dt.timedelta(days=i // 4)},{i % 11},{i % 7},{i % 2},{i / 7:.3f}\n"
        for i in range(20000)))  # about 700 kB of CSV: the command blocks on its full stdout pipe
    buf.name = "d.csv"  # type: ignore[attr-defined]
    import_diary_csv(engine, SYSTEM, buf)
    env = {**os.environ, "GUTSKIN_DATABASE_URL": sqlite_url}
    proc = subprocess.Popen([GUTSKIN, "export", "diary"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    got: list[bytes] = []
    try:
        assert proc.stdout is not None
        got.append(proc.stdout.read(100))  # the export is under way (its header is out)
        _raw_write(sqlite_url)  # was: database is locked
    finally:
        reader = threading.Thread(target=lambda: got.append(proc.stdout.read()))  # type: ignore[union-attr]
        reader.start()
        proc.wait(60)
        reader.join(60)
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    assert b"".join(got).count(b"\n") == 20001


def test_a_backup_file_is_readable_by_its_owner_only(db_url: str, tmp_path: Path) -> None:
    from gutskin.store.backup import backup, restore

    _fill(db_url, 3)
    out = tmp_path / "b.jsonl.gz"
    old = os.umask(0o022)  # cron's usual umask: new files readable by everyone
    try:
        (tmp_path / "b.jsonl.gz.part").write_bytes(b"left by a run that was killed")
        os.chmod(tmp_path / "b.jsonl.gz.part", 0o644)
        backup(db_url, out)
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o600  # was 0o644: every diary and password hash readable by all
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    assert restore(target, out)["diary_days"] == 3
