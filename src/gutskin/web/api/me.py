"""The signed-in account and its own patient profile(s): diary, sharing, appointments, data."""

from __future__ import annotations

import os

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from gutskin.clinic import access, accounts, appointments, audit, diary, export, questionnaires, sharing, summary, zones
from gutskin.web.api.schemas import (
    TimeZoneIn,
    AccessOut,
    AccountOut,
    AppointmentAnswer,
    AppointmentIn,
    AppointmentSendTo,
    ChildIn,
    DayIn,
    DayListItem,
    DayOut,
    DayPutOut,
    InviteListOut, InviteOut,
    PasswordChangeIn,
    PasswordIn,
    QuestionnaireIn,
)
from gutskin.web.api.params import date_param, my_patient_id
from gutskin.clinic.errors import InvalidInput
from gutskin.diary.csvio import DiaryCsvError, diary_text
from gutskin.web.deps import api_actor, settings_of, unit_of_work

router = APIRouter(prefix="/me", tags=["me"])

PatientQ = Query(None, description="One of your patient profiles (a caregiver's child); default: your own.")
ZoneQ = Query(None, max_length=64, description="your IANA time zone (Pacific/Auckland): this request's 'today'; kept as "
              "the profile's only while it has none (PUT /me/time_zone changes it), which decides the profile's "
              "'today' for reminders and the clinician's panel; default: the profile's zone, else the server's date")


@router.get("", response_model=AccountOut, summary="The signed-in account")
def me(request: Request) -> AccountOut:
    with unit_of_work(request) as s:
        actor = api_actor(request, s, allow_must_change=True)  # who is signed in: also before the change
        patients = access.owned_patients(s, actor)
        helped = access.caregiving_patients(s, actor)
        from gutskin.store.models import User

        user = s.get(User, actor.user_id)
        assert user is not None
        default = next((p.id for p in patients if p.relationship == "self"), patients[0].id if patients else None)
        return AccountOut(
            id=user.id, email=user.email, display_name=user.display_name or None, role=user.role, patient_id=default if user.role == "patient" else None,
            patients=[{"patient_id": p.id, "name": p.display_name, "relationship": p.relationship,
                       "external_id": p.external_id, "time_zone": p.time_zone} for p in patients]
            + [{"patient_id": p.id, "name": p.display_name, "relationship": p.relationship,  # a co-caregiver's child
                "external_id": p.external_id, "co_caregiver": True, "time_zone": p.time_zone} for p in helped],
        )


@router.put("/time_zone", summary="Choose the time zone a profile's days are lived in")
def put_time_zone(body: TimeZoneIn, request: Request, patient_id: int | None = PatientQ) -> dict:
    """The profile's zone (an IANA name from ``zoneinfo.available_timezones()``): its "today" for
    reminders, challenge phases, the avoid list, questionnaires due and the clinician's panel, and
    for pages without JavaScript. A diary day or dose sent with ``zone`` sets it only while the
    profile has none; this changes it (the managing account or a co-caregiver; audited)."""
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        pid = my_patient_id(s, actor, patient_id)
        return {"patient_id": pid, "time_zone": zones.set_profile_zone(s, actor, pid, body.time_zone)}


@router.post("/children", status_code=201, summary="Add a child's profile you manage (caregivers)")
def add_child(body: ChildIn, request: Request) -> dict:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        p = accounts.add_child_profile(s, actor, body.display_name, body.birth_year)
        return {"patient_id": p.id, "name": p.display_name, "relationship": p.relationship}


def _precondition(request: Request) -> str | None:
    """What a conditional PUT expects stored (``diary.put_day``'s ``expect``): ``If-Match: "<version>"``
    (the ``version`` of ``GET /me/diary``, the ``ETag`` of a PUT; ``*``: any entry), ``If-None-Match: *``
    (no entry: create only), or None without either (the last write wins, as before 2026-12-06)."""
    match, none_match = request.headers.get("if-match"), request.headers.get("if-none-match")
    if match is not None and none_match is not None:
        raise InvalidInput("If-Match, If-None-Match: send one of them, not both")
    if none_match is not None:
        if none_match.strip() != "*":
            raise InvalidInput(f"If-None-Match: only * (create the day only if it has no entry) is understood on a "
                               f"PUT, got {none_match.strip()[:60]!r}")
        return "none"
    if match is None:
        return None
    tag = match.strip()
    if tag == "*":
        return "*"
    if "," in tag or tag.startswith("W/"):
        raise InvalidInput(f"If-Match: expected one version as sent in ETag, e.g. \"3f2a9c0d1e4b5a6c\", got {tag[:60]!r}")
    tag = tag[1:-1] if len(tag) >= 2 and tag[0] == tag[-1] == '"' else tag
    if not tag or tag == "none":
        raise InvalidInput(f"If-Match: expected a day's version as sent in ETag, got {match.strip()[:60]!r}")
    return tag


@router.put("/diary/{day}", response_model=DayPutOut, summary="Log or replace one day",
            responses={412: {"description": "If-Match / If-None-Match: the day changed (names the day, who saved it when)"}})
def put_day(day: str, body: DayIn, request: Request, response: Response, patient_id: int | None = PatientQ,
            zone: str | None = ZoneQ) -> dict | Response:
    """Without a precondition the day is replaced whatever is stored. With ``If-Match: "<version>"``
    only if it is still that version, with ``If-None-Match: *`` only if the day has no entry: else
    412, nothing written. The answer's ``ETag`` (and ``version``) is the day's new version.
    ``zone`` (optional): the app's IANA zone, kept as the profile's (its "today" for reminders)."""
    try:
        with unit_of_work(request) as s:  # a refused precondition rolls back (nothing is written)
            actor = api_actor(request, s)
            d = date_param(day, "date")
            pid = my_patient_id(s, actor, patient_id)  # authorization before any precondition: a stranger gets 404
            zones.checked(zone)
            out = diary.put_day(s, actor, pid, d, diary.DayInput(**body.model_dump()), expect=_precondition(request),
                                zone=zone)
    except diary.DayChanged as exc:  # its detail tells who saved the day when: audited as a read of the day
        with unit_of_work(request) as s:
            audit.record(s, actor, pid, "read", "diary_day", d.isoformat())
        return JSONResponse({"detail": str(exc)}, status_code=412)
    response.headers["ETag"] = f'"{out["version"]}"'
    return out


@router.post(
    "/diary/import", status_code=201, summary="Import a diary CSV into your profile (all rows or none)",
    openapi_extra={"requestBody": {"required": True, "content": {
        "text/csv": {"schema": {"type": "string"}},
        "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                           "properties": {"file": {"type": "string", "format": "binary"}}}},
    }}},
)
async def import_my_diary(request: Request, patient_id: int | None = PatientQ) -> dict:
    """The body is a diary CSV in the interchange format (one person's diary, e.g. from another
    app: its ``patient`` values are not used), or a multipart form with the CSV in ``file`` (as
    the microbiome upload and the My data page take a file); every row goes to the profile. A
    bad cell or a day already logged stores nothing: 422 or 409 naming the line or the day.
    → ``{"rows": n}``."""
    limit = settings_of(request).upload_max_bytes
    too_big = JSONResponse({"detail": f"body: larger than {limit // 1_000_000} MB"}, status_code=413)
    name = "body"  # named in error messages: "body: line 3, column itch: ..."
    if request.headers.get("content-type", "").split(";")[0].strip().lower() == "multipart/form-data":
        # before, the form's framing was read as the CSV: "line 1, column --------------------------3e9a…"
        async with request.form(max_files=2, max_fields=10) as form:
            upload = form.get("file")
            if isinstance(upload, str) or upload is None:
                return JSONResponse({"detail": "file: a multipart upload carries the diary CSV as a file in a "
                                               "part named file"}, status_code=422)
            data = await upload.read(limit + 1)
            name = os.path.basename(upload.filename or "") or "file"
        if len(data) > limit:
            return too_big
    else:
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                return too_big
            chunks.append(chunk)
        data = b"".join(chunks)

    def work() -> Response:
        with unit_of_work(request) as s:
            actor = api_actor(request, s)
            pid = my_patient_id(s, actor, patient_id)
        source = diary_text(data, name)  # UTF-8 or UTF-16 with a BOM; the reader names a bad line
        try:
            out = diary.import_diary_csv(request.app.state.engine, actor, source, into=pid)
        except DiaryCsvError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=422)
        return JSONResponse({"rows": out.rows}, status_code=201)

    return await run_in_threadpool(work)


@router.get("/diary", response_model=list[DayListItem], summary="Days of your diary, with who logged each")
def get_diary(request: Request, start: str | None = None, end: str | None = None, patient_id: int | None = PatientQ) -> list:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        pid = my_patient_id(s, actor, patient_id)
        return diary.list_days(s, actor, pid, date_param(start or None, "start"), date_param(end or None, "end"),  # ?start=&end=: not given
                               logged_by=True, versions=True)


@router.delete("/diary/{day}", status_code=204, summary="Delete one day",
               responses={412: {"description": "If-Match: the day changed (names the day, who saved it when)"}})
def delete_day(day: str, request: Request, patient_id: int | None = PatientQ) -> Response:
    """``If-Match: "<version>"``: delete only if the day is still that version, else 412 (as the PUT)."""
    try:
        with unit_of_work(request) as s:  # a refused precondition rolls back
            actor = api_actor(request, s)
            d = date_param(day, "date")
            pid = my_patient_id(s, actor, patient_id)  # authorization first: a stranger gets 404
            if request.headers.get("if-none-match") is not None:
                raise InvalidInput("If-None-Match: not understood on a DELETE; send If-Match with the day's version")
            diary.delete_day(s, actor, pid, d, expect=_precondition(request))
    except diary.DayChanged as exc:  # its detail tells who saved the day when: audited as a read of the day
        with unit_of_work(request) as s:
            audit.record(s, actor, pid, "read", "diary_day", d.isoformat())
        return JSONResponse({"detail": str(exc)}, status_code=412)
    return Response(status_code=204)


@router.get("/trends", summary="Chart data for 4, 12 or 52 weeks")
def trends(request: Request, weeks: int = 12, patient_id: int | None = PatientQ) -> dict:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        return summary.trends(s, actor, my_patient_id(s, actor, patient_id), weeks, strict=True)


@router.post("/questionnaires/{instrument}", status_code=201, summary="Answer POEM, RECAP, ADCT, DLQI or CDLQI")
def answer(instrument: str, body: QuestionnaireIn, request: Request, patient_id: int | None = PatientQ,
           replace: int | None = None) -> dict:
    """``replace``: the id of the day's answer given by another account (409 names it) to replace."""
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        on = date_param(body.answered_on, "answered_on")
        return questionnaires.submit(s, actor, my_patient_id(s, actor, patient_id), instrument, {"answers": body.answers}, on,
                                     replace=replace, respondent=body.respondent)


@router.get("/questionnaires", summary="Your questionnaire history")
def questionnaire_history(request: Request, patient_id: int | None = PatientQ) -> list:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        return questionnaires.history(s, actor, my_patient_id(s, actor, patient_id))


@router.post("/invites", status_code=201, response_model=InviteOut, summary="An invite code for your clinician")
def invite(request: Request, patient_id: int | None = PatientQ) -> dict:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        return sharing.create_invite(s, actor, my_patient_id(s, actor, patient_id))


@router.get("/invites", response_model=list[InviteListOut], summary="Your unused invite codes (without the codes)")
def open_invites(request: Request, patient_id: int | None = PatientQ) -> list:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        return sharing.list_invites(s, actor, my_patient_id(s, actor, patient_id))


@router.delete("/invites/{invite_id}", status_code=204, summary="Cancel an unused invite code")
def cancel_invite(invite_id: int, request: Request, patient_id: int | None = PatientQ) -> Response:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        sharing.cancel_invite(s, actor, my_patient_id(s, actor, patient_id), invite_id)
    return Response(status_code=204)


@router.get("/access", response_model=list[AccessOut], summary="Who can see your record")
def who_has_access(request: Request, patient_id: int | None = PatientQ) -> list:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        return sharing.list_access(s, actor, my_patient_id(s, actor, patient_id))


@router.delete("/access/{consent_id}", status_code=204, summary="Revoke a clinician's access at once")
def revoke(consent_id: int, request: Request, patient_id: int | None = PatientQ) -> Response:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        sharing.revoke(s, actor, my_patient_id(s, actor, patient_id), consent_id)
    return Response(status_code=204)


@router.get("/audit", summary="Who read or changed your record")
def audit_log(request: Request, patient_id: int | None = PatientQ) -> list:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        return audit.access_log(s, actor, my_patient_id(s, actor, patient_id))


@router.post("/appointments", status_code=201, summary="Request an appointment")
def request_appointment(body: AppointmentIn, request: Request, patient_id: int | None = PatientQ) -> dict:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        return appointments.request_appointment(
            s, actor, my_patient_id(s, actor, patient_id), body.reason, body.urgency, body.preferred_times, body.time_zone,
            body.to,
        )


@router.get("/appointments", summary="Your appointment requests and their status")
def my_appointments(request: Request, patient_id: int | None = PatientQ) -> list:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        return appointments.my_requests(s, actor, my_patient_id(s, actor, patient_id))


@router.post("/appointments/{request_id}", summary="Confirm a proposed time, ask for another time, or withdraw a request")
def answer_appointment(request_id: int, body: AppointmentAnswer, request: Request, patient_id: int | None = PatientQ) -> dict:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        return appointments.answer(s, actor, my_patient_id(s, actor, patient_id), request_id, body.action, body.note)


@router.post("/appointments/{request_id}/recipients", summary="Send an open request to another clinician the record is shared with")
def send_appointment(request_id: int, body: AppointmentSendTo, request: Request, patient_id: int | None = PatientQ) -> dict:
    """A clinician linked after the request was made does not get it by being linked; this sends
    it to them (only while it is open)."""
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        return appointments.send_to(s, actor, my_patient_id(s, actor, patient_id), request_id, list(body.to))


@router.get("/export.csv", response_class=PlainTextResponse, summary="Your diary in the CSV interchange format")
def export_csv(request: Request, patient_id: int | None = PatientQ) -> Response:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        pid = my_patient_id(s, actor, patient_id)
        text = export.diary_csv(s, actor, pid)
        name = export.diary_file_name(s, actor, pid, zones.patient_today(s, pid))  # the profile's day, else the server's
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/export.json", summary="Everything stored about you, as JSON")
def export_json(request: Request) -> Response:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        body = export.archive_json(s, actor)
    return Response(body, media_type="application/json",
                    headers={"Content-Disposition": 'attachment; filename="gutskin-archive.json"'})


@router.post("/password", status_code=204, summary="Change your password (ends all sessions and tokens)")
def change_password(body: PasswordChangeIn, request: Request) -> Response:
    with unit_of_work(request) as s:  # counted first, in its own transaction (a failed check rolls back)
        accounts.record_password_recheck(s, api_actor(request, s, allow_must_change=True))
    with unit_of_work(request) as s:
        check = accounts.check_password_recheck(s, api_actor(request, s, allow_must_change=True))
    new_hash = accounts.hash_changed_password(check, body.old_password, body.new_password)  # argon2 in no transaction
    with unit_of_work(request) as s:
        accounts.finish_password_change(s, api_actor(request, s, allow_must_change=True), check, new_hash)
    return Response(status_code=204)


class NameIn(BaseModel):
    display_name: str = Field("", max_length=120, description="the name others see instead of your email; '' removes it")


@router.put("/name", summary="Set the name others see instead of your email address (any role)")
def put_name(body: NameIn, request: Request) -> dict:
    """The account's own name (the Account page's "Your name", 2026-12-07): a clinician's patients see
    it on Sharing, Appointments and their access list; a patient's own profile takes it (the name on
    their clinic's panel), a child's keeps its own. Checked as at registration; audited."""
    with unit_of_work(request) as s:
        return {"display_name": accounts.set_display_name(s, api_actor(request, s), body.display_name)}


@router.post("/sign-out-everywhere", status_code=204,
             summary="End every session and token of your account, this token too (a lost phone)")
def sign_out_everywhere(request: Request) -> Response:
    with unit_of_work(request) as s:
        accounts.sign_out_everywhere(s, api_actor(request, s, allow_must_change=True))
    return Response(status_code=204)


@router.post("/delete", status_code=204, summary="Delete your account and every personal record")
def delete_account(body: PasswordIn, request: Request) -> Response:
    with unit_of_work(request) as s:  # counted first, in its own transaction (a failed check rolls back)
        accounts.record_password_recheck(s, api_actor(request, s))
    with unit_of_work(request) as s:
        check = accounts.check_password_recheck(s, api_actor(request, s))
    accounts.verify_password_recheck(check, body.password)  # argon2 in no transaction
    with unit_of_work(request) as s:
        accounts.finish_delete_account(s, api_actor(request, s), check)
    return Response(status_code=204)


@router.get("/insights", summary="Your triggers and 7-day forecast")
def my_insights(request: Request, wait: float = 0.0, patient_id: int | None = PatientQ) -> dict:
    from gutskin.clinic.insights import insights_for, settle, worded_for

    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        pid = my_patient_id(s, actor, patient_id)
        result = insights_for(s, actor, pid)
        today = zones.patient_today(s, pid)  # the what-if's "next 7 days" is worded for this day
    return worded_for(settle(pid, result, max(0.0, min(wait, 10.0))), today)  # waits after the transaction
