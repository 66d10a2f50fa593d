"""Visit report download for the browser (session cookie): the button on the clinician's patient page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gutskin.clinic import reports
from gutskin.web.deps import unit_of_work
from gutskin.web.pages.common import local_today, require_user

router = APIRouter(include_in_schema=False)


@router.get("/clinic/patients/{patient_id}/report.pdf")
def clinician_report(request: Request, patient_id: int, weeks: int = 12) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "clinician")
        data = reports.report_data(s, u.actor, patient_id, weeks, today=local_today(request))  # the reader's date
    data = reports.settle_insights(data, reports.WEB_INSIGHTS_WAIT)  # after the transaction
    return Response(reports.render_pdf(data), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="visit-report-{patient_id}.pdf"'})


@router.get("/data/report.pdf")
def patient_report(request: Request, patient: int | None = None, weeks: int = 12) -> Response:
    """The same visit report for the patient (or caregiver) to bring along."""
    from gutskin.clinic import access

    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        pid = access.default_patient(s, u.actor).id if patient is None else access.patient_for_write(s, u.actor, patient).id
        data = reports.report_data(s, u.actor, pid, weeks, today=local_today(request))
    data = reports.settle_insights(data, reports.WEB_INSIGHTS_WAIT)  # after the transaction
    return Response(reports.render_pdf(data), media_type="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="gutskin-report.pdf"'})
