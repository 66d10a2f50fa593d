"""SQLAlchemy 2 tables of gutskin.

Names follow the domain (DESIGN.md, "Data model"): a ``Factor`` is a ``Factor`` in CSV, DB,
API and UI. Diary days are keyed by ``(patient_id, day)`` and factor values by
``(patient_id, day, factor_id)``, so a bulk import needs no generated keys back.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.expression import false

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


#: who entered a questionnaire answer or a diary day: ``patient`` (the patient, on their own
#: profile) or ``caregiver`` (the account managing a child's profile, "Logging for Mia").
#: ``co_caregiver``: another account caring for the child (a second parent, a grandparent; the
#: ``caregivers`` table, 0008), so its entries are never put down to the managing parent.
#: Clinicians read but never enter answers or diary days, so there is no clinician role.
AUTHOR_ROLES = ("patient", "caregiver", "co_caregiver")

#: who answered a questionnaire (``QuestionnaireResponse.respondent``, 0017): the person themselves,
#: or a parent or caregiver for them (proxy report). Not the same as the author: a child answering
#: on the parent's phone is a self-report entered by the parent's account.
RESPONDENTS = ("self", "proxy")

#: what an invite code grants when redeemed (``Invite.kind``, 0008)
INVITE_KINDS = ("clinician", "caregiver", "handover")  # handover: clinic/handover.py (no schema change)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    __tablename__ = "users"
    __table_args__ = {"sqlite_autoincrement": True}  # a deleted account's id is never handed out again (0004)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # patient | clinician | admin
    display_name: Mapped[str] = mapped_column(String(120), default="")
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # the server's operator set the password (``gutskin users create`` / ``set-password``), so someone
    # else knows it: until the person chooses their own, sign-in sends them to the account page and
    # nothing else is served (0020; docs/security.md, "Operator-set passwords")
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ApiToken(Base):
    """One API bearer token (0020): the token carries a random id (``tid``) signed with the rest;
    the table keeps only its SHA-256 (``id_hash``), so a row is no usable token. Verification
    needs the row unrevoked and unexpired, so one token (a lost phone) can be revoked alone."""

    __tablename__ = "api_tokens"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(200), default="")  # the client's User-Agent at sign-in
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)  # at most once a minute
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Patient(Base):
    """A patient profile. ``owner_user_id`` is the account that manages it (self or caregiver)."""

    __tablename__ = "patients"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    relationship: Mapped[str] = mapped_column(String(16), default="self")  # self | child
    display_name: Mapped[str] = mapped_column(String(120), default="")
    birth_year: Mapped[int | None] = mapped_column(Integer)
    sex: Mapped[str | None] = mapped_column(String(16))
    region: Mapped[str | None] = mapped_column(String(64))
    share_identity: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # identity in FHIR exports
    # the IANA zone the profile's days are lived in (Pacific/Auckland), from the browser or app of the
    # person who last logged a day or took a dose for it (0013); NULL: not known, "today" is the server's
    time_zone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class PatientIdentifier(Base):
    """Another system's identifier of the person (a hospital's MRN: ``Patient.identifier`` of a FHIR
    bundle imported into the profile, 0018): one value per system and profile; gutskin's own
    identifier is ``patients.external_id``. Deleted with the profile."""

    __tablename__ = "patient_identifiers"
    __table_args__ = (UniqueConstraint("patient_id", "system", name="uq_patient_identifiers_patient_system"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    system: Mapped[str] = mapped_column(String(255))  # the issuing system's URI (FHIR Identifier.system)
    value: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Factor(Base):
    """A named daily input ``group.name``; custom factors are created on first use."""

    __tablename__ = "factors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="count")
    unit: Mapped[str] = mapped_column(String(32), default="")
    custom: Mapped[bool] = mapped_column(Boolean, default=False)


class DiaryDay(Base):
    __tablename__ = "diary_days"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    itch: Mapped[int | None] = mapped_column(SmallInteger)
    sleep_loss: Mapped[int | None] = mapped_column(SmallInteger)
    poscorad: Mapped[float | None] = mapped_column(Float)
    poem: Mapped[int | None] = mapped_column(SmallInteger)
    flare: Mapped[int | None] = mapped_column(SmallInteger)
    notes: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # who last wrote the day (0007): the account and its role, ``AUTHOR_ROLES``; NULL = not recorded
    # (rows before 0007, an operator's CSV import). No foreign key, as in audit_events: account ids
    # are never reused, and a deleted account's profiles go with it
    author_user_id: Mapped[int | None] = mapped_column(Integer)
    author_role: Mapped[str | None] = mapped_column(String(16))
    # which of another system's co-caregivers wrote an imported day (0016: their number in the FHIR
    # bundle); read only where author_user_id is NULL
    author_ref: Mapped[str | None] = mapped_column(String(40))


class FactorValue(Base):
    __tablename__ = "factor_values"
    __table_args__ = (
        ForeignKeyConstraint(
            ["patient_id", "day"],
            ["diary_days.patient_id", "diary_days.day"],
            ondelete="CASCADE",
            name="fk_factor_values_day_diary_days",
        ),
    )

    patient_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    factor_id: Mapped[int] = mapped_column(ForeignKey("factors.id"), primary_key=True)
    value: Mapped[float] = mapped_column(Float)


class QuestionnaireResponse(Base):
    """An answered questionnaire: items as answered plus the computed score and version."""

    __tablename__ = "questionnaire_responses"
    __table_args__ = (Index("ix_questionnaire_patient_day", "patient_id", "answered_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    instrument: Mapped[str] = mapped_column(String(16))
    version: Mapped[str] = mapped_column(String(120), default="")
    answered_on: Mapped[dt.date] = mapped_column(Date)
    answers: Mapped[dict] = mapped_column(JSON)
    total: Mapped[float | None] = mapped_column(Float)
    band: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # who answered (0007), as on DiaryDay: account id and role; NULL = not recorded
    author_user_id: Mapped[int | None] = mapped_column(Integer)
    author_role: Mapped[str | None] = mapped_column(String(16))
    author_ref: Mapped[str | None] = mapped_column(String(40))  # as on DiaryDay (0016)
    # who answered (0017): 'self' (the person the profile is about) or 'proxy' (a parent or
    # caregiver answering for the child, the instrument's proxy version), ``RESPONDENTS``;
    # NULL = not recorded (rows before 0017, the clinic's EASI and SCORAD)
    respondent: Mapped[str | None] = mapped_column(String(8))


class Consent(Base):
    """A patient shares their record with a clinician until revoked; an ended sharing stays in the
    record, also after the clinician's account is deleted (0011)."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consent_clinician", "clinician_user_id", "revoked_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    # NULL once the clinician's account is deleted (0011): the sharing stays in the patient's
    # record, named by the snapshot below, and grants nothing (NULL equals no user id)
    clinician_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # the clinician's display name and address, taken when the sharing starts and again when it ends
    clinician_name: Mapped[str | None] = mapped_column(String(120))
    clinician_email: Mapped[str | None] = mapped_column(String(320))


class Invite(Base):
    """A one-time invite code (stored as a hash): a patient gives it to a clinician (``kind``
    clinician: read access), or a child's managing parent to another caregiver (``kind``
    caregiver: a :class:`Caregiver` grant, 0008)."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    kind: Mapped[str] = mapped_column(String(16), default="clinician", server_default="clinician")  # INVITE_KINDS


class Caregiver(Base):
    """Another account that keeps a child's day-to-day record with the managing parent
    (``Patient.owner_user_id``): granted by that parent's caregiver invite code, ended by the
    parent (remove) or the caregiver (leave), which deletes the row (0008)."""

    __tablename__ = "caregivers"
    __table_args__ = (UniqueConstraint("patient_id", "user_id", name="uq_caregivers_patient_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    granted_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class AppointmentRequest(Base):
    __tablename__ = "appointment_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(16), default="routine")  # routine | soon | urgent
    preferred_times: Mapped[str] = mapped_column(Text, default="")
    patient_zone: Mapped[str | None] = mapped_column(String(64))  # IANA zone the preferred times are meant in (0005)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | accepted | proposed | declined | cancelled | withdrawn
    scheduled_for: Mapped[dt.datetime | None] = mapped_column(DateTime)
    clinician_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class AppointmentRecipient(Base):
    """A clinician an appointment request is addressed to (0012): only they see and answer it, while
    the patient shares their record with them. The patient picks them when more than one clinician
    is linked; a request made while nobody was linked goes to the next clinician who is."""

    __tablename__ = "appointment_recipients"

    request_id: Mapped[int] = mapped_column(ForeignKey("appointment_requests.id", ondelete="CASCADE"), primary_key=True)
    clinician_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                                   index=True)


class MicrobiomeSample(Base):
    """A stool-test profile: taxa with abundances, how it was measured, and its diversity."""

    __tablename__ = "microbiome_samples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    sample_id: Mapped[str] = mapped_column(String(120))
    collected_on: Mapped[dt.date | None] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(16), default="unknown")  # 16S | shotgun | unknown
    source_format: Mapped[str] = mapped_column(String(16))  # biom | tsv | metaphlan
    filename: Mapped[str] = mapped_column(String(255), default="")
    is_counts: Mapped[bool] = mapped_column(Boolean, default=False)
    profile: Mapped[dict] = mapped_column(JSON)  # {"features": {taxon: abundance}, "rank": ...}
    diversity: Mapped[dict] = mapped_column(JSON)  # metric values with log base, rank, depth, method
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class AuditEvent(Base):
    """Append-only record of who read or changed which patient's data (no health values)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_patient_at", "patient_id", "at"),
                      # an account deletion tags the rows the account made (0015)
                      Index("ix_audit_actor", "actor_user_id"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(Integer)  # None = system / CLI operator
    actor_label: Mapped[str] = mapped_column(String(320), default="")
    patient_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(80), default="")


class LoginAttempt(Base):
    """Failed logins for rate limiting, shared by every web process through the database."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Session(Base):
    """Server-side browser session (id stored hashed); rotated on login, dropped on logout."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    session_version: Mapped[int] = mapped_column(Integer, default=1)


class FoodChallenge(Base):
    """A clinician's plan to test one food: [elimination] -> baseline -> reintroduction doses.

    Phase dates are stored as planned (``gutskin.clinic.challenges`` computes them at creation);
    ``status``: active | stopped | evaluated | confirmed | cancelled.
    """

    __tablename__ = "food_challenges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    clinician_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    food: Mapped[str] = mapped_column(String(80))  # a Factor name, e.g. food.egg
    kind: Mapped[str] = mapped_column(String(16))  # home | supervised
    released_for_home: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="active")
    elimination_start: Mapped[dt.date | None] = mapped_column(Date)
    elimination_end: Mapped[dt.date | None] = mapped_column(Date)
    elimination_max_days: Mapped[int | None] = mapped_column(Integer)
    baseline_start: Mapped[dt.date] = mapped_column(Date)
    baseline_end: Mapped[dt.date] = mapped_column(Date)
    reintroduction_start: Mapped[dt.date] = mapped_column(Date)
    reintroduction_end: Mapped[dt.date] = mapped_column(Date)
    observation_hours: Mapped[int] = mapped_column(Integer, default=48)
    instructions: Mapped[str] = mapped_column(Text, default="")
    stop_reason: Mapped[str | None] = mapped_column(Text)
    stopped_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    immediate_outcome: Mapped[str | None] = mapped_column(String(24))  # supervised: negative | positive | stopped | incomplete
    immediate_notes: Mapped[str] = mapped_column(Text, default="")
    verdict: Mapped[dict | None] = mapped_column(JSON)
    verdict_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))  # confirmed | refuted
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    confirmed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ChallengeDose(Base):
    """One reintroduction dose step: planned day and amount; taken (home) or given (clinic) with times."""

    __tablename__ = "challenge_doses"
    __table_args__ = (Index("ix_challenge_doses_challenge_step", "challenge_id", "step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("food_challenges.id", ondelete="CASCADE"))
    step: Mapped[int] = mapped_column(Integer)
    planned_on: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[str] = mapped_column(String(120))
    setting: Mapped[str] = mapped_column(String(16))  # home | clinic
    status: Mapped[str] = mapped_column(String(16), default="planned")  # planned | taken | skipped | stopped
    taken_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # naive UTC, home and clinic doses alike
    # the zone the time was typed in (a clinic dose: the clinician's IANA zone, or "UTC+09:00" for an
    # offset sent through the API); None: a home dose (an instant from the clock or with its offset)
    entered_zone: Mapped[str | None] = mapped_column(String(64))
    time_note: Mapped[str] = mapped_column(String(200), default="")  # e.g. the zone migration 0006 assumed
    safety: Mapped[dict | None] = mapped_column(JSON)  # the safety check answers at this dose
    symptoms: Mapped[str] = mapped_column(Text, default="")
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ChallengeAdherence(Base):
    """Did the patient follow the day's step (avoid the food / take the dose)?"""

    __tablename__ = "challenge_adherence"

    challenge_id: Mapped[int] = mapped_column(ForeignKey("food_challenges.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    followed: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ChallengeAlert(Base):
    """A safety stop (or other urgent event) the clinician must see; acknowledged by a clinician."""

    __tablename__ = "challenge_alerts"
    # one alert per challenge and kind (a late reaction's kind names its day): two reads that ran the
    # late-reaction check at once wrote the same alert twice (0019)
    __table_args__ = (Index("uq_challenge_alerts_challenge_kind", "challenge_id", "kind", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("food_challenges.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # safety_stop | late:YYYY-MM-DD | short_baseline_start
    symptoms: Mapped[list] = mapped_column(JSON)
    # a late reaction's: when the diary day that shows it was saved (not when the check found it)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    acknowledged_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class AllergyRecord(Base):
    """A food allergy confirmed or refuted by a clinician (from a challenge); ``avoid`` = on the avoid list."""

    __tablename__ = "allergy_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    food: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16))  # confirmed | refuted
    avoid: Mapped[bool] = mapped_column(Boolean, default=False)
    challenge_id: Mapped[int | None] = mapped_column(ForeignKey("food_challenges.id", ondelete="SET NULL"))
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


__all__ = [
    "AllergyRecord",
    "AppointmentRequest",
    "AuditEvent",
    "Base",
    "Caregiver",
    "ChallengeAdherence",
    "ChallengeAlert",
    "ChallengeDose",
    "Consent",
    "DiaryDay",
    "Factor",
    "FactorValue",
    "FoodChallenge",
    "INVITE_KINDS",
    "Invite",
    "LoginAttempt",
    "MicrobiomeSample",
    "Patient",
    "PatientIdentifier",
    "QuestionnaireResponse",
    "Session",
    "User",
    "utcnow",
]

