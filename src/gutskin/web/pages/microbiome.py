"""Microbiome pages: upload a stool-test profile, see the report; clinicians see it read-only."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from gutskin.clinic import access
from gutskin.clinic import microbiome as micro
from gutskin.clinic.errors import ClinicError, InvalidInput
from gutskin.diary.dates import iso_date_or_none
from gutskin.web.errors import status_for
from gutskin.web.deps import settings_of, unit_of_work
from gutskin.web.pages.common import TEMPLATES, local_today, redirect, render, require_user, verify_csrf, viewing

router = APIRouter(include_in_schema=False)
# the upload page's hint and accept attribute: the server's own list (clinic/microbiome.py UPLOAD_FORMATS)
TEMPLATES.env.globals["upload_formats_words"] = micro.upload_formats_words()
TEMPLATES.env.globals["upload_suffixes"] = micro.ALLOWED_SUFFIXES


def _pid(s, actor, patient):  # type: ignore[no-untyped-def]
    return access.default_patient(s, actor).id if patient is None else access.patient_for_entry(s, actor, patient).id


def _collected(value: str, today: dt.date) -> dt.date | None:
    """The form's collection date: empty, or a real day that is not in the future (a typo such as
    2062 for 2026 was stored and shown on the report)."""
    if not value.strip():
        return None
    when = iso_date_or_none(value.strip())  # exactly YYYY-MM-DD, as the diary (fromisoformat read 2025-W14-2 too)
    if when is None:
        raise InvalidInput("collected_on: expected a date such as 2026-11-30")
    if when > today:
        raise InvalidInput(f"collected_on: {when.isoformat()} is in the future; give the day the sample was taken")
    return when


@router.get("/microbiome", response_class=HTMLResponse)
def microbiome_page(request: Request, patient: int | None = None) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        pid = _pid(s, u.actor, patient)
        return render(request, "microbiome.html", {"samples": micro.list_samples(s, u.actor, pid), "patient": patient,
                                                   "viewing": viewing(s, u, patient)},
                      user=u)


async def read_limited(upload: UploadFile, limit: int) -> bytes:
    data = await upload.read(limit + 1)
    return data


@router.post("/microbiome", response_class=HTMLResponse)
async def microbiome_upload(request: Request, file: UploadFile = File(...), sample_id: str = Form(""),
                            method: str = Form("unknown"), collected_on: str = Form(""), csrf_token: str = Form(""),
                            kind: str = Form("auto"), taxonomy: UploadFile | None = File(None),
                            patient: int | None = None) -> Response:
    limit = settings_of(request).upload_max_bytes
    data = await read_limited(file, limit)
    tax_data = await read_limited(taxonomy, limit) if taxonomy is not None else b""
    tax_name = (taxonomy.filename or "") if taxonomy is not None else ""

    def work() -> Response:
        try:  # authorize, parse outside any transaction (no lock held while a big file is read), store
            with unit_of_work(request) as s:
                u = require_user(request, s, "patient")
                verify_csrf(request, u, csrf_token)
                pid = _pid(s, u.actor, patient)
                when = _collected(collected_on, local_today(request, s, pid))
                group = micro.upload_age_group(s, u.actor, pid, collected_on=when)  # the age on the collection day
            parsed = micro.parse_upload(file.filename or "", data, sample_id=sample_id.strip() or None, method=method,
                                        age_group=group, max_bytes=limit, kind=kind,
                                        taxonomy=tax_data if (tax_data or tax_name) else None,  # none chosen
                                        taxonomy_filename=tax_name)
            with unit_of_work(request) as s:
                u = require_user(request, s, "patient")  # again: signed out or password changed meanwhile
                out = micro.store_sample(s, u.actor, pid, parsed, method=method, collected_on=when)
            return redirect(f"/microbiome/{out['id']}" + (f"?patient={patient}" if patient else ""))  # a child's sample
        except (ClinicError, ValueError) as exc:
            with unit_of_work(request) as s:
                u = require_user(request, s, "patient")
                pid = _pid(s, u.actor, patient)
                typed = {"sample_id": sample_id, "method": method, "collected_on": collected_on,  # kept for the next try
                         "kind": kind}
                return render(request, "microbiome.html", {"samples": micro.list_samples(s, u.actor, pid),
                                                           "patient": patient, "error": str(exc), "typed": typed,
                                                           "viewing": viewing(s, u, patient)},
                              status=status_for(exc) if isinstance(exc, ClinicError) else 422, user=u)

    return await run_in_threadpool(work)


@router.get("/microbiome/{sample_pk}", response_class=HTMLResponse)
def microbiome_report(request: Request, sample_pk: int, patient: int | None = None) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        pid = _pid(s, u.actor, patient)
        return render(request, "microbiome_report.html", {"s": micro.get_sample(s, u.actor, pid, sample_pk),
                                                          "patient": patient, "viewing": viewing(s, u, patient)}, user=u)


@router.get("/clinic/patients/{patient_id}/microbiome/{sample_pk}", response_class=HTMLResponse)
def clinician_microbiome_report(request: Request, patient_id: int, sample_pk: int) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "clinician")
        sample = micro.get_sample(s, u.actor, patient_id, sample_pk)  # authorizes (strangers: 404) and audits
        p = access.patient_for_read(s, u.actor, patient_id)
        return render(request, "microbiome_report.html", {"s": sample, "readonly": True, "patient_id": patient_id,
                                                          "patient_name": p.display_name or p.external_id}, user=u)
