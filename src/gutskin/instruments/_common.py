"""Shared validation, exact arithmetic and result plumbing for the instruments.

Every scoring function validates its input before it computes anything. An invalid value
raises :class:`InstrumentInputError` (a :class:`ValueError`) whose message starts with the
path of the offending field, e.g. ``answers[3]: expected an integer 0-4 or null, got 5``.
Arithmetic on fractional inputs is done with :class:`fractions.Fraction` built from the
decimal text of the number, so that band edges such as 25 or 7.0 are never missed through
binary floating point.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any


class InstrumentInputError(ValueError):
    """Invalid input to an instrument; ``field`` is the path of the offending value."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


def show(value: Any) -> str:
    """Render a received value for an error message (JSON-like, short)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def is_int(value: Any) -> bool:
    """True for a real integer (``bool`` is not accepted as a number)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """True for an int or a finite float (not ``bool``)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and value == value and value not in (float("inf"), float("-inf"))


def exact(value: int | float) -> Fraction:
    """The exact rational value of a number as written in decimal (``0.1`` -> 1/10)."""
    if isinstance(value, int):
        return Fraction(value)
    return Fraction(Decimal(repr(value)))


def as_number(f: Fraction) -> int | float:
    """An int when ``f`` is whole, otherwise the nearest float."""
    return int(f) if f.denominator == 1 else float(f)


def check_int(value: Any, field: str, lo: int, hi: int, *, nullable: bool = False) -> int | None:
    """Validate an integer item in ``[lo, hi]`` (or ``None`` when ``nullable``)."""
    expected = f"an integer {lo}-{hi}" + (" or null" if nullable else "")
    if value is None:
        if nullable:
            return None
        raise InstrumentInputError(field, f"expected {expected}, got null")
    if not is_int(value) or not lo <= value <= hi:
        raise InstrumentInputError(field, f"expected {expected}, got {show(value)}")
    return int(value)


def check_number(value: Any, field: str, lo: int, hi: int, *, nullable: bool = False) -> Fraction | None:
    """Validate a real number in ``[lo, hi]``; return it as an exact fraction."""
    expected = f"a number {lo}-{hi}" + (" or null" if nullable else "")
    if value is None:
        if nullable:
            return None
        raise InstrumentInputError(field, f"expected {expected}, got null")
    if not is_number(value):
        raise InstrumentInputError(field, f"expected {expected}, got {show(value)}")
    f = exact(value)
    if not lo <= f <= hi:
        raise InstrumentInputError(field, f"expected {expected}, got {show(value)}")
    return f


def check_item(value: Any, field: str, lo: int, hi: int, *, nullable: bool, ticked: bool = True) -> int | None:
    """A questionnaire item: an integer, null (unanswered) or (when ``ticked``) a list of ticked options.

    When two or more options were ticked for one item (a list), the highest is recorded,
    the rule given by the POEM, RECAP and DLQI scoring instructions. Instruments without that
    rule (ADCT, GSRS) pass ``ticked=False``: a list is then an error naming the item.
    """
    if isinstance(value, (list, tuple)) and not ticked:
        raise InstrumentInputError(
            field, f"expected an integer {lo}-{hi}{' or null' if nullable else ''}, got a list of "
            "several options; this instrument has no published rule for several ticked options"
        )
    if isinstance(value, (list, tuple)):
        if not value:
            raise InstrumentInputError(field, f"expected an integer {lo}-{hi}, got an empty list")
        ticked = [check_int(v, f"{field}[{j}]", lo, hi) for j, v in enumerate(value)]
        return max(t for t in ticked if t is not None)
    return check_int(value, field, lo, hi, nullable=nullable)


def check_answers(
    answers: Any, n: int, lo: int, hi: int, *, nullable: bool, field: str = "answers", ticked: bool = True
) -> list[int | None]:
    """Validate a list of ``n`` questionnaire items (``ticked``: see :func:`check_item`)."""
    if isinstance(answers, (str, bytes)) or not isinstance(answers, Sequence):
        raise InstrumentInputError(field, f"expected a list of {n} items, got {show(answers)}")
    if len(answers) != n:
        raise InstrumentInputError(field, f"expected {n} items, got {len(answers)}")
    return [check_item(a, f"{field}[{i}]", lo, hi, nullable=nullable, ticked=ticked) for i, a in enumerate(answers)]


def check_mapping(value: Any, field: str, keys: Iterable[str], *, optional: Iterable[str] = ()) -> Mapping[str, Any]:
    """Validate that ``value`` is an object with exactly the required ``keys`` (plus optional ones)."""
    keys = list(keys)
    optional = set(optional)
    if not isinstance(value, Mapping):
        raise InstrumentInputError(field or "input", f"expected a JSON object, got {show(value)}")
    prefix = f"{field}." if field else ""
    for k in keys:
        if k not in value:
            raise InstrumentInputError(f"{prefix}{k}", "required field is missing")
    for k in value:
        if k not in keys and k not in optional:
            allowed = ", ".join(keys + sorted(optional))
            raise InstrumentInputError(f"{prefix}{k}", f"unexpected field (allowed: {allowed})")
    return value


def choose(value: Any, field: str, options: Mapping[str, Any]) -> str:
    """Validate a choice among named options (e.g. a band set)."""
    if not isinstance(value, str) or value not in options:
        raise InstrumentInputError(field, f"expected one of {', '.join(options)}, got {show(value)}")
    return value


@dataclasses.dataclass(frozen=True)
class ScoreResult:
    """Base of every instrument result: ``total`` and ``band`` are ``None`` when not scored."""

    instrument: str
    total: int | float | None
    band: str | None
    version: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict; ``instrument``, ``total`` and ``band`` come first."""
        out = {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}
        head = {k: out.pop(k) for k in ("instrument", "total", "band")}
        return {**head, **out}

    @property
    def scored(self) -> bool:
        """Whether a total was produced (``False`` means *not scored*, never 0)."""
        return self.total is not None


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Fraction):
        return as_number(value)
    return value


IntBands = Sequence[tuple[int, int, str]]


def band_of_int(total: int | None, table: IntBands) -> str | None:
    """Band of an integer total from inclusive ``(low, high, label)`` rows; ``None`` stays ``None``."""
    if total is None:
        return None
    for low, high, label in table:
        if low <= total <= high:
            return label
    raise AssertionError(f"total {total} outside band table {table}")  # pragma: no cover


def total_one_missing_as_zero(items: Sequence[int | None]) -> int | None:
    """Sum items where a single unanswered item scores 0 and two or more mean *not scored*.

    This is the University of Nottingham rule for RECAP and POEM and the rule quoted for the
    DLQI: one missing item is scored 0 and the total is reported out of the usual maximum;
    with two or more missing the questionnaire is not scored (``None``, never 0).
    """
    missing = sum(1 for x in items if x is None)
    if missing >= 2:
        return None
    return sum(x for x in items if x is not None)
