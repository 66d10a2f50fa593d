"""Clinician pages: panel ranked by need, link by invite code, a patient's charts (the diary read-only; the clinic records EASI/SCORAD), appointment queue."""

from __future__ import annotations

import datetime as dt
import re

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from gutskin.clinic import access, appointments, assessments, challenges, diary, microbiome, questionnaires, sharing, summary, zones
from gutskin.clinic.errors import ClinicError, InvalidInput
from gutskin.web.errors import status_for
from gutskin.web.deps import unit_of_work
from gutskin.web.pages.common import local_today, redirect, render, require_user, utc_from_local, verify_csrf, viewer_zone

router = APIRouter(include_in_schema=False)


def _patient_advice() -> str:
    """The sentence of a treatment's trigger verdict that speaks to the patient ("Do not stop or change a
    prescribed treatment because of it: ask the clinician who prescribed it.",
    ``gutskin.insights.triggers.TREATMENT_NOTE``)."""
    from gutskin.insights.triggers import TREATMENT_NOTE

    at = TREATMENT_NOTE.find("Do not stop")
    return TREATMENT_NOTE[at:] if at >= 0 else ""


_ADVICE = _patient_advice()


def clinic_words(sentence: str, clinician: bool) -> str:
    """An insights sentence for the clinician's page: without the advice addressed to the patient, which
    told the allergist reading it to "ask the clinician who prescribed it" (2026-12-06); the sentence
    that the result is an association, adjusted for treatment used because of bad days, stays."""
    if not clinician or not _ADVICE:
        return sentence
    return sentence.replace(" " + _ADVICE, "").replace(_ADVICE, "")


def _install_filters() -> None:
    from gutskin.web.pages.common import TEMPLATES

    TEMPLATES.env.filters["clinic_words"] = clinic_words


_install_filters()


@router.get("/clinic", response_class=HTMLResponse)
def panel(request: Request, linked: int | None = None) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "clinician")
        rows = summary.panel(s, u.actor, today=local_today(request))
        return render(request, "clinic_panel.html", {"rows": rows, "linked": linked, "invite_days": sharing.INVITE_DAYS,
                                                     **_alerts(s, u)}, user=u)


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
                                                         "invite_days": sharing.INVITE_DAYS, **_alerts(s, u)},
                          status=status_for(exc), user=u)
    return redirect(f"/clinic?linked={pid}")


@router.get("/clinic/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(request: Request, patient_id: int, weeks: int = 12, recorded: int | None = None,
                 fhir_imported: str | None = None) -> Response:
    from gutskin.web.pages.fhir_upload import imported_note

    with unit_of_work(request) as s:
        u = require_user(request, s, "clinician")
        ctx = _patient_ctx(request, s, u, patient_id, weeks, recorded=recorded)
        ctx["fhir_imported"] = imported_note(request, fhir_imported)  # after the FHIR upload (fhir_upload.py)
        return render(request, "clinic_patient.html", ctx, user=u)


def _patient_ctx(request: Request, s, u, patient_id: int, weeks: int, recorded: int | None = None,  # type: ignore[no-untyped-def]
                 assess: dict[str, object] | None = None) -> dict[str, object]:
    data = summary.trends(s, u.actor, patient_id, weeks, today=local_today(request))
    today = dt.date.fromisoformat(data["dates"][-1])  # type: ignore[index]
    scores, scores_total = questionnaires.recent_history(s, u.actor, patient_id, 10)  # the newest 10, and how many
    recent = diary.list_days(s, u.actor, patient_id, today - dt.timedelta(days=13), today, with_author=True)
    micro_all = microbiome.timeline(s, u.actor, patient_id)  # every sample, oldest first (only the newest was linked)
    micro = micro_all["latest"]
    profile = access.patient_for_read(s, u.actor, patient_id)  # authorized above (summary.trends)
    # the clinic's EASI and SCORAD (clinic_assessment.html): the form, and the result just saved
    clinic = assessments.history(s, u.actor, patient_id)
    saved = next((a for a in clinic if a["id"] == recorded), None) if recorded is not None else None
    from gutskin.clinic.fhir import stored_identifiers
    from gutskin.web.pages.fhir_upload import size_words, upload_limit

    return {"data": data, "weeks": data["weeks"], "born": profile.birth_year,
            # other systems' identifiers of the patient (a hospital's MRN, kept by the FHIR import, 0018)
            "identifiers": stored_identifiers(s, patient_id),
            # gutskin's own identifier of the profile: the visit report, the FHIR file's name and a FHIR import's
            # refusals ("the export of patient p-..., not of patient p-...") name it, and the page did not show it
            "gutskin_id": profile.external_id,
            # the patient's requests waiting for this clinician's answer: the page said nothing of them, and the
            # clinician reading Ben's record did not learn he had asked to be seen (a clinician's first day,
            # 2026-12-07); the read is the page's one audited read of the record (audit.record)
            "open_requests": appointments.open_request_counts(s, [patient_id], u.actor.user_id).get(patient_id, {}),
            "fhir_limit": size_words(upload_limit(request)),
            "child": profile.relationship == "child",
            "scores": scores, "scores_total": scores_total,
            "recent": list(reversed(recent)),
            "readonly": True, "micro": micro,
            "micro_link": f"/clinic/patients/{patient_id}/microbiome/{micro['id']}" if micro else None,
            "micro_timeline": micro_all if len(micro_all["rows"]) > 1 else None,
            "micro_base": f"/clinic/patients/{patient_id}/microbiome/",
            "assess": {"saved": saved, "today": zones.visit_today(s, patient_id, getattr(viewer_zone(request), "key", None)).isoformat(), "born": profile.birth_year,
                       "easi_regions": EASI_REGIONS, "easi_signs": EASI_SIGNS, "easi_grades": EASI_GRADES,
                       "scorad_signs": SCORAD_SIGNS, "error": None, "error_for": None, "error_field": "", "problems": [],
                       "field_errors": {}, "typed": {}, **(assess or {})}}


#: the EASI form: regions and signs as the instrument names them, with the words the form shows
EASI_REGIONS = (("head_neck", "Head and neck"), ("upper_limbs", "Upper limbs"), ("trunk", "Trunk"),
                ("lower_limbs", "Lower limbs"))
EASI_SIGNS = (("erythema", "Erythema"), ("induration", "Induration / papulation"), ("excoriation", "Excoriation"),
              ("lichenification", "Lichenification"))
#: EASI's grades: half points only between 1 and 3 (0.5 is not an EASI grade: gutskin.instruments.easi.GRADES)
EASI_GRADES = ("0", "1", "1.5", "2", "2.5", "3")
SCORAD_SIGNS = (("erythema", "Erythema"), ("oedema_papulation", "Oedema / papulation"),
                ("oozing_crusting", "Oozing / crusting"), ("excoriation", "Excoriation"),
                ("lichenification", "Lichenification"), ("dryness", "Dryness (uninvolved skin)"))


def _number(name: str, text: str, *, nullable: bool = False, missing: str = "not given") -> int | float | None:
    """A typed number as the instrument takes it (1 stays 1, 1.5 is 1.5); empty is null."""
    text = text.strip()
    if not text:
        if not nullable:
            raise ClinicError(f"{name}: {missing}")
        return None
    try:
        value = float(text)
    except ValueError:
        raise ClinicError(f"{name}: expected a number, got {text[:40]!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ClinicError(f"{name}: expected a number, got {text[:40]!r}")
    return int(value) if value.is_integer() and "." not in text else value


_UNGRADED = "not graded (choose a grade)"


class FormProblems(InvalidInput):
    """Every problem of a refused form at once, each ``"field: what is wrong"`` (docs/web.md "A refused
    form says every problem at once", 2026-12-07): the EASI and SCORAD forms refused one field per Save,
    so a form with three wrong fields took three round trips. ``str()`` joins them with "; "."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class _Collect:
    """Reads the form's fields one by one, keeping each field's first problem and going on."""

    def __init__(self, form: dict[str, str]) -> None:
        self.form, self.problems = form, []  # type: tuple[dict[str, str], list[str]]

    def number(self, name: str, check, *, nullable: bool = False, missing: str = "not given"):  # type: ignore[no-untyped-def]
        """The field's number, or None with its problem kept; ``check(value, name)`` is the instrument's
        own check of the value (range, allowed grades), which raises ``ValueError``."""
        try:
            value = _number(name, self.form.get(name, ""), nullable=nullable, missing=missing)
            if value is not None:
                check(value, name)
            return value
        except (ClinicError, ValueError) as exc:
            self.problems.append(str(exc))
            return None


def _checks():  # type: ignore[no-untyped-def]
    from gutskin.instruments._common import check_int, check_number
    from gutskin.instruments.easi import check_grade

    return {"percent": lambda v, n: check_number(v, n, 0, 100), "grade": check_grade,
            "intensity": lambda v, n: check_int(v, n, 0, 3), "ten": lambda v, n: check_number(v, n, 0, 10),
            "age": lambda v, n: check_number(v, n, 0, 130)}


def _assessment_body(instrument: str, form: dict[str, str], today: dt.date | None = None,
                     birth_year: int | None = None) -> dict[str, object]:
    """The form's fields (named by the instrument's field paths) as the API's JSON body; every field's
    problem at once (:class:`FormProblems`), checked as the instrument and ``assessments.record`` check
    them: numbers and their ranges, EASI's grades, the date (not after the patient's ``today``) and the
    EASI age against the profile's ``birth_year``."""
    from gutskin.clinic.assessments import easi_age

    c, check = _Collect(form), _checks()
    day: dt.date | None = None
    typed_day = form.get("assessed_on", "").strip()
    if typed_day:
        try:
            day = dt.date.fromisoformat(typed_day)
        except ValueError:
            c.problems.append(f"assessed_on: expected a date (YYYY-MM-DD), got {typed_day[:40]!r}")
        else:
            if today is not None and day > today:
                c.problems.append(f"assessed_on: {day.isoformat()} is in the future (today is {today.isoformat()} for this visit)")
                day = None
    elif today is not None:
        day = today
    if instrument == "easi":
        regions: dict[str, object] = {}
        for r, _ in EASI_REGIONS:
            # a region with 0 % affected scores 0 whatever its signs, so a sign left ungraded there is 0: the form
            # refused "Trunk, erythema: not graded" on an uninvolved trunk (2026-12-06)
            area = c.number(f"regions.{r}.area_percent", check["percent"])
            region: dict[str, object] = {"area_percent": area}
            for g, _ in EASI_SIGNS:
                name = f"regions.{r}.{g}"
                region[g] = (0 if area == 0 and not form.get(name, "").strip()
                             else c.number(name, check["grade"], missing=_UNGRADED))
            regions[r] = region
        body: dict[str, object] = {"regions": regions}
        age = c.number("age_years", check["age"], nullable=True)
        if age is not None:
            body["age_years"] = age
        if day is not None and today is not None and not any(p.startswith("age_years:") for p in c.problems):
            try:  # the profile's birth year and the typed age, checked with the rest
                easi_age(birth_year, day, age)
            except InvalidInput as exc:
                c.problems.append(str(exc))
    else:
        body = {"extent_percent": c.number("extent_percent", check["percent"]),
                "intensity": {g: c.number(f"intensity.{g}", check["intensity"], missing=_UNGRADED) for g, _ in SCORAD_SIGNS},
                "itch": c.number("itch", check["ten"], nullable=True),
                "sleep_loss": c.number("sleep_loss", check["ten"], nullable=True)}
    if c.problems:
        raise FormProblems(c.problems)
    body["assessed_on"] = typed_day or None
    return body


def form_problems(exc: ClinicError) -> list[tuple[str, str]]:
    """A refusal as (field, message) pairs, field "" when the message names none of the form's fields."""
    problems = exc.problems if isinstance(exc, FormProblems) else [str(exc)]
    return [((m.split(":", 1)[0] if re.fullmatch(r"[a-z_]+(?:\.[a-z_]+)*", m.split(":", 1)[0]) else ""), m)
            for m in problems]


def _record_page(request: Request, patient_id: int, instrument: str, form: dict[str, str]) -> Response:
    try:
        with unit_of_work(request) as s:
            u = require_user(request, s, "clinician")
            verify_csrf(request, u, form.get("csrf_token", ""))
            # authorized before anything of the profile (its today, its birth year) decides a message
            profile = access.patient_for_read(s, u.actor, patient_id)
            zone = getattr(viewer_zone(request), "key", None)  # the clinic's day for a profile without a zone
            body = _assessment_body(instrument, form, zones.visit_today(s, patient_id, zone), profile.birth_year)
            saved = assessments.record(s, u.actor, patient_id, instrument, body, zone=zone)
    except ClinicError as exc:  # every problem, each on the field it names and in a list at the top, with what was typed
        with unit_of_work(request) as s:
            u = require_user(request, s, "clinician")
            problems = form_problems(exc)
            ctx = _patient_ctx(request, s, u, patient_id, 12, assess={
                "error": str(exc), "error_for": instrument, "problems": problems,
                "field_errors": {f: m for f, m in reversed(problems) if f},
                "error_field": problems[0][0] if problems else "",
                "typed": {k: v for k, v in form.items() if k != "csrf_token"}})
            return render(request, "clinic_patient.html", ctx, status=status_for(exc), user=u)
    return redirect(f"/clinic/patients/{patient_id}?recorded={saved['id']}#assessments")


@router.post("/clinic/patients/{patient_id}/assessments/easi", response_class=HTMLResponse)
async def record_easi(request: Request, patient_id: int) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    return await run_in_threadpool(_record_page, request, patient_id, "easi", form)


@router.post("/clinic/patients/{patient_id}/assessments/scorad", response_class=HTMLResponse)
async def record_scorad(request: Request, patient_id: int) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    return await run_in_threadpool(_record_page, request, patient_id, "scorad", form)


@router.get("/clinic/appointments", response_class=HTMLResponse)
def queue(request: Request) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "clinician")
        return render(request, "clinic_appointments.html", {"requests": appointments.queue(s, u.actor, include_closed=True),
                                                            "withdrawn": appointments.withdrawn_by_ended_sharing(s, u.actor)},
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
                           "withdrawn": appointments.withdrawn_by_ended_sharing(s, u.actor),
                           "error": reason, "typed": {"time": time, "message": message}},
                          status=status_for(exc) if isinstance(exc, ClinicError) else 422, user=u)
    return redirect("/clinic/appointments")
