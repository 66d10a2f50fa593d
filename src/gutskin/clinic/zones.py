"""A patient's own "today": the date in the time zone their days are lived in, not the server's.

The server runs on UTC. A patient in Auckland (UTC+13 in summer) starts their day while the
server is still on yesterday; one in Los Angeles (UTC-8) spends their evening on the server's
tomorrow. Every "today", "due" and "N days ago" about a patient is the patient's date:

1. a zone the caller gives (the page's browser zone, the app's ``zone`` parameter) -- for this
   request only;
2. else the profile's zone (``patients.time_zone``, migration 0013), set by :func:`remember`
   when someone logs a day or takes a dose for the profile from a browser or app that says
   where it is;
3. else the server's date, as before the profile kept a zone (backward compatible: an API
   client that never sends a zone sees what it saw).

No authorization here: the callers have authorized the actor for the profile already;
:func:`remember` writes the audit row of the change it makes.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from gutskin.clinic import audit
from gutskin.clinic.actors import Actor
from gutskin.clinic.errors import InvalidInput
from gutskin.store.models import Patient


def known(name: str | None) -> ZoneInfo | None:
    """The IANA zone ``name``, or None for an empty, unknown or malformed name (a cookie's)."""
    if not name or len(name) > 64 or name.startswith("/") or ".." in name:
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


def patients_today(session: Session, patient_ids: list[int]) -> dict[int, dt.date]:
    """:func:`patient_today` of many profiles in one query (the clinician's panel and alerts)."""
    if not patient_ids:
        return {}
    zones = dict(session.execute(select(Patient.id, Patient.time_zone).where(Patient.id.in_(patient_ids))).all())
    server = server_today()
    return {pid: today_in(zones.get(pid)) if known(zones.get(pid)) is not None else server for pid in patient_ids}


def remember(session: Session, actor: Actor, patient: Patient, zone: str | None) -> None:
    """Keep ``zone`` (a known IANA name; anything else is ignored) as the profile's zone when it
    differs, audited as an update of the profile's time zone. The caller has authorized ``actor``
    to enter the profile's record and holds the transaction."""
    if known(zone) is None or patient.time_zone == zone:
        return
    patient.time_zone = zone
    audit.record(session, actor, patient.id, "update", "patient_time_zone", zone or "")
