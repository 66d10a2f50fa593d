"""Factors a diary cannot tell apart: logged on exactly the same days (or exactly the other days).

Two factors always eaten together (dairy and cake, or "dairy" and "dairy in grams") have the
same regression column, so the joint fit of :mod:`gutskin.insights.triggers` is singular. Before
2026-12-06 that sent every factor of the patient to the one-at-a-time fit, and both factors were
called "likely makes your itch worse, over 99 % likely" with no word that the diary holds one
effect for the two of them. Here such groups are found so that one member stands for the group
in the joint fit (the other factors stay adjusted for it), each member gets the group's effect
in its own units, and the verdicts say the diary cannot tell which of them it is.
"""

from __future__ import annotations

import numpy as np

EXACT = 1.0 - 1e-9
"""|correlation| at or above this is "the same column" (an exact copy up to scale and sign)."""


def together_groups(C: np.ndarray) -> list[tuple[int, list[tuple[int, bool]]]]:
    """Groups of columns of ``C`` (days x factors, no nan) that are exact affine copies of each
    other: ``[(representative, [(member, same_days), ...]), ...]``, the representative being
    the first column of the group; ``same_days`` is False for a mirror image (exposed exactly on
    the other days). Constant columns are never grouped."""
    n, k = C.shape
    if k < 2 or n < 2:
        return []
    Z = C - C.mean(axis=0)
    norm = np.sqrt((Z * Z).sum(axis=0))
    ok = norm > 1e-12
    Z = np.where(ok, Z / np.where(ok, norm, 1.0), 0.0)
    R = Z.T @ Z
    taken = np.zeros(k, bool)
    groups: list[tuple[int, list[tuple[int, bool]]]] = []
    for a in range(k):
        if taken[a] or not ok[a]:
            continue
        members = [(int(b), bool(R[a, b] > 0)) for b in range(a + 1, k)
                   if ok[b] and not taken[b] and abs(R[a, b]) >= EXACT]
        if members:
            taken[[b for b, _ in members]] = True
            groups.append((a, members))
    return groups


def varies(col: np.ndarray) -> bool:
    """Whether a regression column takes more than one value over the rows (a lag column of a
    weekend-only diary, always the patient's mean, does not and cannot be estimated)."""
    return col.size > 0 and float(np.ptp(col)) > 1e-12


def always_with(factors, name: str) -> dict[str, tuple[float, float]]:
    """Factors of a diary frame's factor columns logged on exactly ``name``'s days (or exactly the
    other days), as ``partner -> (its value on a day with name, on a day without)``: the "what
    if" sets them with ``name``, because the diary's one effect of the group is shared out among
    them (dairy alone every day moved the week's itch by about half the group's effect)."""
    x = np.asarray(factors[name], dtype=float)
    logged = ~np.isnan(x)
    on = logged & (np.where(logged, x, 0.0) > 0)
    out: dict[str, tuple[float, float]] = {}
    if on.sum() == 0 or on.sum() == logged.sum():
        return out
    for other in factors.columns:
        if other == name:
            continue
        c = np.asarray(factors[other], dtype=float)
        if not np.array_equal(np.isnan(c), ~logged):
            continue
        c_on = logged & (np.where(logged, c, 0.0) > 0)
        if np.array_equal(c_on, on) and np.all(c[logged & ~on] == 0):
            out[str(other)] = (float(np.median(c[on])), 0.0)
        elif np.array_equal(c_on, logged & ~on) and np.all(np.isin(c[logged], (0.0, 1.0))):
            out[str(other)] = (0.0, 1.0)
    return out
