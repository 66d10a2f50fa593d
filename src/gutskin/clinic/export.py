"""A patient's own data, downloadable: the diary CSV (interchange format) and a JSON archive of everything."""

from __future__ import annotations

import datetime as dt
import io
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from gutskin.clinic import audit
from gutskin.clinic.access import owned_patients, patient_for_read
from gutskin.clinic.actors import Actor
from gutskin.clinic.diary import _days, export_factor_names, iter_export_rows
from gutskin.clinic.downloads import download_name
from gutskin.diary.csvio import write_diary_csv
from gutskin.store.models import (
    AllergyRecord,
    AppointmentRecipient,
    AppointmentRequest,
    ChallengeAdherence,
    ChallengeAlert,
    ChallengeDose,
    Caregiver,
    Consent,
    DiaryDay,
    Factor,
    FactorValue,
    FoodChallenge,
    Invite,
    MicrobiomeSample,
    PatientIdentifier,
    QuestionnaireResponse,
    User,
    utcnow,
)

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
    return download_name("diary", patient.external_id, patient.id, day, "csv")  # one rule with the report and FHIR


#: what the archive's numbers and times mean (it is read by people and other programs, not by gutskin)
ARCHIVE_LEGEND = {
    "times": "instants are UTC and end in Z (ISO 8601), to the second as stored (to the minute where only the "
             "minute is kept: appointment times, a dose's safety re-checks); days (date, answered_on, planned_on ...) "
             "are the person's own calendar days, YYYY-MM-DD",
    "itch": "worst itch in the last 24 hours, 0 (none) to 10 (worst imaginable)",
    "sleep_loss": "sleep lost to itch last night, 0 (none) to 10 (no sleep at all)",
    "poscorad": "PO-SCORAD, 0-103", "poem": "POEM total, 0-28 (the week before)",
    "flare": "true: a flare that day",
    "factors": "the day's foods, exposures, gut and treatments by name; each profile's `factors` says the kind "
               "(binary 0/1, count, scale) and the unit of each",
    "caregivers": "a child's co-caregivers: other accounts its managing parent let keep the child's diary with "
                  "them (each day's and answer's `author` says who wrote it); `account.caregiving`: the children "
                  "this account helps keep, by their profile's number",
    "author_ref": "on a day or answer brought in from a FHIR bundle: the number of the co-caregiver who wrote "
                  "it in that bundle (migration 0016), else null",
    "respondent": "who answered a questionnaire (migration 0017): self (the person the profile is about, also a "
                  "child answering on a parent's account) or proxy (a parent or caregiver answering for the child); "
                  "null: not recorded (answers before 2026-12-07, the clinic's EASI and SCORAD)",
    "identifiers": "the person's identifiers in other systems (a hospital's record number: system is the issuing "
                   "system's URI), kept when a FHIR bundle of that system was imported into the profile (migration 0018)",
    "ids": "numbers the access log's object_id refers to (a questionnaire, appointment, sample, challenge ...)",
}


def archive_json(session: Session, actor: Actor) -> str:
    """Everything stored about the account and each profile it manages: every column of every row
    about them, or the reason it is left out (tests/safety/test_datarights_archive_walk.py walks the
    tables): profile, diary with notes and who wrote each day, factor kinds and units, questionnaires,
    sharing, the child's co-caregivers and the children this account helps keep, invites,
    appointments, microbiome samples with their taxonomic profile, food challenges with doses,
    adherence and alerts, allergy records, and the whole access log."""
    user = session.get(User, actor.user_id)
    people = _People(session)
    out: dict[str, object] = {
        "format": "gutskin-archive/1",
        "exported_at": utcnow().isoformat(timespec="seconds") + "Z",
        "legend": ARCHIVE_LEGEND,
        "account": {"email": user.email if user else None, "name": user.display_name if user else None,
                    "role": actor.role, "created_at": _utc(user.created_at) if user else None,
                    # the children's profiles this account helps keep (their records are their parent's to download)
                    "caregiving": [
                        {"id": c.id, "patient_id": c.patient_id, "granted_by": people(c.granted_by_user_id),
                         "since": _utc(c.created_at)}
                        for c in session.scalars(select(Caregiver).where(Caregiver.user_id == actor.user_id)
                                                 .order_by(Caregiver.id)).all()]},
        "patients": [],
    }
    for p in owned_patients(session, actor):
        audit.record(session, actor, p.id, "export", "archive")
        diary = _days(session, p.id, None, None, with_author=True)
        updated = {day: (at, who, ref) for day, at, who, ref in session.execute(
            select(DiaryDay.day, DiaryDay.updated_at, DiaryDay.author_user_id, DiaryDay.author_ref)
            .where(DiaryDay.patient_id == p.id)).all()}
        for d in diary:
            at, who, ref = updated[dt.date.fromisoformat(str(d["date"]))]
            d["updated_at"], d["author"], d["author_ref"] = _utc(at), people(who), ref
        out["patients"].append(  # type: ignore[union-attr]
            {
                "patient_id": p.id,
                "external_id": p.external_id,
                "name": p.display_name,
                "relationship": p.relationship,
                "birth_year": p.birth_year,
                "sex": p.sex,
                "region": p.region,
                "time_zone": p.time_zone,  # the zone the profile's "today" is taken in (0013)
                "share_identity": p.share_identity,
                "created_at": _utc(p.created_at),
                # other systems' identifiers of the person, kept by a FHIR import (0018)
                "identifiers": [
                    {"id": x.id, "system": x.system, "value": x.value, "recorded_at": _utc(x.created_at)}
                    for x in session.scalars(select(PatientIdentifier).where(PatientIdentifier.patient_id == p.id)
                                             .order_by(PatientIdentifier.id)).all()
                ],
                "factors": _factors(session, p.id),
                "diary": diary,
                "questionnaires": [
                    {"id": q.id, "instrument": q.instrument, "version": q.version,
                     "answered_on": q.answered_on.isoformat(), "answers": q.answers, "total": q.total, "band": q.band,
                     "recorded_at": _utc(q.created_at), "author_role": q.author_role, "author": people(q.author_user_id),
                     "author_ref": q.author_ref, "respondent": q.respondent}
                    for q in session.scalars(select(QuestionnaireResponse).where(QuestionnaireResponse.patient_id == p.id)
                                             .order_by(QuestionnaireResponse.answered_on, QuestionnaireResponse.id)).all()
                ],
                "sharing": [
                    {"id": c.id, "clinician_user_id": c.clinician_user_id,
                     # a deleted clinician's account: the name and address kept on the consent (0011)
                     "clinician": people(c.clinician_user_id) or {"user_id": None, "name": c.clinician_name,
                                                                  "email": c.clinician_email},
                     "clinician_account_closed": c.clinician_user_id is None,
                     "since": _utc(c.created_at), "revoked_at": _utc(c.revoked_at)}
                    for c in session.scalars(select(Consent).where(Consent.patient_id == p.id).order_by(Consent.id)).all()
                ],
                "caregivers": [
                    {"id": c.id, "caregiver": people(c.user_id), "granted_by": people(c.granted_by_user_id),
                     "since": _utc(c.created_at)}
                    for c in session.scalars(select(Caregiver).where(Caregiver.patient_id == p.id).order_by(Caregiver.id))
                ],
                "invites": [
                    {"id": i.id, "kind": i.kind, "created_at": _utc(i.created_at), "expires_at": _utc(i.expires_at),
                     "used_at": _utc(i.used_at)}
                    for i in session.scalars(select(Invite).where(Invite.patient_id == p.id).order_by(Invite.id)).all()
                ],
                "appointments": [
                    {"id": a.id, "reason": a.reason, "urgency": a.urgency, "preferred_times": a.preferred_times,
                     "patient_zone": a.patient_zone, "status": a.status,
                     "scheduled_for": _utc(a.scheduled_for, "minutes"), "clinician": people(a.clinician_user_id),
                     # whom the patient sent it to (0012): only they see and answer it
                     "sent_to": [people(uid) for uid in session.scalars(
                         select(AppointmentRecipient.clinician_user_id).where(AppointmentRecipient.request_id == a.id)
                         .order_by(AppointmentRecipient.clinician_user_id))],
                     "message": a.message, "created_at": _utc(a.created_at), "updated_at": _utc(a.updated_at)}
                    for a in session.scalars(select(AppointmentRequest).where(AppointmentRequest.patient_id == p.id)
                                             .order_by(AppointmentRequest.id)).all()
                ],
                "microbiome_samples": _samples(session, actor, p.id),
                "food_challenges": _challenges(session, actor, p.id, people),
                "allergy_records": _allergies(session, actor, p.id, people),
                "access_log": audit.events_for_patient(session, p.id, limit=None, with_object_id=True),
            }
        )
    return json.dumps(out, indent=2, ensure_ascii=False)


class _People:
    """Accounts named in the archive (a clinician, who recorded a dose): id, name and address, or
    ``None`` when the column is empty or the account was deleted since."""

    def __init__(self, session: Session) -> None:
        self.session, self.known = session, {}  # type: ignore[var-annotated]

    def __call__(self, user_id: int | None) -> dict[str, object] | None:
        if user_id is None:
            return None
        if user_id not in self.known:
            u = self.session.get(User, user_id)
            self.known[user_id] = {"user_id": user_id, "name": u.display_name, "email": u.email} if u else None
        return self.known[user_id]


def _utc(moment: dt.datetime | None, timespec: str = "seconds") -> str | None:
    """A stored instant (naive UTC in the database) marked as UTC with ``Z``, as the API answers mark theirs."""
    return moment.isoformat(timespec=timespec) + "Z" if moment is not None else None


def _factors(session: Session, patient_id: int) -> dict[str, dict[str, object]]:
    """The factors in the profile's diary: kind (binary | count | scale) and unit, so a value reads back."""
    rows = session.execute(
        select(Factor.name, Factor.kind, Factor.unit, Factor.custom)
        .where(Factor.id.in_(select(FactorValue.factor_id).where(FactorValue.patient_id == patient_id)))
        .order_by(Factor.name)).all()
    return {name: {"kind": kind, "unit": unit, "custom": bool(custom)} for name, kind, unit, custom in rows}


def _samples(session: Session, actor: Actor, patient_id: int) -> list[dict[str, object]]:
    """Each sample as the API gives it, with what the upload was: its format and the taxonomic profile itself."""
    from gutskin.clinic.microbiome import list_samples

    rows = {r.id: r for r in session.scalars(select(MicrobiomeSample).where(MicrobiomeSample.patient_id == patient_id))}
    return [{**s, "source_format": rows[int(s["id"])].source_format, "is_counts": rows[int(s["id"])].is_counts,
             "profile": rows[int(s["id"])].profile}
            for s in list_samples(session, actor, patient_id)]


def _challenges(session: Session, actor: Actor, patient_id: int, people: _People) -> list[dict[str, object]]:
    """Each challenge as the API gives it (times marked ``Z``), with who planned, recorded and
    confirmed it, when each row last changed, and when an alert was acknowledged by whom.

    Its instants are given to the second as stored, like every other instant of the archive and
    like the FHIR export's reaction ``onset`` (a clinic dose's ``taken_at``, a safety report's
    alert ``created_at``): the API's answers give dose, stop, verdict, outcome and alert times to
    the minute, and the archive copied that until 2026-12-06, so a dose given at 09:30:45 was
    09:30 here and 09:30:45 in the FHIR export of the same record."""
    from gutskin.clinic.challenges import get_challenge, list_challenges

    out = []
    for c in list_challenges(session, actor, patient_id):
        full = get_challenge(session, actor, int(c["id"]))  # type: ignore[arg-type]
        row = session.get(FoodChallenge, int(c["id"]))  # type: ignore[arg-type]
        full.update({"clinician": people(row.clinician_user_id), "confirmed_by": people(row.confirmed_by_user_id),
                     "updated_at": _utc(row.updated_at), "stopped_at": _utc(row.stopped_at),
                     "verdict_at": _utc(row.verdict_at), "confirmed_at": _utc(row.confirmed_at)})
        doses = {d.id: d for d in session.scalars(select(ChallengeDose).where(ChallengeDose.challenge_id == row.id))}
        for d in full["doses"]:  # type: ignore[union-attr]
            dose = doses[int(d["id"])]
            d.update({"taken_at": _utc(dose.taken_at), "recorded_by": people(dose.recorded_by_user_id),
                      "updated_at": _utc(dose.updated_at)})
        kept = {a.day.isoformat(): a for a in session.scalars(
            select(ChallengeAdherence).where(ChallengeAdherence.challenge_id == row.id))}
        for a in full["adherence"]:  # type: ignore[union-attr]
            a["updated_at"] = _utc(kept[str(a["day"])].updated_at)
        alerts = {a.id: a for a in session.scalars(select(ChallengeAlert).where(ChallengeAlert.challenge_id == row.id))}
        for a in full["alerts"]:  # type: ignore[union-attr]
            alert = alerts[int(a["id"])]
            a.update({"created_at": _utc(alert.created_at), "acknowledged_at": _utc(alert.acknowledged_at),
                      "acknowledged_by": people(alert.acknowledged_by_user_id)})
        out.append(full)
    return out


def _allergies(session: Session, actor: Actor, patient_id: int, people: _People) -> list[dict[str, object]]:
    from gutskin.clinic.challenges import allergy_records

    by = dict(session.execute(select(AllergyRecord.id, AllergyRecord.recorded_by_user_id)
                              .where(AllergyRecord.patient_id == patient_id)).all())
    return [{**r, "recorded_by": people(by[int(r["id"])])}  # type: ignore[call-overload]
            for r in allergy_records(session, actor, patient_id)]


def neutralize_formula(cell: str) -> str:
    """Prefix a quote to cells a spreadsheet would run as a formula (OWASP CSV injection)."""
    return "'" + cell if cell.startswith(FORMULA_PREFIXES) else cell
