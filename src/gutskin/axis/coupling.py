"""The gut–skin coupling: **project assumptions, not published equations**.

No published model links the gut microbiome, short-chain fatty acids or Tregs to an AD skin
model with equations (reference §8). gutskin therefore adds six named links to the Miyano
2022 skin model. Each has a strength; setting a strength to 0 switches that link off, and
``Coupling.off()`` gives the published skin model unchanged.

========================  ==================================================================
name                      modifier of the Miyano model (see :class:`gutskin.axis.skin.Modifiers`)
========================  ==================================================================
``treg_th2``              k6 (Th2 differentiation) × r^(−treg_th2), r = Treg / reference Treg
``treg_barrier``          k1 (barrier recovery) × r^(treg_barrier)
``trigger_influx``        k4 (pathogen/irritant influx) × (1 + trigger_influx·load) on the
                          reaction day; load = Σ sensitivity-weighted trigger doses
``itch_signalling``       effective IL-31 × (1 + itch_signalling·(stress/10 + sweat)·sens)
``emollient``             background care k3 = x2 · emollient · min(applications, 2)/4
                          (two applications a day give half of the "standard care" k3)
``steroid``               effective IL-4/13/17/22/31, TSLP and Th differentiation ×
                          1/(1 + steroid·min(applications, 2))
========================  ==================================================================
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from gutskin.axis.skin import Modifiers


@dataclass(frozen=True)
class Coupling:
    """Strengths of the assumed gut–skin links (0 = link off)."""

    treg_th2: float = 1.0
    treg_barrier: float = 0.5
    trigger_influx: float = 0.5
    itch_signalling: float = 0.5
    emollient: float = 1.0
    steroid: float = 1.0

    @classmethod
    def off(cls) -> Coupling:
        return cls(0.0, 0.0, 0.0, 0.0, 0.0, 0.0)

    def as_dict(self) -> dict[str, float]:
        return asdict(self)

    def __post_init__(self) -> None:
        for k, v in asdict(self).items():
            if not np.isfinite(v) or v < 0:
                raise ValueError(f"coupling strength {k} must be a finite number >= 0, got {v}")


ASSUMPTION_LABEL = "gut–skin coupling: project assumption, not a published model"


def modifiers(c: Coupling, *, treg_ratio, trigger_load, itch_load, emollient_apps, steroid_apps) -> Modifiers:
    """Per-patient multipliers for one day (all arguments arrays of shape (n,))."""
    r = np.maximum(np.asarray(treg_ratio, dtype=float), 1e-6)
    return Modifiers(
        influx=1.0 + c.trigger_influx * np.asarray(trigger_load, dtype=float),
        th2=r ** (-c.treg_th2),
        barrier=r ** c.treg_barrier,
        itch=1.0 + c.itch_signalling * np.asarray(itch_load, dtype=float),
        care=c.emollient * np.minimum(np.asarray(emollient_apps, dtype=float), 2.0) / 4.0,
        inflammation=1.0 / (1.0 + c.steroid * np.minimum(np.asarray(steroid_apps, dtype=float), 2.0)),
    )


def subset(m: Modifiers, idx: np.ndarray) -> Modifiers:
    """Rows ``idx`` of per-patient modifiers (scalars pass through)."""

    def pick(v):
        return v[idx] if isinstance(v, np.ndarray) and v.ndim == 1 else v

    return Modifiers(pick(m.influx), pick(m.th2), pick(m.barrier), pick(m.itch),
                     None if m.care is None else pick(m.care), pick(m.inflammation))
