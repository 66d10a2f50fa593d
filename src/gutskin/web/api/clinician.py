"""Clinician side: link by invite code, the ranked panel, a linked patient's record, the appointment queue."""

from __future__ import annotations


from typing import Any

from fastapi import APIRouter, Body, Request

from gutskin.clinic import appointments, assessments, diary, questionnaires, sharing, summary
from gutskin.clinic.access import require_role
from gutskin.web.api.schemas import AppointmentAction, ClinicDayOut, LinkIn, LinkOut
from gutskin.web.api.params import date_param, instant_param
from gutskin.web.deps import api_actor, unit_of_work

router = APIRouter(tags=["clinician"])


@router.post("/clinician/links", status_code=201, response_model=LinkOut, summary="Link a patient with their invite code")
def link(body: LinkIn, request: Request) -> LinkOut:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        return LinkOut(patient_id=sharing.accept_invite(s, actor, body.code))


@router.get("/clinician/patients", summary="Linked patients ranked by need")
def panel(request: Request) -> list:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        return summary.panel(s, actor)


@router.get("/patients/{patient_id}/diary", response_model=list[ClinicDayOut], summary="A patient's diary (owner or linked clinician)")
def patient_diary(patient_id: int, request: Request, start: str | None = None, end: str | None = None) -> list:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        return diary.list_days(s, actor, patient_id, date_param(start or None, "start"), date_param(end or None, "end"),  # ?start=&end=: not given
                               with_author=True)


@router.get("/patients/{patient_id}/trends", summary="A patient's chart data (owner or linked clinician)")
def patient_trends(patient_id: int, request: Request, weeks: int = 12) -> dict:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        return summary.trends(s, actor, patient_id, weeks, strict=True)


@router.get("/patients/{patient_id}/questionnaires", summary="A patient's questionnaire scores")
def patient_questionnaires(patient_id: int, request: Request) -> list:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        return questionnaires.history(s, actor, patient_id)


def _record(instrument: str, patient_id: int, body: dict[str, Any], request: Request) -> dict:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        return assessments.record(s, actor, patient_id, instrument, body)


@router.post("/patients/{patient_id}/assessments/easi", status_code=201,
             summary="Record the clinician's EASI of a linked patient (the CLI's input; age from the profile)")
def record_easi(patient_id: int, request: Request, body: dict[str, Any] = Body(...)) -> dict:
    """``{"regions": {...}, "assessed_on"?: "YYYY-MM-DD", "age_years"?: n}`` (docs/instruments.md);
    ``age_years`` only when the profile's birth year does not decide the weights."""
    return _record("easi", patient_id, body, request)


@router.post("/patients/{patient_id}/assessments/scorad", status_code=201,
             summary="Record the clinician's SCORAD of a linked patient (the CLI's input)")
def record_scorad(patient_id: int, request: Request, body: dict[str, Any] = Body(...)) -> dict:
    """``{"extent_percent", "intensity": {6 signs}, "itch", "sleep_loss", "bands"?, "assessed_on"?}``."""
    return _record("scorad", patient_id, body, request)


@router.get("/patients/{patient_id}/assessments", summary="The clinic's EASI and SCORAD results (owner or linked clinician)")
def patient_assessments(patient_id: int, request: Request) -> list:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        return assessments.history(s, actor, patient_id)


@router.get("/clinician/appointments", summary="Open appointment requests of linked patients")
def queue(request: Request, include_closed: bool = False) -> list:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        return appointments.queue(s, actor, include_closed)


@router.get("/clinician/appointments/cancelled-by-ended-sharing",
            summary="Your bookings (or proposed times) ahead that a patient's revocation cancelled: id and time only")
def cancelled_by_ended_sharing(request: Request) -> list:
    """The page's notice for an API client (a clinic's scheduling system): the queue drops a request
    once sharing ends, so without this the slot stayed booked in the clinic's calendar. Same rule
    as ``/clinic/appointments`` (:func:`appointments.withdrawn_by_ended_sharing`), audited there."""
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        return appointments.withdrawn_by_ended_sharing(s, actor)


@router.post("/clinician/appointments/{request_id}", summary="Accept, propose another time, or decline")
def respond(request_id: int, body: AppointmentAction, request: Request) -> dict:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        require_role(actor, "clinician")
        when = instant_param(body.time, "time") if body.time else None
        return appointments.respond(s, actor, request_id, body.action, when, body.message)


@router.get("/patients/{patient_id}/insights", summary="Triggers and 7-day forecast (owner or linked clinician)")
def patient_insights(patient_id: int, request: Request, wait: float = 0.0) -> dict:
    """``{"status": "computing"}`` while the result is prepared off the request path; ``wait`` ≤ 10 s."""
    from gutskin.clinic import zones
    from gutskin.clinic.insights import insights_for, settle, worded_for

    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        result = insights_for(s, actor, patient_id)
        today = zones.patient_today(s, patient_id)  # the what-if's "next 7 days" is worded for this day
    return worded_for(settle(patient_id, result, max(0.0, min(wait, 10.0))), today)
