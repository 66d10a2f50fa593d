"""Food challenges: a clinician plans, the patient follows the steps safely, the clinician decides.

Who may do what (every rule lives here; routers and CLI stay thin):

| use case | who |
|---|---|
| create a plan, extend an elimination, record a supervised dose or outcome, acknowledge an alert, confirm or override the outcome | a clinician linked to the patient (active consent) |
| today's step, adherence, take a home dose, safety check | the owning account (patient or caregiver) |
| stop a challenge | the owner or a linked clinician (stopping is always allowed) |
| read a challenge, run the verdict, avoid list, reminders | the owner or a linked clinician |

Anyone else gets ``NotFound`` (the same as for a challenge that does not exist); a patient on
a clinician-only action gets ``Forbidden``: a patient cannot mark their own challenge passed.
Every read and state change writes an audit row in the same transaction.

Phases (dates fixed at creation): [elimination (optional, clinician-set length, never beyond
``HARD_MAX_ELIMINATION_DAYS``)] -> baseline (>= 7 days, food-free, logging every day) ->
reintroduction (dose steps on given days, each followed by an observation window, default
48 h, for late eczematous reactions) -> review (verdict, then the clinician's outcome).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from gutskin.clinic import audit, zones
from gutskin.clinic.access import has_active_consent, patient_for_entry, patient_for_read, require_role
from gutskin.clinic.actors import Actor
from gutskin.clinic.errors import Conflict, Forbidden, InvalidInput, NotFound
from gutskin.diary.factors import known_factor, parse_factor_name
from gutskin.diary.dates import wall_time_in
from gutskin.store.models import (
    AllergyRecord,
    AuditEvent,
    ChallengeAdherence,
    ChallengeAlert,
    ChallengeDose,
    Consent,
    DiaryDay,
    Factor,
    FactorValue,
    FoodChallenge,
    Patient,
    User,
    utcnow,
)

KINDS = ("home", "supervised")
MIN_BASELINE_DAYS = 7
DEFAULT_BASELINE_DAYS = 14  # bench/challenges.py: with 7 days about 60 % of home challenges end inconclusive
MAX_BASELINE_DAYS = 28
HARD_MAX_ELIMINATION_DAYS = 42  # six weeks: longer eliminations need a new decision, not a longer plan
MAX_DOSE_STEPS = 10
MAX_PLAN_DAYS = 120
REVIEW_NOTICE_DAYS = 7
TREATMENT_HISTORY_DAYS = 90  # treatments logged this long before a challenge tell a running course from a new one
ELIMINATION_REFERENCE_DAYS = 14  # the last days of an elimination join the baseline as reference days
MIN_HOURS_BETWEEN_HOME_DOSES = 20  # a missed step can be taken late, never two home doses in a day
LATE_STEP_SLACK_HOURS = 6  # steps planned 2 days apart: 42 h (morning doses taken at different hours)
OUTCOMES = ("confirmed", "refuted")
IMMEDIATE_OUTCOMES = ("negative", "positive", "stopped", "incomplete")
OPEN_STATUSES = ("active", "evaluated")

#: the safety check asked with every dose: any "yes" stops the challenge at once
SAFETY_SYMPTOMS: dict[str, str] = {
    "hives": "Hives (raised, itchy welts) anywhere on the body",
    "swelling": "Swelling of the lips, face, tongue or throat",
    "breathing": "Breathing trouble, wheeze, noisy breathing or a tight throat",
    "vomiting": "Repeated vomiting",
    "faint": "Feeling faint, floppy, pale or collapsing",
}
EMERGENCY_GUIDANCE = (
    "Stop the challenge now and do not eat any more of the food. If there is breathing trouble, "
    "swelling of the tongue or throat, or faintness, call your local emergency number (112 / 911 / 999) "
    "straight away and use an adrenaline auto-injector if one was prescribed. For hives or vomiting "
    "without those signs, give the antihistamine your clinic advised and seek urgent medical care. "
    "Your clinician has been alerted."
)


#: alert kinds (``challenge_alerts.kind``, a String(24); no schema change): a safety stop; a late
#: (eczematous) reaction logged in a dose's observation window (2026-12-07), stored as kind
#: ``late:YYYY-MM-DD`` (the diary day; ``symptoms`` its signs, so that every reader of the signs, the
#: FHIR reactions too, reads signs only), one alert per challenge and day, ``late_reaction`` in every
#: answer; and a clinician's decision to let
#: the first step start with fewer than ``MIN_BASELINE_DAYS`` baseline days logged, stored as an alert
#: acknowledged by that clinician as it is made (no signs: no FHIR reaction, never on an alerts list)
SAFETY_STOP = "safety_stop"
LATE_REACTION = "late_reaction"
SHORT_BASELINE_START = "short_baseline_start"
LATE_SIGN_LABELS: dict[str, str] = {
    "flare": "Eczema flare logged",
    "itch_rise": "Itch 3 or more points above the food-free baseline's mean",
}
#: late-reaction alerts are looked for while the windows can still hold the next step, and a week after
LATE_CHECK_DAYS_AFTER = 7
#: who creates a late-reaction alert: the check runs when the diary is written and when steps and
#: alerts are read, whoever wrote or reads; the audit row names the check, not the reader
LATE_CHECK = Actor(user_id=None, role="system", label="late-reaction check")


#: the guidance after a safety stop whose alert no clinician can read (sharing ended before anyone
#: acknowledged it): "Your clinician has been alerted" stayed on the page (consent-lifecycle walk)
UNSEEN_ALERT_GUIDANCE = EMERGENCY_GUIDANCE.replace(
    "Your clinician has been alerted.",
    "No clinician sees this alert now (the record is not shared with the clinic that supervised the "
    "challenge): call your clinic to tell them.")


def emergency_guidance(child: str | None = None, seen: bool = True) -> str:
    """The guidance after a safety stop: ``EMERGENCY_GUIDANCE``, or ``UNSEEN_ALERT_GUIDANCE`` when no
    clinician sees the alert; on a child's profile (``child``: the name) it speaks to the parent about
    the child (2026-12-07: it said "do not eat any more of the food" and "Your clinician has been
    alerted" to the parent of a child with hives)."""
    text = EMERGENCY_GUIDANCE if seen else UNSEEN_ALERT_GUIDANCE
    if child:
        text = text.replace("Stop the challenge now and do not eat any more of the food.",
                            f"Stop the challenge now and give {child} no more of the food.")
        text = text.replace("Your clinician has been alerted.", f"{child}'s clinician has been alerted.")
    return text


def _child_name(session: Session, patient_id: int) -> str | None:
    patient = session.get(Patient, patient_id)
    return (patient.display_name or "your child") if patient is not None and patient.relationship == "child" else None


def _alert_reaches_a_clinician(session: Session, ch: FoodChallenge) -> bool:
    """Whether a clinician has seen or can see the safety alert of a stopped challenge: one
    acknowledged it, or the record is shared with a clinician now (their panel lists it)."""
    acknowledged = session.scalar(select(ChallengeAlert.id).where(ChallengeAlert.challenge_id == ch.id,
                                                                  ChallengeAlert.kind == SAFETY_STOP,
                                                                  ChallengeAlert.acknowledged_at.is_not(None)).limit(1))
    return acknowledged is not None or session.scalar(
        select(Consent.id).where(Consent.patient_id == ch.patient_id, Consent.revoked_at.is_(None),
                                 Consent.clinician_user_id.is_not(None)).limit(1)) is not None


def unseen_alerts_of(session: Session, patient_id: int, clinician_user_id: int) -> int:
    """How many :func:`unseen_alerts` there are."""
    return len(unseen_alerts(session, patient_id, clinician_user_id))


def unseen_alerts(session: Session, patient_id: int, clinician_user_id: int) -> list[dict[str, object]]:
    """Unacknowledged alerts of the challenges one clinician supervised (the Sharing page warns
    before revoking them: the clinician would no longer see them), oldest first, each named for
    what it is (``name``: "safety stop", "late reaction", ...; a late reaction's diary ``day``): the
    page called every one "the safety stop" (2026-12-07). Late reactions logged since the last check
    are looked for first (:func:`check_late_reactions`)."""
    check_late_reactions(session, [patient_id])
    rows = session.execute(
        select(ChallengeAlert.kind, FoodChallenge.food).join(FoodChallenge, FoodChallenge.id == ChallengeAlert.challenge_id)
        .where(ChallengeAlert.patient_id == patient_id, FoodChallenge.clinician_user_id == clinician_user_id,
               ChallengeAlert.acknowledged_at.is_(None)).order_by(ChallengeAlert.id)).all()
    out = []
    for kind, food in rows:
        day = alert_day(kind)
        out.append({"kind": alert_kind(kind), "name": alert_name(kind), "food_label": food_label(food),
                    "day": day.isoformat() if day else None, "day_words": _day_words(day) if day else None})
    return out


@dataclass
class DoseStep:
    day_offset: int  # days after the start of reintroduction (0 = first day)
    amount: str  # e.g. "1/4 cooked egg"


@dataclass
class PlanInput:
    food: str
    kind: str = "home"
    released_for_home: bool = False
    start: dt.date | None = None  # first day of the plan (elimination, or baseline)
    baseline_days: int = DEFAULT_BASELINE_DAYS
    elimination_days: int = 0
    elimination_max_days: int | None = None
    observation_hours: int = 48
    doses: list[DoseStep] = field(default_factory=list)
    instructions: str = ""


def _today() -> dt.date:
    return dt.date.today()


def _patients_day(day: dt.date | None, session: Session | None = None, patient_id: int | None = None,
                  zone: str | None = None) -> dt.date:
    """The patient's own date (their page's or app's), else today in ``zone`` or the profile's
    zone (:mod:`gutskin.clinic.zones`), else the server's.

    A patient in Auckland doses on their Saturday morning while the server's clock is still on
    Friday; the day may differ from the server's by one either way, never more.
    """
    server = _today()
    if day is None:
        return zones.patient_today(session, patient_id, zone) if session is not None and patient_id is not None else server
    if abs((day - server).days) > 1:
        raise InvalidInput(f"date: {day.isoformat()} is not today anywhere (the server's date is {server.isoformat()})")
    return day


def _dosed_recently(doses: list[ChallengeDose]) -> bool:
    """A dose was eaten less than MIN_HOURS_BETWEEN_HOME_DOSES ago (in hours, not by comparing the
    stored UTC time's date with the patient's date, which was wrong by a day far from UTC)."""
    now = utcnow()
    window = dt.timedelta(hours=MIN_HOURS_BETWEEN_HOME_DOSES)
    return any(d.taken_at is not None and dt.timedelta(0) <= now - d.taken_at < window for d in doses)


def hours_before_step(ch: FoodChallenge, doses: list[ChallengeDose], dose: ChallengeDose) -> int:
    """Hours the home step ``dose`` waits after the step taken before it: the plan's own spacing of
    the two steps (at most the observation window) less ``LATE_STEP_SLACK_HOURS`` for morning doses
    at different hours, never below ``MIN_HOURS_BETWEEN_HOME_DOSES``. A step missed and taken late
    (home walk, 2026-12-06: 1/2 egg at 23:30 a day late) left the next, larger step 20 hours away,
    inside the first one's 6-48 h window, so a late reaction to it would come after the larger dose."""
    before = [d for d in doses if d.step < dose.step and d.status == "taken"]
    if not before:
        return MIN_HOURS_BETWEEN_HOME_DOSES
    planned = (dose.planned_on - max(before, key=lambda d: d.step).planned_on).days * 24
    return max(MIN_HOURS_BETWEEN_HOME_DOSES, min(planned, ch.observation_hours) - LATE_STEP_SLACK_HOURS)


def _wait_until(ch: FoodChallenge, doses: list[ChallengeDose], dose: ChallengeDose) -> dt.datetime | None:
    """The UTC instant from which the home step ``dose`` may be taken, when that is still ahead.

    Measured in hours, not by comparing the stored UTC time's date with the patient's date,
    which was wrong by a day for patients far from UTC.
    """
    last = max((d.taken_at for d in doses if d.taken_at is not None), default=None)
    if last is None:
        return None
    ready = last + dt.timedelta(hours=hours_before_step(ch, doses, dose))
    return ready if utcnow() < ready else None


def step_wait(ch: FoodChallenge, doses: list[ChallengeDose], dose: ChallengeDose, day: dt.date,
              zone: str | None = None) -> dict[str, object] | None:
    """The home step ``dose`` still waiting out :func:`hours_before_step` after the last dose, on the
    patient's ``day``; None when it is not waiting. The one computation behind the patient's page
    ("Next step 2 ... is due on ..., not before 09:30") and the clinician's running challenges list
    and challenge page (2026-12-07: the list read "due today" for a step the patient was told to
    wait for). ``zone``: the patient's zone (their page's, or the profile's on a clinician's page);
    unknown: the zone the last dose was taken in, else UTC.

    ``due``: the patient's date the step is offered from: not later on ``day`` (a morning dose) and
    not before the wait ends; ``at``: the first wall-clock time on that date ("HH:MM") when the wait
    ends on it, else None; ``until``: the UTC instant the wait ends; ``zone``: the zone of ``due``
    and ``at`` (None: UTC); ``hours``: the wait."""
    if dose.setting != "home":
        return None
    wait = _wait_until(ch, doses, dose)
    if wait is None:
        return None
    taken = [d for d in doses if d.status == "taken" and d.taken_at is not None]
    where = zone or (max(taken, key=lambda d: d.taken_at or dt.datetime.min).entered_zone if taken else None)
    ready = local_dose_time(wait, where)  # the first moment, on the patient's clock
    due = max(day + dt.timedelta(days=1), ready.date())  # a morning dose: not later today
    return {"until": wait, "due": due, "at": f"{ready:%H:%M}" if ready.date() == due else None,
            "zone": where or None, "hours": hours_before_step(ch, doses, dose)}


def food_label(food: str) -> str:
    return known_factor(food).label.lower() or food


# ----------------------------------------------------------------------------- authorization


def _linked_clinician(session: Session, actor: Actor, patient_id: int) -> Patient:
    """A clinician with an active consent (the CLI operator too); others: Forbidden / NotFound."""
    if actor.is_system:
        p = session.get(Patient, patient_id)
        if p is None:
            raise NotFound("patient not found")
        return p
    patient = patient_for_read(session, actor, patient_id)  # NotFound for strangers
    if actor.role != "clinician" or actor.user_id is None or not has_active_consent(session, patient_id, actor.user_id,
                                                                                     lock=True):  # a write: see has_active_consent
        raise Forbidden("only the patient's clinician can do this")
    return patient


def _challenge(session: Session, actor: Actor, challenge_id: int, mode: str) -> FoodChallenge:
    """Load a challenge for ``mode`` read | owner | clinician | stop."""
    ch = session.get(FoodChallenge, challenge_id)
    if ch is None:
        raise NotFound("challenge not found")
    try:
        if mode == "read":
            patient_for_read(session, actor, ch.patient_id)
        elif mode == "owner":
            patient_for_read(session, actor, ch.patient_id)
            if not actor.is_system and actor.role == "clinician":
                raise Forbidden("the patient does this step")
            patient_for_entry(session, actor, ch.patient_id)
        elif mode == "clinician":
            _linked_clinician(session, actor, ch.patient_id)
        elif mode == "stop":
            patient_for_read(session, actor, ch.patient_id)
        else:  # pragma: no cover - programming error
            raise ValueError(mode)
    except NotFound:
        raise NotFound("challenge not found") from None
    return ch


# ----------------------------------------------------------------------------- plain data


def _doses(session: Session, ch: FoodChallenge) -> list[ChallengeDose]:
    return list(session.scalars(select(ChallengeDose).where(ChallengeDose.challenge_id == ch.id)
                                .order_by(ChallengeDose.step, ChallengeDose.id)).all())


def _clinic_signs(doses: list[ChallengeDose]) -> list[tuple[int, list[str]]]:
    """Clinic doses given with objective signs ticked, as ``(step, sign keys)`` in step order.

    A supervised dose with a sign (hives, swelling, breathing trouble, vomiting, faintness) is an
    immediate reaction: no further dose may be recorded, the immediate outcome cannot be
    "negative" or "incomplete", and the verdict is "reaction likely". Until 2026-12-06 such a
    dose was stored and nothing else: the page offered the next, larger dose prefilled, took
    "Negative (go on to home observation)", and the diary verdict could read "no reaction"."""
    return [(d.step, [str(x) for x in d.safety["reactions"]]) for d in doses
            if d.setting == "clinic" and d.status == "taken" and isinstance(d.safety, dict)
            and isinstance(d.safety.get("reactions"), list) and d.safety["reactions"]]


def _signs_words(signs: list[tuple[int, list[str]]]) -> str:
    """"step 2 (hives; swelling of the lips, face, tongue or throat)": the signs' labels, lower case."""
    def label(k: str) -> str:
        text = SAFETY_SYMPTOMS.get(k, k).split(" (")[0]
        return text[:1].lower() + text[1:]

    return ", ".join(f"step {step} ({'; '.join(label(k) for k in keys)})" for step, keys in signs)


def _sign_label(key: str) -> str:
    """A safety sign in a sentence: "hives", "swelling of the lips, face, tongue or throat"."""
    text = SAFETY_SYMPTOMS.get(key, key).split(" (")[0]
    return text[:1].lower() + text[1:]


def _and_words(items: list[str]) -> str:
    """"hives", "hives and repeated vomiting", "a; b and c" (the labels hold commas of their own)."""
    return items[0] if len(items) == 1 else "; ".join(items[:-1]) + " and " + items[-1]


def stop_words(ch: FoodChallenge, doses: list[ChallengeDose]) -> str | None:
    """Why and where a stopped challenge stopped, in plain words for every page and list that shows
    it: "Stopped at step 3, before its dose, because of hives (safety check)", "Stopped by the patient
    after step 1", "Stopped in clinic at step 2 because of an immediate reaction: urticaria after 30 mg".
    None for a challenge that did not stop. The stored reason is kept as it is (the FHIR export and the
    verdict read it): the pages printed it raw, "stopped: safety check: hives" (h2 walk, 2026-12-07)."""
    if ch.status != "stopped":
        return None
    reason = (ch.stop_reason or "").strip()
    at_dose = next((d for d in doses if d.status == "stopped"), None)  # the safety check before a dose stopped it
    taken = [d for d in doses if d.status == "taken"]
    if at_dose is not None:
        where = f"at step {at_dose.step}, before its dose"
    elif taken:
        where = f"after step {taken[-1].step}"
    else:
        where = "before the first step"
    if reason.startswith("safety check:"):
        keys = [k.strip() for k in reason[len("safety check:"):].split(",") if k.strip()]
        signs = _and_words([_sign_label(k) for k in keys]) if keys else "a warning sign"
        return f"Stopped {where}{',' if at_dose is not None else ''} because of {signs} (safety check)"
    if ch.immediate_outcome in ("positive", "stopped"):
        clinic = f"at step {taken[-1].step}" if taken else "before the first dose"
        signs = _clinic_signs(doses)
        said = "; ".join(x for x in (f"objective signs: {_and_words([_sign_label(k) for k in signs[-1][1]])}" if signs else "",
                                     f"reason given: {reason}" if reason else "") if x)
        why = " because of an immediate reaction" if ch.immediate_outcome == "positive" else ""
        return f"Stopped in clinic {clinic}{why}" + (f" ({said})" if said else "")
    if reason == "stopped by the patient":
        return f"Stopped by the patient {where}"
    from gutskin.clinic.sharing import CLOSED_ACCOUNT_REASON

    if reason in (ENDED_SHARING_REASON, CLOSED_ACCOUNT_REASON):
        return f"Stopped {where} because {reason}"
    return f"Stopped {where}" + (f" (reason given: {reason})" if reason else " (no reason given)")


def verdict_next(ch: FoodChallenge, doses: list[ChallengeDose], phase: str) -> str | None:
    """What the clinician can do with an inconclusive verdict of a challenge with no step left (None
    otherwise). The page listed what would settle it ("about 4 more dose(s) ...") beside an outcome form
    offering only confirmed or refuted, and no word of what can still be done (h2 walk, 2026-12-07)."""
    v = ch.verdict or {}
    if (v.get("verdict") != "inconclusive" or "observation_until" in v or ch.status not in OPEN_STATUSES
            or phase != "review" or any(d.status == "planned" for d in doses)):
        return None
    food = food_label(ch.food)
    again = ("as a supervised oral food challenge in clinic" if ch.kind == "supervised" else
             "as a supervised oral food challenge in clinic, or at home with a longer baseline and more steps")
    return (f"This challenge has no step left and the diary cannot decide, so more of it will not settle it. "
            f"Either record the outcome from your own judgement (say in the note what it rests on), or stop this "
            f"challenge and plan {food} again, {again}. Until then the patient is told to ask the clinic before "
            f"eating {food}.")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _z(moment: dt.datetime | None, timespec: str = "minutes") -> str | None:
    """A stored instant (naive UTC) as the API gives every time: ISO 8601 ending in ``Z``, so an
    app in Auckland does not read ``2026-12-04T23:10`` as its own clock (appointments, invites and
    the audit log were marked; challenge times were not until 2026-12-06)."""
    return moment.isoformat(timespec=timespec) + "Z" if moment is not None else None


def _safety_out(safety: dict | None) -> dict | None:
    """The dose's safety answers; each re-check's ``at`` (the server's UTC clock, stored unmarked) marked."""
    if not isinstance(safety, dict) or not isinstance(safety.get("checks"), list):
        return safety
    def check_out(c: object) -> object:
        if not isinstance(c, dict):
            return c
        at = c.get("at")
        out = {**c, "at": at + "Z" if isinstance(at, str) and not at.endswith("Z") else at}
        if isinstance(c.get("symptoms"), list):
            out["symptom_labels"] = [SAFETY_SYMPTOMS.get(x, x) for x in c["symptoms"]]
        return out

    return {**safety, "checks": [check_out(c) for c in safety["checks"]]}


def _recorder_role(d: ChallengeDose, patient: Patient | None) -> str | None:
    """Who recorded a dose as taken or given: ``patient`` (on their own profile), ``caregiver`` (the
    account keeping a child's profile), ``co_caregiver`` (another person account keeping the child's
    profile with them: never put down to the managing parent) or ``clinician``; None when nobody is
    recorded (planned, or the account was deleted)."""
    if d.recorded_by_user_id is None or patient is None:
        return None
    if d.recorded_by_user_id == patient.owner_user_id:
        return "caregiver" if patient.relationship == "child" else "patient"
    if patient.relationship == "child":
        from sqlalchemy.orm import object_session

        s = object_session(d)
        recorder = s.get(User, d.recorded_by_user_id) if s is not None else None
        if recorder is not None and recorder.role == "patient":  # a person account other than the parent
            return "co_caregiver"
    return "clinician"


def _dose_out(d: ChallengeDose, patient: Patient | None = None) -> dict[str, object]:
    return {
        "id": d.id, "step": d.step, "planned_on": d.planned_on.isoformat(), "amount": d.amount, "setting": d.setting,
        "status": d.status, "taken_at": _z(d.taken_at),
        "entered_zone": d.entered_zone, "time_note": d.time_note or "",
        "symptoms": d.symptoms, "safety": _safety_out(d.safety),
        **({"recorded_by_role": _recorder_role(d, patient)} if patient is not None else {}),
    }


def phase_on(ch: FoodChallenge, day: dt.date) -> str:
    """upcoming | elimination | baseline | reintroduction | review | stopped | closed."""
    if ch.status == "stopped":
        return "stopped"
    if ch.status in ("confirmed", "cancelled"):
        return "closed"
    first = ch.elimination_start or ch.baseline_start
    if day < first:
        return "upcoming"
    if ch.elimination_start and ch.elimination_end and day <= ch.elimination_end:
        return "elimination"
    if day <= ch.baseline_end:
        return "baseline"
    if day <= ch.reintroduction_end:
        return "reintroduction"
    return "review"


def _out(session: Session, ch: FoodChallenge, today: dt.date | None = None, full: bool = True,
         patient: Patient | None = None) -> dict[str, object]:
    """``patient``: the challenge's patient when the caller has it (a list: one read, not one per row)."""
    today = today or zones.patient_today(session, ch.patient_id)  # the phase on the patient's own day
    patient = patient if patient is not None and patient.id == ch.patient_id else session.get(Patient, ch.patient_id)
    d: dict[str, object] = {
        "id": ch.id, "patient_id": ch.patient_id,
        "patient_name": (patient.display_name or patient.external_id) if patient else "",
        "food": ch.food, "food_label": food_label(ch.food), "kind": ch.kind,
        "released_for_home": ch.released_for_home, "status": ch.status, "phase": phase_on(ch, today),
        "elimination_start": ch.elimination_start.isoformat() if ch.elimination_start else None,
        "elimination_end": ch.elimination_end.isoformat() if ch.elimination_end else None,
        "elimination_max_days": ch.elimination_max_days,
        "review_by": _review_by(ch).isoformat() if _review_by(ch) else None,
        "baseline_start": ch.baseline_start.isoformat(), "baseline_end": ch.baseline_end.isoformat(),
        "reintroduction_start": ch.reintroduction_start.isoformat(),
        "reintroduction_end": ch.reintroduction_end.isoformat(),
        "observation_hours": ch.observation_hours, "instructions": ch.instructions,
        "stop_reason": ch.stop_reason,
        "stopped_at": _z(ch.stopped_at),
        "immediate_outcome": ch.immediate_outcome, "immediate_notes": ch.immediate_notes,
        "verdict": ch.verdict, "verdict_at": _z(ch.verdict_at),
        "outcome": ch.outcome, "outcome_note": ch.outcome_note,
        "confirmed_at": _z(ch.confirmed_at),
        "created_at": _z(ch.created_at, "seconds"),
    }
    if full:
        doses = _doses(session, ch)
        d["doses"] = [_dose_out(x, patient) for x in doses]
        d["stop_words"] = stop_words(ch, doses)
        d["verdict_next"] = verdict_next(ch, doses, str(d["phase"]))
        d["evaluate_refused"] = nothing_to_evaluate(ch, doses)  # the page hides "Evaluate from the diary" and says why
        # clinic doses with objective signs: the page stops offering doses and says why (``_clinic_signs``)
        d["objective_signs"] = [{"step": n, "signs": keys, "words": _signs_words([(n, keys)])}
                                for n, keys in _clinic_signs(doses)]
        d["adherence"] = [
            {"day": a.day.isoformat(), "followed": a.followed, "note": a.note}
            for a in session.scalars(select(ChallengeAdherence).where(ChallengeAdherence.challenge_id == ch.id)
                                     .order_by(ChallengeAdherence.day)).all()
        ]
        d["alerts"] = [_alert_out(a) for a in session.scalars(
            select(ChallengeAlert).where(ChallengeAlert.challenge_id == ch.id).order_by(ChallengeAlert.id)).all()]
        if (ch.kind == "home" and ch.status in OPEN_STATUSES and doses and d["phase"] not in ("upcoming", "elimination")
                and not any(x.status == "taken" for x in doses)):  # the first home step and its baseline (2026-12-07)
            # not before the baseline has begun: a planned challenge read "Step 1 is held at home until 7
            # are logged" with a button "Let step 1 start with 0 days" (challenge walk, 2026-12-07)
            d["first_step"] = {"logged": baseline_logged(session, ch, max(today, ch.reintroduction_start)),
                               "needed": MIN_BASELINE_DAYS, "started": short_baseline_started(session, ch)}
    return d


LATE_PREFIX = "late:"


def alert_day(kind: str | None) -> dt.date | None:
    """The diary day a late-reaction alert is about (its stored kind ``late:YYYY-MM-DD``), else None."""
    if kind and kind.startswith(LATE_PREFIX):
        try:
            return dt.date.fromisoformat(kind[len(LATE_PREFIX):])
        except ValueError:
            return None
    return None


def alert_kind(kind: str) -> str:
    """The kind an answer gives: ``late_reaction`` for a stored ``late:YYYY-MM-DD``."""
    return LATE_REACTION if kind.startswith(LATE_PREFIX) else kind


def alert_sign_labels(kind: str, symptoms: list | None) -> list[str]:
    """An alert's signs in words: the safety check's questions, or a late reaction's signs with
    the day ("Eczema flare logged on Sat 5 Dec 2026")."""
    signs = list(symptoms or [])
    if alert_kind(kind) == LATE_REACTION:
        day = alert_day(kind)
        on = f" on {_day_words(day)}" if day is not None else ""
        return [f"{LATE_SIGN_LABELS.get(x, x)}{on}" for x in signs]
    return [SAFETY_SYMPTOMS.get(x, x) for x in signs]


#: what each alert kind is called on the pages (2026-12-07: the sharing page called every open
#: alert "the safety stop", a late reaction too)
ALERT_NAMES = {SAFETY_STOP: "safety stop", LATE_REACTION: "late reaction",
               SHORT_BASELINE_START: "first step started on a short baseline"}


def alert_name(kind: str) -> str:
    """An alert's name in words: "safety stop", "late reaction", ... (the stored or answered kind)."""
    return ALERT_NAMES.get(alert_kind(kind), "alert")


def _alert_out(a: ChallengeAlert) -> dict[str, object]:
    day = alert_day(a.kind)
    return {
        "id": a.id, "challenge_id": a.challenge_id, "patient_id": a.patient_id, "kind": alert_kind(a.kind),
        "symptoms": a.symptoms,
        "symptom_labels": alert_sign_labels(a.kind, a.symptoms),
        "day": day.isoformat() if day is not None else None,
        "name": alert_name(a.kind),
        # which time created_at is: a late reaction's is when the diary day showing it was saved
        "created_at": _z(a.created_at),
        "created_at_is": "diary_saved" if day is not None else "alerted",
        "acknowledged": a.acknowledged_at is not None,
    }


def _review_by(ch: FoodChallenge) -> dt.date | None:
    """An elimination comes up for review a week before the clinician's maximum (or its planned end)."""
    if ch.elimination_start is None or ch.elimination_max_days is None:
        return None
    hard_end = ch.elimination_start + dt.timedelta(days=ch.elimination_max_days - 1)
    return hard_end - dt.timedelta(days=min(REVIEW_NOTICE_DAYS, ch.elimination_max_days - 1))


# ----------------------------------------------------------------------------- plans


FOOD_WORDS: dict[str, tuple[str, ...]] = {
    "food.egg": ("egg",),
    "food.dairy": ("milk", "dairy", "cheese", "yoghurt", "yogurt", "butter", "cream"),
    "food.wheat": ("wheat", "bread", "pasta", "flour"),
    "food.peanut": ("peanut",),
    "food.tree_nut": ("almond", "cashew", "hazelnut", "walnut", "pistachio", "pecan"),
    "food.soy": ("soy", "soya", "tofu"),
    "food.fish": ("fish", "cod", "salmon", "tuna"),
    "food.shellfish": ("shrimp", "prawn", "crab", "lobster", "shellfish", "mussel"),
    "food.sesame": ("sesame", "tahini"),
}
"""Words that name a common allergen food in a dose amount (a dose of "1/4 cooked egg" in a
dairy challenge is a slip that would give a patient the wrong food at home)."""


def other_food_named(food: str, amount: str) -> str | None:
    """The other allergen food an amount names while not naming ``food``'s own words, or None."""
    words = set(re.findall(r"[a-z]+", amount.lower()))
    words |= {w[:-1] for w in words if w.endswith("s")}  # plurals: eggs, almonds
    parts = food.split(".", 1)[-1].split("_")
    own = [*FOOD_WORDS.get(food, ()), *parts]  # food.milk: "milk" is its own word
    for other, names in FOOD_WORDS.items():  # food.sesame_seeds is sesame: tahini is its own too (it was refused)
        if other != food and any(p == other.split(".", 1)[1] or p in names for p in parts):
            own.extend(names)
    if any(w in words for w in own):
        return None
    for other, names in FOOD_WORDS.items():
        if other != food and any(n in words for n in names):
            return other.split(".", 1)[1].replace("_", " ")
    return None


class PlanProblems(InvalidInput):
    """Every problem of a plan at once (2026-12-07: the plan form refused one field per Save), each
    "field: what is wrong"; ``str()`` joins them with "; " (the API's one ``detail``)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def plan_problems(plan: PlanInput) -> list[str]:
    """Each field's problem of ``plan`` (the first per field), in the form's order; [] when it is valid."""
    problems: list[str] = []
    try:
        group, _ = parse_factor_name(plan.food)
    except ValueError as exc:
        problems.append(f"food: {exc}")
        group = ""
    else:
        if group != "food":
            problems.append("food: expected a food factor such as food.egg")
    food_ok = group == "food"
    if plan.kind not in KINDS:
        problems.append(f"kind: expected one of {', '.join(KINDS)}")
    if plan.kind == "home" and not plan.released_for_home:
        problems.append("released_for_home: a home reintroduction needs the food released for home by the clinician")
    if not MIN_BASELINE_DAYS <= plan.baseline_days <= MAX_BASELINE_DAYS:
        problems.append(f"baseline_days: expected {MIN_BASELINE_DAYS}-{MAX_BASELINE_DAYS} logged days")
    if plan.elimination_days < 0:
        problems.append("elimination_days: expected 0 (no elimination) or more")
    elif plan.elimination_days > 0:
        if plan.elimination_max_days is None:
            problems.append("elimination_max_days: set the longest the elimination may last")
        elif not plan.elimination_days <= plan.elimination_max_days <= HARD_MAX_ELIMINATION_DAYS:
            problems.append(
                f"elimination_max_days: expected between elimination_days and {HARD_MAX_ELIMINATION_DAYS} days")
    if not 24 <= plan.observation_hours <= 72:
        problems.append("observation_hours: expected 24-72 hours (default 48 for late eczematous reactions)")
    if not 1 <= len(plan.doses) <= MAX_DOSE_STEPS:
        problems.append(f"doses: expected 1-{MAX_DOSE_STEPS} dose steps")
    last = -1
    for i, d in enumerate(plan.doses):
        if not isinstance(d.day_offset, int) or d.day_offset < 0 or d.day_offset > 60:
            problems.append(f"doses[{i}].day_offset: expected a day 0-60 after the start of reintroduction")
        elif plan.kind == "home" and d.day_offset <= last:
            problems.append(f"doses[{i}].day_offset: home dose steps must be on later days than the step before")
        elif d.day_offset < last:
            problems.append(f"doses[{i}].day_offset: dose steps must be in order")
        else:
            last = d.day_offset
        if not (d.amount or "").strip() or len(d.amount) > 120:
            problems.append(f"doses[{i}].amount: say how much (at most 120 characters), e.g. 1/4 cooked egg")
        elif food_ok and (other := other_food_named(plan.food, d.amount)):
            problems.append(
                f"doses[{i}].amount: {d.amount!r} names {other}, but this challenge is for "
                f"{plan.food.split('.', 1)[1].replace('_', ' ')}; write the amount of the food being tested"
            )
    if len(plan.instructions or "") > 2000:
        problems.append("instructions: at most 2000 characters")
    return problems


def _validate_plan(plan: PlanInput) -> None:
    problems = plan_problems(plan)
    if problems:
        raise PlanProblems(problems)


def create_plan(session: Session, actor: Actor, patient_id: int, plan: PlanInput) -> dict[str, object]:
    """A linked clinician plans a challenge; phase dates follow from the start and the lengths."""
    require_role(actor, "clinician")
    _linked_clinician(session, actor, patient_id)
    _validate_plan(plan)
    start = plan.start or zones.patient_today(session, patient_id)  # "today" is the patient's day
    if start < _today() - dt.timedelta(days=1):
        raise InvalidInput("start: the plan cannot start in the past")
    existing = session.scalar(select(FoodChallenge.id).where(
        FoodChallenge.patient_id == patient_id, FoodChallenge.food == plan.food,
        FoodChallenge.status.in_(OPEN_STATUSES)))
    if existing is not None:
        raise Conflict(f"food: this patient already has an open challenge for {plan.food}")
    if plan.kind == "home":
        confirmed = _latest_record(session, patient_id, plan.food)
        if confirmed is not None and confirmed.status == "confirmed":
            raise InvalidInput("kind: this food is a confirmed allergy; only a supervised challenge can test it again")
        # an immediate reaction not reviewed yet is no less a reason: a home reintroduction could be planned the
        # minute a challenge stopped for hives or swelling, before its outcome (and allergy record) was recorded
        reacted = session.scalars(select(FoodChallenge).where(
            FoodChallenge.patient_id == patient_id, FoodChallenge.food == plan.food, FoodChallenge.status == "stopped",
            FoodChallenge.outcome.is_(None)).order_by(FoodChallenge.id)).all()
        if any((c.stop_reason or "").startswith("safety check") or c.immediate_outcome == "positive"
               or _clinic_signs(_doses(session, c)) for c in reacted):
            raise InvalidInput(f"kind: this patient's {food_label(plan.food)} challenge stopped for an immediate "
                               "reaction and its outcome is not recorded yet; until it is, only a supervised challenge "
                               "can test the food again")
    elim = plan.elimination_days
    el_start = start if elim else None
    el_end = start + dt.timedelta(days=elim - 1) if elim else None
    b_start = start + dt.timedelta(days=elim)
    b_end = b_start + dt.timedelta(days=plan.baseline_days - 1)
    r_start = b_end + dt.timedelta(days=1)
    r_end = r_start + dt.timedelta(days=plan.doses[-1].day_offset + math.ceil(plan.observation_hours / 24))
    if (r_end - start).days > MAX_PLAN_DAYS:
        raise InvalidInput(f"doses: the whole plan must fit in {MAX_PLAN_DAYS} days")
    clash = _overlapping_reintroduction(session, patient_id, None, r_start, r_end)
    if clash is not None:
        other, o_start, o_end = clash
        label = food_label(other.food)
        earliest = o_end + dt.timedelta(days=1) - (r_start - start)
        earliest = max(earliest, zones.patient_today(session, patient_id))
        raise InvalidInput(
            f"start: this plan's reintroduction ({_day_words(r_start)} to {_day_words(r_end)}) overlaps the {label} "
            f"challenge's ({_day_words(o_start)} to {_day_words(o_end)}); reintroduce one food at a time, so that a "
            f"reaction can be put down to one food: start this plan on {_day_words(earliest)} ({earliest.isoformat()}) or later (its "
            f"reintroduction then begins after {_day_words(o_end)}), or stop the {label} challenge first")
    ch = FoodChallenge(
        patient_id=patient_id, clinician_user_id=actor.user_id, food=plan.food, kind=plan.kind,
        released_for_home=bool(plan.released_for_home), status="active",
        elimination_start=el_start, elimination_end=el_end,
        elimination_max_days=plan.elimination_max_days if elim else None,
        baseline_start=b_start, baseline_end=b_end, reintroduction_start=r_start, reintroduction_end=r_end,
        observation_hours=plan.observation_hours, instructions=(plan.instructions or "").strip(),
    )
    session.add(ch)
    session.flush()
    setting = "home" if plan.kind == "home" else "clinic"
    for i, d in enumerate(plan.doses, start=1):
        session.add(ChallengeDose(challenge_id=ch.id, step=i, planned_on=r_start + dt.timedelta(days=d.day_offset),
                                  amount=d.amount.strip(), setting=setting, status="planned"))
    session.flush()
    audit.record(session, actor, patient_id, "create", "food_challenge", ch.id)
    return _out(session, ch)


def _overlapping_reintroduction(session: Session, patient_id: int, challenge_id: int | None, r_start: dt.date,
                                r_end: dt.date) -> tuple[FoodChallenge, dt.date, dt.date] | None:
    """One food at a time: another open challenge of the patient whose reintroduction (its doses and
    observation windows, to ``observation_end``) shares a day with ``r_start``..``r_end``, as
    (challenge, its first, its last day), or None. Until 2026-12-07 an egg and a dairy plan made the
    same day told the patient "eat 1/4 cooked egg" and "eat 5 ml milk" on the same morning: a
    reaction then showed in both verdicts (each read the other food's reaction as its own), and
    hives at the egg's safety check stopped the egg challenge only, while the milk challenge offered
    its next, larger step."""
    for other in session.scalars(select(FoodChallenge).where(
            FoodChallenge.patient_id == patient_id, FoodChallenge.status.in_(OPEN_STATUSES))
            .order_by(FoodChallenge.reintroduction_start, FoodChallenge.id)).all():
        if other.id == challenge_id:
            continue
        o_start, o_end = other.reintroduction_start, observation_end(other, _doses(session, other))
        if r_start <= o_end and o_start <= r_end:
            return other, o_start, o_end
    return None


def extend_elimination(session: Session, actor: Actor, challenge_id: int, extra_days: int) -> dict[str, object]:
    """Lengthen an elimination (later phases move with it), never beyond the clinician's maximum."""
    require_role(actor, "clinician")
    ch = _challenge(session, actor, challenge_id, "clinician")
    if ch.status not in OPEN_STATUSES or ch.elimination_start is None or ch.elimination_end is None:
        raise InvalidInput("elimination: this challenge has no elimination phase to extend")
    if extra_days < 1:
        raise InvalidInput("extra_days: expected at least 1")
    length = (ch.elimination_end - ch.elimination_start).days + 1 + extra_days
    if length > (ch.elimination_max_days or 0):
        raise InvalidInput(f"extra_days: the elimination may last at most {ch.elimination_max_days} days")
    if zones.patient_today(session, ch.patient_id) > ch.baseline_start:
        raise InvalidInput("extra_days: the elimination is already over")
    shift = dt.timedelta(days=extra_days)
    clash = _overlapping_reintroduction(session, ch.patient_id, ch.id, ch.reintroduction_start + shift,
                                        ch.reintroduction_end + shift)
    if clash is not None:  # the later phases move with it: not onto another food's reintroduction
        other, o_start, o_end = clash
        raise InvalidInput(
            f"extra_days: the reintroduction would then run from {_day_words((ch.reintroduction_start + shift))} to "
            f"{_day_words((ch.reintroduction_end + shift))}, into the {food_label(other.food)} challenge's "
            f"({_day_words(o_start)} to {_day_words(o_end)}); reintroduce one food at a time: extend it by fewer "
            "days, or stop the other challenge first")
    ch.elimination_end += shift
    ch.baseline_start += shift
    ch.baseline_end += shift
    ch.reintroduction_start += shift
    ch.reintroduction_end += shift
    for d in _doses(session, ch):
        d.planned_on += shift
    ch.updated_at = utcnow()
    audit.record(session, actor, ch.patient_id, "extend", "food_challenge", ch.id)
    return _out(session, ch)


def extend_baseline(session: Session, actor: Actor, challenge_id: int, extra_days: int) -> dict[str, object]:
    """Lengthen the baseline before the first dose (the reintroduction and its steps move with it):
    a linked clinician's answer to a first step held because too few baseline days are logged
    (2026-12-07). Only while no dose is taken, up to ``MAX_BASELINE_DAYS`` days of baseline and
    ``MAX_PLAN_DAYS`` for the whole plan, never onto another food's reintroduction."""
    require_role(actor, "clinician")
    ch = _challenge(session, actor, challenge_id, "clinician")
    if ch.status not in OPEN_STATUSES:
        raise InvalidInput("status: this challenge is not running")
    if isinstance(extra_days, bool) or not isinstance(extra_days, int) or extra_days < 1:
        raise InvalidInput("extra_days: expected at least 1")
    doses = _doses(session, ch)
    if any(d.status == "taken" for d in doses):
        raise InvalidInput("extra_days: a dose is already taken; the baseline can only be lengthened before the first")
    today = zones.patient_today(session, ch.patient_id)
    # a baseline already over (the first step held) is lengthened from today: the steps start extra_days from now
    shift_to = max(ch.baseline_end + dt.timedelta(days=extra_days), today + dt.timedelta(days=extra_days - 1))
    shift = shift_to - ch.baseline_end
    length = (shift_to - ch.baseline_start).days + 1
    if length > MAX_BASELINE_DAYS:
        raise InvalidInput(f"extra_days: the baseline may last at most {MAX_BASELINE_DAYS} days (it would last "
                           f"{length})")
    first = ch.elimination_start or ch.baseline_start
    if (ch.reintroduction_end + shift - first).days > MAX_PLAN_DAYS:
        raise InvalidInput(f"extra_days: the whole plan must fit in {MAX_PLAN_DAYS} days")
    clash = _overlapping_reintroduction(session, ch.patient_id, ch.id, ch.reintroduction_start + shift,
                                        ch.reintroduction_end + shift)
    if clash is not None:
        other, o_start, o_end = clash
        raise InvalidInput(
            f"extra_days: the reintroduction would then run from {_day_words((ch.reintroduction_start + shift))} to "
            f"{_day_words((ch.reintroduction_end + shift))}, into the {food_label(other.food)} challenge's "
            f"({_day_words(o_start)} to {_day_words(o_end)}); reintroduce one food at a time")
    ch.baseline_end += shift
    ch.reintroduction_start += shift
    ch.reintroduction_end += shift
    for d in doses:
        d.planned_on += shift
    ch.updated_at = utcnow()
    audit.record(session, actor, ch.patient_id, "extend", "food_challenge", ch.id)
    return _out(session, ch)


def start_with_short_baseline(session: Session, actor: Actor, challenge_id: int) -> dict[str, object]:
    """A linked clinician lets the first home step start although fewer than ``MIN_BASELINE_DAYS``
    baseline days are logged (2026-12-07: the step is held until then). Kept, with no schema change,
    as a ``challenge_alerts`` row of kind ``short_baseline_start`` acknowledged by that clinician as it
    is made (no signs: never on an alerts list, no FHIR reaction), and audited."""
    require_role(actor, "clinician")
    ch = _challenge(session, actor, challenge_id, "clinician")
    if ch.status not in OPEN_STATUSES:
        raise InvalidInput("status: this challenge is not running")
    if any(d.status == "taken" for d in _doses(session, ch)):
        raise InvalidInput("status: a dose is already taken; the first step has started")
    if not short_baseline_started(session, ch):
        now = utcnow()
        if add_alert_once(session, ch.id, ch.patient_id, SHORT_BASELINE_START, [], created_at=now, acknowledged_at=now,
                          acknowledged_by_user_id=actor.user_id) is not None:
            audit.record(session, actor, ch.patient_id, "record", "food_challenge", ch.id)  # let the first step start
    return _out(session, ch)


def list_challenges(session: Session, actor: Actor, patient_id: int, day: dt.date | None = None) -> list[dict[str, object]]:
    """The patient's challenges, each with its phase on ``day`` (default: the patient's today)."""
    patient = patient_for_read(session, actor, patient_id)
    audit.record(session, actor, patient_id, "read", "food_challenges")
    rows = session.scalars(select(FoodChallenge).where(FoodChallenge.patient_id == patient_id)
                           .order_by(FoodChallenge.id.desc())).all()
    day = day or zones.patient_today(session, patient_id)
    # the patient read once: the session's identity map holds it weakly, so a get per row read
    # it again for each challenge (21 statements more for 20 challenges; pages_long_record, 2026-12-06)
    out = [_out(session, ch, day, full=False, patient=patient) for ch in rows]
    stopped = [ch for ch in rows if ch.status == "stopped"]
    if stopped:  # why each stopped, in words (one statement for all of them)
        doses: dict[int, list[ChallengeDose]] = {ch.id: [] for ch in stopped}
        for dose in session.scalars(select(ChallengeDose).where(ChallengeDose.challenge_id.in_(list(doses)))
                                    .order_by(ChallengeDose.step, ChallengeDose.id)).all():
            doses[dose.challenge_id].append(dose)
        words = {ch.id: stop_words(ch, doses[ch.id]) for ch in stopped}
        for row in out:
            row["stop_words"] = words.get(int(row["id"]))  # type: ignore[call-overload]
    return out


def get_challenge(session: Session, actor: Actor, challenge_id: int) -> dict[str, object]:
    ch = _challenge(session, actor, challenge_id, "read")
    audit.record(session, actor, ch.patient_id, "read", "food_challenge", ch.id)
    check_late_reactions(session, [ch.patient_id])
    out = _out(session, ch)
    if actor.role == "clinician" and ch.status in OPEN_STATUSES:  # the running list's row of it (2026-12-07)
        out["next_step"] = next_step_row(session, ch)
    return out


def next_step_row(session: Session, ch: FoodChallenge) -> dict[str, object]:
    """The clinician's running-challenges row of one challenge (:func:`_running`): the challenge page
    says its next step in the same words as the list (due, overdue, held, or waiting until when)."""
    zone = zones.patient_zone(session, ch.patient_id)
    alerts = [_alert_out(a) for a in session.scalars(select(ChallengeAlert).where(
        ChallengeAlert.challenge_id == ch.id, ChallengeAlert.acknowledged_at.is_(None))).all()]
    patient = session.get(Patient, ch.patient_id)
    name = (patient.display_name or patient.external_id) if patient else ""
    return _running(session, [ch], {ch.id: _doses(session, ch)}, alerts,
                    {ch.patient_id: zones.patient_today(session, ch.patient_id)}, {ch.patient_id: name},
                    {ch.patient_id: zone})[0]


# ----------------------------------------------------------------------------- the patient's steps


def _day_start(day: dt.date, zone: str | None) -> dt.datetime:
    """The first moment of the patient's ``day`` as naive UTC: midnight in their ``zone`` (an IANA
    name, or a stored fixed offset like "UTC+13:00"), or UTC midnight when the zone is not known."""
    if not zone:
        return dt.datetime.combine(day, dt.time())
    try:
        return dt.datetime.combine(day, dt.time(), stored_zone(zone)).astimezone(dt.UTC).replace(tzinfo=None)
    except (OverflowError, ValueError):  # the calendar's ends
        return dt.datetime.combine(day, dt.time())


def observation_end(ch: FoodChallenge, doses: list[ChallengeDose]) -> dt.date:
    """The patient's last day that a taken dose's observation window reaches, never before the planned
    ``reintroduction_end``. A missed step taken late (home doses may be taken until the plan's last
    day) or a dose late at night has its window run past the plan's end; those days were cut off the
    verdict and the patient read "All steps ... are done" on them (home walk, 2026-12-06)."""
    last = last_window_day(ch, doses)
    return ch.reintroduction_end if last is None else max(ch.reintroduction_end, last)


def last_window_day(ch: FoodChallenge, doses: list[ChallengeDose]) -> dt.date | None:
    """The patient's last day (in the zone each dose was taken in) a taken dose's window reaches."""
    last = None
    for d in doses:
        if d.status != "taken" or d.taken_at is None:
            continue
        end = local_dose_time(d.taken_at, d.entered_zone) + dt.timedelta(hours=ch.observation_hours)
        day = end.date() if end.time() != dt.time() else end.date() - dt.timedelta(days=1)
        last = day if last is None else max(last, day)
    return last


def _window_open(ch: FoodChallenge, doses: list[ChallengeDose], day: dt.date, zone: str | None) -> bool:
    """Whether a taken dose's observation window reaches into the patient's ``day``. Every dose time
    is UTC (clinic doses too, since 0006): the window reaches into the day when it ends after the
    day's first moment in the patient's zone; a request that does not say the zone (an app without
    ?zone=) is placed in the zone the last dose was taken in (0009), and only without that in UTC."""
    taken = [d for d in doses if d.status == "taken" and d.taken_at is not None]
    if not taken:
        return False
    obs_end = max(d.taken_at + dt.timedelta(hours=ch.observation_hours) for d in taken if d.taken_at is not None)
    last_zone = max(taken, key=lambda d: d.taken_at or dt.datetime.min).entered_zone
    return _day_start(day, zone or last_zone) < obs_end


#: what to do on a late (eczematous) reaction: the safety check asks only for immediate signs,
#: and the next, larger step was offered after a flare with no word (home walk, 2026-12-06)
FLARE_ADVICE = ("If your eczema flares, treat it as your clinic advised, log it, and tell your clinic "
                "before you take another step.")


STOPPED_FLARE_ADVICE = "If your eczema flares, treat it as your clinic advised, log it, and tell your clinic."


def _flare_advice(child: str | None) -> str:
    return (f"If {child}'s eczema flares, treat it as the clinic advised, log it, and tell the clinic "
            "before giving another step." if child else FLARE_ADVICE)


def _observe_text(food: str, child: str | None) -> str:
    return (f"Observation: log {child}'s itch and skin today (late reactions show 6-48 h after a "
            f"dose). Give {child} no other {food}. " if child else
            f"Observation: log your itch and skin today (late reactions show 6-48 h after a dose). "
            f"Do not eat any other {food}. ") + _flare_advice(child)


def _step_for(session: Session, ch: FoodChallenge, day: dt.date, zone: str | None = None,
              child: str | None = None) -> dict[str, object]:
    """The day's step in words. ``child``: the name of the child whose profile this is; its texts
    then speak to the caregiver about the child ("give Leo 1/4 cooked egg", "log Leo's day") instead
    of "eat ... and log your day", which on a child's page read as if the parent were challenged."""
    food = food_label(ch.food)
    phase = phase_on(ch, day)
    doses = _doses(session, ch)
    step: dict[str, object] = {"challenge_id": ch.id, "food": ch.food, "food_label": food, "kind": ch.kind,
                               "phase": phase, "date": day.isoformat(), "action": "none", "dose": None,
                               "next_due": None, "next_text": None}
    upcoming = [d for d in doses if d.status == "planned" and d.planned_on > day]
    if upcoming:
        nd = upcoming[0]
        step["next_due"] = nd.planned_on.isoformat()
        where = "at home" if nd.setting == "home" else "in clinic"
        step["next_text"] = f"Next step {nd.step} ({nd.amount}, {where}) is due on {_day_words(nd.planned_on)}."
    if phase == "stopped":
        step["action"], step["text"] = "stopped", f"This {food} challenge was {_lower_first(stop_words(ch, doses) or 'stopped')}."
        step["next_due"] = step["next_text"] = None
        if (ch.stop_reason or "").startswith("safety check"):
            step["guidance"] = emergency_guidance(child, _alert_reaches_a_clinician(session, ch))
        elif _window_open(ch, doses, day, zone):  # stopped early: a late reaction to the last dose can still come
            until = last_window_day(ch, doses)
            whose = f"{child}'s" if child else "your"
            # no further step: the flare advice ended "before you take another step" (h2 walk, 2026-12-07)
            step["text"] = (f"{step['text']} A late reaction to the last dose can still show until "
                            f"{_day_words(until) if until else 'the end of its window'}: keep logging {whose} "
                            f"itch and skin every day until then. " + STOPPED_FLARE_ADVICE if not child else
                            f"{step['text']} A late reaction to the last dose can still show until "
                            f"{_day_words(until) if until else 'the end of its window'}: keep logging {whose} "
                            f"itch and skin every day until then. If {child}'s eczema flares, treat it as the "
                            "clinic advised, log it, and tell the clinic.")
    elif phase == "closed":
        step["action"], step["text"] = "none", f"This {food} challenge is closed."
        step["next_due"] = step["next_text"] = None
    elif phase == "upcoming":
        first = ch.elimination_start or ch.baseline_start
        step["action"], step["text"] = "wait", (f"{child}'s {food} challenge starts on {_day_words(first)}." if child
                                                 else f"Your {food} challenge starts on {_day_words(first)}.")
        step["next_due"] = first.isoformat()
    elif phase == "elimination":
        step["action"] = "avoid"
        step["text"] = (f"Give {child} no {food} at all today (elimination until {_day_words(ch.elimination_end)}) "
                        f"and log {child}'s day as usual." if child else
                        f"Avoid {food} completely today (elimination until {_day_words(ch.elimination_end)}) "
                        "and log your day as usual.")
    elif phase == "baseline":
        step["action"] = "avoid"
        step["text"] = (f"Give {child} no {food} today; log {child}'s day as usual every day "
                        f"(baseline until {_day_words(ch.baseline_end)})." if child else
                        f"Do not eat {food} today; log your day as usual every day "
                        f"(baseline until {_day_words(ch.baseline_end)}).")
    elif phase == "reintroduction":
        today_dose = next((d for d in doses if d.planned_on <= day and d.status == "planned"), None)
        if _clinic_signs(doses):  # a reaction in clinic: no further dose is given (the page said "Step 3 is given in clinic today")
            today_dose = None
            step["next_due"] = step["next_text"] = None
        home_dose = today_dose is not None and today_dose.setting == "home"
        wait = step_wait(ch, doses, today_dose, day, zone) if home_dose and today_dose is not None else None
        dosed_today = wait is not None
        if today_dose is not None and not (home_dose and dosed_today) and (today_dose.planned_on == day or home_dose):
            step["dose"] = _dose_out(today_dose)
            held = late_hold(session, ch, doses) if today_dose.setting == "home" else []
            first_step = not any(d.status == "taken" for d in doses)
            n_base = baseline_logged(session, ch, day) if first_step and today_dose.setting == "home" else None
            if today_dose.setting == "home" and held:  # a late reaction: no further step until the clinic has looked
                step["action"], step["dose"] = "held", None
                step["held_days"] = [d.isoformat() for d in held]
                step["text"] = f"Step {today_dose.step} ({today_dose.amount}) is on hold. " + _held_text(
                    ch, doses, held, child)
                # the steps after it wait too: "Next step 3 ... is due on ..." under it read as if step 3
                # went ahead without step 2 (challenge walk, 2026-12-07)
                step["next_due"] = step["next_text"] = None
                taken = [d for d in doses if d.status == "taken"]
                if taken:
                    step["safety_dose_id"] = taken[-1].id
            elif (n_base is not None and n_base < MIN_BASELINE_DAYS and ch.kind == "home"
                  and not short_baseline_started(session, ch)):  # held: the result needs 7 food-free days
                step["action"], step["dose"] = "wait_baseline", None
                step["baseline_logged"], step["baseline_needed"] = n_base, MIN_BASELINE_DAYS
                step["text"] = baseline_wait_text(food, today_dose.step, n_base, child)
            elif today_dose.setting == "home" and ch.kind == "home" and ch.released_for_home:
                step["action"] = "dose"
                late = "" if today_dose.planned_on == day else f" (it was due on {_day_words(today_dose.planned_on)})"
                step["text"] = (f"Step {today_dose.step}{late}: give {child} {today_dose.amount} today, in the morning, "
                                f"then no other {food}, and log {child}'s day. Answer the safety check first." if child
                                else f"Step {today_dose.step}{late}: eat {today_dose.amount} today, in the morning, then do "
                                f"not eat any other {food} and log your day. Answer the safety check first.")
                if n_base is not None:  # the first step: how many baseline days are logged
                    step["baseline_logged"], step["baseline_needed"] = n_base, MIN_BASELINE_DAYS
                    if n_base < MIN_BASELINE_DAYS:  # the clinician let it start anyway
                        step["text"] += (f" Your clinic let this step start with {n_base} of the {MIN_BASELINE_DAYS} "
                                         "food-free baseline days logged." if not child else
                                         f" The clinic let this step start with {n_base} of the {MIN_BASELINE_DAYS} "
                                         f"food-free baseline days logged for {child}.")
                if any(d.status == "taken" for d in doses):  # a late reaction to the step before holds this one
                    step["text"] += (f" If {child}'s eczema has flared since the last step, do not give this one: "
                                     "tell the clinic first." if child else
                                     " If your eczema has flared since the last step, do not take this one: "
                                     "tell your clinic first.")
            else:
                step["action"] = "clinic"
                step["text"] = (f"Step {today_dose.step} ({today_dose.amount}) is given in clinic today. "
                                + (f"Give {child} no {food} at home." if child else f"Do not eat {food} at home."))
        else:
            taken = [d for d in doses if d.status == "taken" and d.taken_at is not None]
            if _window_open(ch, doses, day, zone):
                step["action"] = "observe"
                step["text"] = _observe_text(food, child)
            else:
                step["action"] = "avoid"
                step["text"] = (f"No {food} for {child} today; log {child}'s day as usual." if child
                                else f"No {food} today; log your day as usual.")
            if taken:
                step["safety_dose_id"] = taken[-1].id
            if home_dose and wait is not None and today_dose is not None:  # step_wait: the clinician's list says the same
                due = wait["due"]
                at = f", not before {wait['at']}{'' if wait['zone'] else ' UTC'}" if wait["at"] else ""
                step["next_due"] = due.isoformat()  # type: ignore[attr-defined]
                step["wait_until"] = _z(wait["until"])  # type: ignore[arg-type]
                step["next_text"] = (f"Next step {today_dose.step} ({today_dose.amount}, at home) is due on "
                                     f"{_day_words(due)}{at}: at least {wait['hours']} "  # type: ignore[attr-defined]
                                     "hours after the last dose.")
    elif _window_open(ch, doses, day, zone):  # review, but a late dose's window still runs
        step["action"] = "observe"
        step["text"] = _observe_text(food, child) + (
            " After that the clinician will review the result." if child else
            " After that your clinician will review the result.")
        taken = [d for d in doses if d.status == "taken" and d.taken_at is not None]
        step["safety_dose_id"] = taken[-1].id
    else:  # review
        step["action"] = "review"
        step["text"] = (f"All steps of the {food} challenge are done. {'The' if child else 'Your'} clinician will "
                        "review the result.")
        if (ch.verdict or {}).get("verdict") == "inconclusive" and "observation_until" not in (ch.verdict or {}):
            # evaluated, and the diary cannot decide: the page only said "will review the result" (h2 walk, 2026-12-07)
            step["text"] += (f" The diary could not show whether {food} causes {child} a reaction (the result is "
                             f"unclear): the clinic will decide what comes next, such as a challenge in clinic, and "
                             f"tell you. Until then, ask the clinic before giving {child} {food}." if child else
                             f" The diary could not show whether {food} causes you a reaction (the result is unclear): "
                             "your clinician will decide what comes next, such as a challenge in clinic, and tell "
                             f"you. Until then, ask your clinic before eating {food}.")
        if reaction_pending(ch, session):  # the food came off the avoid list when the reintroduction started
            step["text"] += (f" The diary suggests a reaction: give {child} no {food} until the clinic has reviewed "
                             "this reintroduction." if child else
                             f" The diary suggests a reaction: avoid {food} until your clinic has reviewed this "
                             "reintroduction.")
    adh = session.get(ChallengeAdherence, (ch.id, day))
    step["adherence"] = None if adh is None else {"followed": adh.followed, "note": adh.note}
    return step


def _reference_start(ch: FoodChallenge) -> dt.date:
    """The first reference day of the verdict: the baseline, and the last food-free elimination days."""
    if ch.elimination_start is None:
        return ch.baseline_start
    return max(ch.elimination_start, ch.baseline_start - dt.timedelta(days=ELIMINATION_REFERENCE_DAYS))


def baseline_logged(session: Session, ch: FoodChallenge, before: dt.date) -> int:
    """Food-free days with itch logged before ``before`` (the day of the first dose): what the verdict
    counts as its reference (at least ``MIN_BASELINE_DAYS``). Days the diary logs the food, or the
    patient said they did not follow the step, are left out with their observation windows, as in
    the verdict. Allergist walk, 2026-12-07: a patient who logged 3 of the 7 baseline days was told
    "Step 1: eat 1/4 cooked egg today" with no word, and the challenge could then give no result."""
    return len(_baseline_itch(session, ch, before))


def _baseline_itch(session: Session, ch: FoodChallenge, before: dt.date) -> dict[dt.date, int]:
    """The itch of the food-free days :func:`baseline_logged` counts, by day."""
    return _baseline_itch_many(session, [(ch, before)])[ch.id]


#: how many (patient, day range) terms one statement ORs together: SQLite's parser nests an OR
#: chain (SQLITE_MAX_EXPR_DEPTH 1000), so a clinic of thousands of running challenges is read in chunks
RANGE_CHUNK = 200


def _chunks(items: list, n: int = RANGE_CHUNK) -> list[list]:
    return [items[i:i + n] for i in range(0, len(items), n)]


def _baseline_itch_many(session: Session, items: list[tuple[FoodChallenge, dt.date]]) -> dict[int, dict[dt.date, int]]:
    """:func:`_baseline_itch` of many challenges (each with its own ``before``) in three statements
    (diary itch, the food logged, the days not followed) per ``RANGE_CHUNK`` challenges, not three
    per challenge: the clinician's panel and *Challenges* run it for every running challenge of
    every linked patient (2026-12-07)."""
    from sqlalchemy import and_, or_

    from gutskin.insights.challenges import window_days

    out: dict[int, dict[dt.date, int]] = {ch.id: {} for ch, _ in items}
    for chunk in _chunks(items):
        ranges = [(ch, _reference_start(ch), before) for ch, before in chunk]
        logged = session.execute(select(DiaryDay.patient_id, DiaryDay.day, DiaryDay.itch).where(
            DiaryDay.itch.is_not(None),
            or_(*(and_(DiaryDay.patient_id == ch.patient_id, DiaryDay.day >= start, DiaryDay.day < before)
                  for ch, start, before in ranges)))).all()
        food_days = session.execute(select(FactorValue.patient_id, Factor.name, FactorValue.day)
                                    .join(Factor, Factor.id == FactorValue.factor_id).where(
            FactorValue.value > 0,
            or_(*(and_(FactorValue.patient_id == ch.patient_id, Factor.name == ch.food, FactorValue.day >= start,
                       FactorValue.day < before) for ch, start, before in ranges)))).all()
        not_followed = session.execute(select(ChallengeAdherence.challenge_id, ChallengeAdherence.day).where(
            ChallengeAdherence.challenge_id.in_([ch.id for ch, _, _ in ranges]),
            ChallengeAdherence.followed.is_(False))).all()
        for ch, start, before in ranges:
            eaten = {d for pid, name, d in food_days if pid == ch.patient_id and name == ch.food and start <= d < before}
            eaten |= {d for cid, d in not_followed if cid == ch.id}
            left_out = eaten | window_days(sorted(eaten), window_hours=ch.observation_hours)
            out[ch.id] = {d: int(v) for pid, d, v in logged
                          if pid == ch.patient_id and start <= d < before and d not in left_out}
    return out


# ----------------------------------------------------------------------------- late reactions (2026-12-07)


def late_reactions(session: Session, ch: FoodChallenge, doses: list[ChallengeDose] | None = None) -> list:
    """The diary days in a taken dose's observation window that read as a late (eczematous)
    reaction: a flare ticked, or itch 3 or more points above the food-free baseline's mean
    (:func:`gutskin.insights.challenges.late_reaction_days`; home and clinic doses alike, each laid
    on the patient's days from the zone it was taken in)."""
    doses = _doses(session, ch) if doses is None else doses
    return _late_reactions_many(session, [(ch, doses)])[ch.id][0]


def _late_reactions_many(session: Session, items: list[tuple[FoodChallenge, list[ChallengeDose]]]
                         ) -> dict[int, tuple[list, dict[dt.date, dt.datetime | None]]]:
    """:func:`late_reactions` of many challenges in a bounded number of statements (one for the
    window days, three for the baselines, per ``RANGE_CHUNK`` challenges); with each challenge's
    window days' save times (``diary_days.updated_at``, the time a late-reaction alert is dated by)."""
    from sqlalchemy import and_, or_

    from gutskin.insights.challenges import late_reaction_days

    out: dict[int, tuple[list, dict[dt.date, dt.datetime | None]]] = {ch.id: ([], {}) for ch, _ in items}
    spans = []
    for ch, doses in items:
        local = [local_dose_time(d.taken_at, d.entered_zone) for d in doses if d.status == "taken" and d.taken_at is not None]
        if local:
            spans.append((ch, local, min(t.date() for t in local),
                          (max(local) + dt.timedelta(hours=ch.observation_hours)).date()))
    for chunk in _chunks(spans):
        rows = session.execute(select(DiaryDay.patient_id, DiaryDay.day, DiaryDay.itch, DiaryDay.flare, DiaryDay.updated_at)
                               .where(or_(*(and_(DiaryDay.patient_id == ch.patient_id, DiaryDay.day >= first,
                                                 DiaryDay.day <= last) for ch, _, first, last in chunk)))
                               .order_by(DiaryDay.patient_id, DiaryDay.day)).all()
        mine = {ch.id: [r for r in rows if r.patient_id == ch.patient_id and first <= r.day <= last]
                for ch, _, first, last in chunk}
        with_rows = [(ch, local, first) for ch, local, first, _ in chunk if mine[ch.id]]
        bases = _baseline_itch_many(session, [(ch, first) for ch, _, first in with_rows]) if with_rows else {}
        for ch, local, _ in with_rows:
            own = mine[ch.id]
            found = late_reaction_days(local, [r.day for r in own], [r.itch for r in own],
                                       [None if r.flare is None else bool(r.flare) for r in own],
                                       list(bases[ch.id].values()), window_hours=float(ch.observation_hours))
            out[ch.id] = (found, {r.day: r.updated_at for r in own})
    return out


def _late_alerts(session: Session, ch: FoodChallenge) -> list[ChallengeAlert]:
    return list(session.scalars(select(ChallengeAlert).where(
        ChallengeAlert.challenge_id == ch.id, ChallengeAlert.kind.like(LATE_PREFIX + "%")).order_by(ChallengeAlert.id)).all())


def add_alert_once(session: Session, challenge_id: int, patient_id: int, kind: str, symptoms: list,
                   created_at: dt.datetime | None = None, acknowledged_at: dt.datetime | None = None,
                   acknowledged_by_user_id: int | None = None) -> int | None:
    """Insert an alert unless the challenge has one of that kind (``uq_challenge_alerts_challenge_kind``,
    migration 0019): ``INSERT ... ON CONFLICT DO NOTHING``, so of two reads that write the same
    late-reaction alert at once the one that loses writes nothing and is not an error (on
    PostgreSQL the second insert waits for the first transaction and then finds the conflict; on
    SQLite writers take turns). Returns the new alert's id, or None when it existed."""
    from gutskin.store.upsert import _insert

    table = ChallengeAlert.__table__
    stmt = _insert(session)(table).values(
        challenge_id=challenge_id, patient_id=patient_id, kind=kind, symptoms=symptoms,
        created_at=created_at or utcnow(), acknowledged_at=acknowledged_at, acknowledged_by_user_id=acknowledged_by_user_id)
    session.flush()
    return session.scalar(stmt.on_conflict_do_nothing(index_elements=[table.c.challenge_id, table.c.kind])
                          .returning(table.c.id))


def check_late_reactions(session: Session, patient_ids: list[int]) -> int:
    """Write a late-reaction alert (``challenge_alerts``, kind ``late_reaction``) for every day in a
    dose's observation window of a running challenge that reads as a late reaction and has none yet
    (one alert per challenge and day, however often the day is saved or the check runs). Returns
    how many were written.

    Where it runs (2026-12-07): where steps and alerts are computed -- the patient's steps (page and
    ``GET /me/challenges``), a challenge read (the clinician's challenge page, ``GET /challenges/{id}``),
    the clinician's alerts (the panel, *Challenges*, ``GET /clinician/challenge-alerts``) and the
    sharing page's count -- not where the diary is written. A day reaches the diary by the page, the
    API, a CSV import or a FHIR bundle; checking at the reads covers them all at once, and every place
    an alert is shown or a step offered runs the check first, so none shows a diary it has not checked.
    The diary write stays within its budget (tests/foundation/test_write_path.py: at most five
    statements; the check costs one query with no running challenge, and a fixed number however
    many are running: the clinician's panel ran five or more per running challenge before). Each
    alert is audited as made by the check (``LATE_CHECK``), not by whoever read.

    The alert's ``created_at`` is when the diary day that shows the reaction was saved
    (``diary_days.updated_at`` as the check reads it), not when the check first ran: a flare saved
    at 07:10 and found when the clinician opened the panel at 15:00 said 15:00 (2026-12-07). Two
    checks at once write it once (:func:`add_alert_once`)."""
    if not patient_ids:
        return 0
    chs = session.scalars(select(FoodChallenge).where(
        FoodChallenge.patient_id.in_(patient_ids), FoodChallenge.status.in_(OPEN_STATUSES),
        FoodChallenge.outcome.is_(None)).order_by(FoodChallenge.id)).all()
    if not chs:
        return 0
    doses_of: dict[int, list[ChallengeDose]] = {c.id: [] for c in chs}
    for dose in session.scalars(select(ChallengeDose).where(ChallengeDose.challenge_id.in_(list(doses_of)))
                                .order_by(ChallengeDose.step, ChallengeDose.id)).all():
        doses_of[dose.challenge_id].append(dose)
    chs = [c for c in chs if any(d.status == "taken" for d in doses_of[c.id])]
    if not chs:
        return 0
    todays = zones.patients_today(session, sorted({c.patient_id for c in chs}))
    # long finished: the verdict reads those days
    chs = [c for c in chs if todays[c.patient_id] <= observation_end(c, doses_of[c.id]) + dt.timedelta(days=LATE_CHECK_DAYS_AFTER)]
    found = _late_reactions_many(session, [(c, doses_of[c.id]) for c in chs])
    chs = [c for c in chs if found[c.id][0]]
    if not chs:
        return 0
    have: dict[int, set[dt.date | None]] = {c.id: set() for c in chs}
    for cid, kind in session.execute(select(ChallengeAlert.challenge_id, ChallengeAlert.kind).where(
            ChallengeAlert.challenge_id.in_(list(have)), ChallengeAlert.kind.like(LATE_PREFIX + "%"))).all():
        have[cid].add(alert_day(kind))
    made = 0
    for ch in chs:
        signs, saved = found[ch.id]
        for sign in signs:
            if sign.day in have[ch.id]:
                continue
            alert_id = add_alert_once(session, ch.id, ch.patient_id, LATE_PREFIX + sign.day.isoformat(), list(sign.signs),
                                      created_at=saved.get(sign.day))
            have[ch.id].add(sign.day)
            if alert_id is None:  # another read wrote it a moment ago
                continue
            audit.record(session, LATE_CHECK, ch.patient_id, "create", "challenge_alert", alert_id)
            made += 1
    return made


def late_hold(session: Session, ch: FoodChallenge, doses: list[ChallengeDose] | None = None) -> list[dt.date]:
    """The days of late-reaction alerts no clinician has acknowledged yet, plus window days that read
    as a late reaction and have no alert yet (a read that could not write one): while any is left,
    the next dose step is held (home steps are not offered and ``take_dose`` refuses; a clinic dose
    is refused). Acknowledging the alert (``acknowledge_alert``) or stopping the challenge ends it."""
    alerts = _late_alerts(session, ch)
    held = {alert_day(a.kind) for a in alerts if a.acknowledged_at is None}
    known = {alert_day(a.kind) for a in alerts}
    held |= {x.day for x in late_reactions(session, ch, doses) if x.day not in known}
    return sorted(d for d in held if d is not None)


def _held_text(ch: FoodChallenge, doses: list[ChallengeDose], held: list[dt.date], child: str | None) -> str:
    """The patient's (or parent's) words for a step held by a late reaction."""
    food = food_label(ch.food)
    taken = [d for d in doses if d.status == "taken"]
    after = f" after step {max(d.step for d in taken)}" if taken else ""
    days = ", ".join(_day_words(d) for d in held)
    whose = f"{child}'s diary" if child else "Your diary"
    return (f"{whose} shows a flare or a clear worsening of the eczema on {days}{after}: this can be a late "
            f"reaction to {food}. The next step is on hold until the clinic has reviewed it; "
            + ("the clinic has been alerted. " if child else "your clinic has been alerted. ")
            + (f"Give {child} no {food} until then. " if child else f"Do not eat {food} until then. ")
            + _flare_advice(child))


def short_baseline_started(session: Session, ch: FoodChallenge) -> bool:
    """Whether a linked clinician let the first step start with fewer than ``MIN_BASELINE_DAYS``
    baseline days logged (:func:`start_with_short_baseline`)."""
    return session.scalar(select(ChallengeAlert.id).where(
        ChallengeAlert.challenge_id == ch.id, ChallengeAlert.kind == SHORT_BASELINE_START).limit(1)) is not None


def baseline_wait_text(food: str, step_no: int, n: int, child: str | None) -> str:
    """The first step held for a baseline with too few logged days (2026-12-07; it was offered with a warning)."""
    if child:
        return (f"Step {step_no} waits: only {n} of the {MIN_BASELINE_DAYS} food-free days the result needs are "
                f"logged for {child}, and without them the challenge cannot give a result. Give {child} no {food}; "
                f"log {child}'s day every day: the step is offered once {MIN_BASELINE_DAYS} are logged (a step can "
                "be given late), or when the clinic extends the baseline or lets the step start.")
    return (f"Step {step_no} waits: only {n} of the {MIN_BASELINE_DAYS} food-free days the result needs are logged, "
            f"and without them the challenge cannot give a result. Do not eat {food}; log your day every day: the "
            f"step is offered once {MIN_BASELINE_DAYS} are logged (a step can be taken late), or when your clinic "
            "extends the baseline or lets the step start.")


def held_steps(session: Session, actor: Actor, patient_id: int, day: dt.date, zone: str | None = None) -> list[dict[str, object]]:
    """The steps of :func:`today_steps` held by a late reaction, for the diary page after a save
    (2026-12-07); no reading (and no audit row) for a patient with no challenge in progress."""
    patient_for_read(session, actor, patient_id)
    running = session.scalar(select(FoodChallenge.id).where(
        FoodChallenge.patient_id == patient_id, FoodChallenge.status.in_(OPEN_STATUSES)).limit(1))
    if running is None:
        return []
    return [st for st in today_steps(session, actor, patient_id, day, zone) if st.get("action") == "held"]


def today_steps(session: Session, actor: Actor, patient_id: int, day: dt.date | None = None,
                zone: str | None = None) -> list[dict[str, object]]:
    """The patient's step for each open challenge on ``day`` (default today), with the safety check.

    ``zone``: the patient's IANA time zone (their page's), which places their day on the UTC dose
    times (an observation window ending at 09:00 in Auckland still covers that Auckland day);
    unknown: the zone the last dose was taken in, else the day is taken as a UTC day."""
    patient = patient_for_read(session, actor, patient_id)
    child = (patient.display_name or "your child") if patient.relationship == "child" else None
    if zone:
        zone_info(zone)
    day = day or zones.patient_today(session, patient_id, zone)
    rows = session.scalars(select(FoodChallenge).where(
        FoodChallenge.patient_id == patient_id, FoodChallenge.status.in_((*OPEN_STATUSES, "stopped")))
        .order_by(FoodChallenge.id)).all()
    audit.record(session, actor, patient_id, "read", "challenge_steps", day.isoformat())
    check_late_reactions(session, [patient_id])  # a day logged in a way that did not check (a FHIR bundle)
    out = []
    for ch in rows:
        if ch.status == "stopped" and ch.stopped_at and (utcnow() - ch.stopped_at) > dt.timedelta(days=14):
            continue
        out.append(_step_for(session, ch, day, zone, child))
    return out


def log_adherence(session: Session, actor: Actor, challenge_id: int, day: dt.date | None, followed: bool,
                  note: str = "") -> dict[str, object]:
    """The patient says whether they followed the day's step (avoid the food, or the dose as planned).
    ``day`` None: the patient's today (the profile's zone; a page without JavaScript)."""
    ch = _challenge(session, actor, challenge_id, "owner")
    day = day or zones.patient_today(session, ch.patient_id)
    if ch.status not in OPEN_STATUSES:
        raise InvalidInput("status: this challenge is not running")
    first = ch.elimination_start or ch.baseline_start
    last = observation_end(ch, _doses(session, ch))  # a late step's observation days too
    if not first <= day <= last or day > _today() + dt.timedelta(days=1):  # +1: zones ahead of the server
        raise InvalidInput("date: outside this challenge's days, or in the future")
    if len(note or "") > 500:
        raise InvalidInput("note: at most 500 characters")
    row = session.get(ChallengeAdherence, (ch.id, day))
    if row is None:
        row = ChallengeAdherence(challenge_id=ch.id, day=day, followed=bool(followed))
        session.add(row)
    row.followed = bool(followed)
    row.note = (note or "").strip()
    row.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, ch.patient_id, "update", "challenge_adherence", f"{ch.id}:{day.isoformat()}")
    return {"challenge_id": ch.id, "day": day.isoformat(), "followed": row.followed, "note": row.note}


def _check_symptoms(symptoms: dict[str, bool] | list[str]) -> list[str]:
    """Validate the safety answers; every question must be answered (True / False)."""
    if isinstance(symptoms, list):
        unknown = [s for s in symptoms if s not in SAFETY_SYMPTOMS]
        if unknown:
            raise InvalidInput(f"symptoms: unknown {', '.join(map(str, unknown))}")
        return sorted(set(symptoms))
    missing = [k for k in SAFETY_SYMPTOMS if k not in symptoms]
    unknown = [k for k in symptoms if k not in SAFETY_SYMPTOMS]
    if unknown:
        raise InvalidInput(f"safety: unknown question {', '.join(unknown)}")
    if missing:
        raise InvalidInput(f"safety: answer every question ({', '.join(missing)} missing)")
    return sorted(k for k, v in symptoms.items() if v)


def _stop_for_safety(session: Session, actor: Actor, ch: FoodChallenge, present: list[str],
                     dose: ChallengeDose | None) -> dict[str, object]:
    now = utcnow()
    ch.status = "stopped"
    ch.stopped_at = now
    ch.stop_reason = "safety check: " + ", ".join(present)
    ch.updated_at = now
    if dose is not None and dose.status == "planned":
        dose.status = "stopped"
    elif dose is not None:  # signs after a dose already taken: the dose's own row says so, not only the alert
        safety = dict(dose.safety or {})
        safety["checks"] = [*safety.get("checks", []), {"at": now.isoformat(timespec="minutes"), "symptoms": present}]
        dose.safety = safety
        dose.updated_at = now
    for d in _doses(session, ch):
        if d.status == "planned":
            d.status = "skipped"
    # one safety stop per challenge (0019): a second stop sent at the same moment keeps the first alert
    alert_id = add_alert_once(session, ch.id, ch.patient_id, SAFETY_STOP, present, created_at=now)
    audit.record(session, actor, ch.patient_id, "stop", "food_challenge", ch.id)
    if alert_id is None:
        alert_id = session.scalar(select(ChallengeAlert.id).where(ChallengeAlert.challenge_id == ch.id,
                                                                  ChallengeAlert.kind == SAFETY_STOP))
    else:
        audit.record(session, actor, ch.patient_id, "create", "challenge_alert", alert_id)
    return {"stopped": True, "challenge_id": ch.id, "symptoms": present,
            "symptom_labels": [SAFETY_SYMPTOMS[s] for s in present],
            "guidance": emergency_guidance(_child_name(session, ch.patient_id)),
            "alert_id": alert_id}


def take_dose(session: Session, actor: Actor, challenge_id: int, dose_id: int, safety: dict[str, bool],
              taken_at: dt.datetime | None = None, today: dt.date | None = None,
              zone: str | None = None) -> dict[str, object]:
    """The patient takes today's home dose; the safety check comes first and any symptom stops everything.

    Home doses are only offered for foods the clinician released for home reintroduction.
    ``today`` is the patient's date (the page's time zone, the app's date); default the server's.
    ``taken_at``: an instant with its offset, or a naive time -- the wall time in ``zone`` when
    that is given (a time the zone skips or passes twice refused), else UTC; default now.
    ``zone``: where the patient is (the page's browser zone, the app's IANA zone); stored with the
    dose (``entered_zone``, migration 0009) so the verdict lays its reaction window on the
    patient's own days. Without it, the offset of ``taken_at`` ("UTC+13:00"); without either the
    zone is not known and the dose is read as UTC (as every home dose was before 0009).
    """
    ch = _challenge(session, actor, challenge_id, "owner")
    present = _check_symptoms(safety)
    dose = session.get(ChallengeDose, dose_id)
    if dose is None or dose.challenge_id != ch.id:
        raise NotFound("dose not found")
    if ch.status not in OPEN_STATUSES:
        raise InvalidInput("status: this challenge is not running")
    if present:
        return _stop_for_safety(session, actor, ch, present, dose)
    if ch.kind != "home" or not ch.released_for_home or dose.setting != "home":
        raise Forbidden("this food was not released for home reintroduction; doses are given in clinic")
    today = _patients_day(today, session, ch.patient_id, zone)
    if dose.status != "planned":
        raise Conflict("dose: this step is already recorded")
    if dose.planned_on > today:
        raise InvalidInput(f"dose: step {dose.step} is planned for {_day_words(dose.planned_on)}, not today")
    if today > ch.reintroduction_end:
        raise InvalidInput("dose: the reintroduction period is over; ask your clinician")
    all_doses = _doses(session, ch)
    if any(d.step < dose.step and d.status == "planned" for d in all_doses):
        raise InvalidInput("dose: an earlier step has not been taken")
    held = late_hold(session, ch, all_doses)
    if held:  # a late reaction to the step before: the clinic reviews it first (2026-12-07)
        raise InvalidInput(f"dose: step {dose.step} is on hold: a flare or clear worsening was logged on "
                           f"{', '.join(_day_words(d) for d in held)}, after the last step (a possible late reaction); "
                           "the clinic has been alerted and must review it before the next step")
    if not any(d.status == "taken" for d in all_doses) and not short_baseline_started(session, ch):
        n = baseline_logged(session, ch, today)
        if n < MIN_BASELINE_DAYS:  # the result needs 7 food-free days before the first dose (held since 2026-12-07)
            raise InvalidInput(f"dose: step {dose.step} waits for the baseline: {n} of the {MIN_BASELINE_DAYS} "
                               f"food-free baseline days are logged and {MIN_BASELINE_DAYS} are needed before the "
                               "first step; log every day, or ask the clinic to extend the baseline or let the step "
                               "start")
    now = utcnow()
    when, where = home_instant(taken_at, zone)
    when = when or now
    if not now - dt.timedelta(hours=24) <= when <= now + dt.timedelta(minutes=10):
        raise InvalidInput("taken_at: expected a time within the last 24 hours")
    last = max((d.taken_at for d in all_doses if d.taken_at is not None), default=None)
    wait = hours_before_step(ch, all_doses, dose)
    if last is not None and when - last < dt.timedelta(hours=wait):
        raise InvalidInput(f"dose: wait at least {wait} hours after the last dose (a late reaction to it "
                           "shows 6-48 h after it)")
    dose.status = "taken"
    dose.taken_at = when
    dose.entered_zone = where
    dose.time_note = ""
    dose.safety = {"before": {k: False for k in SAFETY_SYMPTOMS}, "checks": []}
    dose.recorded_by_user_id = actor.user_id
    dose.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, ch.patient_id, "take", "challenge_dose", dose.id)
    zones.remember(session, actor, session.get(Patient, ch.patient_id), zone)  # an IANA zone only: the profile's days
    return {"stopped": False, "challenge_id": ch.id, "dose": _dose_out(dose),
            "next": "Check again in 2 hours and tomorrow: any hives, swelling, breathing trouble, vomiting or "
                    "faintness means stop and get help."}


def safety_check(session: Session, actor: Actor, challenge_id: int, symptoms: list[str] | dict[str, bool],
                 dose_id: int | None = None) -> dict[str, object]:
    """A safety check after a dose (or any time during the challenge); any symptom stops it at once."""
    ch = _challenge(session, actor, challenge_id, "owner")
    present = _check_symptoms(symptoms)
    if ch.status not in OPEN_STATUSES:
        raise InvalidInput("status: this challenge is not running")
    dose = None
    if dose_id is not None:
        dose = session.get(ChallengeDose, dose_id)
        if dose is None or dose.challenge_id != ch.id:
            raise NotFound("dose not found")
    if present:
        return _stop_for_safety(session, actor, ch, present, dose)
    if dose is not None:
        safety = dict(dose.safety or {})
        safety["checks"] = [*safety.get("checks", []), {"at": utcnow().isoformat(timespec="minutes"), "symptoms": []}]
        dose.safety = safety
        dose.updated_at = utcnow()
    audit.record(session, actor, ch.patient_id, "check", "food_challenge", ch.id)
    return {"stopped": False, "challenge_id": ch.id, "symptoms": []}


def stop_challenge(session: Session, actor: Actor, challenge_id: int, reason: str) -> dict[str, object]:
    """Stop a running challenge (the patient may always stop; so may the linked clinician)."""
    ch = _challenge(session, actor, challenge_id, "stop")
    if not actor.is_system and actor.role == "clinician":
        _linked_clinician(session, actor, ch.patient_id)
    elif not actor.is_system:
        patient_for_entry(session, actor, ch.patient_id)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("reason: say why the challenge is stopped")
    if (ch.status == "stopped" and (ch.stop_reason or "") == reason[:2000] and ch.stopped_at is not None
            and ch.stopped_at >= utcnow() - SAME_OUTCOME_WINDOW and _did_lately(session, actor, ch, "stop", "food_challenge")):
        # the same stop sent again (its answer lost on a bad connection; the page sends it with fetch since
        # 2026-12-07): nothing new is written, the answer is the first one's (it was "this challenge is not running")
        audit.record(session, actor, ch.patient_id, "read", "food_challenge", ch.id)
        return _out(session, ch)
    if ch.status not in OPEN_STATUSES:
        raise InvalidInput("status: this challenge is not running")
    ch.status = "stopped"
    ch.stop_reason = reason[:2000]
    ch.stopped_at = utcnow()
    ch.updated_at = utcnow()
    for d in _doses(session, ch):
        if d.status == "planned":
            d.status = "skipped"
    audit.record(session, actor, ch.patient_id, "stop", "food_challenge", ch.id)
    return _out(session, ch)


ENDED_SHARING_REASON = ("sharing with the supervising clinician ended: take no further doses at home "
                        "until a clinician plans the challenge again")


def open_challenges_with(session: Session, patient_id: int, clinician_user_id: int) -> list[FoodChallenge]:
    """Running challenges of a patient supervised by one clinician."""
    return list(session.scalars(
        select(FoodChallenge).where(FoodChallenge.patient_id == patient_id,
                                    FoodChallenge.clinician_user_id == clinician_user_id,
                                    FoodChallenge.status.in_(OPEN_STATUSES))
    ).all())


def stop_for_ended_sharing(session: Session, actor: Actor, patient_id: int, clinician_user_id: int) -> int:
    """Stop the challenges a clinician supervised when the patient ends sharing with them.

    Revoking is the patient's right and is never blocked; but a home reintroduction nobody can
    see -- no clinician reads its safety alerts -- must not go on. Called by
    :func:`gutskin.clinic.sharing.revoke` in the same transaction. Returns how many stopped."""
    if has_active_consent(session, patient_id, clinician_user_id):
        return 0  # still linked through another consent
    stopped = open_challenges_with(session, patient_id, clinician_user_id)
    for ch in stopped:
        ch.status = "stopped"
        ch.stop_reason = ENDED_SHARING_REASON
        ch.stopped_at = ch.updated_at = utcnow()
        for d in _doses(session, ch):
            if d.status == "planned":
                d.status = "skipped"
        audit.record(session, actor, patient_id, "stop", "food_challenge", ch.id)
    return len(stopped)


# ----------------------------------------------------------------------------- clinic side


FUTURE_SLACK = dt.timedelta(minutes=10)  # clocks of a phone, a PC and the server disagree by a few minutes


def zone_label(moment: dt.datetime, zone: str | None = None) -> str:
    """The name of the zone a time was typed in: the IANA ``zone`` when given, else the time's own
    offset ("UTC", "UTC+09:00", "UTC-05:30")."""
    if zone:
        return zone
    off = moment.utcoffset() or dt.timedelta(0)
    if not off:
        return "UTC"
    sign, off = ("-", -off) if off < dt.timedelta(0) else ("+", off)
    minutes = int(off.total_seconds() // 60)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def zone_info(name: str) -> ZoneInfo:
    """The IANA zone ``name``; an unknown or malformed name is refused naming the field ``zone``."""
    try:
        if not name or len(name) > 64:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInput("zone: not a known time zone name (an IANA name like Europe/Berlin or "
                           "America/Los_Angeles)") from None


_OFFSET_LABEL = re.compile(r"UTC([+-])(\d\d):(\d\d)")


def stored_zone(name: str | None) -> dt.tzinfo:
    """The zone a stored dose time was entered in (``entered_zone``): an IANA name, or the fixed
    offsets :func:`zone_label` writes ("UTC", "UTC+13:00", "UTC-05:30"); None (a home dose taken
    before migration 0009, or sent without any zone) and a name this machine does not know: UTC."""
    if not name or name == "UTC":
        return dt.UTC
    m = _OFFSET_LABEL.fullmatch(name)
    if m:
        off = dt.timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
        return dt.timezone(-off if m.group(1) == "-" else off) if off < dt.timedelta(hours=24) else dt.UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return dt.UTC


def local_dose_time(taken_at: dt.datetime, entered_zone: str | None) -> dt.datetime:
    """A dose's time (naive UTC, as stored) as the patient's wall clock in the zone it was taken in
    (naive): the time the verdict lays its reaction window on the diary's days, which are the
    patient's own dates. A dose without a zone stays UTC."""
    try:
        return taken_at.replace(tzinfo=dt.UTC).astimezone(stored_zone(entered_zone)).replace(tzinfo=None)
    except (OverflowError, ValueError):  # the calendar's ends
        return taken_at


def home_instant(taken_at: dt.datetime | None, zone: str | None) -> tuple[dt.datetime | None, str | None]:
    """A home dose time as (naive UTC, or None for "now"; the zone to keep with it, or None).

    ``zone``: an IANA name (or a fixed "UTC+13:00"), refused naming ``zone`` when unknown. An aware
    ``taken_at`` is that instant (its offset is the zone when no ``zone`` is given); a naive one
    is the wall time in ``zone``, else UTC (as before migration 0009)."""
    tz: dt.tzinfo | None = None
    if zone:
        zone = zone.strip()
        m = _OFFSET_LABEL.fullmatch(zone)
        if m and (int(m.group(2)) > 23 or int(m.group(3)) > 59):
            raise InvalidInput("zone: an offset is UTC+HH:MM with HH below 24 and MM below 60 (like UTC+13:00)")
        tz = stored_zone(zone) if m or zone == "UTC" else zone_info(zone)
    if taken_at is None:
        return None, zone or None
    if taken_at.tzinfo is None or taken_at.utcoffset() is None:
        if tz is None:
            return taken_at.replace(tzinfo=None), None
        if isinstance(tz, ZoneInfo):
            try:
                taken_at = wall_time_in(taken_at.replace(tzinfo=None), tz, "taken_at",
                                        "give the time with its UTC offset, or a time outside the part that repeats")
            except ValueError as exc:
                raise InvalidInput(str(exc)) from None
        else:
            taken_at = taken_at.replace(tzinfo=tz)
    try:
        utc = taken_at.astimezone(dt.UTC).replace(tzinfo=None)
    except (OverflowError, ValueError):
        raise InvalidInput("taken_at: that date and time is out of range") from None
    return utc, zone or zone_label(taken_at)


def clinic_instant(given_at: dt.datetime, zone: str | None = None) -> tuple[dt.datetime, dt.datetime, str]:
    """A clinic dose time as (naive UTC to store, the wall time where it was given, the zone's name).

    ``given_at`` with an offset is that instant (``zone``, when given, then names the clinic's zone
    and gives the local date); a naive ``given_at`` is the wall-clock time in ``zone`` (an IANA
    name), a wall time the zone skips or passes twice refused. A naive time without a zone is
    refused: whether "09:00" meant UTC or the clinic's clock cannot be told (it was stored as the
    clinic's wall clock until migration 0006, home doses as UTC, so one column held two meanings).
    """
    tz = zone_info(zone) if zone else None
    if given_at.tzinfo is None or given_at.utcoffset() is None:
        if tz is None:
            raise InvalidInput("given_at: add the zone offset (like 2026-12-01T09:30-08:00) or give the zone (like "
                               "America/Los_Angeles); a time without either is ambiguous")
        try:
            given_at = wall_time_in(given_at.replace(tzinfo=None), tz, "given_at",
                                    "give the time with its UTC offset, or a time outside the part that repeats")
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
    try:
        utc = given_at.astimezone(dt.UTC).replace(tzinfo=None)
        local = given_at.astimezone(tz) if tz is not None else given_at
    except (OverflowError, ValueError):  # 0001-01-01T00:00+01:00 is before year 1 in UTC
        raise InvalidInput("given_at: that date and time is out of range") from None
    return utc, local, zone_label(local, zone)


def record_supervised_dose(session: Session, actor: Actor, challenge_id: int, step: int, given_at: dt.datetime,
                           amount: str, symptoms: str = "", reactions: list[str] | None = None,
                           zone: str | None = None) -> dict[str, object]:
    """The clinic records one dose given under supervision (time, amount, symptoms seen).

    ``given_at``: when the dose was given, with its offset or a ``zone`` (see :func:`clinic_instant`,
    checked after who asks, so a stranger's bare time is still "not found"); stored as
    naive UTC like a home dose, with the zone it was typed in (``entered_zone``). The clinic's
    own date of that moment must lie in the reintroduction period; a time in the future is refused.
    """
    require_role(actor, "clinician")
    ch = _challenge(session, actor, challenge_id, "clinician")
    if ch.kind != "supervised":
        raise InvalidInput("kind: only supervised challenges have clinic doses")
    if ch.status not in OPEN_STATUSES:
        raise InvalidInput("status: this challenge is not running")
    if not (amount or "").strip() or len(amount) > 120 or len(symptoms or "") > 2000:
        raise InvalidInput("amount: say how much was given (at most 120 characters); symptoms at most 2000")
    same = _same_dose(session, actor, ch, step, given_at, zone, amount, symptoms, reactions)
    if same is not None:
        # the same dose sent again (its answer lost on a bad connection; the page sends it with fetch since
        # 2026-12-07): nothing new is written or audited as a change, the answer is the first one's
        audit.record(session, actor, ch.patient_id, "read", "challenge_dose", same.id)
        return _dose_out(same)
    utc, local, where = clinic_instant(given_at, zone)
    now = utcnow()
    if utc > now + FUTURE_SLACK:
        there = now.replace(tzinfo=dt.UTC).astimezone(local.tzinfo)
        raise InvalidInput(f"given_at: {local:%Y-%m-%d %H:%M} ({where}) is in the future; it is "
                           f"{there:%Y-%m-%d %H:%M} there now")
    if not ch.reintroduction_start <= local.date() <= ch.reintroduction_end:
        # before the reintroduction a dose spoils the food-free baseline (and a date years back is a typo);
        # a dose given anyway, or a reaction, is recorded by stopping the challenge with the reason
        raise InvalidInput(f"given_at: doses of this plan are given from {_day_words(ch.reintroduction_start)} to "
                           f"{_day_words(ch.reintroduction_end)}; if a dose was given outside that time, stop the "
                           "challenge and write what happened in the reason")
    present = _check_symptoms(reactions or [])
    earlier = [(n, keys) for n, keys in _clinic_signs(_doses(session, ch)) if n != step]  # the same step: a correction
    if earlier:
        raise InvalidInput(f"step: objective signs were recorded at {_signs_words(earlier)}; give no further dose: "
                           "record the immediate outcome (positive, or stopped with the reason); a dose given anyway "
                           "goes in the stopping reason")
    dose = session.scalar(select(ChallengeDose).where(ChallengeDose.challenge_id == ch.id, ChallengeDose.step == step))
    if dose is None or dose.status != "taken":  # a new step, not the correction of one recorded
        held = late_hold(session, ch)
        if held:
            raise InvalidInput(f"step: a flare or clear worsening was logged on {', '.join(_day_words(d) for d in held)} "
                               "after an earlier dose (a possible late reaction): review it and acknowledge its alert "
                               "before the next dose")
    if dose is None:
        dose = ChallengeDose(challenge_id=ch.id, step=step, planned_on=local.date(), amount=amount.strip(),
                             setting="clinic")
        session.add(dose)
    dose.amount = amount.strip()
    dose.status = "taken"
    dose.taken_at = utc
    dose.entered_zone = where
    dose.time_note = ""
    dose.symptoms = (symptoms or "").strip()
    dose.safety = {"reactions": present}
    dose.recorded_by_user_id = actor.user_id
    dose.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, ch.patient_id, "record", "challenge_dose", dose.id)
    return _dose_out(dose)


def record_supervised_outcome(session: Session, actor: Actor, challenge_id: int, immediate_outcome: str,
                              notes: str = "", stop_reason: str = "") -> dict[str, object]:
    """Immediate outcome of the clinic session; positive or stopped ends the challenge, negative goes on to home observation."""
    require_role(actor, "clinician")
    ch = _challenge(session, actor, challenge_id, "clinician")
    if ch.kind != "supervised":
        raise InvalidInput("kind: only supervised challenges have a clinic outcome")
    if immediate_outcome not in IMMEDIATE_OUTCOMES:
        raise InvalidInput(f"immediate_outcome: expected one of {', '.join(IMMEDIATE_OUTCOMES)}")
    if _same_immediate_outcome(session, actor, ch, immediate_outcome, notes, stop_reason):
        # the same immediate outcome sent again (its answer lost on a bad connection; the page sends it with fetch
        # since 2026-12-07): nothing new is written; a positive or stopped one was refused "not running"
        audit.record(session, actor, ch.patient_id, "read", "food_challenge", ch.id)
        return _out(session, ch)
    if ch.status not in OPEN_STATUSES:
        raise InvalidInput("status: this challenge is not running")
    if immediate_outcome in ("positive", "stopped") and not (stop_reason or notes or "").strip():
        raise InvalidInput("stop_reason: say why the challenge was stopped")
    signs = _clinic_signs(_doses(session, ch))
    if signs and immediate_outcome in ("negative", "incomplete"):
        raise InvalidInput(f"immediate_outcome: objective signs were recorded at {_signs_words(signs)}; the outcome "
                           "is positive (or stopped, with the reason); if a sign was ticked by mistake, record "
                           "that step again without it")
    ch.immediate_outcome = immediate_outcome
    ch.immediate_notes = (notes or "").strip()[:4000]
    if immediate_outcome in ("positive", "stopped"):
        ch.status = "stopped"
        ch.stop_reason = (stop_reason or notes).strip()[:2000]
        ch.stopped_at = utcnow()
        for d in _doses(session, ch):
            if d.status == "planned":
                d.status = "skipped"
    ch.updated_at = utcnow()
    audit.record(session, actor, ch.patient_id, "record", "challenge_outcome", ch.id)
    return _out(session, ch)


def _did_lately(session: Session, actor: Actor, ch: FoodChallenge, action: str, object_type: str,
                object_id: int | None = None) -> bool:
    """Whether ``actor`` made the audited change ``action`` on ``object_type`` (the challenge, or ``object_id``)
    within :data:`SAME_OUTCOME_WINDOW` (2026-12-07: a resend of the same form is then that change again)."""
    return session.scalar(select(AuditEvent.id).where(
        AuditEvent.patient_id == ch.patient_id, AuditEvent.action == action, AuditEvent.object_type == object_type,
        AuditEvent.object_id == str(ch.id if object_id is None else object_id),
        AuditEvent.actor_user_id == actor.user_id, AuditEvent.at >= utcnow() - SAME_OUTCOME_WINDOW).limit(1)) is not None


def _same_dose(session: Session, actor: Actor, ch: FoodChallenge, step: int, given_at: dt.datetime, zone: str | None,
               amount: str, symptoms: str, reactions: list[str] | None) -> ChallengeDose | None:
    """The clinic dose of ``step`` that ``actor`` recorded within :data:`SAME_OUTCOME_WINDOW`, if it is this one
    (time, amount, symptoms seen and objective signs as sent), else None (2026-12-07)."""
    dose = session.scalar(select(ChallengeDose).where(ChallengeDose.challenge_id == ch.id, ChallengeDose.step == step))
    if (dose is None or dose.status != "taken" or dose.recorded_by_user_id != actor.user_id or dose.updated_at is None
            or dose.updated_at < utcnow() - SAME_OUTCOME_WINDOW):
        return None
    try:
        utc, _local, where = clinic_instant(given_at, zone)
    except (InvalidInput, ValueError):
        return None
    if (dose.taken_at != utc or (dose.entered_zone or "") != (where or "") or dose.amount != (amount or "").strip()
            or (dose.symptoms or "") != (symptoms or "").strip()
            or sorted((dose.safety or {}).get("reactions") or []) != sorted(set(reactions or []))):
        return None
    return dose if _did_lately(session, actor, ch, "record", "challenge_dose", dose.id) else None


def _same_immediate_outcome(session: Session, actor: Actor, ch: FoodChallenge, immediate_outcome: str, notes: str,
                            stop_reason: str) -> bool:
    """The immediate outcome (``notes``, ``stop_reason``) is the one ``actor`` recorded within
    :data:`SAME_OUTCOME_WINDOW` and the challenge still stands as it left it (2026-12-07)."""
    if ch.immediate_outcome != immediate_outcome or (ch.immediate_notes or "") != (notes or "").strip()[:4000]:
        return False
    if immediate_outcome in ("positive", "stopped") and (
            ch.status != "stopped" or (ch.stop_reason or "") != (stop_reason or notes or "").strip()[:2000]):
        return False
    return _did_lately(session, actor, ch, "record", "challenge_outcome")


def nothing_to_evaluate(ch: FoodChallenge, doses: list[ChallengeDose]) -> str | None:
    """Why the diary cannot be evaluated yet (None: it can). The verdict compares the itch in the
    observation windows after the doses with the baseline: before a dose is taken there is nothing
    to compare. Until 2026-12-07 a plan not yet started offered "Evaluate from the diary" and stored
    a verdict ("not enough data") for a challenge in which nothing had been eaten."""
    if any(d.status == "taken" for d in doses):
        return None
    if ch.status == "stopped" and ((ch.stop_reason or "").startswith("safety check") or ch.immediate_outcome == "positive"):
        return None  # an immediate reaction at the safety check decides the verdict (reaction likely)
    if ch.status == "stopped":
        return ("this challenge stopped before any dose was taken, so there is no reaction to evaluate; "
                "record the outcome (with the reason) or plan the challenge again")
    first = next((d for d in doses if d.status == "planned"), None)
    when = f" (step {first.step} is due on {_day_words(first.planned_on)})" if first is not None else ""
    return ("nothing to evaluate yet: no dose has been taken. The verdict compares the days after each dose "
            f"with the food-free baseline; evaluate once the first step is taken{when}")


def evaluate(session: Session, actor: Actor, challenge_id: int) -> dict[str, object]:
    """Run the verdict (``gutskin.insights.challenges``) on the diary and store it with the challenge."""
    ch = _challenge(session, actor, challenge_id, "read")
    if ch.status in ("cancelled",):
        raise InvalidInput("status: this challenge was cancelled")
    refusal = nothing_to_evaluate(ch, _doses(session, ch))
    if refusal:
        raise InvalidInput(f"evaluate: {refusal}")
    result = _verdict_of(session, ch)
    today = zones.patient_today(session, ch.patient_id)
    ch.verdict = result
    ch.verdict_at = utcnow()
    if ch.status == "active" and today > observation_end(ch, _doses(session, ch)):
        ch.status = "evaluated"
    ch.updated_at = utcnow()
    audit.record(session, actor, ch.patient_id, "evaluate", "food_challenge", ch.id)
    return result


def _verdict_of(session: Session, ch: FoodChallenge) -> dict:
    """The verdict on the diary as it is now, stored nowhere (``evaluate`` stores it; the avoid list
    reads it for a challenge nobody evaluated after its last window)."""
    from gutskin.insights.challenges import evaluate_challenge, window_days

    # each dose as the patient's wall clock in the zone it was taken in (home doses since 0009,
    # clinic doses since 0006): the diary's days are the patient's own dates, and a UTC time laid
    # on them put the 6-48 h window 13 hours early in Auckland and 8 hours late in Los Angeles
    taken = [d for d in _doses(session, ch) if d.status == "taken" and d.taken_at is not None]
    doses = [local_dose_time(d.taken_at, d.entered_zone) for d in taken if d.taken_at is not None]
    immediate = ch.status == "stopped" and (
        (ch.stop_reason or "").startswith("safety check") or ch.immediate_outcome == "positive")
    signs = _clinic_signs(_doses(session, ch))
    if signs and ch.immediate_outcome is None:  # signs at a clinic dose, no outcome recorded yet: a reaction
        immediate = True
    ref_start = _reference_start(ch)  # the last food-free elimination days are reference days too
    # the diary is read to the end of the last dose's window, past the plan's end when a step was
    # taken late: a flare 36 h after a last dose taken on the plan's last day was left out
    end = observation_end(ch, _doses(session, ch))
    days = session.scalars(select(DiaryDay).where(
        DiaryDay.patient_id == ch.patient_id, DiaryDay.day >= ref_start,
        DiaryDay.day <= end).order_by(DiaryDay.day)).all()
    taken_days = {t.date() for t in doses}
    lapses = [a.day for a in session.scalars(select(ChallengeAdherence).where(
        ChallengeAdherence.challenge_id == ch.id, ChallengeAdherence.followed.is_(False))).all()
        if a.day not in taken_days]
    # the diary's own record of the food on a day without a dose is an unplanned exposure too
    # (evaluate_frame, the CLI's path, always left these out; the app once counted them as
    # food-free reference days, so a patient who kept eating the food "passed"). A day next to
    # a dose's own (local) day is that dose too: a dose without a zone is read as UTC, whose date
    # may be the patient's one day either side, and a dose near midnight may be logged on either.
    near_dose = {t.date() + dt.timedelta(days=k) for t in doses for k in (-1, 0, 1)}
    logged = sorted(set(session.scalars(
        select(FactorValue.day).join(Factor, Factor.id == FactorValue.factor_id).where(
            FactorValue.patient_id == ch.patient_id, Factor.name == ch.food, FactorValue.value > 0,
            FactorValue.day >= ref_start, FactorValue.day <= end)).all()) - near_dose)
    lapses = sorted(set(lapses) | set(logged))
    exclude = set(lapses) | window_days(lapses, window_hours=ch.observation_hours)
    v = evaluate_challenge([d.day for d in days], [d.itch for d in days], ch.reintroduction_start, doses,
                           poscorad=[d.poscorad for d in days], end=end,
                           window_hours=float(ch.observation_hours), exclude=exclude)
    result = v.to_dict()
    result["excluded_days"] = sorted(d.isoformat() for d in exclude)
    result["diary_exposures"] = [d.isoformat() for d in logged]
    if logged:
        result["reasons"] = [*result["reasons"],
                             f"the diary logs {food_label(ch.food)} on {len(logged)} day{'s' if len(logged) != 1 else ''} without a dose "
                             f"({', '.join(_day_words(d) for d in logged[:5])}{', …' if len(logged) > 5 else ''}): "
                             "those days and their observation windows are left out"]
    _flag_confounders(session, ch, result, days, doses, exclude, end)
    today = zones.patient_today(session, ch.patient_id)
    # a stopped challenge takes no further dose: only the taken doses' windows are still to come
    until = (last_window_day(ch, _doses(session, ch)) or end) if ch.status == "stopped" else end
    if doses and today <= until and not immediate:
        # the last dose's window has not ended on the patient's day: a late reaction may still come
        # (6-48 h), so "no reaction" is not a verdict yet; it read no_reaction the evening after a dose
        result["observation_until"] = until.isoformat()
        result["settle"] = [*result["settle"], f"the observation window of the last dose runs until "
                            f"{_day_words(until)} (the patient's day): evaluate again after it"]
        if result["verdict"] == "no_reaction":
            result["verdict"] = "inconclusive"
            result["reasons"] = [*result["reasons"], "no reaction so far, but the observation window of the last dose "
                                 f"has not ended (until {_day_words(until)}): a late reaction may still show"]
    if immediate:
        result["late_verdict"] = result["verdict"]
        result["verdict"] = "reaction_likely"
        result["reasons"] = [*result["reasons"], "immediate reaction: " + (
            ch.stop_reason or (f"objective signs at {_signs_words(signs)}" if signs else "stopped in clinic"))]
    return result


def _flag_confounders(session: Session, ch: FoodChallenge, result: dict, days: list[DiaryDay],
                      doses: list[dt.datetime], exclude: set[dt.date], end: dt.date) -> None:
    """Name in the verdict's reasons what else changed on the observation-window days (a steroid
    step-up, an infection, pollen; ``gutskin.insights.challenge_confounders``); a step-up can hide a
    late reaction, so it turns ``no_reaction`` into ``inconclusive``. Home walk, 2026-12-06: a cold
    and a pollen week on the window days, and a steroid step-up after a flare, went unmentioned."""
    from gutskin.insights.challenge_confounders import find_confounders
    from gutskin.insights.challenges import reaction_weights

    win = {d for d, w in reaction_weights(doses, window_hours=float(ch.observation_hours)).items() if w >= 0.05}
    logged = [d.day for d in days if d.itch is not None and d.day not in exclude and d.day <= end]
    window = [d for d in logged if d >= ch.reintroduction_start and d in win]
    other = [d for d in logged if d not in set(window)]
    first = min(days[0].day if days else end, end)
    try:  # treatments logged before the analysis: a course already running is not "started during the challenge"
        history = first - dt.timedelta(days=TREATMENT_HISTORY_DAYS)
    except OverflowError:
        history = dt.date.min
    rows = session.execute(select(Factor.name, FactorValue.day, FactorValue.value).join(
        Factor, Factor.id == FactorValue.factor_id).where(
        FactorValue.patient_id == ch.patient_id, FactorValue.day >= history, FactorValue.day <= end)).all()
    factors: dict[str, dict[dt.date, float]] = {}
    for name, day, value in rows:
        if name.startswith("treat.") or (day >= first and (
                name == "gut.antibiotic" or name.startswith(("env.", "life.")))):
            factors.setdefault(name, {})[day] = float(value or 0)
    notes = {d.day: d.notes for d in days if d.notes}
    for a in session.scalars(select(ChallengeAdherence).where(ChallengeAdherence.challenge_id == ch.id)).all():
        if a.note:
            notes[a.day] = f"{notes.get(a.day, '')} {a.note}".strip()
    labels = {name: (known_factor(name).label or name) for name in factors}
    found = find_confounders(window, other, factors, labels, notes,
                             [d for d in logged if d >= ch.reintroduction_start])
    if not found.reasons:
        return
    result["confounders"] = found.reasons
    result["reasons"] = [*result["reasons"], *found.reasons]
    if found.masks and result["verdict"] == "no_reaction":
        result["verdict"] = "inconclusive"
        why = ("a treatment step-up on those days" if any(" used more on the days after" in r for r in found.reasons)
               else "a treatment started during the challenge")  # (found.started, since 2026-12-07)
        result["reasons"] = [*result["reasons"], f"no reaction was seen, but {why} may hide one: not called "
                             "'no reaction'"]


def _latest_record(session: Session, patient_id: int, food: str) -> AllergyRecord | None:
    return session.scalar(select(AllergyRecord).where(AllergyRecord.patient_id == patient_id, AllergyRecord.food == food)
                          .order_by(AllergyRecord.id.desc()).limit(1))


def confirm_outcome(session: Session, actor: Actor, challenge_id: int, outcome: str, note: str = "",
                    avoid: bool | None = None) -> dict[str, object]:
    """The clinician confirms or overrides the verdict; the outcome becomes an allergy record.

    ``confirmed``: the food caused a reaction (on the avoid list unless ``avoid=False``);
    ``refuted``: it did not (the food leaves the avoid list). Only a linked clinician may do
    this: a patient cannot mark their own challenge passed.
    """
    if not actor.is_system and actor.role != "clinician":
        _challenge(session, actor, challenge_id, "read")  # strangers: NotFound
        raise Forbidden("only the patient's clinician can record the outcome of a challenge")
    ch = _challenge(session, actor, challenge_id, "clinician")
    if outcome not in OUTCOMES:
        raise InvalidInput(f"outcome: expected one of {', '.join(OUTCOMES)}")
    same = _same_outcome(session, actor, ch, outcome, note, avoid)
    if same is not None:
        # the same outcome sent again (its answer lost on a bad connection; the page sends it with fetch since
        # 2026-12-07): nothing new is written, the answer is the first one's (it was "already recorded")
        audit.record(session, actor, ch.patient_id, "read", "food_challenge", ch.id)
        verdict = (ch.verdict or {}).get("verdict")
        out = _out(session, ch)
        out["override"] = {"reaction_likely": "confirmed", "no_reaction": "refuted"}.get(verdict or "", outcome) != outcome
        out["allergy_record"] = _record_out(same)
        return out
    if ch.status in ("confirmed", "cancelled"):
        raise Conflict("status: the outcome of this challenge is already recorded")
    if ch.status == "active" and _today() <= ch.reintroduction_end and not ch.verdict:
        pass  # a clinician may decide early (e.g. an obvious reaction); the audit says so
    if len(note or "") > 2000:
        raise InvalidInput("note: at most 2000 characters")
    verdict = (ch.verdict or {}).get("verdict")
    expected = {"reaction_likely": "confirmed", "no_reaction": "refuted"}.get(verdict or "")
    override = expected is not None and expected != outcome
    if override and not (note or "").strip():
        raise InvalidInput("note: say why you override the verdict")
    if outcome == "refuted" and not (note or "").strip() and not any(d.status == "taken" for d in _doses(session, ch)):
        # "the food can be eaten" from a challenge in which nothing was eaten: the page offered it in the baseline week
        raise InvalidInput("note: no dose of this challenge was taken; say why the food can be eaten")
    on_list = (outcome == "confirmed") if avoid is None else bool(avoid)
    rec = AllergyRecord(patient_id=ch.patient_id, food=ch.food, status=outcome, avoid=on_list, challenge_id=ch.id,
                        recorded_by_user_id=actor.user_id, note=(note or "").strip())
    session.add(rec)
    ch.outcome = outcome
    ch.outcome_note = (note or "").strip()
    ch.confirmed_by_user_id = actor.user_id
    ch.confirmed_at = utcnow()
    ch.status = "confirmed"
    ch.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, ch.patient_id, "override" if override else "confirm", "food_challenge", ch.id)
    audit.record(session, actor, ch.patient_id, "create", "allergy_record", rec.id)
    out = _out(session, ch)
    out["override"] = override
    out["allergy_record"] = _record_out(rec)
    return out


#: an outcome recorded this long ago or less by the same clinician, in the same words, is the same one sent again
SAME_OUTCOME_WINDOW = dt.timedelta(minutes=10)


def _same_outcome(session: Session, actor: Actor, ch: FoodChallenge, outcome: str, note: str,
                  avoid: bool | None) -> AllergyRecord | None:
    """The allergy record of the outcome ``actor`` recorded for ``ch`` within :data:`SAME_OUTCOME_WINDOW`,
    if it is this one (outcome, note and avoid list as asked), else None (2026-12-07)."""
    if (ch.status != "confirmed" or ch.outcome != outcome or (ch.outcome_note or "") != (note or "").strip()
            or ch.confirmed_by_user_id != actor.user_id or ch.confirmed_at is None
            or ch.confirmed_at < utcnow() - SAME_OUTCOME_WINDOW):
        return None
    rec = session.scalar(select(AllergyRecord).where(AllergyRecord.challenge_id == ch.id)
                         .order_by(AllergyRecord.id.desc()).limit(1))
    if rec is None or rec.avoid != ((outcome == "confirmed") if avoid is None else bool(avoid)):
        return None
    return rec


def _record_out(r: AllergyRecord) -> dict[str, object]:
    return {"id": r.id, "food": r.food, "food_label": food_label(r.food), "status": r.status, "avoid": r.avoid,
            "challenge_id": r.challenge_id, "note": r.note, "recorded_at": _z(r.recorded_at, "seconds")}


def allergy_records(session: Session, actor: Actor, patient_id: int) -> list[dict[str, object]]:
    patient_for_read(session, actor, patient_id)
    audit.record(session, actor, patient_id, "read", "allergy_records")
    rows = session.scalars(select(AllergyRecord).where(AllergyRecord.patient_id == patient_id)
                           .order_by(AllergyRecord.id.desc())).all()
    return [_record_out(r) for r in rows]


def avoid_list(session: Session, actor: Actor, patient_id: int, day: dt.date | None = None) -> list[dict[str, object]]:
    """Foods to avoid: the newest allergy record per food when it says avoid, and foods in a running elimination."""
    patient_for_read(session, actor, patient_id)
    day = day or zones.patient_today(session, patient_id)
    audit.record(session, actor, patient_id, "read", "avoid_list")
    return _avoid(session, patient_id, day)


def foods_to_avoid(session: Session, patient_id: int, day: dt.date) -> set[str]:
    """The avoid list's foods on ``day`` for a patient the caller has already authorized (the diary
    form leaves them out of what it copies from the last day; no audit row of its own)."""
    return {str(o["food"]) for o in _avoid(session, patient_id, day)}


#: why a food whose reintroduction ended in a likely reaction is on the avoid list until the outcome
REACTION_PENDING_REASON = "reaction likely: avoid until the clinic has reviewed this reintroduction"


def reaction_pending(ch: FoodChallenge, session: Session | None = None) -> bool:
    """Whether an open challenge's verdict is ``reaction_likely`` and no outcome is recorded: the food
    then stays on the avoid list after the last observation window (until 2026-12-06 it left the list
    when the window ended, so nothing told the patient to stop eating it before the review).

    With ``session``: a verdict never stored, or stored while the last window still ran
    (``observation_until``), is run on the diary as it is now (nothing is stored)."""
    if ch.status not in OPEN_STATUSES or ch.outcome is not None:
        return False
    stored = ch.verdict or {}
    if session is not None and (not stored or "observation_until" in stored):
        stored = _verdict_of(session, ch)
    return stored.get("verdict") == "reaction_likely"


def _avoid(session: Session, patient_id: int, day: dt.date) -> list[dict[str, object]]:
    latest: dict[str, AllergyRecord] = {}
    for r in session.scalars(select(AllergyRecord).where(AllergyRecord.patient_id == patient_id)
                             .order_by(AllergyRecord.id)).all():
        latest[r.food] = r
    out = [{"food": f, "food_label": food_label(f), "reason": "confirmed allergy", "until": None}
           for f, r in sorted(latest.items()) if r.avoid]
    listed = {o["food"] for o in out}
    for ch in session.scalars(select(FoodChallenge).where(FoodChallenge.patient_id == patient_id,
                                                          FoodChallenge.status.in_((*OPEN_STATUSES, "stopped")))
                              .order_by(FoodChallenge.id)).all():
        if ch.food in listed:
            continue
        if ch.status == "stopped":  # safety first: avoid until the clinician has reviewed the stop
            out.append({"food": ch.food, "food_label": food_label(ch.food),
                        "reason": "challenge stopped: avoid until the clinician has reviewed the stop", "until": None,
                        "challenge_id": ch.id})
            listed.add(ch.food)
        elif phase_on(ch, day) in ("elimination", "baseline", "reintroduction", "review"):
            until = observation_end(ch, _doses(session, ch))  # a late step's window runs past the plan
            if day > until and reaction_pending(ch, session):  # the reintroduction ended in a likely reaction, not decided
                out.append({"food": ch.food, "food_label": food_label(ch.food), "reason": REACTION_PENDING_REASON,
                            "until": None, "challenge_id": ch.id})
                listed.add(ch.food)
                continue
            if day > until:
                continue
            out.append({"food": ch.food, "food_label": food_label(ch.food), "reason": "food challenge",
                        "until": until.isoformat(), "challenge_id": ch.id})
            listed.add(ch.food)
    return out


def reminders(session: Session, actor: Actor, patient_id: int, day: dt.date | None = None,
              zone: str | None = None) -> list[dict[str, object]]:
    """What is due: eliminations to review before their maximum, the next dose step, results awaiting review.

    Due on the patient's own ``day``; default today in ``zone``, else in the profile's zone, else
    the server's date (it was always the server's: an evening in Los Angeles already showed the
    next day's step, a morning in Auckland still yesterday's)."""
    patient_for_read(session, actor, patient_id)
    day = day or zones.patient_today(session, patient_id, zone)
    audit.record(session, actor, patient_id, "read", "challenge_reminders")
    return _reminders_for(session, patient_id, day, zone)


def _day_words(d: dt.date) -> str:
    """``2026-11-07`` -> ``"Sat 7 Nov 2026"``, as the pages write a day (web.pages.common.day_words)."""
    return f"{d:%a} {d.day} {d:%b %Y}"


def _challenge_reminders(ch: FoodChallenge, doses: list[ChallengeDose], day: dt.date,
                         reader: str = "patient", held: bool = False, zone: str | None = None) -> list[dict[str, object]]:
    """The reminders one open challenge gives on ``day`` (its doses in step order).

    ``reader="clinician"``: the texts of the clinician's "Due for review" list address the clinician
    ("review the verdict", not "the clinician reviews the verdict") and write days as the pages do.
    ``held``: a late reaction holds the next step (:func:`late_hold`); a step whose day has come and that
    waits out the hours after the last dose is due when :func:`step_wait` says, in ``zone``. Both as
    the step's card above the reminders: "Coming up" said "step 2 is due on <today>" under "Next step 2
    ... is due on <tomorrow>, not before 09:12" and under a step on hold (challenge walk, 2026-12-07)."""
    out: list[dict[str, object]] = []
    food = food_label(ch.food)
    review = _review_by(ch)
    if review is not None and ch.elimination_end is not None and day >= review and day <= ch.elimination_end + dt.timedelta(days=1):
        max_end = ch.elimination_start + dt.timedelta(days=(ch.elimination_max_days or 1) - 1)
        out.append({"kind": "elimination_review", "challenge_id": ch.id, "food": ch.food, "due": review.isoformat(),
                    "text": f"Review the {food} elimination: it may not go beyond "
                            f"{_day_words(max_end)}."})
    nxt = next((d for d in doses if d.status == "planned" and d.planned_on >= day), None)
    if nxt is not None and phase_on(ch, day) in ("elimination", "baseline", "reintroduction", "upcoming"):
        where = "at home" if nxt.setting == "home" else "in clinic"
        what = f"{food.capitalize()} step {nxt.step} ({nxt.amount}, {where})"
        wait = step_wait(ch, doses, nxt, day, zone) if nxt.planned_on <= day and not held else None
        if held:
            due, text = nxt.planned_on, f"{what} is on hold until the clinic has reviewed a possible late reaction."
        elif wait is not None:
            due = wait["due"]  # type: ignore[assignment]
            at = f", not before {wait['at']}{'' if wait['zone'] else ' UTC'}" if wait["at"] else ""
            text = f"{what} is due on {_day_words(due)}{at}."
        else:
            due, text = nxt.planned_on, f"{what} is due on {_day_words(nxt.planned_on)}."
        out.append({"kind": "next_step", "challenge_id": ch.id, "food": ch.food, "due": due.isoformat(),
                    **({"held": True} if held else {}), "text": text})
    end = observation_end(ch, doses)  # not before the last dose's observation window has ended
    if day > end:
        out.append({"kind": "review_result", "challenge_id": ch.id, "food": ch.food,
                    "due": (end + dt.timedelta(days=1)).isoformat(),
                    "text": f"The {food} challenge is finished: review the verdict." if reader == "clinician"
                    else f"The {food} challenge is finished: the clinician reviews the verdict."})
    return out


def _open_challenges(session: Session, patient_ids: list[int]) -> list[FoodChallenge]:
    return list(session.scalars(select(FoodChallenge).where(FoodChallenge.patient_id.in_(patient_ids),
                                                            FoodChallenge.status.in_(OPEN_STATUSES))
                                .order_by(FoodChallenge.id)).all())


def _reminders_for(session: Session, patient_id: int, day: dt.date, zone: str | None = None) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for ch in _open_challenges(session, [patient_id]):
        doses = _doses(session, ch)
        held = any(d.status == "taken" for d in doses) and bool(late_hold(session, ch, doses))
        out += _challenge_reminders(ch, doses, day, held=held, zone=zone)
    return out


def clinician_alerts(session: Session, actor: Actor, day: dt.date | None = None) -> dict[str, list[dict[str, object]]]:
    """For the clinician panel: unacknowledged safety alerts and due reminders of linked patients.

    A fixed number of queries however many patients are linked (bench/clinic_scale.py: one
    query per patient and challenge made the page 0.3 s for 500 patients on PostgreSQL).
    """
    require_role(actor, "clinician")
    pids = list(session.scalars(select(Consent.patient_id).where(
        Consent.clinician_user_id == actor.user_id, Consent.revoked_at.is_(None),
        Consent.clinician_user_id.is_not(None))).all())
    check_late_reactions(session, pids)  # late reactions logged since the last check (2026-12-07)
    linked = session.scalars(select(Patient).where(Patient.id.in_(pids))).all()
    names = {p.id: p.display_name or p.external_id for p in linked}
    tzs = {p.id: zones.known(p.time_zone) for p in linked}

    def patients_day(moment: dt.datetime, pid: int) -> str:
        """A stored instant (naive UTC) as the patient's date: a stop at 08:00 in Auckland (19:00 UTC the
        day before) was due "yesterday", so the list read "Overdue since ... (1 day)" the minute it came."""
        tz = tzs.get(pid)
        return (moment.replace(tzinfo=dt.UTC).astimezone(tz).date() if tz is not None else moment.date()).isoformat()
    alerts = []
    for a, food in session.execute(select(ChallengeAlert, FoodChallenge.food)
                                   .outerjoin(FoodChallenge, FoodChallenge.id == ChallengeAlert.challenge_id)
                                   .where(ChallengeAlert.patient_id.in_(pids), ChallengeAlert.acknowledged_at.is_(None))
                                   .order_by(ChallengeAlert.id.desc())).all():
        d = _alert_out(a)
        d["patient_name"] = names.get(a.patient_id, "")
        d["food"] = food or ""
        d["food_label"] = food_label(food) if food else ""
        alerts.append(d)
    # once per patient and request, in one statement (one per patient with an alert before)
    audit.record_reads(session, actor, sorted({int(a["patient_id"]) for a in alerts}), "challenge_alert")  # type: ignore[call-overload]
    challenges = _open_challenges(session, pids)
    doses: dict[int, list[ChallengeDose]] = {ch.id: [] for ch in challenges}
    for dose in session.scalars(select(ChallengeDose).where(ChallengeDose.challenge_id.in_(list(doses)))
                                .order_by(ChallengeDose.step, ChallengeDose.id)).all():
        doses[dose.challenge_id].append(dose)
    by_patient: dict[int, list[FoodChallenge]] = {}
    for ch in challenges:
        by_patient.setdefault(ch.patient_id, []).append(ch)
    due = []
    # each patient's own today (their profile's zone), not the server's: a result is due for review
    # the morning after the last day in the patient's zone
    days = {pid: day for pid in pids} if day is not None else zones.patients_today(session, pids)
    for pid in pids:
        for ch in by_patient.get(pid, []):
            signs = _clinic_signs(doses[ch.id])
            if signs and ch.kind == "supervised" and ch.immediate_outcome is None:  # a reaction in clinic, no outcome yet
                given = max(d.taken_at for d in doses[ch.id] if d.step == signs[-1][0] and d.taken_at is not None)
                due.append({"kind": "immediate_outcome", "challenge_id": ch.id, "food": ch.food,
                            "due": patients_day(given, pid), "patient_id": pid, "patient_name": names.get(pid, ""),
                            "text": f"Objective signs were recorded at {_signs_words(signs)} of the {food_label(ch.food)} "
                                    "challenge: record its immediate outcome."})
            for r in _challenge_reminders(ch, doses[ch.id], days[pid], reader="clinician"):
                if r["kind"] in ("elimination_review", "review_result"):
                    r["patient_id"] = pid
                    r["patient_name"] = names.get(pid, "")
                    due.append(r)
    # a stopped challenge keeps its food on the patient's avoid list until a clinician records the
    # outcome; a safety stop is on the alerts list until acknowledged, but a stop by the patient or by
    # the end of sharing was listed nowhere, so no clinician -- the next one linked included -- was told
    alerted = {a["challenge_id"] for a in alerts}
    stopped = session.scalars(select(FoodChallenge).where(FoodChallenge.patient_id.in_(pids), FoodChallenge.status == "stopped")
                              .order_by(FoodChallenge.id)).all()
    stopped_doses: dict[int, list[ChallengeDose]] = {c.id: [] for c in stopped}
    for chunk in _chunks(list(stopped_doses)):  # why each stopped, in words (the alerts' rows too)
        for dose in session.scalars(select(ChallengeDose).where(ChallengeDose.challenge_id.in_(chunk))
                                    .order_by(ChallengeDose.step, ChallengeDose.id)).all():
            stopped_doses[dose.challenge_id].append(dose)
    stopped_words = {c.id: stop_words(c, stopped_doses[c.id]) for c in stopped}
    for a in alerts:
        a["stop_words"] = stopped_words.get(int(a["challenge_id"])) if a["kind"] == SAFETY_STOP else None  # type: ignore[call-overload]
    for c in stopped:
        if c.id not in alerted:
            due.append({"kind": "review_stop", "challenge_id": c.id, "food": c.food,
                        "due": patients_day(c.stopped_at or c.updated_at, c.patient_id),
                        "text": f"The {food_label(c.food)} challenge was {_lower_first(stop_words(c, stopped_doses[c.id]) or 'stopped')}. "
                                f"Review it and record the outcome; the food stays on the patient's avoid list until then.",
                        "patient_id": c.patient_id, "patient_name": names.get(c.patient_id, "")})
    for r in due:  # how late, on the patient's own day: the page says "overdue since Sat 7 Nov 2026 (29 days)"
        r["overdue_days"] = max(0, (days[int(r["patient_id"])] - dt.date.fromisoformat(str(r["due"]))).days)  # type: ignore[call-overload]
    audit.record_reads(session, actor, sorted({int(r["patient_id"]) for r in due}), "challenge_reminders")  # type: ignore[call-overload]
    running = _running(session, challenges, doses, alerts, days, names,
                       {pid: tz.key if tz is not None else None for pid, tz in tzs.items()})
    audit.record_reads(session, actor, sorted({int(r["patient_id"]) for r in running}), "food_challenges")  # type: ignore[call-overload]
    return {"alerts": alerts, "due": due, "running": running}


def _running(session: Session, challenges: list[FoodChallenge], doses: dict[int, list[ChallengeDose]],
             alerts: list[dict[str, object]], days: dict[int, dt.date], names: dict[int, str],
             zone_names: dict[int, str | None] | None = None) -> list[dict[str, object]]:
    """The running challenges of the clinician's linked patients for *Challenges* (2026-12-07: the page
    listed alerts and reviews only, so a challenge with nothing due was nowhere): the food, the phase
    on the patient's day, the steps taken, the next step and whether it is due, overdue or held (a
    late reaction not acknowledged; a first home step waiting for its 7 baseline days), waiting out the
    hours after the last dose (:func:`step_wait`, as the patient's page: from which date and time, in
    ``zone_names``' zone of the patient, else the last dose's), and the open alerts. A fixed number of statements however many are running (two: the short-baseline starts
    and the baselines' three, with the doses, alerts and days the caller has read already)."""
    if not challenges:
        return []
    open_alerts: dict[int, list[dict[str, object]]] = {}
    for a in alerts:
        open_alerts.setdefault(int(a["challenge_id"]), []).append(a)  # type: ignore[call-overload]
    first_home = [c for c in challenges if c.kind == "home" and doses[c.id]
                  and not any(d.status == "taken" for d in doses[c.id])]
    started = set(session.scalars(select(ChallengeAlert.challenge_id).where(
        ChallengeAlert.challenge_id.in_([c.id for c in first_home]), ChallengeAlert.kind == SHORT_BASELINE_START)).all()
    ) if first_home else set()
    waiting = [c for c in first_home if c.id not in started]
    logged = {cid: len(v) for cid, v in _baseline_itch_many(
        session, [(c, max(days[c.patient_id], c.reintroduction_start)) for c in waiting]).items()} if waiting else {}
    out = []
    for c in sorted(challenges, key=lambda c: (names.get(c.patient_id, "").lower(), c.id)):
        day = days[c.patient_id]
        steps = doses[c.id]
        taken = [d for d in steps if d.status == "taken"]
        nxt = next((d for d in steps if d.status == "planned"), None)
        mine = open_alerts.get(c.id, [])
        late = sorted(str(a["day"]) for a in mine if a["kind"] == LATE_REACTION and a.get("day"))
        row: dict[str, object] = {
            "challenge_id": c.id, "patient_id": c.patient_id, "patient_name": names.get(c.patient_id, ""),
            "food": c.food, "food_label": food_label(c.food), "kind": c.kind, "phase": phase_on(c, day),
            "steps_taken": len(taken), "steps": len(steps), "open_alerts": len(mine),
            "alert_names": sorted({alert_name(str(a["kind"])) for a in mine}),
            "next": None, "next_status": None, "next_words": "no step left",
        }
        if nxt is not None:
            where = "at home" if nxt.setting == "home" else "in clinic"
            row["next"] = {"step": nxt.step, "amount": nxt.amount, "setting": nxt.setting, "due": nxt.planned_on.isoformat()}
            what = f"Step {nxt.step} ({nxt.amount}, {where})"
            if late:
                row["next_status"] = "held"
                row["next_words"] = (f"{what}: held by a late reaction logged on "
                                     f"{', '.join(_day_words(dt.date.fromisoformat(x)) for x in late)}; acknowledge "
                                     "its alert (or stop the challenge) to release it")
            elif c.id in logged and logged[c.id] < MIN_BASELINE_DAYS and nxt.planned_on <= day:
                row["next_status"] = "held"
                row["next_words"] = (f"{what}: held, {logged[c.id]} of the {MIN_BASELINE_DAYS} baseline days "
                                     "logged; extend the baseline or let the step start")
            elif nxt.planned_on <= day and (wait := step_wait(c, steps, nxt, day, (zone_names or {}).get(c.patient_id))):
                row["next_status"] = "waiting"  # the patient's page offers no dose before this (2026-12-07)
                at = f", not before {wait['at']} ({wait['zone'] or 'UTC'} time)" if wait["at"] else ""
                row["wait"] = {"until": _z(wait["until"]), "due": wait["due"].isoformat(),  # type: ignore[attr-defined]
                               "at": wait["at"], "zone": wait["zone"], "hours": wait["hours"]}
                row["next_words"] = (f"{what}: waiting at least {wait['hours']} hours after the last dose; "
                                     f"may be given from {_day_words(wait['due'])}{at}")  # type: ignore[arg-type]
            elif nxt.planned_on < day:
                row["next_status"] = "overdue"
                row["next_words"] = f"{what}: due since {_day_words(nxt.planned_on)}"
            elif nxt.planned_on == day:
                row["next_status"] = "due"
                row["next_words"] = f"{what}: due today"
            else:
                row["next_status"] = "planned"
                row["next_words"] = f"{what}: due on {_day_words(nxt.planned_on)}"
        out.append(row)
    return out


def acknowledge_alert(session: Session, actor: Actor, alert_id: int, challenge_id: int | None = None) -> dict[str, object]:
    """A linked clinician acknowledges a safety alert. ``challenge_id``: the challenge whose page the
    button is on; an alert of another challenge is "not found" (before, the page acknowledged any
    alert id it was given: another patient's safety stop vanished from the alerts list while the
    clinician looked at this one's page -- fourth security review)."""
    require_role(actor, "clinician")
    a = session.get(ChallengeAlert, alert_id)
    if a is None or (challenge_id is not None and a.challenge_id != challenge_id):
        raise NotFound("alert not found")
    try:
        _linked_clinician(session, actor, a.patient_id)
    except (NotFound, Forbidden):
        raise NotFound("alert not found") from None
    a.acknowledged_at = utcnow()
    a.acknowledged_by_user_id = actor.user_id
    audit.record(session, actor, a.patient_id, "acknowledge", "challenge_alert", a.id)
    return _alert_out(a)
