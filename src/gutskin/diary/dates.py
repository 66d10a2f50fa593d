"""Strict ISO dates for every interface (CSV, API, CLI): ``YYYY-MM-DD`` and nothing else."""

from __future__ import annotations

import datetime as dt
import re

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
