"""The clinician's upload of a FHIR bundle into a patient's record (2026-12-07): upload, preview, confirm.

A thin router over :func:`gutskin.clinic.fhir.import_bundle`, the service ``gutskin import fhir`` calls:

1. ``POST /clinic/patients/{id}/fhir/preview`` (multipart, the JSON file, at most
   :func:`upload_limit` bytes): the file is read as the CLI reads it (``load_bundle_text``), then
   imported with ``dry_run`` (every check, then rolled back) and the CLI's summary shown: what will
   be imported, what is skipped (``ignored``), the identifiers matched or added. A refusal names the
   entry and field (the CLI's words); an identity difference offers "They are the same person".
2. ``POST /clinic/patients/{id}/fhir/import``: the previewed bundle comes back from the page
   (compact JSON, zlib-compressed, base64, in a hidden field: the web tier keeps no state between
   requests) and is imported for real: all or nothing, audited (``import``/``fhir_bundle``).

Only a clinician the patient shares with (consent active): a stranger or an unlinked clinician gets
404, another kind of account 403. The preview is audited as a read (``read``/``fhir_import_preview``).

The person's own upload on My data (2026-12-07): ``POST /profiles/{id}/fhir/preview`` and
``POST /profiles/{id}/fhir/import``, the same steps for a profile the signed-in account manages (their
own, or a parent's child's; a co-caregiver, a stranger: 404, a clinician 403), e.g. their gutskin
export from another clinic. The clinic's EASI and SCORAD and food allergies in it are left out and
listed as skipped (``skip_clinic_findings``: only a clinic may bring them in); back on My data the page
says what came in.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from gutskin.clinic import audit, fhir
from gutskin.clinic.access import patient_for_read, patient_for_write
from gutskin.clinic.errors import ClinicError, Conflict, InvalidInput
from gutskin.web.deps import settings_of, unit_of_work
from gutskin.web.errors import status_for
from gutskin.web.pages.common import TEMPLATES, read_note, redirect, render, require_user, signed_note, verify_csrf

router = APIRouter(include_in_schema=False)

#: the page's words for going on after an identity difference (the CLI says --accept-identity-difference)
ACCEPT_WORDS = "tick 'They are the same person' and preview again"


def upload_limit(request: Request) -> int:
    """The largest bundle file taken: the site's upload cap (``GUTSKIN_UPLOAD_MAX_BYTES``, 20 MB by default)."""
    return settings_of(request).upload_max_bytes


def size_words(limit: int) -> str:
    """The cap in words, rounded down as the diary import says it ("20 MB" of the default 20 MiB)."""
    return f"{limit // 1_000_000} MB" if limit >= 1_000_000 else f"{limit} bytes"


def _read_bundle(data: bytes, name: str, limit: int) -> Any:
    """The uploaded file as the CLI reads it (a BOM allowed; FHIR XML and NDJSON refused by name)."""
    from gutskin.interop.fhir_import import BundleError, load_bundle_text

    if len(data) > limit:
        raise InvalidInput(f"{name}: larger than {size_words(limit)}; send a smaller bundle (a shorter period) or ask "
                           "the server's operator to import it (gutskin import fhir)")
    if not data.strip():
        raise InvalidInput(f"{name}: the file is empty; choose the FHIR Bundle (JSON) file")
    try:
        return load_bundle_text(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{name}: not JSON (not UTF-8 text at byte {exc.start})") from None
    except BundleError as exc:
        raise InvalidInput(f"{name}: {exc.message}") from None
    except RecursionError:
        raise InvalidInput(f"{name}: JSON nested too deeply") from None


def _limit_words(request: Request) -> str:
    """The upload cap in words for a page (My data's FHIR form is on every render of data.html)."""
    return size_words(upload_limit(request))


TEMPLATES.env.globals["fhir_limit_words"] = _limit_words


def pack(bundle: Any) -> str:
    """The bundle for the confirm form's hidden field: compact JSON, zlib, base64 (no HTML escaping,
    a fraction of the file's size)."""
    text = json.dumps(bundle, ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(zlib.compress(text.encode("utf-8"), 6)).decode("ascii")


def unpack(packed: str, limit: int) -> Any:
    """:func:`pack` undone, at most ``limit`` bytes of JSON (a hand-made field is refused, not inflated)."""
    try:
        raw = base64.b64decode(packed.encode("ascii"), validate=True)
        inflate = zlib.decompressobj()
        text = inflate.decompress(raw, limit + 1)
        if len(text) > limit or inflate.unconsumed_tail:
            raise InvalidInput(f"bundle: larger than {size_words(limit)}")
        return json.loads(text.decode("utf-8"))
    except (ValueError, zlib.error, UnicodeError, RecursionError):
        raise InvalidInput("bundle: the previewed bundle did not come back whole; upload the file again") from None


@dataclass(frozen=True)
class Place:
    """Where the upload is: the clinician's patient page, or the person's own My data (2026-12-07)."""

    role: str  # the kind of account the pages are for
    base: str  # "/clinic/patients/{id}" or "/profiles/{id}": the preview and import routes hang under it
    own: bool  # the person's own upload (the clinic's findings skipped, My data the way back)

    def path(self, patient_id: int) -> str:
        return self.base.format(id=patient_id)

    def back(self, patient_id: int) -> str:
        return "/data" if self.own else f"/clinic/patients/{patient_id}"


CLINIC = Place("clinician", "/clinic/patients/{id}", own=False)
OWN = Place("patient", "/profiles/{id}", own=True)


def _authorize(request: Request, patient_id: int, csrf_token: str, preview: bool, place: Place = CLINIC) -> Any:
    """The signed-in account, checked: the form's CSRF token, then a clinician the patient shares
    with (:data:`CLINIC`) or the account managing the profile (:data:`OWN`), 404 otherwise; a
    preview is audited as a read of the record."""
    with unit_of_work(request) as s:
        u = require_user(request, s, place.role)
        verify_csrf(request, u, csrf_token)
        if place.own:
            patient = patient_for_write(s, u.actor, patient_id)  # the managing account, else 404 (a co-caregiver too)
            # one's own profile is "my record" on these pages; a child's goes by the child's name
            name = "Me" if patient.relationship == "self" else (patient.display_name or patient.external_id)
        else:
            patient = patient_for_read(s, u.actor, patient_id)  # a linked clinician (consent active), else 404
            name = patient.display_name or patient.external_id
        if preview:
            audit.record(s, u.actor, patient_id, "read", "fhir_import_preview")
    return u, name


def _page(request: Request, u: Any, patient_id: int, name: str, status: int = 200, place: Place = CLINIC,
          **ctx: Any) -> Response:
    return render(request, "clinic_fhir_import.html",
                  {"patient_id": patient_id, "patient_name": name, "limit_words": size_words(upload_limit(request)),
                   "summary": None, "error": None, "packed": None, "accept": False, "can_accept": False,
                   "file_name": "", "base": place.path(patient_id), "back": place.back(patient_id), "own": place.own,
                   "confirm_words": _confirm_words(place, name), **ctx}, status=status, user=u)


def _confirm_words(place: Place, name: str) -> str:
    """The confirm button: "Import into Maja Lindqvist's record"; on one's own profile "Import into my record"."""
    return "Import into my record" if place.own and name == "Me" else f"Import into {name}'s record"


@router.post("/clinic/patients/{patient_id}/fhir/preview", response_class=HTMLResponse)
async def preview(request: Request, patient_id: int, file: UploadFile | None = File(None), bundle: str = Form(""),
                  accept: str = Form(""), csrf_token: str = Form("")) -> Response:
    """Check the bundle (every rule of the import, nothing kept) and show what would be imported."""
    return await _preview(request, patient_id, file, bundle, accept, csrf_token, CLINIC)


@router.post("/profiles/{patient_id}/fhir/preview", response_class=HTMLResponse)
async def own_preview(request: Request, patient_id: int, file: UploadFile | None = File(None), bundle: str = Form(""),
                      accept: str = Form(""), csrf_token: str = Form("")) -> Response:
    """The person's own upload on My data: the same check, for a profile their account manages."""
    return await _preview(request, patient_id, file, bundle, accept, csrf_token, OWN)


async def _preview(request: Request, patient_id: int, file: UploadFile | None, bundle: str, accept: str,
                   csrf_token: str, place: Place) -> Response:
    limit = upload_limit(request)
    data = await file.read(limit + 1) if file is not None else b""
    file_name = (file.filename or "the file") if file is not None else "the file"

    def work() -> Response:
        u, name = _authorize(request, patient_id, csrf_token, preview=True, place=place)
        accepted = accept == "1"
        packed = None
        try:
            if data or not bundle:
                parsed = _read_bundle(data, file_name, limit)
            else:  # "preview again" after an identity difference: the bundle already read
                parsed = unpack(bundle, limit)
            packed = pack(parsed)
            summary = fhir.import_bundle(request.app.state.engine, u.actor, parsed, into=patient_id,
                                         accept_identity_difference=accepted, accept_words=ACCEPT_WORDS, dry_run=True,
                                         skip_clinic_findings=place.own)
        except ClinicError as exc:
            differs = isinstance(exc, Conflict) and ACCEPT_WORDS in str(exc)
            return _page(request, u, patient_id, name, status=status_for(exc), error=str(exc),
                         packed=packed if differs else None, can_accept=differs, file_name=file_name, place=place)
        return _page(request, u, patient_id, name, summary=summary, packed=packed, accept=accepted,
                     file_name=file_name, place=place)

    return await run_in_threadpool(work)


@router.post("/clinic/patients/{patient_id}/fhir/import", response_class=HTMLResponse)
async def confirm(request: Request, patient_id: int) -> Response:
    """Import the previewed bundle: all or nothing; back to the patient's page saying what came in."""
    return await _confirm(request, patient_id, CLINIC)


@router.post("/profiles/{patient_id}/fhir/import", response_class=HTMLResponse)
async def own_confirm(request: Request, patient_id: int) -> Response:
    """The person's own import of the previewed bundle: all or nothing; back to My data saying what came in."""
    return await _confirm(request, patient_id, OWN)


async def _confirm(request: Request, patient_id: int, place: Place) -> Response:
    limit = upload_limit(request)
    form = await request.form(max_part_size=limit * 2 + 1024)  # the hidden field: a bundle of at most limit bytes
    fields = {k: v for k, v in form.items() if isinstance(v, str)}

    def work() -> Response:
        u, name = _authorize(request, patient_id, fields.get("csrf_token", ""), preview=False, place=place)
        accepted = fields.get("accept") == "1"
        try:
            parsed = unpack(fields.get("bundle", ""), limit)
            summary = fhir.import_bundle(request.app.state.engine, u.actor, parsed, into=patient_id,
                                         accept_identity_difference=accepted, accept_words=ACCEPT_WORDS,
                                         skip_clinic_findings=place.own)
        except ClinicError as exc:
            differs = isinstance(exc, Conflict) and ACCEPT_WORDS in str(exc)
            return _page(request, u, patient_id, name, status=status_for(exc), error=str(exc),
                         packed=fields.get("bundle") if differs else None, can_accept=differs, place=place)
        back = place.back(patient_id)
        words = import_words(summary)
        if place.own:
            # My data lists several profiles: the note says whose record, the page puts it on that profile's form
            note = signed_note(request, f"{patient_id} {words}", back)
            return redirect(f"{back}?fhir_imported={quote(note)}#fhir-{patient_id}")
        note = signed_note(request, words, back)
        return redirect(f"{back}?fhir_imported={quote(note)}#fhir-import")

    return await run_in_threadpool(work)


def import_words(summary: dict[str, Any]) -> str:
    """What an import brought in, in words: "Imported 12 diary days, 3 questionnaires and 1 identifier."."""
    def n(k: int, one: str, many: str) -> str:
        return f"{k} {one if k == 1 else many}"

    parts = [n(summary.get("days", 0), "diary day", "diary days"),
             n(summary.get("questionnaires", 0), "questionnaire", "questionnaires")]
    if summary.get("assessments"):
        parts.append(n(summary["assessments"], "clinic assessment (EASI or SCORAD)", "clinic assessments (EASI or SCORAD)"))
    if summary.get("allergies"):
        parts.append(n(summary["allergies"], "food allergy record", "food allergy records"))
    added = len((summary.get("identifiers") or {}).get("added", []))
    if added:
        parts.append(n(added, "identifier of another system", "identifiers of another system"))
    return "Imported " + (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]) + "."


def imported_note(request: Request, token: str | None) -> str | None:
    """The patient page's "Imported ..." line after a confirmed import (signed: a link cannot write it)."""
    return read_note(request, token)


def own_imported_note(request: Request, patient_id: int) -> str | None:
    """My data's "Imported ..." line on profile ``patient_id``'s form after the person's own confirmed
    import (``?fhir_imported=``, signed for this session and /data: a link cannot write it)."""
    if request.url.path != "/data":
        return None
    note = read_note(request, request.query_params.get("fhir_imported"))
    if not note:
        return None
    pid, _, words = note.partition(" ")
    return words if pid == str(patient_id) and words.startswith("Imported ") else None


TEMPLATES.env.globals["fhir_imported_note"] = own_imported_note
