"""Clinician pages: panel ranked by need, link by invite code, a patient's charts (read-only), appointment queue."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from gutskin.clinic import access, appointments, challenges, diary, microbiome, questionnaires, sharing, summary
from gutskin.clinic.errors import ClinicError
from gutskin.web.errors import status_for
from gutskin.web.deps import unit_of_work
from gutskin.web.pages.common import local_today, redirect, render, require_user, utc_from_local, verify_csrf, viewer_zone

router = APIRouter(include_in_schema=False)


@router.get("/clinic", response_class=HTMLResponse)
def panel(request: Request, linked: int | None = None) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "clinician")
        rows = summary.panel(s, u.actor, today=local_today(request))
        return render(request, "clinic_panel.html", {"rows": rows, "linked": linked, **_alerts(s, u)}, user=u)


def _alerts(session, user) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Open safety alerts and challenge reviews due, for the panel: the page a clinician lands on
    said nothing of a patient's safety stop, which only the Challenges page listed."""
    return challenges.clinician_alerts(session, user.actor)


@router.post("/clinic/link", response_class=HTMLResponse)
def link(request: Request, code: str = Form(""), csrf_token: str = Form("")) -> Response:
    try:
        with unit_of_work(request) as s:
            u = require_user(request, s, "clinician")
            verify_csrf(request, u, csrf_token)
            pid = sharing.accept_invite(s, u.actor, code)
    except ClinicError as exc:
        with unit_of_work(request) as s:
            u = require_user(request, s, "clinician")
            return render(request, "clinic_panel.html", {"rows": summary.panel(s, u.actor, today=local_today(request)), "error": str(exc),
                                                         **_alerts(s, u)},
                          status=status_for(exc), user=u)
    return redirect(f"/clinic?linked={pid}")


@router.get("/clinic/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(request: Request, patient_id: int, weeks: int = 12) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "clinician")
        data = summary.trends(s, u.actor, patient_id, weeks, today=local_today(request))
        today = dt.date.fromisoformat(data["dates"][-1])  # type: ignore[index]
        scores = questionnaires.history(s, u.actor, patient_id)
        recent = diary.list_days(s, u.actor, patient_id, today - dt.timedelta(days=13), today, with_author=True)
        micro = microbiome.latest_summary(s, u.actor, patient_id)
        profile = access.patient_for_read(s, u.actor, patient_id)  # authorized above (summary.trends)
        return render(request, "clinic_patient.html", {"data": data, "weeks": data["weeks"],
                                                       "born": profile.birth_year,
                                                       "child": profile.relationship == "child",
                                                       "scores": scores[-10:], "scores_total": len(scores),
                                                       "recent": list(reversed(recent)),
                                                       "readonly": True, "micro": micro,
                                                       "micro_link": f"/clinic/patients/{patient_id}/microbiome/{micro['id']}"
                                                       if micro else None}, user=u)


@router.get("/clinic/appointments", response_class=HTMLResponse)
def queue(request: Request) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "clinician")
        return render(request, "clinic_appointments.html", {"requests": appointments.queue(s, u.actor, include_closed=True)},
                      user=u)


@router.post("/clinic/appointments/{request_id}", response_class=HTMLResponse)
def respond(request: Request, request_id: int, action: str = Form(""), time: str = Form(""), message: str = Form(""),
            csrf_token: str = Form("")) -> Response:
    try:
        with unit_of_work(request) as s:
            u = require_user(request, s, "clinician")
            verify_csrf(request, u, csrf_token)
            when = utc_from_local(time.strip(), viewer_zone(request)) if time.strip() else None
            appointments.respond(s, u.actor, request_id, action, when, message)
    except (ClinicError, ValueError) as exc:  # the reason on the request it belongs to, with what was typed
        with unit_of_work(request) as s:
            u = require_user(request, s, "clinician")
            reason = (str(exc) if isinstance(exc, ClinicError) or str(exc).startswith("time: ")
                      else "time: expected a date and time")  # never the typed text echoed by the parser
            return render(request, "clinic_appointments.html",
                          {"requests": appointments.queue(s, u.actor, include_closed=True), "error_for": request_id,
                           "error": reason, "typed": {"time": time, "message": message}},
                          status=status_for(exc) if isinstance(exc, ClinicError) else 422, user=u)
    return redirect("/clinic/appointments")
