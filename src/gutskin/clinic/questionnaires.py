"""Weekly questionnaires (POEM, RECAP ...): answered items stored with the computed score and version."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from gutskin.clinic import audit
from gutskin.clinic.access import patient_for_read, patient_for_write
from gutskin.clinic.actors import Actor
from gutskin.clinic.errors import InvalidInput
from gutskin.store.models import QuestionnaireResponse
from gutskin.store.upsert import ensure_diary_day

PATIENT_INSTRUMENTS = ("poem", "recap", "adct", "dlqi", "cdlqi")
WEEKLY = ("poem", "recap")


def submit(
    session: Session, actor: Actor, patient_id: int, instrument: str, payload: dict, answered_on: dt.date | None = None
) -> dict[str, object]:
    """Score with ``gutskin.instruments`` and store; a POEM total also goes on that diary day."""
    from gutskin.instruments import score

    patient_for_write(session, actor, patient_id)
    if instrument not in PATIENT_INSTRUMENTS:
        raise InvalidInput(f"instrument: expected one of {', '.join(PATIENT_INSTRUMENTS)}")
    try:
        result = score(instrument, payload)
    except (ValueError, TypeError, KeyError) as exc:
        raise InvalidInput(str(exc)) from None
    day = answered_on or dt.date.today()
    total = result.get("total")
    row = QuestionnaireResponse(
        patient_id=patient_id,
        instrument=instrument,
        version=str(result.get("version", "")),
        answered_on=day,
        answers=payload,
        total=total,
        band=result.get("band"),
    )
    session.add(row)
    if instrument == "poem" and total is not None:
        d, _ = ensure_diary_day(session, patient_id, day)
        d.poem = int(round(total))
    session.flush()
    audit.record(session, actor, patient_id, "create", "questionnaire", row.id)
    return {"id": row.id, "answered_on": day.isoformat(), **result}


def history(session: Session, actor: Actor, patient_id: int, instrument: str | None = None) -> list[dict[str, object]]:
    patient_for_read(session, actor, patient_id)
    audit.record(session, actor, patient_id, "read", "questionnaires", instrument or "")
    q = select(QuestionnaireResponse).where(QuestionnaireResponse.patient_id == patient_id)
    if instrument:
        q = q.where(QuestionnaireResponse.instrument == instrument)
    return [
        {"id": r.id, "instrument": r.instrument, "answered_on": r.answered_on.isoformat(), "total": r.total,
         "band": r.band, "version": r.version}
        for r in session.scalars(q.order_by(QuestionnaireResponse.answered_on, QuestionnaireResponse.id)).all()
    ]


def due(session: Session, patient_id: int, today: dt.date | None = None) -> list[str]:
    """Weekly instruments not answered in the last 7 days (no audit: a prompt, not a read of values)."""
    today = today or dt.date.today()
    recent = set(
        session.scalars(
            select(QuestionnaireResponse.instrument).where(
                QuestionnaireResponse.patient_id == patient_id,
                QuestionnaireResponse.answered_on > today - dt.timedelta(days=7),
            )
        ).all()
    )
    return [i for i in WEEKLY if i not in recent]
