"""Food challenges in the JSON API: thin over ``gutskin.clinic.challenges`` (see docs/challenges.md)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Query, Request
from pydantic import Field

from gutskin.clinic import challenges as uc
from gutskin.clinic import zones
from gutskin.web.api.schemas import Strict
from gutskin.clinic.errors import InvalidInput
from gutskin.web.api.params import date_param, my_patient_id, zoned_time_param
from gutskin.web.deps import api_actor, unit_of_work
from gutskin.web.idguard import BodyId

router = APIRouter(tags=["challenges"])

PatientQ = Query(None, description="One of your patient profiles (a caregiver's child); default: your own.")


class DoseStepIn(Strict):
    day_offset: int = Field(ge=0, le=60, description="days after the start of reintroduction (0 = first day)")
    amount: str = Field(max_length=120)


class PlanIn(Strict):
    food: str = Field(max_length=80, description="a food factor, e.g. food.egg")
    kind: str = Field("home", description="home | supervised")
    released_for_home: bool = False
    start: str | None = Field(None, description="first day of the plan, YYYY-MM-DD (default today)")
    baseline_days: int = Field(uc.DEFAULT_BASELINE_DAYS, ge=1, le=365, description="at least 7; 14 or more decides more often")
    elimination_days: int = Field(0, ge=0, le=365)
    elimination_max_days: int | None = Field(None, ge=1, le=365)
    observation_hours: int = Field(48, ge=1, le=240)
    doses: list[DoseStepIn] = Field(max_length=20)
    instructions: str = Field("", max_length=2000)


class SafetyIn(Strict):
    safety: dict[str, bool] = Field(description="every safety question answered: hives, swelling, breathing, vomiting, faint")
    taken_at: str | None = Field(None, description="when the dose was eaten: ISO date-time with its offset; without one "
                                 "the wall time in zone, or UTC when no zone is given (default now)")
    date: str | None = Field(None, description="the patient's own date (YYYY-MM-DD), as in GET /me/challenges?date=; default: "
                                               "today in zone, else at taken_at's offset, else the server's date")
    zone: str | None = Field(None, max_length=64, description="your IANA time zone (Pacific/Auckland), kept with the dose so "
                             "the verdict lays its reaction window on your own days; default: taken_at's offset, "
                             "else not known (read as UTC)")


class SymptomsIn(Strict):
    symptoms: list[str] = Field(max_length=10, description="symptoms present now (empty = none)")
    dose_id: BodyId | None = None


class AdherenceIn(Strict):
    followed: bool
    note: str = Field("", max_length=500)


class StopIn(Strict):
    reason: str = Field(max_length=2000)


class ExtendIn(Strict):
    extra_days: int = Field(ge=1, le=60)


class SupervisedDoseIn(Strict):
    step: int = Field(ge=1, le=20)
    given_at: str = Field(description="when the dose was given: with its offset (2026-12-01T09:30-08:00), or the "
                          "clinic's wall-clock time (2026-12-01T09:30) with zone; stored in UTC")
    zone: str | None = Field(None, max_length=64, description="the clinic's IANA time zone (America/Los_Angeles): "
                             "a given_at without offset is read in it; recorded with the dose")
    amount: str = Field(max_length=120)
    symptoms: str = Field("", max_length=2000)
    reactions: list[str] = Field(default_factory=list, max_length=10)


class SupervisedOutcomeIn(Strict):
    immediate_outcome: str = Field(description="negative | positive | stopped | incomplete")
    notes: str = Field("", max_length=4000)
    stop_reason: str = Field("", max_length=2000)


class OutcomeIn(Strict):
    outcome: str = Field(description="confirmed (the food causes a reaction) | refuted")
    note: str = Field("", max_length=2000)
    avoid: bool | None = Field(None, description="on the avoid list (default: yes when confirmed)")


# ------------------------------------------------------------------------------ clinician + shared


@router.post("/patients/{patient_id}/challenges", status_code=201, summary="Plan a food challenge (linked clinician)")
def create(patient_id: int, body: PlanIn, request: Request) -> dict:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        plan = uc.PlanInput(
            food=body.food, kind=body.kind, released_for_home=body.released_for_home, start=date_param(body.start, "start"),
            baseline_days=body.baseline_days, elimination_days=body.elimination_days,
            elimination_max_days=body.elimination_max_days, observation_hours=body.observation_hours,
            doses=[uc.DoseStep(d.day_offset, d.amount) for d in body.doses], instructions=body.instructions)
        return uc.create_plan(s, actor, patient_id, plan)


@router.get("/patients/{patient_id}/challenges", summary="A patient's food challenges (owner or linked clinician)")
def list_for_patient(patient_id: int, request: Request) -> list:
    with unit_of_work(request) as s:
        return uc.list_challenges(s, api_actor(request, s), patient_id)


@router.get("/patients/{patient_id}/allergies", summary="Allergy records (confirmed or refuted by challenge)")
def allergies(patient_id: int, request: Request) -> list:
    with unit_of_work(request) as s:
        return uc.allergy_records(s, api_actor(request, s), patient_id)


@router.get("/patients/{patient_id}/avoid-list", summary="Foods to avoid now")
def avoid(patient_id: int, request: Request) -> list:
    with unit_of_work(request) as s:
        return uc.avoid_list(s, api_actor(request, s), patient_id)


@router.get("/patients/{patient_id}/challenge-reminders", summary="Due steps and reviews")
def reminders(patient_id: int, request: Request,
              date: str | None = Query(None, description="the patient's own date (YYYY-MM-DD); default: today in zone"),
              zone: str | None = Query(None, max_length=64, description="an IANA time zone (Pacific/Auckland) whose "
                                       "today is the patient's; default: the profile's zone (kept from the patient's "
                                       "diary and doses), else the server's date")) -> list:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        day = date_param(date, "date")
        zones.checked(zone)
        return uc.reminders(s, actor, patient_id, day, zone)


@router.get("/challenges/{challenge_id}", summary="One challenge with its doses, adherence, alerts and verdict")
def get(challenge_id: int, request: Request) -> dict:
    with unit_of_work(request) as s:
        return uc.get_challenge(s, api_actor(request, s), challenge_id)


@router.post("/challenges/{challenge_id}/evaluate", summary="Compute and store the verdict from the diary")
def evaluate(challenge_id: int, request: Request) -> dict:
    with unit_of_work(request) as s:
        return uc.evaluate(s, api_actor(request, s), challenge_id)


@router.post("/challenges/{challenge_id}/outcome", summary="Clinician confirms or overrides: allergy record and avoid list")
def outcome(challenge_id: int, body: OutcomeIn, request: Request) -> dict:
    with unit_of_work(request) as s:
        return uc.confirm_outcome(s, api_actor(request, s), challenge_id, body.outcome, body.note, body.avoid)


@router.post("/challenges/{challenge_id}/supervised-doses", status_code=201, summary="Record a dose given in clinic")
def supervised_dose(challenge_id: int, body: SupervisedDoseIn, request: Request) -> dict:
    with unit_of_work(request) as s:
        when = zoned_time_param(body.given_at, "given_at")  # with its offset, or a wall time in body.zone
        assert when is not None
        return uc.record_supervised_dose(s, api_actor(request, s), challenge_id, body.step, when, body.amount,
                                         body.symptoms, body.reactions, zone=body.zone)


@router.post("/challenges/{challenge_id}/supervised-outcome", summary="Immediate outcome of the clinic session")
def supervised_outcome(challenge_id: int, body: SupervisedOutcomeIn, request: Request) -> dict:
    with unit_of_work(request) as s:
        return uc.record_supervised_outcome(s, api_actor(request, s), challenge_id, body.immediate_outcome, body.notes,
                                            body.stop_reason)


@router.post("/challenges/{challenge_id}/extend-elimination", summary="Lengthen the elimination up to its maximum")
def extend(challenge_id: int, body: ExtendIn, request: Request) -> dict:
    with unit_of_work(request) as s:
        return uc.extend_elimination(s, api_actor(request, s), challenge_id, body.extra_days)


@router.post("/challenges/{challenge_id}/extend-baseline",
             summary="Lengthen the baseline before the first dose; the steps move with it (linked clinician)")
def extend_baseline(challenge_id: int, body: ExtendIn, request: Request) -> dict:
    with unit_of_work(request) as s:
        return uc.extend_baseline(s, api_actor(request, s), challenge_id, body.extra_days)


@router.post("/challenges/{challenge_id}/start-first-step",
             summary="Let the first home step start with fewer than 7 baseline days logged (linked clinician)")
def start_first_step(challenge_id: int, request: Request) -> dict:
    with unit_of_work(request) as s:
        return uc.start_with_short_baseline(s, api_actor(request, s), challenge_id)


@router.post("/challenges/{challenge_id}/stop", summary="Stop a challenge (owner or linked clinician)")
def stop(challenge_id: int, body: StopIn, request: Request) -> dict:
    with unit_of_work(request) as s:
        return uc.stop_challenge(s, api_actor(request, s), challenge_id, body.reason)


@router.get("/clinician/challenge-alerts", summary="Safety stops and due reviews of linked patients")
def alerts(request: Request) -> dict:
    with unit_of_work(request) as s:
        return uc.clinician_alerts(s, api_actor(request, s))


@router.post("/clinician/challenge-alerts/{alert_id}/acknowledge",
             summary="Acknowledge a safety alert or a late reaction (a held next step may then be taken)")
def acknowledge(alert_id: int, request: Request) -> dict:
    with unit_of_work(request) as s:
        return uc.acknowledge_alert(s, api_actor(request, s), alert_id)


# ------------------------------------------------------------------------------------- patient


@router.get("/me/challenges", summary="Your food challenges, today's steps and the safety questions")
def mine(request: Request, patient_id: int | None = PatientQ, date: str | None = None,
         zone: str | None = Query(None, max_length=64, description="your IANA time zone (Pacific/Auckland): "
                                  "today there is the day of the steps, reminders and avoid list, and it places your "
                                  "day on the dose times for the observation step; default: the profile's zone (kept "
                                  "from your diary and doses), else the server's date")) -> dict:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        pid = my_patient_id(s, actor, patient_id)
        if zone:
            uc.zone_info(zone)  # an unknown zone is refused, naming it
        # one day for every part of the answer: the steps, reminders and avoid list of the patient's
        # own date (the reminders and the avoid list were of the server's date, a day off for a
        # patient far from it: an evening in Los Angeles already showed tomorrow's step)
        day = date_param(date, "date") or zones.patient_today(s, pid, zone)
        return {
            "patient_id": pid,
            "today": uc.today_steps(s, actor, pid, day, zone),
            "challenges": uc.list_challenges(s, actor, pid, day),
            "reminders": uc.reminders(s, actor, pid, day),
            "avoid": uc.avoid_list(s, actor, pid, day),
            "safety_questions": uc.SAFETY_SYMPTOMS,
        }


def _offset_date(taken_at: str | None, zone: str | None = None) -> dt.date | None:
    """The patient's date now: in ``zone`` (checked by the clinic layer), else at the offset of a
    dose time sent as local time (a phone app's)."""
    if zone:
        try:
            return dt.datetime.now(uc.stored_zone(zone) if zone.startswith("UTC") else ZoneInfo(zone)).date()
        except (ZoneInfoNotFoundError, ValueError, OSError):
            return None  # take_dose names the bad zone
    try:
        when = dt.datetime.fromisoformat(taken_at or "")
    except ValueError:
        return None  # _taken_at has already named the bad value
    return dt.datetime.now(when.tzinfo).date() if when.tzinfo is not None else None


def _taken_at(value: str | None) -> dt.datetime | None:
    """``taken_at`` as written (aware, or naive: read in ``zone`` or as UTC by the clinic layer)."""
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput("taken_at: expected an ISO date-time like 2026-12-01T10:30+01:00, or 2026-12-01T09:30 "
                           "(UTC, or the wall time in zone)") from None


@router.post("/me/challenges/{challenge_id}/doses/{dose_id}", summary="Take today's home dose (safety check first)")
def take(challenge_id: int, dose_id: int, body: SafetyIn, request: Request) -> dict:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        taken_at = _taken_at(body.taken_at)
        return uc.take_dose(s, actor, challenge_id, dose_id, body.safety, taken_at,
                            date_param(body.date, "date") or _offset_date(body.taken_at, body.zone), zone=body.zone)


@router.post("/me/challenges/{challenge_id}/safety", summary="Report symptoms; any symptom stops the challenge")
def safety(challenge_id: int, body: SymptomsIn, request: Request) -> dict:
    with unit_of_work(request) as s:
        return uc.safety_check(s, api_actor(request, s), challenge_id, body.symptoms, body.dose_id)


@router.put("/me/challenges/{challenge_id}/adherence/{day}", summary="Did you follow the day's step?")
def adherence(challenge_id: int, day: str, body: AdherenceIn, request: Request) -> dict:
    with unit_of_work(request) as s:
        d = date_param(day, "date")
        assert d is not None
        return uc.log_adherence(s, api_actor(request, s), challenge_id, d, body.followed, body.note)
