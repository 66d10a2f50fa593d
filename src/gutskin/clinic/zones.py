"""A patient's own "today": the date in the time zone their days are lived in, not the server's.

The server runs on UTC. A patient in Auckland (UTC+13 in summer) starts their day while the
server is still on yesterday; one in Los Angeles (UTC-8) spends their evening on the server's
tomorrow. Every "today", "due" and "N days ago" about a patient is the patient's date:

1. a zone the caller gives (the page's browser zone, the app's ``zone`` parameter) -- for this
   request only;
2. else the profile's zone (``patients.time_zone``, migration 0013): chosen on My data by the
   managing account or a co-caregiver (:func:`set_profile_zone`), or, while the profile has none,
   learnt by :func:`remember` from the first browser or app that logs a day or takes a dose for it
   and says where it is; a later visit from elsewhere never changes it (2026-12-06: two caregivers
   of one child in two zones flipped it back and forth on each save, moving the reminders, the
   challenge phases and the avoid list under the other one);
3. else the server's date, as before the profile kept a zone (backward compatible: an API
   client that never sends a zone sees what it saw).

A page opened without JavaScript sends no zone (the ``tz`` cookie is set by static/app.js): it
uses the profile's (``web/pages/common.py: local_today``).

No authorization in the reading helpers: the callers have authorized the actor for the profile
already; :func:`remember` writes the audit row of the change it makes; :func:`set_profile_zone`
authorizes and audits itself.
"""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select
from sqlalchemy.orm import Session

from gutskin.clinic import access, audit
from gutskin.clinic.actors import Actor
from gutskin.clinic.errors import InvalidInput
from gutskin.store.models import Patient


# Files of the zone database that name no place (the new patient's walk of 2026-12-07 found
# "localtime" and "Factory" among My data's choices): "localtime" is the server machine's own zone,
# whatever that is (it changes with the machine, and means nothing to the person), "Factory" reads
# "-00" (zone not set), "posixrules" a default for POSIX TZ strings. Never a profile's zone.
NOT_PLACES = frozenset({"localtime", "Factory", "posixrules"})


def known(name: str | None) -> ZoneInfo | None:
    """The IANA zone ``name``, or None for an empty, unknown or malformed name (a cookie's), or one
    that names no place (:data:`NOT_PLACES`)."""
    if not name or len(name) > 64 or name.startswith("/") or ".." in name or name in NOT_PLACES:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def checked(name: str | None, field: str = "zone") -> str | None:
    """An IANA zone name sent by a client, or None when not sent; an unknown one is refused naming ``field``."""
    if name is None or name == "":
        return None
    if known(name) is None:
        raise InvalidInput(f"{field}: {name[:64]!r} is not a known time zone name (an IANA name like "
                           "Pacific/Auckland or America/Los_Angeles)")
    return name


def server_today() -> dt.date:
    """The server's date (its local zone; UTC on a clinic's server)."""
    return dt.date.today()


def today_in(name: str | None) -> dt.date:
    """Today in the zone ``name``; the server's date when it is not a known zone."""
    zone = known(name)
    return dt.datetime.now(zone).date() if zone is not None else server_today()


def patient_zone(session: Session, patient_id: int) -> str | None:
    """The profile's zone as stored (None: not known, or a name this machine does not know)."""
    name = session.scalar(select(Patient.time_zone).where(Patient.id == patient_id))
    return name if known(name) is not None else None


def patient_today(session: Session, patient_id: int, zone: str | None = None) -> dt.date:
    """The patient's today: in ``zone`` when given and known, else in the profile's zone, else the server's date."""
    if known(zone) is not None:
        return today_in(zone)
    return today_in(patient_zone(session, patient_id))


def visit_today(session: Session, patient_id: int, recorder_zone: str | None = None) -> dt.date:
    """The day of a visit recorded now (the clinic's EASI or SCORAD): the patient's today when the
    profile has a zone, else today on the recorder's clock (the clinician's browser), else the
    server's date. A profile without a zone had the server's (UTC) date, so a clinic in Auckland
    could not record a morning visit as today: "in the future" (clinician walk, 2026-12-07)."""
    profile = patient_zone(session, patient_id)
    return today_in(profile if profile is not None else recorder_zone)


def patients_today(session: Session, patient_ids: list[int]) -> dict[int, dt.date]:
    """:func:`patient_today` of many profiles in one query (the clinician's panel and alerts)."""
    if not patient_ids:
        return {}
    zones = dict(session.execute(select(Patient.id, Patient.time_zone).where(Patient.id.in_(patient_ids))).all())
    server = server_today()
    return {pid: today_in(zones.get(pid)) if known(zones.get(pid)) is not None else server for pid in patient_ids}


def remember(session: Session, actor: Actor, patient: Patient, zone: str | None) -> None:
    """Learn ``zone`` (a known IANA name; anything else is ignored) as the profile's zone when the
    profile has none yet (or one this machine does not know), audited as the profile's time zone
    added ("create": the access list read "You changed the profile's time zone" for a zone nobody
    chose, taken from the browser on a first save; patient walk, 2026-12-06). A profile that has a zone keeps it: a visit's zone decides only that visit's
    "today", and the zone is changed on purpose on My data (:func:`set_profile_zone`). The caller
    has authorized ``actor`` to enter the profile's record and holds the transaction."""
    if known(zone) is None or known(patient.time_zone) is not None:
        return
    patient.time_zone = zone
    audit.record(session, actor, patient.id, "create", "patient_time_zone", zone or "")


@functools.lru_cache(maxsize=1)
def choices() -> tuple[str, ...]:
    """The IANA zone names offered on My data (``zoneinfo.available_timezones()`` but :data:`NOT_PLACES`, sorted)."""
    return tuple(sorted(available_timezones() - NOT_PLACES))


def set_profile_zone(session: Session, actor: Actor, patient_id: int, name: str | None) -> str:
    """The managing account or a co-caregiver chooses the zone the profile's days are lived in
    (My data): authorized first (anyone else: ``NotFound``), then ``name`` must be one of
    :func:`choices` (``InvalidInput`` naming ``time_zone``); a change is audited. Returns the zone."""
    patient = access.patient_for_entry(session, actor, patient_id)
    name = (name or "").strip()
    if not name:
        raise InvalidInput("time_zone: choose the time zone this profile's days are lived in")
    if name not in choices():
        raise InvalidInput("time_zone: not a time zone this server knows (choose one from the list, an IANA "
                           "name like Europe/London or America/New_York)")  # not repeated: a form's words
    if patient.time_zone != name:
        patient.time_zone = name
        audit.record(session, actor, patient.id, "update", "patient_time_zone", name)
    return name
