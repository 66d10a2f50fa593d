"""Numbers as a person reads them on a page or in a report (2026-12-07): the one place where a
displayed number gets its sign and its unit.

- A negative number has a real minus sign, U+2212 "−" ("Temperature −3 °C", "itch change −0.4"):
  a hyphen-minus "-" is a hyphen to a reader (and to a screen reader), reads as a dash in a range
  ("2 - 3") and breaks a line after it. Machine formats (CSV, JSON, FHIR, form values) keep "-":
  use these functions for displayed text only.
- A unit after a number agrees with it: "1 grain/m³", "40 grains/m³", "1 application" (not
  "Pollen 1 grains/m³"). Singular for exactly one (and minus one); "0.5 grains/m³" stays plural.
- Symbols ("%", "°C", "g", "ml") are never pluralised.

Pure: used by the web pages (Jinja filters ``num``, ``signed``, ``quantity``), the visit report
(``gutskin.interop.report``) and wherever a page formats a number with a unit.
"""

from __future__ import annotations

import math

MINUS = "\u2212"

#: plural unit -> its singular, for the units gutskin shows after a number (the vocabulary's units,
#: gutskin's own words); a unit not here is shown as it is whatever the number
SINGULAR: dict[str, str] = {
    "grains/m³": "grain/m³",
    "grains": "grain",
    "applications": "application",
    "days": "day",
    "flare days": "flare day",
    "logged days": "logged day",
    "diary days": "diary day",
    "baseline days": "baseline day",
    "observation-window days": "observation-window day",
    "factors": "factor",
    "scores": "score",
    "nights": "night",
    "weeks": "week",
    "months": "month",
    "years": "year",
    "hours": "hour",
    "minutes": "minute",
    "points": "point",
    "times": "time",
    "doses": "dose",
    "steps": "step",
    "entries": "entry",
    "reads": "read",
    "samples": "sample",
    "cigarettes": "cigarette",
    "glasses": "glass",
    "portions": "portion",
    "servings": "serving",
    "units": "unit",
}


def _minus(text: str) -> str:
    """``text`` (a formatted number) with a leading hyphen-minus as U+2212; "-0" reads "0"."""
    if text.startswith("-"):
        body = text[1:]
        if body.strip("0.") == "" and body != "":  # a negative zero after rounding ("-0.0") is zero
            return body
        return MINUS + body
    return text


def number(value: float | int, digits: int | None = None) -> str:
    """``value`` for a reader: ``digits`` None as Python's ``g`` (3.5, 40, 0.25), else at most that
    many decimals without trailing zeros (2.50 -> "2.5"; 0 digits: a whole number); a negative with
    "−". Not finite: "–" (nothing to show)."""
    x = float(value)
    if not math.isfinite(x):
        return "–"
    if digits is None:
        text = f"{x:g}"
    elif digits <= 0:
        text = f"{x:.0f}"
    else:
        text = f"{x:.{digits}f}".rstrip("0").rstrip(".")
    return _minus(text)


def signed(value: float | int, digits: int = 1) -> str:
    """A change, always with its sign: "+0.4", "−0.4", "0.0" (no sign on a change that rounds to
    nothing: "+0.0" and "−0.0" both read as a direction). ``digits`` decimals are kept."""
    x = float(value)
    if not math.isfinite(x):
        return "–"
    text = f"{x:+.{digits}f}"
    if text[1:].strip("0.") == "":
        return text[1:]
    return "+" + text[1:] if text[0] == "+" else MINUS + text[1:]


def unit_for(unit: str, value: float | int) -> str:
    """``unit`` agreeing with ``value``: singular (:data:`SINGULAR`) for exactly one or minus one."""
    if unit and abs(float(value)) == 1:
        return SINGULAR.get(unit, unit)
    return unit


def quantity(value: float | int, unit: str, digits: int | None = None) -> str:
    """A number and its unit: "1 grain/m³", "40 grains/m³", "−3 °C", "35 %", "2 days"; the number
    alone when ``unit`` is empty. The unit agrees with the number as shown (0.999 with 1 digit
    shows "1", so "1 day")."""
    shown = number(value, digits)
    if not unit:
        return shown
    try:
        as_shown = float(shown.replace(MINUS, "-"))
    except ValueError:
        as_shown = float(value)
    return f"{shown} {unit_for(unit, as_shown)}"
