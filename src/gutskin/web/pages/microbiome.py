"""Microbiome pages: upload a stool-test profile, see the report; clinicians see it read-only."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from gutskin.clinic import access
from gutskin.clinic import microbiome as micro
from gutskin.clinic.errors import ClinicError
from gutskin.web.errors import status_for
from gutskin.web.deps import settings_of, unit_of_work
from gutskin.web.pages.common import redirect, render, require_user, verify_csrf

router = APIRouter(include_in_schema=False)


def _pid(s, actor, patient):  # type: ignore[no-untyped-def]
    return access.default_patient(s, actor).id if patient is None else access.patient_for_write(s, actor, patient).id


@router.get("/microbiome", response_class=HTMLResponse)
def microbiome_page(request: Request, patient: int | None = None) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        pid = _pid(s, u.actor, patient)
        return render(request, "microbiome.html", {"samples": micro.list_samples(s, u.actor, pid), "patient": patient},
                      user=u)


async def read_limited(upload: UploadFile, limit: int) -> bytes:
    data = await upload.read(limit + 1)
    return data


@router.post("/microbiome", response_class=HTMLResponse)
async def microbiome_upload(request: Request, file: UploadFile = File(...), sample_id: str = Form(""),
                            method: str = Form("unknown"), collected_on: str = Form(""), csrf_token: str = Form(""),
                            patient: int | None = None) -> Response:
    limit = settings_of(request).upload_max_bytes
    data = await read_limited(file, limit)

    def work() -> Response:
        try:
            with unit_of_work(request) as s:
                u = require_user(request, s, "patient")
                verify_csrf(request, u, csrf_token)
                pid = _pid(s, u.actor, patient)
                when = dt.date.fromisoformat(collected_on) if collected_on.strip() else None
                out = micro.upload_sample(s, u.actor, pid, file.filename or "", data, sample_id=sample_id.strip() or None,
                                          method=method, collected_on=when, max_bytes=limit)
            return redirect(f"/microbiome/{out['id']}")
        except (ClinicError, ValueError) as exc:
            with unit_of_work(request) as s:
                u = require_user(request, s, "patient")
                pid = _pid(s, u.actor, patient)
                return render(request, "microbiome.html", {"samples": micro.list_samples(s, u.actor, pid),
                                                           "patient": patient, "error": str(exc)}, status=status_for(exc) if isinstance(exc, ClinicError) else 422, user=u)

    return await run_in_threadpool(work)


@router.get("/microbiome/{sample_pk}", response_class=HTMLResponse)
def microbiome_report(request: Request, sample_pk: int, patient: int | None = None) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        pid = _pid(s, u.actor, patient)
        return render(request, "microbiome_report.html", {"s": micro.get_sample(s, u.actor, pid, sample_pk)}, user=u)


@router.get("/clinic/patients/{patient_id}/microbiome/{sample_pk}", response_class=HTMLResponse)
def clinician_microbiome_report(request: Request, patient_id: int, sample_pk: int) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "clinician")
        return render(request, "microbiome_report.html", {"s": micro.get_sample(s, u.actor, patient_id, sample_pk),
                                                          "readonly": True}, user=u)
