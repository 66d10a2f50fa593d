"""Shared page machinery: templates, the signed-in user, CSRF checks, redirects."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from gutskin.clinic.errors import InvalidInput
from gutskin.diary.dates import day_words as _day_words
from gutskin.diary.dates import iso_date_or_none, wall_time_in
from gutskin.insights.wording import risk_percent
from gutskin.interop.report import AUTHOR_WORDS, answered_by_words, respondent_words
from gutskin.web import bidi_isolation, security
from gutskin.web.deps import PageUser, page_user, settings_of
from gutskin.web.pages.draft_scope import draft_profiles

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))
TEMPLATES.env.filters["risk_percent"] = risk_percent
# Every printed value closes its own text-direction controls (gutskin.web.bidi_isolation). Set
# before any template is compiled: Jinja reads finalize when it compiles a template.
TEMPLATES.env.finalize = bidi_isolation.finalize


def abundance_percent(fraction: float) -> str:
    """gutskin.microbiome.report.abundance_percent (page, plain language and PDF alike), imported
    on first use: the microbiome package pulls in pandas, which page start-up does not need."""
    from gutskin.microbiome.report import abundance_percent as words

    return words(fraction)


TEMPLATES.env.filters["abundance_percent"] = abundance_percent
TEMPLATES.env.globals["author_words"] = AUTHOR_WORDS
TEMPLATES.env.globals["respondent_words"] = respondent_words
TEMPLATES.env.globals["answered_by_words"] = answered_by_words


def zone_choices() -> tuple[str, ...]:
    """The IANA zones offered on My data (gutskin.clinic.zones.choices)."""
    from gutskin.clinic import zones

    return zones.choices()


TEMPLATES.env.globals["zone_choices"] = zone_choices


def factor_text(name: str, value: float) -> str:
    """A logged factor as a person reads it: "Dairy", "Pollen 40 grains/m³", "Humidity 35 %",
    "Stress 3" -- the chip's label, and for amounts the value with its unit (ranges such as
    "0-10" are not units). The number and unit by :mod:`gutskin.diary.numbers` (2026-12-07):
    "Pollen 1 grain/m³", "Temperature −2.5 °C" (a minus sign, not a hyphen)."""
    from gutskin.diary.factors import FactorKind, known_factor
    from gutskin.diary.numbers import number, quantity

    f = known_factor(name)
    unit = f.unit if f.unit and not f.unit[0].isdigit() and not f.unit.startswith("type ") else ""
    if value == 1 and (f.kind is FactorKind.binary or (f.kind is FactorKind.count and not unit)):
        return f.label  # a chip tapped: "had it"
    if unit == "applications":
        return f"{f.label} ×{number(value)}"
    return f"{f.label} {quantity(value, unit)}"


TEMPLATES.env.filters["factor_text"] = factor_text


def _num_filter(value: object, digits: int | None = None) -> str:
    """Jinja ``num``: a number for a reader (:func:`gutskin.diary.numbers.number`); None -> "–"."""
    from gutskin.diary.numbers import number

    return "–" if value is None else number(value, digits)  # type: ignore[arg-type]


def _signed_filter(value: object, digits: int = 1) -> str:
    """Jinja ``signed``: a change with its sign, "+0.4" / "−0.4" (:func:`gutskin.diary.numbers.signed`)."""
    from gutskin.diary.numbers import signed

    return "–" if value is None else signed(value, digits)  # type: ignore[arg-type]


def _quantity_filter(value: object, unit: str, digits: int | None = None) -> str:
    """Jinja ``quantity``: "1 day", "3 days", "−3 °C" (:func:`gutskin.diary.numbers.quantity`)."""
    from gutskin.diary.numbers import quantity

    return "–" if value is None else quantity(value, unit, digits)  # type: ignore[arg-type]


TEMPLATES.env.filters["num"] = _num_filter
TEMPLATES.env.filters["signed"] = _signed_filter
TEMPLATES.env.filters["quantity"] = _quantity_filter


NOTE_SECONDS = 600  # a note is for the page the person is sent to now, not a link to keep


def _note_key(request: Request) -> str:
    """The browser session the note belongs to (a hash: the URL must not carry the session id)."""
    import hashlib

    return hashlib.sha256(request.cookies.get("gutskin_session", "").encode()).hexdigest()[:16]


def signed_note(request: Request, text: str, target: str) -> str:
    """A message for the next page's ``?error=``, signed and bound to this session and the
    ``target`` path, valid for :data:`NOTE_SECONDS`: a link cannot put its own words on the
    site's pages, nor replay a note to someone else (a phishing text such as "your session
    expired, call …" once could)."""
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(settings_of(request).secret_key, salt="page-note").dumps(
        [text[:300], target, _note_key(request)])


def read_note(request: Request, token: str | None) -> str | None:
    """The message of :func:`signed_note` for this session and this page, or None."""
    from itsdangerous import BadSignature, URLSafeTimedSerializer

    if not token:
        return None
    try:
        value = URLSafeTimedSerializer(settings_of(request).secret_key, salt="page-note").loads(token, max_age=NOTE_SECONDS)
    except BadSignature:  # also expired (SignatureExpired is a BadSignature)
        return None
    if not (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)):
        return None
    text, target, key = value
    return text if target == request.url.path and key == _note_key(request) else None


def viewer_zone(request: Request) -> ZoneInfo | None:
    """The browser's time zone (``tz`` cookie set by static/app.js), or None when unknown."""
    name = request.cookies.get(TZ_COOKIE, "")
    if name and len(name) <= 64:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            return None
    return None


def utc_from_local(value: str, zone: ZoneInfo | None) -> dt.datetime:
    """A ``datetime-local`` form value, read in the person's zone (UTC when unknown), as naive UTC
    -- appointment times are stored in UTC and shown in each viewer's own zone.

    A wall time the zone skips (02:30 on the spring-forward night in Europe/Berlin) or passes
    twice (02:30 on the fall-back night) is refused with a ``time:`` ValueError saying so: Python
    would silently read the first as 03:30 and the second as the earlier of the two."""
    when = dt.datetime.fromisoformat(value)
    if when.tzinfo is None:
        when = wall_time_in(when, zone, "time") if zone is not None else when.replace(tzinfo=dt.UTC)
    try:
        return when.astimezone(dt.UTC).replace(tzinfo=None)
    except OverflowError:  # 0001-01-01T05:00 in UTC+14 is before year 1 in UTC
        raise ValueError("time: that date and time is out of range") from None


def local_time(utc_iso: str | None, zone_name: str | None) -> str:
    """A stored UTC time as the viewer reads it: "Wed 9 Dec 2026, 09:30 (Europe/London)"."""
    if not utc_iso:
        return ""
    try:
        when = dt.datetime.fromisoformat(utc_iso).replace(tzinfo=dt.UTC)
    except ValueError:
        return utc_iso
    try:
        zone = ZoneInfo(zone_name) if zone_name else None
    except (ZoneInfoNotFoundError, ValueError, OSError):
        zone = None
    try:
        local = when.astimezone(zone) if zone else when
    except (OverflowError, ValueError):  # 9999-12-31T23:59 UTC is past year 9999 east of UTC: shown in UTC
        local, zone = when, None
    label = zone_name if zone else "UTC"
    if zone is not None and local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        z = f"{local:%z}"
        label += f", UTC{z[:3]}:{z[3:5]}"  # a wall time that happens twice: say which of the two
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} ({label})"


TEMPLATES.env.filters["local_time"] = local_time


def day_words(iso_day: str | dt.date) -> str:
    """``"2026-07-03"`` -> ``"Fri 3 Jul 2026"``: :func:`gutskin.diary.dates.day_words`, the one way pages write a day."""
    return _day_words(iso_day)


TEMPLATES.env.filters["day_words"] = day_words


def ordinal(n: float) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st ... (a report once said "1th percentile")."""
    k = int(round(float(n)))
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


METRIC_NAMES = {"shannon": "Shannon diversity (natural log)", "simpson": "Simpson diversity",
                "inv_simpson": "Inverse Simpson (effective number of common species)",
                "observed": "Observed features (richness)", "pielou": "Evenness (Pielou)",
                "chao1": "Estimated richness (Chao1)", "faith_pd": "Phylogenetic diversity (Faith)"}
TEMPLATES.env.filters["ordinal"] = ordinal


def arm_label(arm: str) -> str:
    from gutskin.axis.skin import ARM_LABELS

    return ARM_LABELS.get(str(arm), str(arm))


TEMPLATES.env.filters["arm_label"] = arm_label
TEMPLATES.env.filters["metric_name"] = lambda k: METRIC_NAMES.get(str(k), str(k).replace("_", " "))


class LoginRequired(Exception):
    """Raised by page handlers for anonymous visitors; answered with a redirect to /login."""


class PasswordChangeRequired(Exception):
    """Raised by page handlers for an account whose password the server's operator set
    (``users.must_change_password``, 0020); answered with a redirect to the account page, whose
    banner asks for the person's own password. Only the account page, its forms and signing out
    are served until then (docs/security.md, "Operator-set passwords")."""


def page_day(value: str, field: str) -> dt.date:
    """A day from a page's form or address: exactly ``YYYY-MM-DD`` naming a real day, the rule of
    the diary CSV and the API (``gutskin.diary.dates``), else ``InvalidInput`` (422) naming the
    field. ``date.fromisoformat`` also read ``2025-W14-2`` and ``20250401`` as 1 April 2025. The
    value is not repeated in the message: an address cannot put its own words on the page."""
    day = iso_date_or_none(value)
    if day is None:
        raise InvalidInput(f"{field}: expected a day YYYY-MM-DD, such as 2026-04-01")
    return day


def render(request: Request, name: str, ctx: dict[str, Any] | None = None, status: int = 200,
           user: PageUser | None = None) -> HTMLResponse:
    zone = viewer_zone(request)
    context = {"user": user, "csrf": user.csrf if user else None, "path": request.url.path,
               "tz": zone.key if zone else None, "draft_profiles": draft_profiles(user)}
    context.update(ctx or {})
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status)


def require_user(request: Request, session: Session, *roles: str, allow_must_change: bool = False) -> PageUser:
    """The signed-in account (else ``LoginRequired``), of one of ``roles`` if given (else 403). An
    account that must first replace an operator-set password gets ``PasswordChangeRequired`` unless
    the page is one of the account page's own (``allow_must_change``)."""
    u = page_user(request, session)
    if u is None:
        raise LoginRequired()
    if u.user.must_change_password and not allow_must_change:
        raise PasswordChangeRequired()
    if roles and u.actor.role not in roles:
        raise HTTPException(403, "this page is for another kind of account")
    return u


def verify_csrf(request: Request, user: PageUser, token: str | None) -> None:
    """The form's CSRF token (or htmx's X-CSRF-Token header) must match the session's."""
    token = token or request.headers.get("x-csrf-token")
    if not security.same_token(token, user.csrf):
        raise HTTPException(403, "the form expired or did not come from this site; reload the page and try again")


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


TZ_COOKIE = "tz"  # the browser's IANA time zone, set by static/app.js on every page


def local_today(request: Request, session: Session | None = None, patient_id: int | None = None) -> dt.date:
    """Today's date where the person is: the browser's time zone (``tz`` cookie), else -- on a
    patient's page (``session`` and ``patient_id`` given) -- the profile's zone
    (``patients.time_zone``: a browser without JavaScript sends no cookie; 2026-12-06), else the
    server's. A diary day is the person's day -- an evening entry in Los Angeles must not land
    on tomorrow because the server runs on UTC."""
    zone = viewer_zone(request)
    if zone is not None:
        return dt.datetime.now(zone).date()
    if session is not None and patient_id is not None:
        from gutskin.clinic import zones

        return zones.patient_today(session, patient_id)
    return dt.date.today()


def cookie_secure(request: Request) -> bool:
    return request.url.scheme == "https" or settings_of(request).is_production


def viewing(session: Session, user: PageUser, patient: int | None) -> str | None:
    """The name of the profile a caregiver is on when it is not their default one ("Mia"), for the
    banner that says whose record a page shows (a child's Sharing page read "Sharing with your
    clinic", like the caregiver's own). None on the default profile or without ?patient=."""
    from gutskin.clinic import access

    if not patient or user.actor.role != "patient":
        return None
    owned = access.owned_patients(session, user.actor)
    chosen = access.choose_default(owned)
    for p in owned:
        if p.id == patient and (chosen is None or p.id != chosen.id):
            return Viewing(p.display_name or "another profile")
    for p in access.caregiving_patients(session, user.actor):
        if p.id == patient:  # a child this account helps keep: the parent's pages (sharing ...) are not offered
            return Viewing(p.display_name or "another profile", co_caregiver=True)
    return None


class Viewing(str):
    """The profile's name for the banner; ``co_caregiver``: a child the account helps keep (its
    managing parent's pages -- sharing, appointments -- are not linked)."""

    co_caregiver: bool

    def __new__(cls, name: str, co_caregiver: bool = False) -> "Viewing":
        obj = super().__new__(cls, name)
        obj.co_caregiver = co_caregiver
        return obj
