"""Shared helpers of the CLI commands: database URL, errors as one line on stderr."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO, Any, NoReturn

import typer


def database_url() -> str:
    """``GUTSKIN_DATABASE_URL`` (or the default file), checked: a bad one is a one-line error."""
    from gutskin.settings import get_settings
    from gutskin.store.db import DatabaseUrlError, check_database_url

    url = get_settings().database_url
    try:
        check_database_url(url)
    except DatabaseUrlError as exc:
        fail(str(exc))
    return url


def warn_if_readable_by_others(url: str) -> None:
    """One warning line on stderr when the SQLite database file can be read by other accounts of
    the machine. New files are made 0600 since 2026-12-05, but a database made by an older gutskin
    (0644 under the usual umask) kept its mode through every upgrade, silently (operator review)."""
    import stat

    from gutskin.store.db import sqlite_path

    path = sqlite_path(url)
    try:
        mode = path.stat().st_mode if path is not None else 0
    except OSError:
        return
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        typer.echo(f"warning: {path} can be read by other accounts of this machine (mode {stat.S_IMODE(mode):04o}): "
                   f"it holds everyone's health data; chmod 600 {path}", err=True)


def database_label(url: str) -> str:
    """What to print as "database: …": the SQLite file, or PostgreSQL's host/database without the
    user, password and query (``?password=…`` in a libpq-style URL was printed as it was)."""
    from sqlalchemy.engine import make_url

    from gutskin.store.db import normalize_url, sqlite_path

    path = sqlite_path(url)
    if path is not None:
        return str(path)
    u = make_url(normalize_url(url))
    host = u.host or u.query.get("host") or "localhost"
    if isinstance(host, tuple):
        host = ",".join(host)
    return f"{host}{f':{u.port}' if u.port else ''}/{u.database or ''}"


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one line to stderr and exit non-zero."""
    print(f"error: {message}".replace("\n", " "), file=sys.stderr)
    raise typer.Exit(code)


def diary_source(path: Path | str) -> Any:
    """What the diary readers read: the path, or for ``-`` standard input decoded like a file
    (UTF-8 with or without a BOM; undecodable bytes reported on their own line), so that
    ``gutskin export diary | gutskin triggers - --json`` works as ``import diary -`` does.
    Errors name it ``<stdin>``."""
    if str(path) != "-":
        return path
    if sys.stdin is None:  # started with standard input closed (`<&-`)
        fail("-: standard input is closed; give the CSV file's path instead of '-'")
    from gutskin.diary.csvio import diary_stream

    return diary_stream(sys.stdin.buffer)  # UTF-8, or UTF-16 with a BOM, as a file is read


def check_out_path(out: Path, option: str = "--out") -> None:
    """Refuse an output path that cannot be written, before any work is done."""
    if out.is_dir():
        fail(f"{option} {out}: is a directory")
    folder = out.parent
    if not folder.is_dir():
        fail(f"{option} {out}: {folder} is not a folder" if folder.exists() else f"{option} {out}: the folder does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        fail(f"{option} {out}: the folder is not writable")


def open_private(path: Path, text: bool = True) -> IO[Any]:
    """``path`` opened for writing, readable by its owner only (0600): exports hold health data,
    and the usual umask (cron's too) made them world-readable. A file left there keeps no old mode."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "w", encoding="utf-8", newline="") if text else os.fdopen(fd, "wb")


def write_atomic(out: Path, data: bytes | str, option: str = "--out") -> None:
    """Write ``out`` (0600) through ``out.part`` renamed in place; on failure nothing is left behind."""
    tmp = out.with_name(out.name + ".part")
    try:
        with open_private(tmp, text=isinstance(data, str)) as fh:
            fh.write(data)
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        fail(f"{option} {out}: cannot write: {exc.strerror or exc}")


def ensure_schema(url: str) -> None:
    """Apply migrations (idempotent) so every command works on a fresh database."""
    from gutskin.store.migrate import upgrade

    upgrade(url)
