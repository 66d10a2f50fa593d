"""FHIR export and import use cases: authorization and audit here, mapping in ``gutskin.interop``.

Export: the owner or a linked clinician (others: ``NotFound``), one audit row
(``export``/``fhir_bundle``). Import: the CLI operator or the owning account, one
transaction (all or nothing), one audit row (``import``/``fhir_bundle``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from gutskin.clinic import audit, zones
from gutskin.clinic.access import has_active_consent, patient_for_read, patient_for_write
from gutskin.clinic.actors import Actor
from gutskin.clinic.diary import _days, factor_ids
from gutskin.clinic.errors import Conflict, Forbidden, InvalidInput, NotFound
from gutskin.diary.names import NameRefused, clean_name
from gutskin.store.db import transaction
from gutskin.store.models import (
    AllergyRecord,
    AppointmentRequest,
    DiaryDay,
    FactorValue,
    Patient,
    QuestionnaireResponse,
    User,
    utcnow,
)


VERDICT_WORDS = {"reaction_likely": "reaction likely", "no_reaction": "no reaction", "inconclusive": "inconclusive"}


OUTCOME_WORDS = {"confirmed": "allergy confirmed", "refuted": "allergy refuted"}


def _verdict_summary(c: Any, with_outcome: bool = True, free_text: bool = True) -> str:
    """What decided a challenge, then the evidence: the clinician's recorded outcome ("decided by the
    clinician's recorded outcome: allergy confirmed"), an immediate reaction (objective signs at a
    clinic dose, a positive immediate outcome, the patient's safety check: "decided by an immediate
    reaction: objective signs at step 2 (hives)", with what the diary alone read), else the diary
    ("diary verdict: no reaction (probability of a reaction 12%)"). Until 2026-12-06 every note read "diary verdict: reaction
    likely" even when the reaction in clinic or the clinician's outcome had decided it.
    ``with_outcome=False``: the visit report, whose own columns give the clinician's outcome and date.
    ``free_text=False`` (a pseudonymized FHIR bundle, 2026-12-06): an immediate reaction's typed
    stopping reason reads "reason recorded in gutskin"; gutskin's own words (signs at a step, the
    safety check's answers) stay."""
    from gutskin.diary.numbers import signed
    from gutskin.insights.wording import risk_percent

    v = c.verdict or {}
    parts = []
    if c.outcome and with_outcome:
        parts.append(f"decided by the clinician's recorded outcome: {OUTCOME_WORDS.get(c.outcome, c.outcome)}")
    immediate = next((str(r)[len("immediate reaction: "):] for r in reversed(v.get("reasons") or [])
                      if str(r).startswith("immediate reaction: ")), None)
    if immediate and not free_text and not _generated_reason(immediate):
        immediate = "reason recorded in gutskin"
    if v.get("verdict") and (immediate is not None or "late_verdict" in v):
        word = VERDICT_WORDS.get(v["verdict"], v["verdict"])
        parts.append((f"verdict {word}, decided by an immediate reaction" if not c.outcome else "immediate reaction")
                     + (f": {immediate}" if immediate else ""))
        late = v.get("late_verdict")
        if late:
            parts.append(f"the diary alone read: {VERDICT_WORDS.get(late, late)}")
            if v.get("probability") is not None:
                parts[-1] += f" (probability of a reaction {risk_percent(float(v['probability']))})"
    elif v.get("verdict"):
        parts.append(f"diary verdict: {VERDICT_WORDS.get(v['verdict'], v['verdict'])}")
        if v.get("probability") is not None:
            parts[-1] += f" (probability of a reaction {risk_percent(float(v['probability']))})"
    # the challenge page's words (2026-12-07): "no reaction (12 %)" read as 12 % sure of no reaction, while
    # it is the chance of a reaction; "itch change +2.4" had no scale and a hyphen for a minus
    if v.get("verdict") and v.get("effect") is not None:
        parts.append(f"itch {signed(float(v['effect']), 1)} points (0–10 scale) vs the baseline")
    if c.immediate_outcome:
        parts.append(f"immediate reaction test: {c.immediate_outcome}")
    if c.stop_reason:
        parts.append(_stop_words(c))
    return "; ".join(parts)


def _generated_reason(text: str) -> bool:
    """Whether an immediate reaction's reason is in gutskin's own words (``challenges.evaluate``):
    "stopped in clinic", the safety check's answers ("safety check: hives, vomiting") or the signs of
    clinic doses ("objective signs at step 2 (hives; repeated vomiting)"); else the typed stop reason."""
    import re

    from gutskin.clinic.challenges import SAFETY_SYMPTOMS

    keys = "|".join(re.escape(k) for k in SAFETY_SYMPTOMS)
    labels = "|".join(re.escape(v.split(" (")[0][:1].lower() + v.split(" (")[0][1:]) for v in SAFETY_SYMPTOMS.values())
    step = rf"step \d+ \(({labels})(; ({labels}))*\)"
    return bool(text == "stopped in clinic" or re.fullmatch(rf"safety check: ({keys})(, ({keys}))*", text)
                or re.fullmatch(rf"objective signs at {step}(, {step})*", text))


def _stop_words(c: Any) -> str:
    """Why a challenge stopped, in fixed words (the typed reason is free text, which a bundle without
    the patient's identity must not carry). Until 2026-12-06 every stop read "stopped for safety",
    also one stopped because sharing with the clinic ended or for a reason the person typed."""
    from gutskin.clinic.challenges import ENDED_SHARING_REASON
    from gutskin.clinic.sharing import CLOSED_ACCOUNT_REASON

    reason = c.stop_reason or ""
    if reason.startswith("safety check:") or c.immediate_outcome in ("positive", "stopped"):
        return "stopped for safety"
    if reason == ENDED_SHARING_REASON:
        return "stopped when sharing with the supervising clinician ended"
    if reason == CLOSED_ACCOUNT_REASON:
        return "stopped when the supervising clinician's account was closed"
    return "stopped before its end (reason recorded in gutskin)"


def patient_day(moment: dt.datetime | None, zone: str | None) -> dt.date | None:
    """The patient's date of a stored moment (naive UTC) in the profile's zone (``zones.patient_zone``;
    None: the UTC date, as before). A decision at 20:00 UTC is the next day in Auckland: the report
    and the bundle's recordedDate gave the UTC date (2026-12-07)."""
    if moment is None:
        return None
    tz = zones.known(zone)
    return moment.replace(tzinfo=dt.UTC).astimezone(tz).date() if tz is not None else moment.date()


def challenge_records(session: Session, patient_id: int, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Food challenges of a patient, newest first, as plain data (issue 7's tables).

    ``[{"id", "food", "status", "phase" (a running challenge's phase on ``today``: upcoming,
    elimination, baseline, reintroduction, review; else None), "kind", "verdict" (diary verdict
    word or None), "interim" (the verdict was computed before the reintroduction ended), "outcome"
    (confirmed | refuted | None, the clinician's decision), "decided_on" (the date of that decision),
    "summary", "finished_on"}]``.
    """
    from gutskin.clinic.challenges import OPEN_STATUSES, phase_on
    from gutskin.store.models import FoodChallenge

    today = today or zones.patient_today(session, patient_id)
    zone = zones.patient_zone(session, patient_id)
    out = []
    for c in session.scalars(select(FoodChallenge).where(FoodChallenge.patient_id == patient_id)
                             .order_by(FoodChallenge.id.desc())).all():
        finished = c.confirmed_at or c.verdict_at or c.stopped_at
        v = (c.verdict or {}).get("verdict")
        out.append({"id": c.id, "food": c.food, "status": c.status, "kind": c.kind,
                    "phase": phase_on(c, today) if c.status in OPEN_STATUSES else None,
                    "verdict": VERDICT_WORDS.get(v, v) if v else None,
                    "interim": bool(v) and c.verdict_at is not None
                    and patient_day(c.verdict_at, zone) <= c.reintroduction_end  # type: ignore[operator]
                    and c.status in OPEN_STATUSES,
                    "outcome": c.outcome, "decided_on": patient_day(c.confirmed_at, zone),
                    "summary": _verdict_summary(c, with_outcome=False),
                    "finished_on": patient_day(finished, zone)})
    return out


def allergy_records(session: Session, patient_id: int, with_notes: bool) -> list[dict[str, Any]]:
    """Confirmed or refuted food allergies (clinician's records) for AllergyIntolerance, oldest first
    (the mapping keeps the newest per food and notes the earlier ones)."""
    from gutskin.store.models import AllergyRecord, FoodChallenge

    rows = session.execute(
        select(AllergyRecord, FoodChallenge, User.display_name, User.email)
        .outerjoin(FoodChallenge, FoodChallenge.id == AllergyRecord.challenge_id)
        .outerjoin(User, User.id == AllergyRecord.recorded_by_user_id)
        .where(AllergyRecord.patient_id == patient_id).order_by(AllergyRecord.id)
    ).all()
    out = []
    zone = zones.patient_zone(session, patient_id) if rows else None
    for a, c, name, email in rows:
        summary = _verdict_summary(c, free_text=with_notes) if c is not None else ""
        if with_notes and a.note:
            summary = f"{summary}; {a.note}" if summary else a.note
        out.append({"id": a.id, "food": a.food, "verdict": a.status, "summary": summary,
                    "finished_on": patient_day(a.recorded_at, zone), "avoid": bool(a.avoid),
                    "recorder": name or email, "reactions": _reactions(session, c) if c is not None else []})
    return out


def _reactions(session: Session, c: Any) -> list[dict[str, Any]]:
    """The signs recorded during a challenge, from the fixed safety list (free text stays out):
    the patient's safety reports and reactions to clinic doses, ``onset`` a UTC instant for both
    (clinic doses were kept in the clinic's wall-clock time until migration 0006, and went out as the day)."""
    from gutskin.clinic.challenges import LATE_SIGN_LABELS, SAFETY_SYMPTOMS, alert_day
    from gutskin.store.models import ChallengeAlert, ChallengeDose

    out: list[dict[str, Any]] = []
    for al in session.scalars(select(ChallengeAlert).where(ChallengeAlert.challenge_id == c.id)
                              .order_by(ChallengeAlert.id)).all():
        if al.symptoms:
            # a late reaction (kind "late:YYYY-MM-DD", 2026-12-07) began on the diary day it was logged, not when
            # a page first ran the check: its onset is that day, and its signs go out in words as the safety list's
            late_day = alert_day(al.kind)
            labels = LATE_SIGN_LABELS if late_day is not None else SAFETY_SYMPTOMS
            out.append({"signs": [labels.get(x, x) for x in al.symptoms],
                        "onset": late_day if late_day is not None else al.created_at})
    for d in session.scalars(select(ChallengeDose).where(ChallengeDose.challenge_id == c.id, ChallengeDose.setting == "clinic")
                             .order_by(ChallengeDose.step, ChallengeDose.id)).all():
        present = (d.safety or {}).get("reactions") or []
        if present:
            out.append({"signs": [SAFETY_SYMPTOMS.get(x, x) for x in present],
                        "onset": d.taken_at, "dose": d.amount, "step": d.step})
    return out


def microbiome_records(session: Session, patient_id: int) -> list[dict[str, Any]]:
    """The profile's stool samples for the FHIR bundle (2026-12-07): row id, collection day, the
    upload's day in the patient's zone (:func:`patient_day`: the results' date when no collection day
    was given), method and the stored report; not the taxonomic profile (the bundle carries results)."""
    from gutskin.store.models import MicrobiomeSample

    rows = session.execute(
        select(MicrobiomeSample.id, MicrobiomeSample.collected_on, MicrobiomeSample.created_at, MicrobiomeSample.method,
               MicrobiomeSample.diversity).where(MicrobiomeSample.patient_id == patient_id).order_by(MicrobiomeSample.id)).all()
    zone = zones.patient_zone(session, patient_id) if rows else None
    return [{"id": r.id, "collected_on": r.collected_on, "reported_on": patient_day(r.created_at, zone),
             "method": r.method, "report": r.diversity if isinstance(r.diversity, dict) else {}} for r in rows]


def _author_key(user_id: int | None, ref: str | None) -> str:
    """Which co-caregiver wrote a row: the account of this install, else (imported, no account here)
    the other system's co-caregiver number kept by the import (0016; NULL for older imports: one)."""
    return f"user/{user_id}" if user_id is not None else f"imported/{ref}"


def patient_record(session: Session, patient: Patient, clinician_user_id: int | None = None,
                   with_appointments: bool = True) -> dict[str, Any]:
    """Plain data of one (already authorized) patient for the FHIR mapping. ``clinician_user_id``:
    a clinician's export carries only the appointment requests sent to them (0012: another
    clinician's requests are not theirs to see). ``with_appointments`` False: none (a child's
    co-caregiver: appointments are the managing parent's, as ``appointments.my_requests``)."""
    qrs = session.scalars(
        select(QuestionnaireResponse).where(QuestionnaireResponse.patient_id == patient.id)
        .order_by(QuestionnaireResponse.answered_on, QuestionnaireResponse.id)
    ).all()
    appts_q = (
        select(AppointmentRequest, User.display_name, User.email)
        .outerjoin(User, User.id == AppointmentRequest.clinician_user_id)
        .where(AppointmentRequest.patient_id == patient.id).order_by(AppointmentRequest.id)
    )
    if clinician_user_id is not None:
        from gutskin.store.models import AppointmentRecipient

        appts_q = appts_q.where(select(AppointmentRecipient.request_id).where(
            AppointmentRecipient.request_id == AppointmentRequest.id,
            AppointmentRecipient.clinician_user_id == clinician_user_id).exists())
    appts = session.execute(appts_q).all() if with_appointments else []
    days = _days(session, patient.id, None, None, with_author=True)
    # a co-caregiver's entries name their own RelatedPerson: told apart by account (not exported), or
    # for rows imported from another system by which of its co-caregivers wrote them (0016)
    day_authors = {day: _author_key(uid, ref) for day, uid, ref in session.execute(
        select(DiaryDay.day, DiaryDay.author_user_id, DiaryDay.author_ref).where(
            DiaryDay.patient_id == patient.id, DiaryDay.author_role == "co_caregiver")).all()}
    for d in days:
        if d["author_role"] == "co_caregiver":
            d["author_key"] = day_authors.get(dt.date.fromisoformat(str(d["date"])))
    # who measured the clinic's EASI and SCORAD (the bundle's performer, 2026-12-07): the clinician's name
    # or e-mail, as an Appointment names them; none for one imported from another system (no account here)
    clinic_ids = {q.author_user_id for q in qrs if q.author_role == "clinician" and q.author_user_id is not None}
    clinicians = ({u.id: u.display_name or u.email for u in session.scalars(select(User).where(User.id.in_(clinic_ids)))}
                  if clinic_ids else {})
    return {
        "patient": {"id": patient.id, "external_id": patient.external_id, "display_name": patient.display_name,
                    "birth_year": patient.birth_year, "sex": patient.sex, "region": patient.region,
                    "share_identity": bool(patient.share_identity),
                    # other systems' identifiers of the person (an MRN, 0018): in the bundle with identity consent
                    "identifiers": stored_identifiers(session, patient.id)},
        "days": days,
        "questionnaires": [{"id": q.id, "instrument": q.instrument, "version": q.version, "answered_on": q.answered_on,
                            "answers": q.answers, "total": q.total, "band": q.band, "author_role": q.author_role,
                            "respondent": q.respondent,
                            **({"author_key": _author_key(q.author_user_id, q.author_ref)}
                               if q.author_role == "co_caregiver" else {}),
                            **({"clinician": clinicians[q.author_user_id], "clinician_key": f"user/{q.author_user_id}"}
                               if q.author_role == "clinician" and q.author_user_id in clinicians else {})}
                           for q in qrs],
        "appointments": [{"id": a.id, "status": a.status, "scheduled_for": a.scheduled_for, "reason": a.reason,
                          "clinician": name or email} for a, name, email in appts],
        "challenges": allergy_records(session, patient.id, with_notes=bool(patient.share_identity)),
        "microbiome": microbiome_records(session, patient.id),
        # the patient's today (the profile's zone, else the server's date): a treatment used 14 days
        # ago on the patient's calendar is still active at a Los Angeles evening (2026-12-06)
        "as_of": zones.patient_today(session, patient.id),
        "generated_at": utcnow(),
    }


def export_record(session: Session, actor: Actor, patient_id: int) -> dict[str, Any]:
    """Authorize and audit a FHIR export, and read the record as plain data; build the Bundle
    with :func:`bundle_of` after the transaction ends. Building is CPU work (a century of diary
    days took 80 s): inside the transaction it held SQLite's write lock, and every writer, that long."""
    patient = patient_for_read(session, actor, patient_id)
    audit.record(session, actor, patient_id, "export", "fhir_bundle")
    # a child's co-caregiver reads the record but not its appointments (the managing parent's,
    # 404 on the requests themselves): their export carried the booked ones until 2026-12-06
    manages = actor.is_system or actor.role == "clinician" or patient.owner_user_id == actor.user_id
    return patient_record(session, patient, actor.user_id if actor.role == "clinician" else None,
                          with_appointments=manages)


def bundle_of(record: dict[str, Any]) -> dict[str, Any]:
    """The FHIR R4B Bundle (JSON-able dict) of a record from :func:`export_record` (no database)."""
    from gutskin.interop.fhir import build_bundle

    return build_bundle(record)


def export_bundle(session: Session, actor: Actor, patient_id: int) -> dict[str, Any]:
    """The patient's FHIR R4B Bundle (JSON-able dict) for the owner or a linked clinician
    (in the caller's transaction: CLI and tests; the web builds it after its transaction)."""
    return bundle_of(export_record(session, actor, patient_id))


def _by_identifier(session: Session, ref: str) -> Patient | None:
    """The patient with identifier ``ref`` as given or in canonical form (NFC, no surrounding
    spaces: csvio.canonical_identifier); as given first, for one stored before identifiers were
    made canonical."""
    from gutskin.diary.csvio import canonical_identifier

    for candidate in dict.fromkeys((ref, canonical_identifier(ref))):
        p = session.scalar(select(Patient).where(Patient.external_id == candidate))
        if p is not None:
            return p
    return None


def resolve_patient(session: Session, actor: Actor, ref: str) -> Patient:
    """A patient by identifier (``external_id``) or, failing that, by numeric id; read access checked."""
    p = _by_identifier(session, ref)
    if p is None and ref.isdigit():
        p = session.get(Patient, int(ref))
    if p is None:
        raise NotFound(f"no patient with identifier {ref!r}")
    return patient_for_read(session, actor, p.id)


def _name_words(name: str) -> set[str]:
    """A name's words for comparison: case, accents and punctuation set aside ("Maja-Elin Lindqvist",
    "LINDQVIST, Maja Elin" and "Maja Elin Lindqvist" have the same words)."""
    import re
    import unicodedata

    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return {w for w in re.split(r"[^\w]+|_", plain.casefold()) if w}


def identity_differences(foreign: dict[str, Any], p: Patient) -> dict[str, Any]:
    """Whether a Patient of another system and the profile the operator named are the same person,
    as far as both say: the name (the words of the shorter are all in the longer: a middle name or
    the order "family, given" may differ) and the birth year. A profile without a name of its own
    (a clinic-side profile named by its identifier) or without a birth year is not compared on it.
    ``{"compared": [...], "differs": [...], "bundle": {"name", "birth_year"}, "profile": {...}}``."""
    mine = p.display_name if p.display_name and p.display_name != p.external_id else None
    compared, differs = [], []
    if foreign.get("display_name") and mine:
        compared.append("name")
        a, b = _name_words(foreign["display_name"]), _name_words(mine)
        if not a or not b or not (a <= b or b <= a):
            differs.append("name")
    if foreign.get("birth_year") is not None and p.birth_year is not None:
        compared.append("birth year")
        if int(foreign["birth_year"]) != int(p.birth_year):
            differs.append("birth year")
    return {"compared": compared, "differs": differs,
            "bundle": {"name": foreign.get("display_name"), "birth_year": foreign.get("birth_year")},
            "profile": {"name": mine, "birth_year": p.birth_year}}


def _identity_words(who: dict[str, Any]) -> str:
    name = repr(who["name"]) if who.get("name") else "no name"
    return f"{name}, born {who['birth_year']}" if who.get("birth_year") is not None else f"{name}, no birth year"


#: how the refusal of a different identity says to go on: the CLI's flag (the web page passes its own words)
ACCEPT_WORDS = "import again with --accept-identity-difference"


def stored_identifiers(session: Session, patient_id: int) -> list[dict[str, str]]:
    """The profile's identifiers of other systems (0018), by system: ``[{"system", "value"}]``."""
    from gutskin.store.models import PatientIdentifier

    return [{"system": r.system, "value": r.value} for r in session.scalars(
        select(PatientIdentifier).where(PatientIdentifier.patient_id == patient_id).order_by(PatientIdentifier.system))]


def _held_elsewhere(session: Session, actor: Actor, p: Patient, x: dict[str, str]) -> str | None:
    """The external id of another profile holding identifier ``x`` that ``actor`` may read (the
    operator: any), else None. A profile the caller may not read is not told of (H6, 2026-12-07):
    "another profile in gutskin already has" it answered anyone with a profile of their own, in a
    preview that saves nothing, whether a hospital's MRN belonged to somebody in gutskin."""
    from gutskin.store.models import PatientIdentifier

    holders = session.execute(select(Patient.id, Patient.external_id)
                              .join(PatientIdentifier, PatientIdentifier.patient_id == Patient.id)
                              .where(PatientIdentifier.system == x["system"], PatientIdentifier.value == x["value"],
                                     Patient.id != p.id).order_by(Patient.id)).all()
    for pid, ext in holders:
        try:
            patient_for_read(session, actor, pid)
        except NotFound:
            continue
        return str(ext)
    return None


def _identifier_check(session: Session, actor: Actor, p: Patient, given: list[dict[str, str]],
                      accept: bool, accept_words: str) -> dict[str, list[str]]:
    """Match the bundle's identifiers of other systems (:func:`gutskin.interop.fhir_import.other_identifiers`)
    with the profile's (2026-12-07, 0018) and keep the new ones. The same system with another value
    (the hospital's MRN of another patient), or a value another profile already holds for that system,
    is a ``Conflict`` (nothing imported) unless ``accept``; accepted, the profile's own value is kept.
    Only a profile the caller may read counts as another one holding it (:func:`_held_elsewhere`).
    ``{"added", "matched", "differs", "elsewhere"}``: ``system|value`` of the bundle's identifiers."""
    from gutskin.store.models import PatientIdentifier

    held = {r.system: r.value for r in session.scalars(select(PatientIdentifier).where(PatientIdentifier.patient_id == p.id))}
    out: dict[str, list[str]] = {"added": [], "matched": [], "differs": [], "elsewhere": []}
    for x in given:
        key = f"{x['system']}|{x['value']}"
        mine = held.get(x["system"])
        if mine is not None and mine != x["value"]:
            if not accept:
                raise Conflict(f"the bundle's Patient has identifier {x['value']!r} of system {x['system']} and patient "
                               f"{p.external_id} has {mine!r} of that system; nothing was imported. Check that they are "
                               f"the same person; if they are, {accept_words}")
            out["differs"].append(key)
            continue
        other = _held_elsewhere(session, actor, p, x)
        if other is not None:
            if not accept:
                # the operator may see whose; anyone else is told only that another profile holds it
                whose = f"patient {other}" if actor.is_system else "another profile in gutskin"
                raise Conflict(f"the bundle's Patient has identifier {x['value']!r} of system {x['system']}, which "
                               f"{whose} already has; nothing was imported. Check that the bundle is patient "
                               f"{p.external_id}'s; if it is, {accept_words}")
            out["elsewhere"].append(key)
        if mine is not None:
            out["matched"].append(key)
            continue
        row = PatientIdentifier(patient_id=p.id, system=x["system"], value=x["value"])
        session.add(row)
        session.flush()
        audit.record(session, actor, p.id, "create", "patient_identifier", row.id)
        out["added"].append(key)
    return out


def import_bundle(engine: Engine, actor: Actor, bundle: Any, patient_ref: str | None = None,
                  owner_user_id: int | None = None, accept_identity_difference: bool = False,
                  accept_words: str = ACCEPT_WORDS, into: int | None = None, dry_run: bool = False,
                  skip_clinic_findings: bool = False) -> dict[str, Any]:
    """Import a bundle's QuestionnaireResponses and Observations in one transaction.

    The target patient is ``patient_ref`` (identifier or id) or the bundle Patient's gutskin
    identifier; an unknown identifier creates a clinic-side profile (as the diary CSV import
    does). A day already in the diary is a ``Conflict``; a malformed or foreign bundle is
    ``InvalidInput`` naming the entry and field. Nothing is stored unless everything is.
    The clinic's EASI and SCORAD (re-scored from their findings) come in with author role
    ``clinician``, only by the operator (``Forbidden`` otherwise); one already recorded on that
    day is a ``Conflict``. Food allergies (AllergyIntolerance: food, confirmed/refuted, avoid list,
    recorded day) come back as allergy records with no challenge and no recorder (the clinician is
    an account of the other system), also only by the operator; a food the target already has an
    allergy record for is a ``Conflict`` (2026-12-06; before, they were ignored).
    Who answered travels as a role (patient | caregiver, from the bundle's authors and
    performers); the account that entered it elsewhere is not known here (``author_user_id`` NULL).

    A Patient of another system (no gutskin identifier: an EHR's MRN, a research app's id; since
    2026-12-07) is imported only into the patient ``patient_ref`` names (without one: ``InvalidInput``
    saying to name it). Who it is is then the operator's choice, checked: when the named profile and
    the Patient both give a name or a birth year and they differ (:func:`identity_differences`), the
    import is a ``Conflict`` naming both, unless ``accept_identity_difference``; the summary's
    ``foreign_patient`` says what was compared and what differed. A profile the import creates for it
    takes its name, birth year and sex (not its address), pseudonymous in exports
    (``share_identity`` stays off: that consent is the patient's to give in gutskin).

    The Patient's identifiers of other systems (an MRN) are kept on the profile and checked against
    the ones it has (:func:`_identifier_check`, 0018); the summary's ``identifiers`` says which.

    ``into`` (the web upload, 2026-12-07): the profile by its row id, never created; the owning
    account or a clinician the patient shares with (consent active, else ``NotFound``) may import
    there. A linked clinician may bring in the clinic's EASI and SCORAD and food allergies, as the
    operator. A gutskin bundle of another profile (its identifier not this profile's) is a
    ``Conflict`` unless ``accept_identity_difference``. ``dry_run``: everything is checked and the
    summary returned, then rolled back (the upload's preview; no audit row stays).

    ``skip_clinic_findings`` (the patient's own upload on My data, 2026-12-07): the clinic's EASI and
    SCORAD and food allergies in a bundle the owning account imports are left out and counted in the
    summary's ``ignored`` (:data:`CLINIC_FINDINGS_SKIPPED`) instead of refusing the whole bundle: the
    person's own gutskin export from another clinic carries them, and only a clinic may bring them in.

    A questionnaire already answered in the record on that day (one per instrument and day, as
    ``questionnaires.submit`` keeps) is a ``Conflict`` naming it, as a diary day is: until 2026-12-07 a
    bundle of RECAP, DLQI or ADCT answers alone (no diary day to clash) imported twice stored them twice.
    """
    from gutskin.diary.csvio import canonical_identifier
    from gutskin.interop.fhir_import import BundleError, holds, imports_anything, nothing_to_import, parse_bundle

    try:
        parsed = parse_bundle(bundle, target_named=bool(patient_ref) or into is not None)
    except BundleError as exc:
        raise InvalidInput(str(exc)) from None
    # the operator, or a clinician into a profile shared with them (consent checked in the transaction)
    clinic_side = actor.is_system or (into is not None and actor.role == "clinician")
    if actor.role == "clinician" and not clinic_side:
        raise NotFound("patient not found")
    if skip_clinic_findings and not clinic_side:
        for rows, key in ((parsed.assessments, CLINIC_FINDINGS_SKIPPED["assessments"]),
                          (parsed.allergies, CLINIC_FINDINGS_SKIPPED["allergies"])):
            if rows:
                parsed.ignored[key] = parsed.ignored.get(key, 0) + len(rows)
                rows.clear()
        if not imports_anything(parsed):  # only the clinic's findings: it imported nothing, silently (2026-12-07)
            raise InvalidInput(f"this bundle holds {holds(bundle)} and nothing you can import: the clinic's EASI and "
                               "SCORAD and food allergies decided by a clinician are brought in only by a clinic you "
                               "share with, and there is no diary day or questionnaire answer besides; nothing was "
                               "imported")
    if not imports_anything(parsed):
        # a Patient alone, appointments, microbiome results: it was imported as nothing, silently, and a
        # new profile made for it (2026-12-07); refused, naming what the bundle holds and what is read
        raise InvalidInput(nothing_to_import(bundle))
    if parsed.assessments and not clinic_side:
        # a clinician's findings: only the operator's import (the CLI) or a linked clinician's upload
        # may bring them in, never a patient's or caregiver's own (findings in the clinic's name)
        raise Forbidden("the bundle holds the clinic's EASI or SCORAD results: only the clinic (the operator's "
                        "gutskin import fhir, a clinician you share with) may bring them in; nothing was imported")
    if parsed.allergies and not clinic_side:
        # a clinician's decision (a refuted allergy takes the food off the avoid list): never from a
        # patient's or caregiver's own upload, as a patient cannot mark their own challenge passed
        raise Forbidden("the bundle holds food allergies decided by a clinician: only the clinic (the operator's "
                        "gutskin import fhir, a clinician you share with) may bring them in; nothing was imported")
    try:
        with transaction(engine) as s:
            out = _import_parsed(s, actor, parsed, patient_ref, owner_user_id, accept_identity_difference,
                                 accept_words, into)
            if dry_run:
                raise _DryRun(out)
            return out
    except _DryRun as done:
        return done.summary


#: how the summary's ``ignored`` names the clinic's findings a patient's own upload leaves out (``skip_clinic_findings``)
CLINIC_FINDINGS_SKIPPED = {
    "assessments": "clinic assessment (EASI or SCORAD): only a clinic you share with can bring it in",
    "allergies": "food allergy decided by a clinician: only a clinic you share with can bring it in",
}


class _DryRun(Exception):
    """Rolls back a checked import (:func:`import_bundle` ``dry_run``), carrying its summary."""

    def __init__(self, summary: dict[str, Any]) -> None:
        super().__init__("dry run")
        self.summary = summary



def _days_already_there(external_id: str, clashes: list[dt.date], n_days: int) -> str:
    """The refusal of a bundle with days the record has: which day first, how many, and what to do
    next. It said only the first day, so a person bringing back their own export, or a clinic a
    bundle that overlaps, was told no next step (clinician walk, 2026-12-07). An import adds days,
    never replaces one (docs/interop.md)."""
    k = len(clashes)
    head = (f"patient {external_id} already has a diary entry on {clashes[0].isoformat()}; nothing was imported. "
            f"{k} of the bundle's {n_days} diary days {'is' if k == 1 else 'are'} in the record already")
    if k == n_days:
        return head + (": all of them, so this looks like an export of this record brought back; its diary days "
                       "are here already")
    return head + (f" (the first {clashes[0].isoformat()}, the last {clashes[-1].isoformat()}). An import adds new days "
                   f"and never replaces one: import a bundle of the other {n_days - k} days only, or enter them on the "
                   "diary page")


def _import_parsed(s: Session, actor: Actor, parsed: Any, patient_ref: str | None, owner_user_id: int | None,
                   accept_identity_difference: bool, accept_words: str, into: int | None) -> dict[str, Any]:
    """:func:`import_bundle`'s writes, in its transaction ``s``."""
    from gutskin.diary.csvio import canonical_identifier

    foreign = parsed.foreign
    check: dict[str, Any] | None = None
    if into is not None:
        p = s.get(Patient, into)
        if p is None:
            raise NotFound("patient not found")
        ref = p.external_id
    else:
        ref = patient_ref or parsed.patient_identifier
        assert ref is not None  # a foreign Patient is parsed only with a named target
        p = _by_identifier(s, ref)
        ref = canonical_identifier(ref)  # a new profile is stored in canonical form, as the CSV import does
        if p is None and patient_ref and patient_ref.isdigit():
            p = s.get(Patient, int(patient_ref))
    created = False
    if p is None:
        if patient_ref and not actor.is_system:
            raise NotFound(f"no patient with identifier {patient_ref!r}")
        if not actor.is_system and owner_user_id is None:
            raise NotFound(f"no patient with identifier {ref!r}")
        try:  # the new profile's name on the clinic's pages: no text-direction controls (docs/security.md)
            clean_name("patient identifier", ref)
        except NameRefused as exc:
            raise InvalidInput(str(exc)) from None
        p = Patient(external_id=ref, owner_user_id=owner_user_id, relationship="self", display_name=ref)
        if parsed.identity is not None:
            # the bundle carries the identity the patient consented to share: the new profile keeps
            # it, and that consent, so its own exports say what this one said (2026-12-06; before,
            # the name, birth year, sex, region and the diary notes were lost on the way back)
            who = parsed.identity
            try:
                name = clean_name("patient name", who["display_name"]) if who["display_name"] else ""
            except NameRefused as exc:
                raise InvalidInput(str(exc)) from None
            p.display_name = name or ref
            p.birth_year, p.sex, p.region, p.share_identity = who["birth_year"], who["sex"], who["region"], True
        elif foreign is not None:
            # another system's Patient: the clinic's record of who the person is (name, birth year, sex),
            # not an identity the patient chose to share from gutskin (share_identity stays off)
            try:
                name = clean_name("patient name", foreign["display_name"]) if foreign["display_name"] else ""
            except NameRefused as exc:
                raise InvalidInput(str(exc)) from None
            p.display_name = name or ref
            p.birth_year, p.sex = foreign["birth_year"], foreign["sex"]
        s.add(p)
        s.flush()
        created = True
        audit.record(s, actor, p.id, "create", "patient", p.id)
    else:
        if actor.role == "clinician" and not actor.is_system:
            if not has_active_consent(s, p.id, actor.user_id, lock=True):  # type: ignore[arg-type]
                raise NotFound("patient not found")
        else:
            patient_for_write(s, actor, p.id)
        if (into is not None and parsed.patient_identifier is not None
                and canonical_identifier(parsed.patient_identifier) != canonical_identifier(p.external_id)
                and not accept_identity_difference):
            raise Conflict(f"the bundle is the export of patient {parsed.patient_identifier} (its gutskin identifier), "
                           f"not of patient {p.external_id}; nothing was imported. Check that they are the same "
                           f"person; if they are, {accept_words}")
        if foreign is not None:
            check = identity_differences(foreign, p)
            if check["differs"] and not accept_identity_difference:
                raise Conflict(
                    f"the bundle's Patient ({_identity_words(check['bundle'])}) and patient {p.external_id} "
                    f"({_identity_words(check['profile'])}) differ in {' and '.join(check['differs'])}; nothing "
                    f"was imported. Check that they are the same person; if they are, {accept_words}")
    if foreign is not None and check is None:
        check = {"compared": [], "differs": [], "created": True}
    # another system's identifiers of the person (an MRN): checked against the profile's, kept (0018)
    idents = (_identifier_check(s, actor, p, parsed.other_identifiers, accept_identity_difference, accept_words)
              if parsed.other_identifiers else None)
    if parsed.days:
        clashes = list(s.scalars(select(DiaryDay.day).where(DiaryDay.patient_id == p.id,
                                                             DiaryDay.day.in_(list(parsed.days))).order_by(DiaryDay.day)))
        if clashes:
            raise Conflict(_days_already_there(p.external_id, clashes, len(parsed.days)))
    fids = factor_ids(s, sorted({f for d in parsed.days.values() for f in d["factors"]}))
    now = utcnow()
    for day, d in sorted(parsed.days.items()):
        s.add(DiaryDay(patient_id=p.id, day=day, itch=d["itch"], sleep_loss=d["sleep_loss"], poscorad=d["poscorad"],
                       poem=d["poem"], flare=None if d["flare"] is None else int(bool(d["flare"])),
                       notes=d["notes"], updated_at=now, author_role=d["author_role"], author_ref=d.get("author_ref")))
    s.flush()
    for day, d in sorted(parsed.days.items()):
        for name, v in d["factors"].items():
            s.add(FactorValue(patient_id=p.id, day=day, factor_id=fids[name], value=float(v)))
    if parsed.questionnaires:
        # one answer per instrument and day (questionnaires.submit): an answer already there is a conflict,
        # as a diary day is (a bundle of RECAP answers alone, imported twice, doubled them until 2026-12-07)
        wanted_q = {(q["instrument"], q["answered_on"]) for q in parsed.questionnaires}
        held_q = s.execute(select(QuestionnaireResponse.instrument, QuestionnaireResponse.answered_on).where(
            QuestionnaireResponse.patient_id == p.id,
            QuestionnaireResponse.instrument.in_(sorted({i for i, _ in wanted_q})),
            QuestionnaireResponse.answered_on.in_(sorted({d for _, d in wanted_q})))).all()
        hit_q = sorted((day, inst) for inst, day in held_q if (inst, day) in wanted_q)
        if hit_q:
            raise Conflict(f"patient {p.external_id} already has a {hit_q[0][1].upper()} answered on "
                           f"{hit_q[0][0].isoformat()}; nothing was imported")
    if parsed.assessments:
        # the clinic keeps one EASI and one SCORAD per day (assessments.record replaces it): a result
        # already in the target is a conflict, as a diary day is
        clash = s.execute(select(QuestionnaireResponse.instrument, QuestionnaireResponse.answered_on).where(
            QuestionnaireResponse.patient_id == p.id,
            QuestionnaireResponse.instrument.in_(sorted({a["instrument"] for a in parsed.assessments})),
            QuestionnaireResponse.answered_on.in_(sorted({a["answered_on"] for a in parsed.assessments})))).all()
        wanted = {(a["instrument"], a["answered_on"]) for a in parsed.assessments}
        hit = sorted((day, inst) for inst, day in clash if (inst, day) in wanted)
        if hit:
            raise Conflict(f"patient {p.external_id} already has a {hit[0][1].upper()} on {hit[0][0].isoformat()}; "
                           "nothing was imported")
    if parsed.allergies:
        held = s.scalars(select(AllergyRecord.food).where(
            AllergyRecord.patient_id == p.id, AllergyRecord.food.in_(sorted({a["food"] for a in parsed.allergies})))
            .order_by(AllergyRecord.food).limit(1)).first()
        if held is not None:
            raise Conflict(f"patient {p.external_id} already has an allergy record for {held}; nothing was imported")
    for a in sorted(parsed.allergies, key=lambda a: (a["recorded_on"], a["food"])):
        rec = AllergyRecord(patient_id=p.id, food=a["food"], status=a["status"], avoid=a["avoid"], challenge_id=None,
                            recorded_by_user_id=None, note="",
                            recorded_at=dt.datetime.combine(a["recorded_on"], dt.time()))
        s.add(rec)
        s.flush()
        audit.record(s, actor, p.id, "create", "allergy_record", rec.id)
    for q in [*parsed.questionnaires, *parsed.assessments]:
        # an assessment keeps the role "clinician" (the bundle's examination Observation), not the
        # account: the clinician who recorded it belongs to the other system (author_user_id NULL)
        s.add(QuestionnaireResponse(patient_id=p.id, instrument=q["instrument"], version=q["version"],
                                    answered_on=q["answered_on"], answers=q["answers"], total=q["total"], band=q["band"],
                                    author_role=q["author_role"], author_ref=q.get("author_ref"),
                                    respondent=q.get("respondent")))
    s.flush()
    audit.record(s, actor, p.id, "import", "fhir_bundle")
    out = {"patient_id": p.id, "external_id": p.external_id, "created": created, **parsed.summary()}
    if idents is not None:
        out["identifiers"] = idents
    if foreign is not None:
        out["foreign_patient"] = {"identifiers": foreign["identifiers"],
                                  **{k: v for k, v in (check or {}).items() if k in ("compared", "differs")}}
    return out
