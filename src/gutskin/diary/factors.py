"""The factor vocabulary: named daily inputs ``group.name`` (food.dairy, env.pollen, ...).

One name for one thing across layers: the column of the diary CSV, the row of the
``factors`` table, the key of the API's ``factors`` object and the chip in the UI all use
the same ``group.name`` string. Source: ../shared/formats/diary-csv.md (section Factors).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

FACTOR_NAME_RE = re.compile(r"^(food|env|life|gut|treat|[a-z0-9_]+)\.[a-z0-9_]+\Z")  # \Z: "$" also matched before a final newline
"""``group.name``, lower case, ``[a-z0-9_]`` on both sides of the dot."""
MAX_FACTOR_NAME = 80  # the store's column width

GROUPS: tuple[str, ...] = ("food", "env", "life", "gut", "treat")


class FactorKind(str, enum.Enum):
    """How a factor's daily value is read."""

    binary = "binary"  # 0/1: eaten, used, exposed that day
    count = "count"  # servings, applications, grains/m³ ...
    scale = "scale"  # a bounded rating such as stress 0-10 or Bristol 1-7


@dataclass(frozen=True)
class Factor:
    """A named daily input with its kind, unit and plain-language label."""

    name: str
    kind: FactorKind
    unit: str = ""
    label: str = ""
    minimum: float | None = None
    maximum: float | None = None

    @property
    def group(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def is_treatment(self) -> bool:
        """Treatments follow bad days; they are never called triggers without saying so."""
        return self.group == "treat"


def _f(name: str, kind: FactorKind, unit: str, label: str, lo: float | None = None, hi: float | None = None) -> Factor:
    return Factor(name, kind, unit, label, lo, hi)


B, C, S = FactorKind.binary, FactorKind.count, FactorKind.scale

VOCABULARY: dict[str, Factor] = {
    f.name: f
    for f in (
        _f("food.dairy", B, "", "Dairy", 0, None),
        _f("food.egg", B, "", "Egg", 0, None),
        _f("food.wheat", B, "", "Wheat", 0, None),
        _f("food.peanut", B, "", "Peanut", 0, None),
        _f("food.tree_nut", B, "", "Tree nuts", 0, None),
        _f("food.soy", B, "", "Soy", 0, None),
        _f("food.fish", B, "", "Fish", 0, None),
        _f("food.shellfish", B, "", "Shellfish", 0, None),
        _f("food.fermented", B, "", "Fermented foods", 0, None),
        _f("food.sugar", B, "", "Sweets", 0, None),
        _f("env.pollen", C, "grains/m³", "Pollen", 0, None),
        _f("env.humidity", S, "%", "Humidity", 0, 100),
        _f("env.temperature", S, "°C", "Temperature", -60, 60),
        _f("env.dust", B, "", "Dust", 0, None),
        _f("env.pet", B, "", "Pets", 0, None),
        _f("life.stress", S, "0-10", "Stress", 0, 10),
        _f("life.sweat", B, "", "Sweating", 0, None),
        _f("life.swimming", B, "", "Swimming", 0, None),
        _f("gut.bristol", S, "type 1-7", "Stool type (Bristol)", 1, 7),
        _f("gut.bloating", S, "0-10", "Bloating", 0, 10),
        _f("gut.probiotic", B, "", "Probiotic", 0, None),
        _f("gut.prebiotic_fibre", B, "", "Fibre / prebiotic", 0, None),
        _f("gut.antibiotic", B, "", "Antibiotic", 0, None),
        _f("treat.emollient", C, "applications", "Emollient", 0, None),
        _f("treat.tcs", C, "applications", "Topical steroid", 0, None),
        _f("treat.tci", C, "applications", "Topical calcineurin inhibitor", 0, None),
        _f("treat.antihistamine", B, "", "Antihistamine", 0, None),
        _f("treat.dupilumab", B, "", "Dupilumab injection", 0, None),
    )
}


def parse_factor_name(name: str) -> tuple[str, str]:
    """Split ``group.name``; raise ``ValueError`` naming the offending name otherwise."""
    if isinstance(name, str) and len(name) > MAX_FACTOR_NAME:
        raise ValueError(f"factor name {name[:24]!r}…: at most {MAX_FACTOR_NAME} characters")
    if not isinstance(name, str) or not FACTOR_NAME_RE.match(name):
        raise ValueError(
            f"factor name {name!r}: expected 'group.name' in lower case letters, digits and '_' (e.g. food.dairy)"
        )
    group, short = name.split(".", 1)
    return group, short


def out_of_range(factor: Factor, value: float) -> str | None:
    """What is wrong with ``value`` for ``factor`` (humidity 150 %, Bristol type 9), or None.

    One rule for every way in -- diary CSV, API, pages, FHIR -- so that what one path exports
    another path imports."""
    lo, hi = factor.minimum, factor.maximum
    if (lo is None or value >= lo) and (hi is None or value <= hi):
        return None
    if lo is not None and hi is not None:
        return f"expected a value from {lo:g} to {hi:g}"
    return f"expected a value of at least {lo:g}" if lo is not None else f"expected a value of at most {hi:g}"


def known_factor(name: str) -> Factor:
    """The vocabulary entry for ``name``, or a custom factor (count, no unit) for a new name."""
    parse_factor_name(name)
    if name in VOCABULARY:
        return VOCABULARY[name]
    label = name.split(".", 1)[1].replace("_", " ").capitalize()
    return Factor(name, FactorKind.count, "", label, None, None)
