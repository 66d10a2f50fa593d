"""Strict ISO dates for every interface (CSV, API, CLI): ``YYYY-MM-DD`` and nothing else."""

from __future__ import annotations

import datetime as dt


def parse_iso_date(value: str, field: str) -> dt.date:
    """``value`` as a date; ``ValueError("field: expected a date YYYY-MM-DD, got '…'")`` otherwise."""
    text = (value or "").strip()
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{field}: expected a date YYYY-MM-DD, got {text[:20]!r}") from None
