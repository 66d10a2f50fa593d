"""``gutskin import diary`` and ``gutskin export diary``: the CSV interchange format."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from gutskin.commands._common import database_url, ensure_schema, fail

import_app = typer.Typer(help="Import data.", no_args_is_help=True)
export_app = typer.Typer(help="Export data.", no_args_is_help=True)


@import_app.command("diary")
def import_diary(
    file: str = typer.Argument(..., help="Diary CSV (see docs/diary-csv.md); '-' reads standard input."),
    owner: str = typer.Option(None, "--owner", help="Email of the account that will manage new patients."),
) -> None:
    """Import a diary CSV: all rows or none."""
    from sqlalchemy import select

    from gutskin.clinic.actors import SYSTEM
    from gutskin.clinic.diary import import_diary_csv
    from gutskin.clinic.errors import ClinicError
    from gutskin.diary.csvio import DiaryCsvError
    from gutskin.store.db import get_engine, transaction
    from gutskin.store.models import User

    url = database_url()
    ensure_schema(url)
    engine = get_engine(url)
    owner_id = None
    if owner:
        with transaction(engine) as s:
            owner_id = s.scalar(select(User.id).where(User.email == owner.strip().lower()))
        if owner_id is None:
            fail(f"--owner: no account with email {owner}")
    if file != "-" and not Path(file).is_file():
        fail(f"{file}: no such file")
    source = sys.stdin if file == "-" else file
    try:
        summary = import_diary_csv(engine, SYSTEM, source, owner_user_id=owner_id)
    except (DiaryCsvError, ClinicError) as exc:
        fail(str(exc))
    typer.echo(f"imported {summary.rows} rows for {summary.patients} patients ({summary.new_patients} new)", err=True)


@export_app.command("diary")
def export_diary(
    patient: list[str] = typer.Option(None, "--patient", help="Patient identifier (repeatable); default: all."),
    out: Path = typer.Option(None, "--out", help="Write to FILE instead of standard output."),
) -> None:
    """Export diaries in the interchange format."""
    from gutskin.clinic.actors import SYSTEM
    from gutskin.clinic.diary import export_diary_csv
    from gutskin.clinic.errors import ClinicError
    from gutskin.store.db import get_engine

    url = database_url()
    ensure_schema(url)
    engine = get_engine(url)
    try:
        if out is None:
            export_diary_csv(engine, SYSTEM, sys.stdout, patient or None)
        else:
            tmp = out.with_name(out.name + ".part")
            with open(tmp, "w", newline="", encoding="utf-8") as fh:
                n = export_diary_csv(engine, SYSTEM, fh, patient or None)
            tmp.replace(out)
            typer.echo(f"wrote {n} rows to {out}", err=True)
    except ClinicError as exc:
        fail(str(exc))


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
    app.add_typer(export_app, name="export")
