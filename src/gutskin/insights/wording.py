"""How the insights' numbers are worded for people (pages, reports, the CLI's text output)."""

from __future__ import annotations


def risk_percent(p: float) -> str:
    """A probability as a person reads it: a whole percent, but never "0%" or "100%" for a
    chance the model cannot rule out or promise -- "under 1%" and "over 99%" instead."""
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"probability must be within 0..1, got {p}")
    pct = round(100 * p)
    if pct < 1:
        return "under 1%"
    if pct > 99:
        return "over 99%"
    return f"{pct}%"
