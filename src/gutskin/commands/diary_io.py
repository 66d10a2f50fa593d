"""``gutskin import diary`` and ``gutskin export diary``: the CSV interchange format."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from gutskin.commands._common import check_out_path, database_url, diary_source, ensure_schema, fail, open_private

import_app = typer.Typer(help="Import data.", no_args_is_help=True)
export_app = typer.Typer(help="Export data.", no_args_is_help=True)


def _count(n: int, noun: str) -> str:
    """'1 row', '2 rows' (the summary read 'imported 1 rows for 1 patients'; new-user walk 2026-12-07)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@import_app.command("diary")
def import_diary(
    file: str = typer.Argument(..., help="Diary CSV (see docs/diary-csv.md); '-' reads standard input."),
    owner: str = typer.Option(
        None, "--owner",
        help="Email of the patient or caregiver account (role patient) that will manage new patients.",
    ),
) -> None:
    """Import a diary CSV: all rows or none."""
    from sqlalchemy import select

    from gutskin.clinic.accounts import _sign_in_email
    from gutskin.clinic.actors import SYSTEM
    from gutskin.clinic.diary import import_diary_csv
    from gutskin.clinic.errors import ClinicError
    from gutskin.diary.csvio import DiaryCsvError
    from gutskin.store.db import get_engine, transaction
    from gutskin.store.models import User

    if file == "-" and sys.stdin is None:  # started with standard input closed (`<&-`)
        fail("-: standard input is closed; give the CSV file's path instead of '-'")
    if file != "-":
        if Path(file).is_dir():
            fail(f"{file}: is a directory, expected a CSV file")
        if not Path(file).is_file():
            fail(f"{file}: no such file")
    url = database_url()
    ensure_schema(url)
    engine = get_engine(url)
    owner_id = None
    if owner:
        with transaction(engine) as s:
            # the address as registration stored it (NFKC, lower case, no trailing dot: sign-in's
            # rule); stripped and lower-cased only, "Zoë@x.org" typed on a Mac (decomposed) or
            # "Ann@x.org." was "no account" for an account that signs in with it
            found = s.execute(select(User.id, User.role).where(User.email == _sign_in_email(owner))).first()
        if found is None:
            fail(f"--owner: no account with email {owner}")
        owner_id, role = found
        if role != "patient":
            # A profile is managed by its patient or caregiver account (gutskin.clinic.access, DESIGN.md);
            # clinicians see a patient through the patient's consent, admins manage accounts only.
            fail(f"--owner {owner}: a {role} account cannot manage patient profiles; --owner takes a "
                 "patient or caregiver account (role patient); clinicians read a diary through the patient's consent")
    # stdin decoded like a file (UTF-8, or UTF-16 with a BOM): undecodable bytes are reported on their own line
    source = diary_source(file)
    try:
        summary = import_diary_csv(engine, SYSTEM, source, owner_user_id=owner_id)
    except (DiaryCsvError, ClinicError) as exc:
        fail(str(exc))
    typer.echo(f"imported {_count(summary.rows, 'row')} for {_count(summary.patients, 'patient')} "
               f"({summary.new_patients} new)", err=True)


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

    if out is not None:
        check_out_path(out)
    url = database_url()
    ensure_schema(url)
    engine = get_engine(url)
    # ValueError: a stored row the format cannot carry (the writer refuses what its reader would,
    # e.g. an identifier starting with '=' that came in through a FHIR import): one line, not a traceback
    if out is None:
        try:
            export_diary_csv(engine, SYSTEM, sys.stdout, patient or None)
        except (ClinicError, ValueError) as exc:
            fail(_cannot_export(exc))
        return
    tmp = out.with_name(out.name + ".part")
    try:
        with open_private(tmp) as fh:
            n = export_diary_csv(engine, SYSTEM, fh, patient or None)
        tmp.replace(out)
    except (ClinicError, ValueError) as exc:
        tmp.unlink(missing_ok=True)
        fail(_cannot_export(exc))
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        fail(f"--out {out}: cannot write: {exc.strerror or exc}")
    typer.echo(f"wrote {n} rows to {out}", err=True)


def _cannot_export(exc: Exception) -> str:
    from gutskin.clinic.errors import ClinicError

    if isinstance(exc, ClinicError):
        return str(exc)
    return f"cannot export: {exc} (the other patients export with --patient)"


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
    app.add_typer(export_app, name="export")
