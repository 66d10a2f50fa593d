"""Visit report PDF and FHIR export of one patient (owner or linked clinician; anyone else 404)."""

from __future__ import annotations

import datetime as dt
import json

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gutskin.clinic import fhir, reports
from gutskin.clinic.downloads import download_name
from gutskin.web.deps import api_actor, unit_of_work

router = APIRouter(tags=["reports"])

FHIR_JSON = "application/fhir+json"


@router.get(
    "/patients/{patient_id}/fhir",
    summary="The patient's record as a FHIR R4B Bundle (type collection)",
    responses={200: {"content": {FHIR_JSON: {}}}},
)
def patient_fhir(patient_id: int, request: Request) -> Response:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        record = fhir.export_record(s, actor, patient_id)
    bundle = fhir.bundle_of(record)  # after the transaction: no lock held while it is built
    # named like the diary CSV and the report (profile identifier and the server's day: the API has no
    # zone); it was patient-<numeric id>-fhir.json, a number that means nothing outside this server
    name = download_name("fhir", record["patient"]["external_id"], patient_id, dt.date.today(), "json")
    return Response(json.dumps(bundle, ensure_ascii=False), media_type=FHIR_JSON,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get(
    "/patients/{patient_id}/report.pdf",
    summary="Visit report (PDF, at most two pages)",
    responses={200: {"content": {"application/pdf": {}}}},
)
def patient_report(patient_id: int, request: Request, weeks: int = 12) -> Response:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        data = reports.report_data(s, actor, patient_id, weeks)
    pdf = reports.render_pdf(reports.settle_insights(data, reports.WEB_INSIGHTS_WAIT))
    name = download_name("report", data["patient"]["external_id"], patient_id, data["generated_on"], "pdf")
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
