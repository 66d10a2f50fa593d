"""Weekly questionnaires (POEM, RECAP ...): answered items stored with the computed score and version."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gutskin.clinic import audit, zones
from gutskin.clinic.access import patient_for_entry, patient_for_read
from gutskin.clinic.actors import Actor
from gutskin.clinic.errors import Conflict, InvalidInput
from gutskin.store.models import RESPONDENTS, DiaryDay, Patient, QuestionnaireResponse
from gutskin.store.upsert import ensure_diary_day

PATIENT_INSTRUMENTS = ("poem", "recap", "adct", "dlqi", "cdlqi")
WEEKLY = ("poem", "recap")


def author_of(actor: Actor, patient: Patient) -> tuple[int | None, str | None]:
    """Who is entering an answer or a diary day on ``patient`` (already authorized for writing):
    the account, and ``patient`` on the person's own profile or ``caregiver`` on a child's profile
    (``gutskin.store.models.AUTHOR_ROLES``), ``co_caregiver`` for another account keeping the
    child's profile (so its entries are never put down to the managing parent). The CLI operator
    is nobody's author: (None, None)."""
    if actor.is_system or actor.user_id is None:
        return None, None
    if patient.relationship != "child":
        return actor.user_id, "patient"
    return actor.user_id, "caregiver" if actor.user_id == patient.owner_user_id else "co_caregiver"


def answer_of_the_day(session: Session, patient_id: int, instrument: str, day: dt.date) -> QuestionnaireResponse | None:
    """The stored answer of ``instrument`` for ``patient_id`` on ``day`` (one per patient,
    instrument and day: a second answer that day replaces it), or None. Shared by the patient's
    questionnaires and the clinic's assessments (:mod:`gutskin.clinic.assessments`)."""
    return session.scalars(
        select(QuestionnaireResponse).where(QuestionnaireResponse.patient_id == patient_id,
                                            QuestionnaireResponse.instrument == instrument,
                                            QuestionnaireResponse.answered_on == day)
        .order_by(QuestionnaireResponse.id).limit(1)
    ).first()


def answered_today(session: Session, actor: Actor, patient_id: int, instrument: str, day: dt.date) -> dict[str, object] | None:
    """The answer of ``instrument`` already stored for ``day`` (the person's today), for the form's
    line that a new answer replaces it, or None. Phone walk, 2026-12-07: a second POEM on the same
    day replaced the first without a word (14, moderate, became 7, mild). Read as the caller may
    read the record (else the 404 of a missing profile) and audited as a read of the questionnaires."""
    patient_for_read(session, actor, patient_id)
    audit.record(session, actor, patient_id, "read", "questionnaires", instrument)
    row = answer_of_the_day(session, patient_id, instrument, day)
    if row is None:
        return None
    return {"total": row.total, "band": row.band, "respondent": row.respondent, "author_role": row.author_role}


class AnsweredByAnother(Conflict):
    """The day's answer of this instrument was given by another account (the other caregiver of a
    child): it is replaced only when the caller says so, naming it (``replace`` = its id)."""

    def __init__(self, message: str, row_id: int) -> None:
        super().__init__(message)
        self.row_id = row_id


_WHO = {"caregiver": "The child's parent", "co_caregiver": "Another caregiver", "patient": "Someone else"}


def submit(
    session: Session, actor: Actor, patient_id: int, instrument: str, payload: dict, answered_on: dt.date | None = None,
    replace: int | None = None, respondent: str | None = None,
) -> dict[str, object]:
    """Score with ``gutskin.instruments`` and store; a POEM total also goes on that diary day.

    ``respondent`` (0017): who answered, 'self' (the person the profile is about) or 'proxy' (a
    parent or caregiver for them), :func:`respondent_for`: on one's own profile 'self' (the
    default); on a child's profile the choice for POEM and RECAP (self-report and proxy versions;
    without it None, not recorded), 'self' for the self-report-only CDLQI, DLQI and ADCT (default;
    'proxy' refused).

    One answer per instrument per patient and day: answering again on the same day replaces the
    day's earlier answer (the same row, audited as an update). A reloaded result page or a
    double-clicked Score button stored the same POEM twice, counted twice on the trends page and
    in the clinic's history (all of these instruments ask about the last week, so two answers on
    one day are a correction, not two measurements). An answer of that day given by another account
    (a child's other caregiver) is not replaced silently: :class:`AnsweredByAnother` unless
    ``replace`` is its id (family walk, 2026-12-06: the parent's POEM wiped the co-caregiver's)."""
    from gutskin.instruments import score
    from gutskin.instruments.ages import age_problem

    patient = patient_for_entry(session, actor, patient_id)
    author_user_id, author_role = author_of(actor, patient)
    # this patient's submissions one at a time (PostgreSQL; SQLite's BEGIN IMMEDIATE already is):
    # two concurrent first answers of the day must not both insert
    session.execute(select(Patient.id).where(Patient.id == patient_id).with_for_update())
    if instrument not in PATIENT_INSTRUMENTS:
        raise InvalidInput(f"instrument: expected one of {', '.join(PATIENT_INSTRUMENTS)}")
    try:
        result = score(instrument, payload)
    except (ValueError, TypeError, KeyError) as exc:
        raise InvalidInput(str(exc)) from None
    today = zones.patient_today(session, patient_id)  # the patient's date, not the server's
    day = answered_on or today
    # a week's answers cannot be dated after the week: "answered_on": "2030-01-01" was stored, and its
    # POEM total put on a diary day the diary itself refuses as "in the future" (instrument walk,
    # 2026-12-07). One day's grace, as the diary gives, for a browser a zone ahead of the profile's.
    if day > today + dt.timedelta(days=1):
        raise InvalidInput(f"answered_on: {day.isoformat()} is in the future (the patient's today is {today.isoformat()})")
    if patient.birth_year is not None and day.year < patient.birth_year:
        raise InvalidInput(f"answered_on: {day.isoformat()} is before this profile's birth year {patient.birth_year}")
    # DLQI, CDLQI and ADCT are validated for an age range, and their bands are those of it: a
    # 6-year-old's DLQI was stored with the adult bands (a profile stores its birth year only,
    # so only a profile certainly outside the range is refused)
    problem = age_problem(instrument, patient.birth_year, day)
    if problem:
        raise InvalidInput(f"instrument: {problem}")
    respondent = respondent_for(patient, instrument, respondent, day)
    total = result.get("total")
    row = answer_of_the_day(session, patient_id, instrument, day)
    if (row is not None and row.author_user_id is not None and author_user_id is not None
            and row.author_user_id != author_user_id and replace != row.id):
        who = _WHO.get(row.author_role or "", "Someone else")
        score_text = f" (score {row.total:g})" if row.total is not None else ""
        raise AnsweredByAnother(f"instrument: {who} already answered {instrument.upper()} for {day.isoformat()}"
                                f"{score_text}. One answer a day is kept: score again to replace it with yours, "
                                "or leave this page to keep it", row.id)
    action = "update" if row is not None else "create"
    replaced_total = row.total if row is not None else None
    if row is None:
        row = QuestionnaireResponse(patient_id=patient_id, instrument=instrument, answered_on=day)
        session.add(row)
    row.version = str(result.get("version", ""))
    row.answers = payload
    row.total = total
    row.band = result.get("band")
    row.author_user_id, row.author_role = author_user_id, author_role  # who answered (the latest answer's)
    row.respondent = respondent
    if instrument == "poem" and total is not None:
        d, _ = ensure_diary_day(session, patient_id, day)
        d.poem = int(round(total))
        d.author_user_id, d.author_role = author_user_id, author_role
    elif instrument == "poem" and replaced_total is not None:
        # the day's POEM answer is replaced by one that is not scored (two or more items
        # unanswered): the replaced total must not stay on the diary day (exports, insights),
        # unless the day's POEM was since entered as something else
        d = session.get(DiaryDay, (patient_id, day), with_for_update=True)
        if d is not None and d.poem == int(round(replaced_total)):
            d.poem = None
            d.author_user_id, d.author_role = author_user_id, author_role
    session.flush()
    audit.record(session, actor, patient_id, action, "questionnaire", row.id)
    return {"id": row.id, "answered_on": day.isoformat(), "respondent": respondent, **result}


def respondent_for(patient: Patient, instrument: str, respondent: object, day: dt.date) -> str | None:
    """Who answered ``instrument`` on ``patient``'s profile, checked (InvalidInput naming
    ``respondent``): 'self' or 'proxy' (``gutskin.instruments.respondents``).

    - one's own profile: 'self' (default); 'proxy' is refused: gutskin has no one to name as the
      proxy of an adult's own account (the proxy versions are a parent's, about a child);
    - a child's profile: POEM and RECAP take the choice (the child answering, or the parent for the
      child: the scores are not interchangeable); the page always asks, an API call without it is
      stored as not recorded (None) rather than refused, so clients written before 0017 keep working
      (the lead's change of 2026-12-07: H1 had made it required); CDLQI, DLQI and ADCT are
      self-reports, 'self' by default and 'proxy' refused; 'self' is refused for a child certainly under 4.
    """
    from gutskin.instruments.respondents import allowed, respondent_problem

    if respondent is not None and respondent not in RESPONDENTS:
        shown = repr(respondent)[:40]
        raise InvalidInput(f"respondent: expected 'self' (the person answers) or 'proxy' (a parent or caregiver "
                           f"answers for them), got {shown}")
    child = patient.relationship == "child"
    if respondent is None:
        if child and len(allowed(instrument)) > 1:
            # not guessed, not refused: an API client written before 0017 keeps working and its answer
            # reads "not recorded", as old rows do (the page always asks; docs/web.md)
            return None
        respondent = allowed(instrument)[0] if child else "self"
    if not child and respondent == "proxy":
        raise InvalidInput("respondent: 'proxy' is for a child's profile (a parent or caregiver answering for the "
                           "child); on your own profile you answer yourself ('self')")
    problem = respondent_problem(instrument, str(respondent), patient.birth_year, day)
    if problem:
        raise InvalidInput(f"respondent: {problem}")
    return str(respondent)


def history(session: Session, actor: Actor, patient_id: int, instrument: str | None = None) -> list[dict[str, object]]:
    patient_for_read(session, actor, patient_id)
    audit.record(session, actor, patient_id, "read", "questionnaires", instrument or "")
    q = select(QuestionnaireResponse).where(QuestionnaireResponse.patient_id == patient_id)
    if instrument:
        q = q.where(QuestionnaireResponse.instrument == instrument)
    return [_history_row(r) for r in session.scalars(q.order_by(QuestionnaireResponse.answered_on,
                                                                QuestionnaireResponse.id)).all()]


def _history_row(r: QuestionnaireResponse) -> dict[str, object]:
    row: dict[str, object] = {"id": r.id, "instrument": r.instrument, "answered_on": r.answered_on.isoformat(),
                              "total": r.total, "band": r.band, "version": r.version, "author_role": r.author_role,
                              "respondent": r.respondent}
    if r.instrument == "scorad":  # the clinic's SCORAD: its objective score (the only one without itch and sleep)
        from gutskin.clinic.assessments import objective_scorad

        row["objective"], row["objective_band"] = objective_scorad(r)
    return row


def recent_history(session: Session, actor: Actor, patient_id: int, n: int) -> tuple[list[dict[str, object]], int]:
    """The newest ``n`` answers as :func:`history` gives them (oldest first), and how many there are:
    the clinician's patient page lists 10 and said so after reading all of them (261 on 5 years of
    weekly POEM; bench.pages_long_record, 2026-12-06). Authorized and audited as :func:`history`."""
    patient_for_read(session, actor, patient_id)
    audit.record(session, actor, patient_id, "read", "questionnaires", "")
    mine = QuestionnaireResponse.patient_id == patient_id
    total = int(session.scalar(select(func.count()).select_from(QuestionnaireResponse).where(mine)) or 0)
    rows = session.scalars(select(QuestionnaireResponse).where(mine).order_by(
        QuestionnaireResponse.answered_on.desc(), QuestionnaireResponse.id.desc()).limit(n)).all()
    return [_history_row(r) for r in reversed(rows)], total


def due(session: Session, patient_id: int, today: dt.date | None = None) -> list[str]:
    """Weekly instruments not answered in the last 7 days (no audit: a prompt, not a read of values);
    ``today`` default: the patient's (:func:`gutskin.clinic.zones.patient_today`)."""
    today = today or zones.patient_today(session, patient_id)
    recent = set(
        session.scalars(
            select(QuestionnaireResponse.instrument).where(
                QuestionnaireResponse.patient_id == patient_id,
                QuestionnaireResponse.answered_on > today - dt.timedelta(days=7),
            )
        ).all()
    )
    return [i for i in WEEKLY if i not in recent]
