"""Strict ISO dates for every interface (CSV, API, CLI): ``YYYY-MM-DD`` and nothing else; and the one
way a person reads a day on the pages (:func:`day_words`, "Sat 19 Dec 2026")."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

_YYYY_MM_DD = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_date_or_none(text: str) -> dt.date | None:
    """``text`` (surrounding blanks ignored) as a date when it is exactly ``YYYY-MM-DD`` (ASCII
    digits) naming a real day, else ``None``.

    ``datetime.date.fromisoformat`` alone is not enough: from Python 3.11 it also takes other
    ISO 8601 spellings of ten characters, an ISO week date ``2025-W14-2`` and even
    ``20250401xx``, which would be imported as 1 April 2025.
    """
    t = (text or "").strip()
    if not _YYYY_MM_DD.fullmatch(t):
        return None
    try:
        return dt.date.fromisoformat(t)
    except ValueError:  # 2025-02-30, 2025-13-01
        return None


def parse_iso_date(value: str, field: str) -> dt.date:
    """``value`` as a date; ``ValueError("field: expected a date YYYY-MM-DD, got '…'")`` otherwise."""
    text = (value or "").strip()
    day = iso_date_or_none(text)
    if day is None:
        raise ValueError(f"{field}: expected a date YYYY-MM-DD, got {text[:20]!r}")
    return day


def wall_time_in(when: dt.datetime, zone: ZoneInfo, field: str,
                 repeated_hint: str = "choose a time outside the part that repeats") -> dt.datetime:
    """The naive wall time ``when`` on the clocks of ``zone``, as an aware datetime.

    A wall time the zone skips (02:30 on the spring-forward night in Europe/Berlin) or passes
    twice (02:30 on the fall-back night) is refused with ``ValueError("field: …")`` saying so:
    Python would silently read the first as 03:30 and the second as the earlier of the two.
    Used by every form and API that takes a local time (appointments, clinic doses).
    """
    first, second = when.replace(fold=0, tzinfo=zone), when.replace(fold=1, tzinfo=zone)
    try:
        if first.utcoffset() == second.utcoffset():
            return first
        back = first.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
    except (OverflowError, ValueError):
        raise ValueError(f"{field}: that date and time is out of range") from None
    day = f"{when:%a} {when.day} {when:%b %Y}"
    if back != when:  # no such wall time: clocks jump over it
        jump = int((second.utcoffset() - first.utcoffset()).total_seconds() // 60)  # type: ignore[operator]
        raise ValueError(f"{field}: {when:%H:%M} does not exist on {day} in {zone.key}: the clocks go forward "
                         f"{_minutes(jump)} that night; choose another time")
    raise ValueError(f"{field}: {when:%H:%M} happens twice on {day} in {zone.key} (the clocks go back that night); "
                     f"{repeated_hint}")


def _minutes(n: int) -> str:
    return "one hour" if n == 60 else f"{n // 60} h {n % 60:02d} min" if n > 60 else f"{n} minutes"


def day_words(day: dt.date | str) -> str:
    """A day as people read it on every page: ``2026-12-19`` -> ``"Sat 19 Dec 2026"`` (a date, a
    datetime's date, or an ISO ``YYYY-MM-DD...`` string). Pure, so the science packages' sentences
    (verdict reasons) write days as the pages do (2026-12-07: they wrote ``2026-12-19`` beside
    "Sat 19 Dec 2026"); ``gutskin.web.pages.common.day_words`` is this. Machine-read outputs (CSV,
    JSON, FHIR, ``<time datetime>``) stay ISO."""
    d = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)[:10])
    return f"{d:%a} {d.day} {d:%b %Y}"
