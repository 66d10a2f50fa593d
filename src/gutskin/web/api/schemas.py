"""Request and response bodies of the JSON API (names are a contract: see docs/api.md)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt

from gutskin.web.idguard import BodyId


class Strict(BaseModel):
    """Unknown fields are rejected (no mass assignment of role, patient_id, owner ...)."""

    model_config = ConfigDict(extra="forbid")


class Credentials(Strict):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class RegisterIn(Credentials):
    display_name: str = Field("", max_length=120)


class AccountOut(BaseModel):
    id: int
    email: str
    display_name: str | None = None  # the account's name as patients and clinicians see it (PUT /me/name); null: none given
    role: str
    patient_id: int | None = None
    patients: list[dict] = []


class ApiTokenOut(BaseModel):
    """One of the calling account's working API tokens (never the token itself: only its row id)."""

    id: int = Field(description="the token's row id, for DELETE /api/v1/auth/tokens/{id}")
    label: str = Field(description="the app's User-Agent at sign-in (up to 200 characters)")
    created_at: str = Field(description="when the token was issued (UTC, ISO 8601)")
    last_used_at: str = Field(description="the last call with it (UTC, ISO 8601; written at most once a minute)")
    expires_at: str = Field(description="when it stops working (UTC, ISO 8601)")
    current: bool = Field(description="true for the token this request carries")


class TimeZoneIn(Strict):
    time_zone: str = Field(..., max_length=64, description="an IANA time zone name, e.g. Europe/London")


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    password_change_required: bool = Field(
        False, description="true when the password must be changed: it still signs in but is refused for new "
        "passwords today (set before the guessable-password rule; the token works), or the server's operator set it "
        "(gutskin users create / set-password; until the change the token answers only GET /api/v1/me, "
        "POST /api/v1/me/password, POST /api/v1/me/sign-out-everywhere and DELETE /api/v1/auth/token, else 403). "
        "Ask the person to choose a new one (POST /api/v1/me/password)")
    password_change_reason: str | None = Field(
        None, description="why the password must be changed, in words for the person, e.g. 'it is a common "
        "password with digits or symbols around it'; null when it need not be")


class DayIn(Strict):
    # JSON types only, as the CSV format's strict values: pydantic's lax mode turned true into
    # itch 1, "4" into 4, 7.0 into POEM 7 and "yes" into a flare
    itch: StrictInt | None = Field(None, ge=0, le=10)
    sleep_loss: StrictInt | None = Field(None, ge=0, le=10)
    flare: StrictBool | None = None
    poscorad: StrictFloat | None = Field(None, ge=0, le=103)  # a JSON integer is a number too
    poem: StrictInt | None = Field(None, ge=0, le=28)
    notes: str | None = Field(None, max_length=4000)
    factors: dict[str, StrictFloat] = Field(default_factory=dict, max_length=200)


class DayOut(BaseModel):
    date: str
    itch: int | None
    sleep_loss: int | None
    flare: bool | None
    poscorad: float | None
    poem: int | None
    notes: str | None
    factors: dict[str, float]


class ClinicDayOut(DayOut):
    """A day of a patient's diary as the clinic reads it (``GET /patients/{id}/diary``): who wrote it
    as a role, never a name (the clinician's patient page says the same in words)."""

    author_role: str | None = Field(description="patient | caregiver (the managing parent) | co_caregiver | "
                                                "null (not recorded: days before 2026-12-05, the operator's imports)")


class LoggedByOut(BaseModel):
    """Who last wrote a diary day (``gutskin.clinic.diary.day_authors``)."""

    name: str | None = Field(description="their name (else address) if they share the record now; "
                                         "'a former caregiver', 'an account deleted since', or null if only the role is known")
    role: str | None = Field(description="patient | caregiver (the managing parent) | co_caregiver | null")
    you: bool = Field(description="true: the caller wrote it")


class DayPutOut(DayOut):
    """The day as stored by ``PUT /me/diary/{date}``, with its new version (also the ``ETag``)."""

    version: str = Field(description="the day's version: send it as If-Match to replace this day only if unchanged")


class DayListItem(DayOut):
    """A day of ``GET /me/diary``: the day, who logged it (null: not recorded) and its version."""

    logged_by: LoggedByOut | None
    version: str = Field(description="the day's version (a hash of its values): send it as If-Match with a PUT "
                                     "to replace the day only if nobody changed it since")


class InviteOut(BaseModel):
    id: int
    code: str
    expires_at: str


class InviteListOut(BaseModel):
    """An unused invite code: only its hash is stored, so the code itself is not returned."""

    id: int
    created_at: str
    expires_at: str


class LinkIn(Strict):
    code: str = Field(max_length=40)


class LinkOut(BaseModel):
    patient_id: int


class AccessOut(BaseModel):
    consent_id: int
    clinician: str
    email: str
    since: str


class AppointmentIn(Strict):
    reason: str = Field(max_length=2000)
    urgency: str = "routine"
    preferred_times: str = Field("", max_length=500)
    time_zone: str | None = Field(None, max_length=64, description="your IANA time zone (Europe/Berlin), which the "
                                  "preferred times are meant in; shown to the clinic")
    to: list[BodyId] | None = Field(None, max_length=20, description="whom the request is for: consent ids from "
                                    "GET /me/access (only they see and answer it). Not sent: every clinician the record "
                                    "is shared with now (as before addressing), or, shared with none, the next one "
                                    "linked; an empty list with more than one linked is a 422 (choose)")


class AppointmentSendTo(Strict):
    to: list[BodyId] = Field(max_length=20, description="consent ids from GET /me/access: clinicians the record is "
                             "shared with now who should also see and answer this open request")


class AppointmentAction(Strict):
    action: str
    time: str | None = Field(None, description="ISO 8601 date-time with its zone offset (2026-12-01T09:30+01:00, "
                             "or Z for UTC); required for accept and propose; a time without an offset is a 422")
    message: str = Field("", max_length=2000)


class AppointmentAnswer(Strict):
    action: str = Field(description="confirm (book the clinic's proposed time), another_time (open again) or withdraw")
    note: str = Field("", max_length=500, description="for another_time: when would suit you")


class QuestionnaireIn(Strict):
    # the items go to gutskin.instruments as sent, which checks each one and names it
    # (answers[2]: expected an integer 0-4 or null, got '3'); a typed list[int | None] let
    # pydantic turn true, "3" and 3.0 into answers and refused the ticked-options lists
    answers: list[Any] = Field(max_length=20, description="one item per question: an integer, null "
                               "(unanswered) or, for POEM, RECAP, DLQI and CDLQI, a list of the options ticked")
    answered_on: str | None = None
    respondent: str | None = Field(None, max_length=16, description=(
        "who answered: 'self' (the person the profile is about) or 'proxy' (a parent or caregiver answering "
        "for them, the instrument's proxy version). Own profile: 'self' (default). A child's profile: send it "
        "for POEM and RECAP (without it the answer is stored with respondent null, not recorded); CDLQI, DLQI and ADCT are self-reports ('self', the default; 'proxy' is refused)"))


class ChildIn(Strict):
    display_name: str = Field(max_length=120)
    birth_year: int | None = None


class PasswordIn(Strict):
    password: str = Field(max_length=1024)


class PasswordChangeIn(Strict):
    old_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)
