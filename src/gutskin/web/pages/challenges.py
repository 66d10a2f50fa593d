"""Food-challenge pages: the patient's step of the day with the safety check; the clinician's plan,
supervised record, verdict and outcome. Thin over ``gutskin.clinic.challenges``; plain forms (no script)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from gutskin.clinic import access
from gutskin.clinic import challenges as uc
from gutskin.clinic.errors import ClinicError, Forbidden, NotFound, InvalidInput
from gutskin.diary.factors import VOCABULARY
from gutskin.web.deps import unit_of_work
from gutskin.web.errors import status_for
from gutskin.web.idguard import form_id
from gutskin.web.pages.common import (local_today, page_day, read_note, redirect, render, require_user,
                                      signed_note, verify_csrf, viewer_zone, viewing)

router = APIRouter(include_in_schema=False)

FOODS = [(n, f.label) for n, f in VOCABULARY.items() if n.startswith("food.")]


def _back(request: Request, url: str, error: str) -> Response:
    sep = "&" if "?" in url else "?"
    return redirect(f"{url}{sep}error={quote(signed_note(request, error, url.split('?', 1)[0]))}")


def _done(request: Request, back: str, what: str) -> Response:
    """Back to the page with its confirmation, signed like an error note: a link cannot make the
    page say a dose was recorded or a challenge stopped."""
    sep = "&" if "?" in back else "?"
    return redirect(f"{back}{sep}done={quote(signed_note(request, what, back.split('?', 1)[0]))}")


def _message(exc: Exception) -> str:
    """What a refused form says: a clinic rule's own words; for anything the form could not even
    read, a fixed sentence -- never the typed text echoed back (it could be made to say anything)."""
    if isinstance(exc, ClinicError):
        return str(exc)
    return "a value in the form could not be read; reload the page and try again"


def _pid(session, actor, patient: int | None) -> int:  # type: ignore[no-untyped-def]
    if patient is None:
        return access.default_patient(session, actor).id
    return access.patient_for_entry(session, actor, patient).id


def _back_page(session, actor, patient: object) -> str:  # type: ignore[no-untyped-def]
    """The Challenges page a patient's form goes back to. A child's page posts ``patient``: it is
    read as an id and authorized as ``?patient=`` is (a profile the account neither manages nor
    helps keep: 404, nothing done). Until 2026-12-06 it went into the redirect unread, so a form
    naming another person's profile was done and sent its author to that profile's page."""
    pid = form_id(str(patient or ""), "patient")
    return "/challenges" if pid is None else f"/challenges?patient={_pid(session, actor, pid)}"


# ------------------------------------------------------------------------------------- patient


@router.get("/challenges", response_class=HTMLResponse)
def patient_page(request: Request, patient: int | None = None, error: str | None = None,
                 done: str | None = None) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        pid = _pid(s, u.actor, patient)
        profile = access.patient_for_read(s, u.actor, pid)
        today = local_today(request, s, pid)  # the browser's day, else the profile's (a page without JavaScript)
        zone = viewer_zone(request)
        steps = uc.today_steps(s, u.actor, pid, today, zone.key if zone is not None else None)
        ctx = {"steps": steps, "reminders": uc.reminders(s, u.actor, pid, today, zone.key if zone is not None else None), "avoid": uc.avoid_list(s, u.actor, pid, today),
               "records": uc.allergy_records(s, u.actor, pid), "questions": uc.SAFETY_SYMPTOMS,
               "patient": patient, "error": read_note(request, error), "done": read_note(request, done), "today": today.isoformat(),
               # a child's page names the child where the caregiver's own says "you" ("Leo ate 1/4 cooked egg")
               "child": (profile.display_name or "your child") if profile.relationship == "child" else None,
               "viewing": viewing(s, u, patient)}
        return render(request, "challenges_patient.html", ctx, user=u)


def _symptom_form(form) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    chosen = set(form.getlist("symptom"))
    return {k: k in chosen for k in uc.SAFETY_SYMPTOMS}


@router.post("/challenges/{challenge_id}/dose/{dose_id}", response_class=HTMLResponse)
async def take_dose(request: Request, challenge_id: int, dose_id: int) -> Response:
    form = await request.form()
    back = "/challenges"
    try:
        with unit_of_work(request) as s:
            u = require_user(request, s, "patient")
            verify_csrf(request, u, str(form.get("csrf_token") or ""))
            back = _back_page(s, u.actor, form.get("patient"))
            if not form.get("checked"):
                raise InvalidInput("safety: confirm that you checked for each of these signs before eating the dose")
            zone = viewer_zone(request)  # the browser's zone, kept with the dose for the verdict's reaction days
            r = uc.take_dose(s, u.actor, challenge_id, dose_id, _symptom_form(form),
                             today=local_today(request) if zone is not None else None,  # None: the profile's day
                             zone=zone.key if zone is not None else None)
    except ClinicError as exc:
        if isinstance(exc, (NotFound, Forbidden)):
            raise  # not yours / wrong role: the app answers 404 / 403, never a redirect
        return _back(request, back, _message(exc))
    return _done(request, back, "stopped" if r["stopped"] else "dose")


@router.post("/challenges/{challenge_id}/safety", response_class=HTMLResponse)
async def safety(request: Request, challenge_id: int) -> Response:
    form = await request.form()
    back = "/challenges"
    try:
        with unit_of_work(request) as s:
            u = require_user(request, s, "patient")
            verify_csrf(request, u, str(form.get("csrf_token") or ""))
            back = _back_page(s, u.actor, form.get("patient"))
            dose_id = form_id(str(form.get("dose_id") or ""), "dose_id")
            r = uc.safety_check(s, u.actor, challenge_id, sorted(set(form.getlist("symptom"))), dose_id)
    except (ClinicError, ValueError) as exc:
        if isinstance(exc, (NotFound, Forbidden)):
            raise  # not yours / wrong role: the app answers 404 / 403, never a redirect
        return _back(request, back, _message(exc))
    return _done(request, back, "stopped" if r["stopped"] else "check")


@router.post("/challenges/{challenge_id}/adherence", response_class=HTMLResponse)
def adherence(request: Request, challenge_id: int, followed: str = Form(""), day: str = Form(""), note: str = Form(""),
              patient: str = Form(""), csrf_token: str = Form("")) -> Response:
    back = "/challenges"
    try:
        with unit_of_work(request) as s:
            u = require_user(request, s, "patient")
            verify_csrf(request, u, csrf_token)
            back = _back_page(s, u.actor, patient)
            # fromisoformat read 2025-W14-2 too; no day: the browser's, else (no JavaScript) the profile's
            d = page_day(day, "day") if day.strip() else (local_today(request) if viewer_zone(request) else None)
            uc.log_adherence(s, u.actor, challenge_id, d, followed == "yes", note)
    except (ClinicError, ValueError) as exc:
        if isinstance(exc, (NotFound, Forbidden)):
            raise  # not yours / wrong role: the app answers 404 / 403, never a redirect
        return _back(request, back, _message(exc))
    return _done(request, back, "adherence")


@router.post("/challenges/{challenge_id}/stop", response_class=HTMLResponse)
def stop(request: Request, challenge_id: int, reason: str = Form(""), patient: str = Form(""),
         csrf_token: str = Form("")) -> Response:
    back = "/challenges"
    try:
        with unit_of_work(request) as s:
            u = require_user(request, s, "patient")
            verify_csrf(request, u, csrf_token)
            back = _back_page(s, u.actor, patient)
            uc.stop_challenge(s, u.actor, challenge_id, reason or "stopped by the patient")
    except ClinicError as exc:
        if isinstance(exc, (NotFound, Forbidden)):
            raise  # not yours / wrong role: the app answers 404 / 403, never a redirect
        return _back(request, back, _message(exc))
    return _done(request, back, "stop")


# ----------------------------------------------------------------------------------- clinician


@router.get("/clinic/patients/{patient_id}/challenges", response_class=HTMLResponse)
def clinic_list(request: Request, patient_id: int, error: str | None = None) -> Response:
    return _clinic_list_page(request, patient_id, read_note(request, error))


def _clinic_list_page(request: Request, patient_id: int, error: str | None, typed: dict[str, str] | None = None,
                      status: int = 200, problems: list[str] | None = None) -> Response:
    """The patient's challenges and the plan form; ``typed``: a refused plan's form values, shown again."""
    with unit_of_work(request) as s:
        u = require_user(request, s, "clinician")
        rows = uc.list_challenges(s, u.actor, patient_id)
        ctx = {"rows": rows, "patient_id": patient_id, "records": uc.allergy_records(s, u.actor, patient_id),
               "avoid": uc.avoid_list(s, u.actor, patient_id), "foods": FOODS, "error": error,
               "patient_name": rows[0]["patient_name"] if rows else _name(s, u.actor, patient_id),
               "today": local_today(request, s, patient_id).isoformat(), "min_baseline": uc.MIN_BASELINE_DAYS, "default_baseline": uc.DEFAULT_BASELINE_DAYS,
               "hard_max": uc.HARD_MAX_ELIMINATION_DAYS, "typed": typed or {}, **_plan_problems_ctx(problems, typed)}
        return render(request, "challenges_clinic.html", ctx, status=status, user=u)


def _plan_problems_ctx(problems: list[str] | None, typed: dict[str, str] | None) -> dict[str, object]:
    """A refused plan's problems for the form (_field_error.html summary): (field, message) pairs, field ""
    for one the form has no field for, and each field's first message."""
    pairs = []
    for p in problems or []:
        field = _plan_field(p) if ":" in p else ""
        if field == "food" and typed and typed.get("custom_food"):
            field = "custom_food"
        pairs.append((field if field in _PLAN_ORDER else "", p))
    return {"plan_problems": pairs, "plan_errors": {f: m for f, m in reversed(pairs) if f}}


def _name(session, actor, patient_id: int) -> str:  # type: ignore[no-untyped-def]
    p = access.patient_for_read(session, actor, patient_id)
    return p.display_name or p.external_id


def _parse_doses(text: str) -> list[uc.DoseStep]:
    """One dose step per line: ``DAY: AMOUNT`` (day after the start of reintroduction, 0 = first)."""
    steps = []
    for i, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        day, sep, amount = line.partition(":")
        if not sep or not day.strip().isdigit():
            raise InvalidInput(f"doses line {i}: expected 'DAY: AMOUNT', e.g. '0: 1/4 cooked egg'")
        steps.append(uc.DoseStep(int(day.strip()), amount.strip()))
    return steps


def _parse_dose_lines(text: str) -> tuple[list[uc.DoseStep], list[str]]:
    """The dose steps read, and a problem for each line that could not be (:func:`_parse_doses` stops at the first)."""
    steps, bad = [], []
    for i, line in enumerate((text or "").splitlines(), start=1):
        try:
            steps += _parse_doses("\n" * (i - 1) + line)
        except InvalidInput as exc:
            bad.append(str(exc))
    return steps, bad


#: the plan form's fields in the order the form shows them (the list of problems follows it)
_PLAN_ORDER = ("food", "custom_food", "kind", "released_for_home", "start", "elimination_days", "elimination_max_days",
               "baseline_days", "observation_hours", "doses", "instructions")


def _plan_field(problem: str) -> str:
    """The form field a plan's problem is about: "doses line 2: ..." and "doses[0].amount: ..." are the dose steps."""
    return problem.split(":")[0].split("[")[0].split(" ")[0]


def _plan_order(problem: str) -> int:
    field = _plan_field(problem)
    return _PLAN_ORDER.index(field) if field in _PLAN_ORDER else len(_PLAN_ORDER)


def _custom_food(text: str) -> str:
    """A food typed in words, named as the diary names a custom food: "sesame" -> food.sesame,
    "Sesame seeds" -> food.sesame_seeds; a full name ("food.sesame") as typed. Only the factor
    name was taken: "sesame" was refused with "expected 'group.name' in lower case letters"."""
    from gutskin.web.pages.patient import _custom_factor

    text = text.strip()
    if not text:
        return ""
    try:
        return _custom_factor(text, "food")
    except InvalidInput:
        raise InvalidInput("custom_food: name the food in letters or digits, e.g. sesame") from None


def _int(value: str, field: str, default: int | None = None) -> int | None:
    value = (value or "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(f"{field}: expected a whole number") from None


@router.post("/clinic/patients/{patient_id}/challenges", response_class=HTMLResponse)
def clinic_create(request: Request, patient_id: int, food: str = Form(""), custom_food: str = Form(""),
                  kind: str = Form("home"), released_for_home: str = Form(""), start: str = Form(""),
                  baseline_days: str = Form(""), elimination_days: str = Form("0"),
                  elimination_max_days: str = Form(""), observation_hours: str = Form("48"), doses: str = Form(""),
                  instructions: str = Form(""), csrf_token: str = Form("")) -> Response:
    try:
        with unit_of_work(request) as s:
            u = require_user(request, s, "clinician")
            verify_csrf(request, u, csrf_token)
            # every field read, and every problem said at once (2026-12-07: one per Save before)
            problems: list[str] = []

            def read(fn, *args, fallback=None):  # type: ignore[no-untyped-def]
                try:
                    return fn(*args)
                except InvalidInput as exc:
                    problems.append(str(exc))
                    return fallback

            start_d = read(page_day, start, "start") if start.strip() else None  # exactly YYYY-MM-DD, as the API's start
            steps, bad_lines = _parse_dose_lines(doses)
            plan = uc.PlanInput(
                food=read(_custom_food, custom_food, fallback="") or food.strip(), kind=kind,
                released_for_home=bool(released_for_home), start=start_d,
                baseline_days=read(_int, baseline_days, "baseline_days", uc.DEFAULT_BASELINE_DAYS,
                                   fallback=uc.DEFAULT_BASELINE_DAYS) or 0,
                elimination_days=read(_int, elimination_days, "elimination_days", 0, fallback=0) or 0,
                elimination_max_days=read(_int, elimination_max_days, "elimination_max_days"),
                observation_hours=read(_int, observation_hours, "observation_hours", 48, fallback=48) or 0,
                doses=steps, instructions=instructions)
            problems += bad_lines
            if problems:  # with the plan's own problems (those of a field not read already)
                said = {_plan_field(p) for p in problems}
                problems += [p for p in uc.plan_problems(plan) if _plan_field(p) not in said
                             and not (bad_lines and _plan_field(p) == "doses" and not steps)]
                raise uc.PlanProblems(sorted(problems, key=_plan_order))
            out = uc.create_plan(s, u.actor, patient_id, plan)
    except ClinicError as exc:
        if isinstance(exc, (NotFound, Forbidden)):
            raise  # not yours / wrong role: the app answers 404 / 403, never a redirect
        # the form again with what was typed (a redirect emptied it: dose steps and all, for one wrong date)
        typed = {"food": food, "custom_food": custom_food, "kind": kind, "released_for_home": released_for_home,
                 "start": start, "baseline_days": baseline_days, "elimination_days": elimination_days,
                 "elimination_max_days": elimination_max_days, "observation_hours": observation_hours,
                 "doses": doses, "instructions": instructions}
        return _clinic_list_page(request, patient_id, _message(exc), typed, status=status_for(exc),
                                 problems=getattr(exc, "problems", None) or [_message(exc)])
    return redirect(f"/clinic/challenges/{out['id']}")


@router.get("/clinic/challenges", response_class=HTMLResponse)
def clinic_alerts(request: Request) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "clinician")
        return render(request, "challenges_alerts.html", uc.clinician_alerts(s, u.actor), user=u)


@router.get("/clinic/challenges/{challenge_id}", response_class=HTMLResponse)
def clinic_detail(request: Request, challenge_id: int, error: str | None = None) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "clinician")
        c = uc.get_challenge(s, u.actor, challenge_id)
        return render(request, "challenges_detail.html",
                      {"c": c, "error": read_note(request, error), "questions": uc.SAFETY_SYMPTOMS,
                       # the clinic's wall clock: the clinician's zone (UTC when unknown, and the form says so)
                       "dose_zone": _zone_name(request),
                       "now": dt.datetime.now(viewer_zone(request) or dt.UTC).strftime("%Y-%m-%dT%H:%M"),
                       "next_step": len(c["doses"]) and min([d["step"] for d in c["doses"] if d["status"] == "planned"]
                                                            or [max(d["step"] for d in c["doses"]) + 1])},
                      user=u)


def _zone_name(request: Request) -> str:
    """The viewer's zone (the browser's ``tz`` cookie), "UTC" when unknown."""
    zone = viewer_zone(request)
    return zone.key if zone is not None else "UTC"


def _clinic_action(request: Request, challenge_id: int, csrf_token: str, fn) -> Response:  # type: ignore[no-untyped-def]
    try:
        with unit_of_work(request) as s:
            u = require_user(request, s, "clinician")
            verify_csrf(request, u, csrf_token)
            fn(s, u.actor)
    except (ClinicError, ValueError) as exc:
        if isinstance(exc, (NotFound, Forbidden)):
            raise  # not yours / wrong role: the app answers 404 / 403, never a redirect
        return _back(request, f"/clinic/challenges/{challenge_id}", _message(exc))
    return redirect(f"/clinic/challenges/{challenge_id}")


@router.post("/clinic/challenges/{challenge_id}/supervised-dose", response_class=HTMLResponse)
async def clinic_supervised_dose(request: Request, challenge_id: int) -> Response:
    form = await request.form()

    def act(s, actor):  # type: ignore[no-untyped-def]
        # the zone the form said it reads the time in (its hidden field); a form without one: the browser's
        zone = str(form.get("zone") or "").strip() or _zone_name(request)
        try:
            when = dt.datetime.fromisoformat(str(form.get("given_at") or ""))  # read in ``zone`` by the clinic layer
        except ValueError:
            raise InvalidInput("given_at: expected a date and time") from None
        step = _int(str(form.get("step") or ""), "step")
        if step is None:
            raise InvalidInput("step: expected the dose step number")
        uc.record_supervised_dose(s, actor, challenge_id, step, when, str(form.get("amount") or ""),
                                  str(form.get("symptoms") or ""), sorted(set(form.getlist("symptom"))), zone=zone)

    return _clinic_action(request, challenge_id, str(form.get("csrf_token") or ""), act)


@router.post("/clinic/challenges/{challenge_id}/supervised-outcome", response_class=HTMLResponse)
def clinic_supervised_outcome(request: Request, challenge_id: int, immediate_outcome: str = Form(""),
                              notes: str = Form(""), stop_reason: str = Form(""), csrf_token: str = Form("")) -> Response:
    return _clinic_action(request, challenge_id, csrf_token, lambda s, a: uc.record_supervised_outcome(
        s, a, challenge_id, immediate_outcome, notes, stop_reason))


@router.post("/clinic/challenges/{challenge_id}/evaluate", response_class=HTMLResponse)
def clinic_evaluate(request: Request, challenge_id: int, csrf_token: str = Form("")) -> Response:
    return _clinic_action(request, challenge_id, csrf_token, lambda s, a: uc.evaluate(s, a, challenge_id))


@router.post("/clinic/challenges/{challenge_id}/outcome", response_class=HTMLResponse)
def clinic_outcome(request: Request, challenge_id: int, outcome: str = Form(""), note: str = Form(""),
                   avoid: str = Form("default"), csrf_token: str = Form("")) -> Response:
    av = None if avoid == "default" else avoid == "yes"
    return _clinic_action(request, challenge_id, csrf_token, lambda s, a: uc.confirm_outcome(
        s, a, challenge_id, outcome, note, av))


@router.post("/clinic/challenges/{challenge_id}/extend", response_class=HTMLResponse)
def clinic_extend(request: Request, challenge_id: int, extra_days: str = Form(""), csrf_token: str = Form("")) -> Response:
    return _clinic_action(request, challenge_id, csrf_token, lambda s, a: uc.extend_elimination(
        s, a, challenge_id, _int(extra_days, "extra_days", 0) or 0))


@router.post("/clinic/challenges/{challenge_id}/extend-baseline", response_class=HTMLResponse)
def clinic_extend_baseline(request: Request, challenge_id: int, baseline_extra_days: str = Form(""),
                           csrf_token: str = Form("")) -> Response:
    def act(s, a):  # type: ignore[no-untyped-def]
        try:  # the page's field is baseline_extra_days (extra_days is the elimination's), the API's extra_days
            return uc.extend_baseline(s, a, challenge_id, _int(baseline_extra_days, "baseline_extra_days", 0) or 0)
        except InvalidInput as exc:
            text = str(exc)
            raise InvalidInput("baseline_" + text if text.startswith("extra_days:") else text) from None

    return _clinic_action(request, challenge_id, csrf_token, act)


@router.post("/clinic/challenges/{challenge_id}/start-first-step", response_class=HTMLResponse)
def clinic_start_first_step(request: Request, challenge_id: int, csrf_token: str = Form("")) -> Response:
    return _clinic_action(request, challenge_id, csrf_token, lambda s, a: uc.start_with_short_baseline(
        s, a, challenge_id))


@router.post("/clinic/challenges/{challenge_id}/alerts/{alert_id}/ack", response_class=HTMLResponse)
def clinic_ack(request: Request, challenge_id: int, alert_id: int, csrf_token: str = Form("")) -> Response:
    return _clinic_action(request, challenge_id, csrf_token, lambda s, a: uc.acknowledge_alert(s, a, alert_id, challenge_id))


@router.post("/clinic/challenges/{challenge_id}/stop", response_class=HTMLResponse)
def clinic_stop(request: Request, challenge_id: int, reason: str = Form(""), csrf_token: str = Form("")) -> Response:
    return _clinic_action(request, challenge_id, csrf_token, lambda s, a: uc.stop_challenge(s, a, challenge_id, reason))
