"""Shared parsing of path and query values for the API routers (errors name the field)."""

from __future__ import annotations

import datetime as dt
import json

from fastapi import Request
from sqlalchemy.orm import Session

from gutskin.clinic import access
from gutskin.clinic.actors import Actor
from gutskin.clinic.errors import InvalidInput
from gutskin.diary.dates import parse_iso_date


def date_param(value: str | None, field: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return parse_iso_date(value, field)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def utc_datetime_param(value: str | None, field: str) -> dt.datetime | None:
    """An instant stored as naive UTC (dose times): ``…+02:00`` is converted, a naive value is UTC.

    (Dropping the offset instead would shift the time by it, and a time ahead of UTC would be
    refused as "in the future".)
    """
    if value is None:
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field}: expected an ISO date-time like 2026-12-01T09:30 (UTC) or 2026-12-01T10:30+01:00") from None
    if when.tzinfo is not None:
        try:
            when = when.astimezone(dt.timezone.utc)
        except OverflowError:  # 0001-01-01T00:00+01:00 is before year 1 in UTC
            raise InvalidInput(f"{field}: that date and time is out of range") from None
    return when.replace(tzinfo=None)


def instant_param(value: str | None, field: str) -> dt.datetime | None:
    """An instant that must carry its zone offset (appointment times), as naive UTC.

    ``2026-12-01T09:30+01:00`` and ``2026-12-01T08:30Z`` are the same instant; a value without an
    offset is refused (422 naming the field): whether ``09:30`` meant UTC or the clinic's wall
    clock cannot be told, and guessing put appointments hours off (before, it was taken as UTC).
    """
    if value is None:
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field}: expected an ISO date-time with its zone offset, like 2026-12-01T09:30+01:00 "
                           "or 2026-12-01T08:30Z") from None
    if when.tzinfo is None or when.utcoffset() is None:
        raise InvalidInput(f"{field}: add the zone offset (like 2026-12-01T09:30+01:00, or Z for UTC); "
                           "a time without one is ambiguous") from None
    try:
        return when.astimezone(dt.UTC).replace(tzinfo=None)
    except OverflowError:  # 9999-12-31T23:59-05:00 is past year 9999 in UTC
        raise InvalidInput(f"{field}: that date and time is out of range") from None


def zoned_time_param(value: str | None, field: str) -> dt.datetime | None:
    """An ISO date-time as written: aware with its offset, or naive (a supervised dose's ``given_at``:
    ``gutskin.clinic.challenges.clinic_instant`` reads a naive time in the request's zone, after
    checking who asks, and refuses it without one). Before migration 0006 a bare time was kept as
    the clinic's wall clock and an offset was dropped."""
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field}: expected an ISO date-time like 2026-12-01T09:30-08:00, or 2026-12-01T09:30 "
                           "with a zone") from None


def datetime_param(value: str | None, field: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        when = dt.datetime.fromisoformat(value)  # with an offset: converted; without: taken as UTC
        return when.astimezone(dt.UTC).replace(tzinfo=None) if when.tzinfo else when
    except ValueError:
        raise InvalidInput(f"{field}: expected an ISO date-time like 2026-12-01T09:30") from None
    except OverflowError:  # 9999-12-31T23:59-05:00 is past year 9999 in UTC
        raise InvalidInput(f"{field}: that date and time is out of range") from None


def my_patient_id(session: Session, actor: Actor, patient_id: int | None) -> int:
    """The caller's own profile, or one of the profiles they manage (a caregiver's child) or help
    keep (a co-caregiver's child: :func:`gutskin.clinic.access.patient_for_entry`). What only the
    managing account may do (sharing, invites, appointments, the access log) is refused by the
    use case itself with the same 404."""
    if patient_id is None:
        return access.default_patient(session, actor).id
    access.require_role(actor, "patient")
    return access.patient_for_entry(session, actor, patient_id).id


class _KeyTwice(ValueError):
    pass


def _refuse_twice(pairs: list) -> dict:
    out: dict = {}
    for k, v in pairs:
        if k in out:
            raise _KeyTwice(k)
        out[k] = v
    return out


async def json_keys_once(request: Request) -> None:
    """Route dependency: a JSON body naming a key twice is refused (422 naming the key), as
    ``gutskin score`` refuses it. JSON keeps the last silently, so a questionnaire's
    ``{"answers": [4, ...], "answers": [0, ...]}`` stored the second list and a clinician's SCORAD
    with ``extent_percent`` twice the second extent (instrument walk, 2026-12-07). Bodies that do
    not decode are left to FastAPI's own 422. Every API route has it (api/__init__.py), but only
    a JSON body is read here: a form or multipart body is parsed by FastAPI from the stream, and
    a CSV import is streamed under its own size cap."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        return
    try:
        json.loads(await request.body(), object_pairs_hook=_refuse_twice)
    except _KeyTwice as exc:
        raise InvalidInput(f"{exc.args[0]}: the key appears twice in one JSON object; keep one") from None
    except (ValueError, RecursionError):
        pass
