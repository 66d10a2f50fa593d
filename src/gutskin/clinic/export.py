"""A patient's own data, downloadable: the diary CSV (interchange format) and a JSON archive of everything."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from gutskin.clinic import audit
from gutskin.clinic.access import owned_patients, patient_for_read
from gutskin.clinic.actors import Actor
from gutskin.clinic.diary import _days, export_factor_names, iter_export_rows
from gutskin.diary.csvio import write_diary_csv
from gutskin.store.models import AppointmentRequest, Consent, QuestionnaireResponse, User, utcnow

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def diary_csv(session: Session, actor: Actor, patient_id: int) -> str:
    """The diary in the interchange format.

    Cells are numbers and dates by construction; the one free-text cell is the patient
    identifier, which gutskin generates (``p-…``) or validates on import.
    """
    patient = patient_for_read(session, actor, patient_id)
    buf = io.StringIO()
    write_diary_csv(iter_export_rows(session, actor, [patient]), buf, export_factor_names(session, [patient]))
    return buf.getvalue()


def diary_file_name(session: Session, actor: Actor, patient_id: int, day: dt.date) -> str:
    """The download's name: the profile's identifier and the day, so a caregiver's files for two
    profiles, or this month's and last month's, do not overwrite each other (every download was
    ``gutskin-diary.csv`` before session 8). Only ``[A-Za-z0-9._-]`` from an imported identifier."""
    patient = patient_for_read(session, actor, patient_id)
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", patient.external_id or str(patient.id))[:40]
    return f"gutskin-diary-{safe}-{day.isoformat()}.csv"


def archive_json(session: Session, actor: Actor) -> str:
    """Everything stored about the account: profile(s), diary with notes, questionnaires, sharing, appointments, access log."""
    user = session.get(User, actor.user_id)
    out: dict[str, object] = {
        "format": "gutskin-archive/1",
        "exported_at": utcnow().isoformat(timespec="seconds") + "Z",
        "account": {"email": user.email if user else None, "role": actor.role,
                    "created_at": _utc(user.created_at) if user else None},
        "patients": [],
    }
    for p in owned_patients(session, actor):
        audit.record(session, actor, p.id, "export", "archive")
        out["patients"].append(  # type: ignore[union-attr]
            {
                "patient_id": p.id,
                "external_id": p.external_id,
                "name": p.display_name,
                "relationship": p.relationship,
                "birth_year": p.birth_year,
                "diary": _days(session, p.id, None, None),
                "questionnaires": [
                    {"instrument": q.instrument, "version": q.version, "answered_on": q.answered_on.isoformat(),
                     "answers": q.answers, "total": q.total, "band": q.band}
                    for q in session.scalars(select(QuestionnaireResponse).where(QuestionnaireResponse.patient_id == p.id)).all()
                ],
                "sharing": [
                    {"clinician_user_id": c.clinician_user_id, "since": _utc(c.created_at), "revoked_at": _utc(c.revoked_at)}
                    for c in session.scalars(select(Consent).where(Consent.patient_id == p.id)).all()
                ],
                "appointments": [
                    {"reason": a.reason, "urgency": a.urgency, "preferred_times": a.preferred_times,
                     "patient_zone": a.patient_zone, "status": a.status,
                     "scheduled_for": _utc(a.scheduled_for, "minutes"), "message": a.message}
                    for a in session.scalars(select(AppointmentRequest).where(AppointmentRequest.patient_id == p.id)).all()
                ],
                "microbiome_samples": _samples(session, actor, p.id),
                "food_challenges": _challenges(session, actor, p.id),
                "allergy_records": _allergies(session, actor, p.id),
                "access_log": audit.events_for_patient(session, p.id, limit=10000),
            }
        )
    return json.dumps(out, indent=2, ensure_ascii=False)


def _utc(moment: dt.datetime | None, timespec: str = "seconds") -> str | None:
    """A stored instant (naive UTC in the database) marked as UTC with ``Z``, as the API answers mark theirs."""
    return moment.isoformat(timespec=timespec) + "Z" if moment is not None else None


def _samples(session: Session, actor: Actor, patient_id: int) -> list[dict[str, object]]:
    from gutskin.clinic.microbiome import list_samples

    return list_samples(session, actor, patient_id)


def _challenges(session: Session, actor: Actor, patient_id: int) -> list[dict[str, object]]:
    from gutskin.clinic.challenges import get_challenge, list_challenges

    # times come marked as UTC (``Z``) as the API gives them
    return [get_challenge(session, actor, int(c["id"])) for c in list_challenges(session, actor, patient_id)]  # type: ignore[arg-type]


def _allergies(session: Session, actor: Actor, patient_id: int) -> list[dict[str, object]]:
    from gutskin.clinic.challenges import allergy_records

    return allergy_records(session, actor, patient_id)


def neutralize_formula(cell: str) -> str:
    """Prefix a quote to cells a spreadsheet would run as a formula (OWASP CSV injection)."""
    return "'" + cell if cell.startswith(FORMULA_PREFIXES) else cell
