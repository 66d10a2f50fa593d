"""Downloads for the browser (session cookie): the visit report and the FHIR record, buttons on the
clinician's patient page, and the patient's own visit report."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gutskin.clinic import fhir, reports
from gutskin.clinic.downloads import download_name
from gutskin.web.deps import unit_of_work
from gutskin.web.pages.common import local_today, require_user

router = APIRouter(include_in_schema=False)


@router.get("/clinic/patients/{patient_id}/report.pdf")
def clinician_report(request: Request, patient_id: int, weeks: int = 12) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "clinician")
        data = reports.report_data(s, u.actor, patient_id, weeks, today=local_today(request))  # the reader's date
    data = reports.settle_insights(data, reports.WEB_INSIGHTS_WAIT)  # after the transaction
    # the patient's own download's name (it was visit-report-<numeric id>.pdf: one number per server)
    name = download_name("report", data["patient"]["external_id"], patient_id, data["generated_on"], "pdf")
    return Response(reports.render_pdf(data), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/clinic/patients/{patient_id}/fhir.json")
def clinician_fhir(request: Request, patient_id: int) -> Response:
    """The patient's record as a FHIR R4B Bundle for the clinic's EHR, as ``GET /api/v1/patients/{id}/fhir``:
    a clinician working in the browser had no way to it (the API takes a bearer token, not the session)."""
    with unit_of_work(request) as s:
        u = require_user(request, s, "clinician")
        record = fhir.export_record(s, u.actor, patient_id)  # authorized and audited (export fhir_bundle)
        day = local_today(request)
    bundle = fhir.bundle_of(record)  # after the transaction: no lock held while it is built
    name = download_name("fhir", record["patient"]["external_id"], patient_id, day, "json")
    return Response(json.dumps(bundle, ensure_ascii=False), media_type="application/fhir+json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/data/report.pdf")
def patient_report(request: Request, patient: int | None = None, weeks: int = 12) -> Response:
    """The same visit report for the patient (or caregiver) to bring along."""
    from gutskin.clinic import access

    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        profile = access.default_patient(s, u.actor) if patient is None else access.patient_for_entry(s, u.actor, patient)
        today = local_today(request, s, profile.id)
        data = reports.report_data(s, u.actor, profile.id, weeks, today=today)
        # named per profile and day like the diary download: every report was gutskin-report.pdf, so
        # a parent's report and each child's overwrote one another (family review)
        name = download_name("report", profile.external_id, profile.id, today, "pdf")
    data = reports.settle_insights(data, reports.WEB_INSIGHTS_WAIT)  # after the transaction
    return Response(reports.render_pdf(data), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/data/fhir.json")
def patient_fhir(request: Request, patient: int | None = None) -> Response:
    """The person's own record as a FHIR R4B Bundle, from My data (2026-12-07): the file the My data
    upload takes back (another gutskin, another clinic), and where who answered each questionnaire
    (self or a parent) travels, which the diary CSV has no column for (docs/interop.md). The API had
    it (``GET /api/v1/patients/{id}/fhir``, bearer token); the browser had no way to it. Authorized
    and audited by the use case (export fhir_bundle): the managing account or a child's co-caregiver."""
    from gutskin.clinic import access

    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        profile = access.default_patient(s, u.actor) if patient is None else access.patient_for_entry(s, u.actor, patient)
        record = fhir.export_record(s, u.actor, profile.id)  # authorized and audited (export fhir_bundle)
        day = local_today(request, s, profile.id)
        name = download_name("fhir", profile.external_id, profile.id, day, "json")
    bundle = fhir.bundle_of(record)  # after the transaction: no lock held while it is built
    return Response(json.dumps(bundle, ensure_ascii=False), media_type="application/fhir+json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
