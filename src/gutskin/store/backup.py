"""Online backups and restores of the whole database, portable between SQLite and PostgreSQL.

Backup: one read transaction (REPEATABLE READ on PostgreSQL, a WAL read snapshot on SQLite)
streams every table as gzip-compressed JSON lines, so the snapshot is consistent while the
app keeps writing. Restore: in ONE transaction, the schema is rebuilt at the backup's
migration revision, the rows are inserted, then migrations run to head; any error rolls
everything back. Restoring over a database that holds data needs ``force``.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.util.exc import CommandError
from sqlalchemy import Connection, MetaData, Table, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError

from gutskin.store.db import get_engine
from gutskin.store.migrate import (
    REPLACING_EVERYTHING,
    alembic_config,
    check_foreign_keys,
    current_revision,
    hold_migration_lock,
    sqlite_foreign_keys_off,
)
from gutskin.store.models import Base

FORMAT = "gutskin-backup/2"  # /2: ends with {"end": {"tables": {name: rows}}}, so a cut-off file is refused
OLD_FORMATS = ("gutskin-backup/1",)  # no end marker: restored only with force=True


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


def _encode(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return {"$dt": v.isoformat()}
    if isinstance(v, dt.date):
        return {"$d": v.isoformat()}
    if isinstance(v, (bytes, memoryview)):
        return {"$b": base64.b64encode(bytes(v)).decode()}
    return v


def _decode(v: Any) -> Any:
    if isinstance(v, dict) and len(v) == 1:
        if "$dt" in v:
            return dt.datetime.fromisoformat(v["$dt"])
        if "$d" in v:
            return dt.date.fromisoformat(v["$d"])
        if "$b" in v:
            return base64.b64decode(v["$b"])
    return v


def _tables() -> list[str]:
    return [t.name for t in Base.metadata.sorted_tables]


def backup(url: str, out: Path) -> dict[str, int]:
    """Write a consistent snapshot of every table to ``out`` (atomically); return row counts."""
    engine = get_engine(url)
    revision = current_revision(url)
    if revision is None:
        raise BackupError("the database has no schema (run `gutskin db upgrade` first)")
    tmp = out.with_name(out.name + ".part")
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        else:  # a deferred BEGIN (gutskin.store.db._sqlite_begin): a WAL read snapshot that never
            # takes the write lock; BEGIN IMMEDIATE held it for the whole backup, so the app's writes
            # failed with "database is locked" once a backup ran longer than the 10 s busy timeout
            conn = conn.execution_options(snapshot_read=True)
        with conn.begin():
            if conn.dialect.name == "sqlite":
                conn.execute(text("SELECT 1 FROM sqlite_master LIMIT 1"))  # opens the read snapshot
            meta = MetaData()
            # owner-only (0600) whatever the umask: the file holds every diary and password hash,
            # and cron's usual umask 022 made it readable to every account on the machine
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(fd, 0o600)  # a .part left by an earlier run keeps its old mode through O_CREAT
            with open(fd, "wb") as raw, gzip.open(raw, "wt", encoding="utf-8") as fh:
                fh.write(json.dumps({"format": FORMAT, "revision": revision,
                                     "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                                     "dialect": conn.dialect.name}) + "\n")
                present = set(inspect(conn).get_table_names())
                for name in _tables():
                    if name not in present:  # a database at an older revision (backed up before `db upgrade`):
                        continue  # its tables as they are; restore rebuilds that revision, then migrates
                    table = Table(name, meta, autoload_with=conn)
                    order = list(table.primary_key.columns) or list(table.columns)[:1]
                    n = 0
                    result = conn.execution_options(stream_results=True, yield_per=2000).execute(
                        select(table).order_by(*order)
                    )
                    for row in result.mappings():
                        fh.write(json.dumps({"t": name, "r": {k: _encode(v) for k, v in row.items()}}) + "\n")
                        n += 1
                    counts[name] = n
                fh.write(json.dumps({"end": {"tables": counts}}) + "\n")
    tmp.replace(out)
    return counts


MAX_KEEP_DAYS = 36500  # a hundred years: "keep them all" without an overflow


def backup_taken_at(path: Path) -> dt.datetime | None:
    """When the gutskin backup ``path`` was taken (its header's ``created_at``, UTC), or None when
    ``path`` is not a gutskin backup (not gzip, not JSON, another format) or names no time. Reads
    only the header line, at most 4 KiB of it."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            header = json.loads(fh.readline(4096))
        if not isinstance(header, dict) or (header.get("format") != FORMAT and header.get("format") not in OLD_FORMATS):
            return None
        at = dt.datetime.fromisoformat(str(header["created_at"]))
    except (OSError, EOFError, ValueError, KeyError, UnicodeDecodeError):
        return None
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def prune_backups(folder: Path, keep_days: int, keep: Path | None = None,
                  now: dt.datetime | None = None) -> list[Path]:
    """Delete the gutskin backups in ``folder`` (not its sub-folders) taken more than ``keep_days``
    days before ``now``; return them. The age is the backup's own header time, not the file's
    modification time (a copy or ``touch`` changes that). Never touched: ``keep`` (the backup just
    written), a ``.part`` file (a backup being written), a symbolic link, any file that is not a
    gutskin backup. ``keep_days`` must be 1 to :data:`MAX_KEEP_DAYS` (``BackupError`` otherwise)."""
    if isinstance(keep_days, bool) or not isinstance(keep_days, int) or not 1 <= keep_days <= MAX_KEEP_DAYS:
        raise BackupError(f"--keep-days {keep_days}: expected a whole number of days from 1 to {MAX_KEEP_DAYS}")
    cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=keep_days)
    gone: list[Path] = []
    for path in sorted(folder.iterdir()):
        if path.name.endswith(".part") or path.is_symlink() or not path.is_file():
            continue
        if keep is not None and path.resolve() == keep.resolve():
            continue
        taken = backup_taken_at(path)
        if taken is not None and taken < cutoff:
            path.unlink()
            gone.append(path)
    return gone


def _read(path: Path) -> tuple[dict[str, Any], Iterator[tuple[str, dict[str, Any]]]]:
    """The header and the rows; the rows end by checking the end marker (``header["end"]`` is
    set when it was read), so a file cut off anywhere raises before the restore commits."""
    try:
        fh = gzip.open(path, "rt", encoding="utf-8")
        header = json.loads(fh.readline())
    except (OSError, EOFError, ValueError) as exc:
        raise BackupError(f"{path}: not a gutskin backup ({exc})") from None
    fmt = header.get("format") if isinstance(header, dict) else None
    if fmt != FORMAT and fmt not in OLD_FORMATS:
        fh.close()
        raise BackupError(f"{path}: not a gutskin backup (format {fmt!r})")

    def rows() -> Iterator[tuple[str, dict[str, Any]]]:
        seen: dict[str, int] = {}
        i = 1
        with fh:
            try:
                for i, line in enumerate(fh, start=2):
                    try:
                        item = json.loads(line)
                        if "end" in item:
                            header["end"] = item["end"]
                            break
                        name = item["t"]
                        seen[name] = seen.get(name, 0) + 1
                        yield name, {k: _decode(v) for k, v in item["r"].items()}
                    except (ValueError, KeyError, TypeError) as exc:
                        raise BackupError(f"{path}: line {i} is damaged ({exc})") from None
            except (OSError, EOFError) as exc:
                raise BackupError(f"{path}: the file is cut off after line {i} ({exc}); nothing was restored") from None
        if fmt == FORMAT:
            if "end" not in header:
                raise BackupError(f"{path}: the file is cut off after line {i} (no end marker); nothing was restored")
            expected = {k: v for k, v in header["end"].get("tables", {}).items() if v}
            if expected != seen:
                raise BackupError(f"{path}: the rows do not match the end marker ({seen} vs {expected}); nothing was restored")

    return header, rows()


def _has_data(conn: Connection) -> bool:
    names = set(inspect(conn).get_table_names())
    for name in _tables():
        if name in names and conn.execute(text(f'SELECT 1 FROM "{name}" LIMIT 1')).first() is not None:
            return True
    return False


def restore(url: str, path: Path, force: bool = False) -> dict[str, int]:
    """Restore ``path`` into ``url`` in one transaction; refuse a non-empty database unless ``force``."""
    header, rows = _read(path)
    if header["format"] in OLD_FORMATS and not force:
        raise BackupError(f"{path}: a {header['format']} backup has no end marker, so a cut-off file cannot be told "
                          "from a whole one; restore it with --force if you know it is complete")
    try:
        return _restore(url, path, header, rows, force)
    except (SQLAlchemyError, CommandError, OverflowError) as exc:  # a crafted or damaged file: one line, nothing kept
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise BackupError(f"{path}: cannot be restored ({first}); nothing was restored") from None


def _restore(url: str, path: Path, header: dict[str, Any], rows, force: bool) -> dict[str, int]:  # type: ignore[no-untyped-def]
    engine = get_engine(url)
    counts: dict[str, int] = {}
    with engine.connect() as conn, sqlite_foreign_keys_off(conn), conn.begin():
        hold_migration_lock(conn)  # no `gutskin serve` migrates the same PostgreSQL database meanwhile
        if _has_data(conn) and not force:
            raise BackupError("the database is not empty; use --force to replace everything in it")
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        if current_revision_on(conn) is not None:
            cfg.attributes[REPLACING_EVERYTHING] = True  # every row goes: a downgrade's refusal to lose some does not apply
            command.downgrade(cfg, "base")
            cfg.attributes.pop(REPLACING_EVERYTHING)
        command.upgrade(cfg, header["revision"])
        meta = MetaData()
        tables = {name: Table(name, meta, autoload_with=conn) for name in _tables() if name in inspect(conn).get_table_names()}
        batch: list[dict[str, Any]] = []
        current: str | None = None

        def flush() -> None:
            if batch and current is not None:
                conn.execute(tables[current].insert(), batch)
                counts[current] = counts.get(current, 0) + len(batch)
                batch.clear()

        columns = {name: set(table.columns.keys()) for name, table in tables.items()}
        for name, row in rows:
            if name not in tables:
                raise BackupError(f"{path}: unknown table {name!r} for revision {header['revision']}")
            unknown = row.keys() - columns[name]
            if unknown:  # the insert would drop them without a word: a row's data lost
                raise BackupError(f"{path}: table {name!r} has no column {sorted(unknown)[0]!r} at revision "
                                  f"{header['revision']} (a backup of another gutskin version?); nothing was restored")
            if name == "users" and row.get("role") not in ROLES:
                raise BackupError(f"{path}: users row {row.get('id')!r} has role {row.get('role')!r}, "
                                  f"expected one of {', '.join(ROLES)}; nothing was restored")
            if name != current or len(batch) >= 2000:
                flush()
                current = name
            batch.append(row)
        flush()
        command.upgrade(cfg, "head")
        _raise_sequences(conn, tables)
        check_foreign_keys(conn)
    return counts


ROLES = ("patient", "clinician", "admin")
REMEMBERED_IDS = {"users": "actor_user_id", "patients": "patient_id"}  # audit column that names each table's ids


def _raise_sequences(conn: Connection, tables: dict[str, Table]) -> None:
    """Start new ids above every id a restored table holds and, for users and patients, every id
    the restored audit log names: ids of accounts deleted before the backup are never handed out
    again (migration 0004; a deleted account's token would otherwise open the next one)."""
    for name, table in tables.items():
        if "id" not in table.columns or len(table.primary_key.columns) != 1:
            continue
        audit_col = REMEMBERED_IDS.get(name)
        high = conn.execute(text(
            f'SELECT COALESCE(MAX(id), 0) FROM "{name}"'
            + (f" UNION ALL SELECT COALESCE(MAX({audit_col}), 0) FROM audit_events" if audit_col else "")
        )).scalars().all()
        top = int(max(high or [0]))
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), :v, :called)"),
                         {"v": max(top, 1), "called": top > 0})
        elif audit_col:  # SQLite: AUTOINCREMENT tables keep their high-water mark in sqlite_sequence
            conn.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = ?", (name,))
            conn.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (name, top))


def current_revision_on(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


