"""``gutskin export fhir``, ``gutskin import fhir`` and ``gutskin report``: FHIR R4B bundles and the visit report PDF.

``export fhir`` and ``import fhir`` join the ``export``/``import`` sub-apps of
:mod:`gutskin.commands.diary_io`; ``report`` is a top-level command. The CLI acts as the
system operator (``SYSTEM``); every read and write is audited.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from gutskin.commands._common import check_out_path, database_url, ensure_schema, fail, write_atomic
from gutskin.commands.diary_io import export_app, import_app

PATIENT_HELP = "Patient identifier (external id, e.g. p-…) or numeric id."


@export_app.command("fhir")
def export_fhir(
    patient: str = typer.Option(..., "--patient", help=PATIENT_HELP),
    out: Path = typer.Option(None, "--out", help="Write the bundle to FILE instead of standard output."),
) -> None:
    """Export one patient's record as a FHIR R4B Bundle (type collection, JSON)."""
    from gutskin.clinic.actors import SYSTEM
    from gutskin.clinic.errors import ClinicError
    from gutskin.clinic.fhir import export_bundle, resolve_patient
    from gutskin.interop.fhir import FhirMappingError, resource_types
    from gutskin.store.db import get_engine, transaction

    if out is not None:
        check_out_path(out)
    url = database_url()
    ensure_schema(url)
    try:
        with transaction(get_engine(url)) as s:
            p = resolve_patient(s, SYSTEM, patient)
            bundle = export_bundle(s, SYSTEM, p.id)
    except (ClinicError, FhirMappingError) as exc:
        fail(str(exc))
    text = json.dumps(bundle, ensure_ascii=False, indent=1)
    if out is None:
        print(text)
    else:
        write_atomic(out, text.encode("utf-8"))
        counts = ", ".join(f"{n} {t}" for t, n in sorted(resource_types(bundle).items()))
        typer.echo(f"wrote {len(bundle['entry'])} resources ({counts}) to {out}", err=True)


@import_app.command("fhir")
def import_fhir(
    file: str = typer.Argument(..., help="FHIR Bundle (JSON) exported by gutskin; '-' reads standard input."),
    patient: str = typer.Option(None, "--patient", help="Import into this patient instead of the bundle's identifier "
                                "(needed for a bundle of another system, whose Patient has no gutskin identifier)."),
    accept_identity_difference: bool = typer.Option(
        False, "--accept-identity-difference",
        help="Import another system's Patient into --patient even though their name or birth year differ."),
) -> None:
    """Import a bundle's QuestionnaireResponses, Observations and food allergies (AllergyIntolerance): all or nothing."""
    from gutskin.clinic.actors import SYSTEM
    from gutskin.clinic.errors import ClinicError
    from gutskin.clinic.fhir import import_bundle
    from gutskin.interop.fhir_import import BundleError, load_bundle_text
    from gutskin.store.db import get_engine

    if file != "-" and Path(file).is_dir():  # it said "no such file" of a folder that is there
        fail(f"{file}: is a directory, expected a FHIR Bundle (JSON) file")
    if file != "-" and not Path(file).is_file():
        fail(f"{file}: no such file")
    try:
        # utf-8-sig: a bundle saved on Windows (Notepad, PowerShell 5's Out-File -Encoding utf8)
        # starts with a BOM, which RFC 8259 lets a reader ignore; it was "not JSON (Unexpected UTF-8 BOM …)"
        raw = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8-sig")
        bundle = load_bundle_text(raw)  # FHIR XML and NDJSON refused by name (2026-12-07)
    except UnicodeDecodeError as exc:
        fail(f"{file}: not JSON ({exc})")
    except BundleError as exc:
        fail(f"{file}: {exc.message}")
    except OSError as exc:  # a file the account may not read (a PermissionError traceback before), a read error
        fail(f"{file}: cannot read the file: {exc.strerror or exc}")
    url = database_url()
    ensure_schema(url)
    try:
        summary = import_bundle(get_engine(url), SYSTEM, bundle, patient_ref=patient,
                                accept_identity_difference=accept_identity_difference)
    except ClinicError as exc:
        fail(f"{file}: {exc}")
    print(json.dumps(summary))


def report(
    patient: str = typer.Option(..., "--patient", help=PATIENT_HELP),
    weeks: int = typer.Option(12, "--weeks", min=1, max=104, help="Weeks of diary to show (1-104)."),
    out: Path = typer.Option(Path("report.pdf"), "--out", help="PDF file to write."),
) -> None:
    """Write the visit report (PDF, at most two pages) for one patient."""
    from gutskin.clinic import reports
    from gutskin.clinic.actors import SYSTEM
    from gutskin.clinic.errors import ClinicError
    from gutskin.clinic.fhir import resolve_patient
    from gutskin.store.db import get_engine, transaction

    check_out_path(out)
    url = database_url()
    ensure_schema(url)
    try:
        with transaction(get_engine(url)) as s:
            p = resolve_patient(s, SYSTEM, patient)
            data = reports.report_data(s, SYSTEM, p.id, weeks)
    except ClinicError as exc:
        fail(str(exc))
    pdf = reports.render_pdf(reports.settle_insights(data, reports.CLI_INSIGHTS_WAIT))
    write_atomic(out, pdf)
    typer.echo(f"wrote {out} ({len(pdf)} bytes)", err=True)


def register(app: typer.Typer) -> None:
    """``export fhir`` and ``import fhir`` are added to the diary_io sub-apps on import; ``report`` here."""
    app.command("report")(report)
