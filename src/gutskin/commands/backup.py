"""``gutskin backup`` and ``gutskin restore``: consistent online snapshots of the whole database."""

from __future__ import annotations

from pathlib import Path

import typer

from gutskin.commands._common import check_out_path, database_url, fail


def backup(
    out: Path = typer.Option(..., "--out", help="Backup file to write (gzip JSON lines)."),
    keep_days: int | None = typer.Option(
        None, "--keep-days", metavar="N",
        help="After writing, delete the gutskin backups in the same folder taken more than N days ago "
             "(by the time in each backup, not the file's date). Other files are never touched."),
) -> None:
    """Write a consistent snapshot of the database while the app keeps running."""
    from gutskin.store.backup import MAX_KEEP_DAYS, BackupError, prune_backups
    from gutskin.store.backup import backup as do_backup

    if keep_days is not None and not 1 <= keep_days <= MAX_KEEP_DAYS:  # refused before anything is written
        fail(f"--keep-days {keep_days}: expected a whole number of days from 1 to {MAX_KEEP_DAYS} "
             "(the backup just written is always kept)")
    if str(out) == "-":  # the usual "standard output" spelling; it made a file named "-"
        fail("--out -: a backup is written to a named file (atomically, owner-only); give a path, "
             "e.g. --out gutskin-backup.jsonl.gz")
    check_out_path(out)
    url = database_url()
    try:
        counts = do_backup(url, out)
    except BackupError as exc:
        fail(str(exc))
    except OSError as exc:  # disk full, permissions changed under us: no half-written file left
        out.with_name(out.name + ".part").unlink(missing_ok=True)
        fail(f"--out {out}: cannot write: {exc.strerror or exc}")
    # tables holding rows, as restore counts them (it said 18 tables here and 9 after a restore of the same file)
    typer.echo(f"wrote {out}: {sum(counts.values())} rows in {sum(1 for n in counts.values() if n)} tables", err=True)
    if keep_days is not None:  # only after a backup was written whole: never a folder left with none
        try:
            gone = prune_backups(out.parent, keep_days, keep=out)
        except OSError as exc:
            fail(f"--keep-days {keep_days}: wrote {out}, but could not delete an old backup in {out.parent}: "
                 f"{exc.strerror or exc}")
        names = ", ".join(p.name for p in gone)
        typer.echo(f"deleted {len(gone)} backup{'' if len(gone) == 1 else 's'} taken more than {keep_days} "
                   f"day{'' if keep_days == 1 else 's'} ago in {out.parent}{': ' + names if gone else ''}", err=True)


def restore(
    file: Path = typer.Argument(..., help="A file written by `gutskin backup`."),
    force: bool = typer.Option(False, "--force", help="Replace a database that already holds data."),
) -> None:
    """Restore a backup in one transaction (refuses a non-empty database without --force)."""
    from gutskin.store.backup import BackupError
    from gutskin.store.backup import restore as do_restore
    from gutskin.store.db import sqlite_path

    if file.is_dir():
        fail(f"{file}: is a directory")
    if not file.is_file():
        fail(f"{file}: no such file")
    url = database_url()
    new_file = sqlite_path(url)
    if new_file is not None and new_file.exists():
        new_file = None  # an existing database is the operator's: a failed restore rolls back inside it
    try:
        counts = do_restore(url, file, force=force)
    except BackupError as exc:
        if new_file is not None:
            _remove_new_sqlite_file(new_file)
        fail(str(exc))
    typer.echo(f"restored {sum(counts.values())} rows in {len(counts)} tables", err=True)


def _remove_new_sqlite_file(path: Path) -> None:
    """A restore that fails into a SQLite file it created leaves no empty database behind (it
    did until session 8: the next ``restore`` then met an empty, schema-less file the operator
    had not made). The engine is closed first so no handle keeps the file or its WAL open."""
    from gutskin.store.db import dispose_engines

    dispose_engines()
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
