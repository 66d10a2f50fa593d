"""gutskin.axis — the mechanistic gut–skin simulator (see docs/axis.md).

* :mod:`gutskin.axis.skin` — Miyano 2022 QSP model of atopic dermatitis (published).
* :mod:`gutskin.axis.protocol` — the published protocol and treatment arms, vectorized.
* :mod:`gutskin.axis.gut` — gut arm: diversity → butyrate → Tregs (Islam 2021, simplified).
* :mod:`gutskin.axis.coupling` — gut–skin links: **project assumptions**, each switchable off.
* :mod:`gutskin.axis.cohort` — virtual patients → daily diaries with known truth.
* :mod:`gutskin.axis.plots` — trajectories as plain data and figures.

Convenience imports (lazy, so ``import gutskin.axis`` stays light)::

    from gutskin.axis import simulate_cohort, simulate_trial, median_patient, Coupling, trajectories
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "simulate_cohort": ("gutskin.axis.cohort", "simulate_cohort"),
    "Cohort": ("gutskin.axis.cohort", "Cohort"),
    "write_cohort": ("gutskin.axis.cohort", "write_cohort"),
    "simulate_trial": ("gutskin.axis.protocol", "simulate_trial"),
    "run_protocol": ("gutskin.axis.protocol", "run_protocol"),
    "median_patient": ("gutskin.axis.protocol", "median_patient"),
    "Coupling": ("gutskin.axis.coupling", "Coupling"),
    "trajectories": ("gutskin.axis.plots", "trajectories"),
    "ARMS": ("gutskin.axis.skin", "ARMS"),
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        mod, attr = _EXPORTS[name]
        return getattr(importlib.import_module(mod), attr)
    raise AttributeError(f"module 'gutskin.axis' has no attribute {name!r}")
