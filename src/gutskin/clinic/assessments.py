"""Clinician-assessed severity scores recorded at a visit: EASI and SCORAD (docs/instruments.md,
"Recorded by the clinic", 2026-12-06).

A clinician linked to the patient (an active consent, locked for the write as every clinician
write) records the findings; ``gutskin.instruments`` scores them and the row is kept in
``questionnaire_responses`` with ``author_role`` ``"clinician"`` -- the table every score lives in,
so the clinician's Scores table, the visit report and the FHIR export show them without a second
history. One result per instrument, patient and day: recording again on the same day replaces it
(audited as an update), as :func:`gutskin.clinic.questionnaires.submit` does for answers.

Patients and caregivers do not record these (``Forbidden``: they are the clinician's examination);
an unlinked clinician, or one whose consent was revoked, gets ``NotFound``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gutskin.clinic import audit, zones
from gutskin.clinic.access import has_active_consent, patient_for_read, require_role
from gutskin.clinic.actors import Actor
from gutskin.clinic.errors import InvalidInput, NotFound
from gutskin.clinic.questionnaires import answer_of_the_day
from gutskin.store.models import Patient, QuestionnaireResponse

#: Instruments the clinic records (the patient answers ``questionnaires.PATIENT_INSTRUMENTS``).
CLINICIAN_INSTRUMENTS = ("easi", "scorad")
AUTHOR_ROLE = "clinician"
#: EASI weights: children aged 7 or less (``gutskin.instruments.easi.CHILD_BELOW_AGE``).
_CHILD_BELOW = 8


def _day(value: Any, today: dt.date) -> dt.date:
    if value is None or value == "":
        return today
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            raise InvalidInput(f"assessed_on: expected a date (YYYY-MM-DD), got {str(value)[:40]!r}") from None
    if day > today:
        raise InvalidInput(f"assessed_on: {day.isoformat()} is in the future (today is {today.isoformat()} for this visit)")
    return day


def easi_age(birth_year: int | None, day: dt.date, given: Any = None) -> float:
    """The age the EASI weights are chosen by (under 8: the children's weights).

    A profile stores its birth year only, so on ``day`` the patient is ``year - birth_year - 1``
    or ``year - birth_year``. The profile decides when both give the same weights; when they do
    not (a patient who turns 8 that year) or the birth year is not given, the clinician gives
    ``age_years``, which must fit the birth year when there is one."""
    if given is not None and given != "":
        if isinstance(given, bool) or not isinstance(given, (int, float)) or not math.isfinite(given) or not 0 <= given <= 130:
            raise InvalidInput(f"age_years: expected a number 0-130, got {str(given)[:40]!r}")
        if birth_year is not None and not day.year - birth_year - 1 <= given < day.year - birth_year + 1:
            raise InvalidInput(f"age_years: {given:g} does not fit the profile's birth year {birth_year}: on "
                               f"{day.isoformat()} the patient is {max(day.year - birth_year - 1, 0)} or {day.year - birth_year}")
        return given
    if birth_year is None:
        raise InvalidInput("age_years: the profile gives no birth year; enter the patient's age in years "
                           "(it decides the EASI weights: 7 or less, children's; 8 and over, adults')")
    oldest, youngest = day.year - birth_year, day.year - birth_year - 1
    if oldest < 0:
        raise InvalidInput(f"assessed_on: {day.isoformat()} is before the profile's birth year {birth_year}")
    if youngest >= _CHILD_BELOW:
        return youngest
    if oldest < _CHILD_BELOW:
        return max(oldest, 0)
    raise InvalidInput(f"age_years: born in {birth_year}, the patient is 7 or 8 on {day.isoformat()} and the EASI "
                       "weights differ (7 or less: children's); enter the patient's age in years")


def _scoring_payload(instrument: str, body: dict[str, Any], patient: Patient, day: dt.date) -> dict[str, Any]:
    """The payload ``gutskin.instruments`` scores (the CLI's input format), as stored."""
    if instrument == "easi":
        payload = {k: v for k, v in body.items() if k != "age_years"}
        payload["age_years"] = easi_age(patient.birth_year, day, body.get("age_years"))
        return payload
    payload = dict(body)
    # the clinician's examination: extent and the six intensities are its findings (a null would
    # leave no objective SCORAD); itch and sleep may be unrated (then the objective SCORAD only)
    if "extent_percent" in payload and payload["extent_percent"] is None:
        raise InvalidInput("extent_percent: not given (the extent is part of the examination, 0-100)")
    signs = payload.get("intensity")
    if isinstance(signs, dict):
        for name, grade in signs.items():
            if grade is None:
                raise InvalidInput(f"intensity.{name}: not graded (every intensity is graded 0-3)")
    return payload


def record(session: Session, actor: Actor, patient_id: int, instrument: str, body: Any,
           assessed_on: Any = None, zone: str | None = None) -> dict[str, Any]:
    """Score and store a clinician's EASI or SCORAD for ``patient_id`` on ``assessed_on`` (default:
    the visit's today, :func:`zones.visit_today` with the recorder's ``zone``; never after it).
    ``body`` is the CLI's input (docs/instruments.md);
    EASI's ``age_years`` comes from the profile (see :func:`easi_age`). Returns the stored row's
    id and date with the score (``gutskin score``'s output)."""
    from gutskin.instruments import score

    require_role(actor, "clinician")
    patient = session.get(Patient, patient_id)
    if patient is None or actor.is_system or not has_active_consent(session, patient_id, actor.user_id, lock=True):
        raise NotFound("patient not found")
    if instrument not in CLINICIAN_INSTRUMENTS:
        raise InvalidInput(f"instrument: expected one of {', '.join(CLINICIAN_INSTRUMENTS)}")
    if not isinstance(body, dict):
        raise InvalidInput("body: expected a JSON object")
    # this patient's scores one at a time (as questionnaires.submit): two first results of a day must not both insert
    session.execute(select(Patient.id).where(Patient.id == patient_id).with_for_update())
    body = dict(body)
    day = _day(body.pop("assessed_on", None) if assessed_on is None else assessed_on,
               zones.visit_today(session, patient_id, zone))
    body.pop("assessed_on", None)
    payload = _scoring_payload(instrument, body, patient, day)
    try:
        result = score(instrument, payload)
    except (ValueError, TypeError, KeyError) as exc:
        raise InvalidInput(str(exc)) from None
    row = answer_of_the_day(session, patient_id, instrument, day)
    action = "update" if row is not None else "create"
    if row is None:
        row = QuestionnaireResponse(patient_id=patient_id, instrument=instrument, answered_on=day)
        session.add(row)
    row.version = str(result.get("version", ""))
    row.answers = payload
    row.total = result.get("total")
    row.band = result.get("band")
    row.author_user_id, row.author_role = actor.user_id, AUTHOR_ROLE
    session.flush()
    audit.record(session, actor, patient_id, action, "assessment", row.id)
    return {"id": row.id, "assessed_on": day.isoformat(), **result}


def objective_scorad(r: QuestionnaireResponse) -> tuple[float | None, str | None]:
    """The objective SCORAD and its band of a stored SCORAD, from the stored findings (not a
    column of its own); (None, None) for anything else. A SCORAD recorded without itch and sleep
    has no total but has this: the Scores table and the visit report show it then."""
    if r.instrument != "scorad":
        return None, None
    from gutskin.instruments import score

    try:
        s = score("scorad", r.answers)
    except (ValueError, TypeError, KeyError):
        return None, None
    return s.get("objective"), s.get("objective_band")


def _row(r: QuestionnaireResponse) -> dict[str, Any]:
    out: dict[str, Any] = {"id": r.id, "instrument": r.instrument, "assessed_on": r.answered_on.isoformat(),
                           "total": r.total, "band": r.band, "version": r.version, "author_role": r.author_role}
    if r.instrument == "scorad":
        out["objective"], out["objective_band"] = objective_scorad(r)
    elif r.instrument == "easi" and isinstance(r.answers, dict):
        out["age_years"] = r.answers.get("age_years")
    return out


def history(session: Session, actor: Actor, patient_id: int) -> list[dict[str, Any]]:
    """The clinic's EASI and SCORAD results of a patient, oldest first (the owner, a co-caregiver
    or a linked clinician reads them; audited)."""
    patient_for_read(session, actor, patient_id)
    audit.record(session, actor, patient_id, "read", "assessments")
    rows = session.scalars(
        select(QuestionnaireResponse).where(QuestionnaireResponse.patient_id == patient_id,
                                            QuestionnaireResponse.instrument.in_(CLINICIAN_INSTRUMENTS))
        .order_by(QuestionnaireResponse.answered_on, QuestionnaireResponse.id)).all()
    return [_row(r) for r in rows]
