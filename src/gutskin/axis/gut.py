"""Gut arm: Shannon diversity → butyrate → regulatory T cells (time unit: **days**).

Three states per patient, stepped one day at a time (inputs constant within a day): H and F
exactly; T exactly towards the Treg level of the butyrate at the start of the day:

* ``H`` — gut Shannon diversity (natural-log Shannon index, typical adult gut 3–4.5).
  dH/dt = (H* − H)/τ_H − k_abx·A·(H − H_min), with the target
  H* = H₀ + g_fibre·fibre + g_ferm·fermented + g_pro·probiotic (inputs 0/1 that day).
  Diversity moves slowly (τ_H = 21 days); an antibiotic day (A = 1) pulls it down quickly.
* ``F`` — recent fibre intake (fraction of days), dF/dt = (fibre − F)/τ_F, τ_F = 3 days.
* ``T`` — systemic Treg amount (Treg fraction f ⇔ amount f/(1 − f): the naive, non-Treg CD4⁺
  pool is held at 1, as in the authors' code, whose comment and the reference's §6 say "total
  CD4⁺ = 1" while using f/(1 − f)), from the Islam 2021 butyrate → Treg model reduced to one
  compartment: dT/dt = b⁻·γ + b⁺·ΔB − μ_T·T. b⁻ and μ_T are first-order rates per day, as the
  model's equations use them (the authors' constants file calls μ_T and μ_B "half-life").

Butyrate (quasi-steady, because μ_B = 166.3/day in Islam 2021 makes it equilibrate in minutes):
relative production ρ = (H/H_ref)·(1 + c_F·F)/(1 + c_F·F_ref); blood butyrate rise
ΔB = B_scale·(ρ − 1) µM, floored so that Treg production stays positive.

Sources and calibration
-----------------------
* Islam MA, Cook CV, Smith BJ, Ford Versypt AN. *Ind Eng Chem Res* 2021;60(49):17814–17825,
  doi:10.1021/acs.iecr.1c02949 (reference §6): b⁻ = 0.1718/day, μ_T = 0.064/day; blood Treg
  fraction 0.13 at baseline and 0.16 with a blood butyrate rise of 0.29 µM. Solving the
  one-compartment steady state T = (b⁻γ + b⁺ΔB)/μ_T against those two data points gives
  γ = μ_T·T_ref/b⁻ with T_ref = 0.13/0.87, and b⁺ = μ_T·(0.16/0.84 − T_ref)/0.29 (γ = 0.0557,
  b⁺ = 0.00906/µM/day: this reduction's own calibration, not the authors' three-compartment
  values, which are about 0.119 and 0.0231 with Treg migration; both reproduce 0.13 → 0.16).
* B_scale = 0.29 µM: **assumption** — doubling butyrate production (ρ = 2) is taken to raise
  blood butyrate as much as the butyrate supplementation in Islam 2021.
* H_ref = 3.5, τ_H = 21 d, antibiotic loss k_abx = 0.08/d towards H_min = 1.5, the diet
  gains: **assumptions** informed by Dethlefsen & Relman, PNAS 2011;108:4554 (antibiotic
  courses lower diversity within days, recovery over weeks, often incomplete) and
  Wastyk et al., Cell 2021;184:4137 (a fermented-food diet raised diversity over weeks;
  high fibre alone did not within 10 weeks, hence the smaller fibre gain on diversity and
  its larger role through butyrate). (unverified magnitudes — check the primary sources)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

B_MINUS = 0.1718  # /day, Islam 2021
MU_T = 0.064  # /day, Islam 2021
TREG_FRACTION_BASELINE = 0.13  # blood, Islam 2021
TREG_FRACTION_BUTYRATE = 0.16  # blood with butyrate, Islam 2021
BLOOD_BUTYRATE_RISE = 0.29  # µM, Islam 2021
T_REF = TREG_FRACTION_BASELINE / (1 - TREG_FRACTION_BASELINE)
GAMMA = MU_T * T_REF / B_MINUS
B_PLUS = MU_T * (TREG_FRACTION_BUTYRATE / (1 - TREG_FRACTION_BUTYRATE) - T_REF) / BLOOD_BUTYRATE_RISE

H_REF = 3.5
H_MIN = 1.5
F_REF = 0.5
C_FIBRE = 1.0
B_SCALE = BLOOD_BUTYRATE_RISE


@dataclass
class GutParams:
    """Per-patient gut parameters (arrays of shape (n,) or scalars)."""

    h0: np.ndarray  # the patient's own baseline diversity (no diet/probiotic boosts)
    tau_h: float = 21.0  # days
    tau_f: float = 3.0  # days
    gain_fibre: float = 0.10  # Shannon units at daily fibre
    gain_fermented: float = 0.20
    gain_probiotic: float = 0.15
    k_antibiotic: float = 0.08  # /day on an antibiotic day
    extra: dict = field(default_factory=dict)


def butyrate_rise(H: np.ndarray, F: np.ndarray) -> np.ndarray:
    """Blood butyrate rise ΔB (µM) from diversity H and recent fibre F (see module docstring)."""
    rho = (np.asarray(H) / H_REF) * (1 + C_FIBRE * np.asarray(F)) / (1 + C_FIBRE * F_REF)
    floor = -0.9 * B_MINUS * GAMMA / B_PLUS
    return np.maximum(B_SCALE * (rho - 1.0), floor)


def treg_steady(dB: np.ndarray) -> np.ndarray:
    """Steady-state Treg amount for a butyrate rise dB (µM)."""
    return (B_MINUS * GAMMA + B_PLUS * np.asarray(dB)) / MU_T


def treg_fraction(T: np.ndarray) -> np.ndarray:
    """Treg fraction f = T/(1 + T) of CD4⁺ cells (Islam 2021 sets non-Treg CD4⁺ to 1)."""
    T = np.asarray(T)
    return T / (1.0 + T)


class GutState:
    """Vectorized gut arm for n patients, stepped one day at a time."""

    def __init__(self, params: GutParams, n: int, fibre_habit: np.ndarray | float = F_REF):
        self.p = params
        self.H = np.broadcast_to(np.asarray(params.h0, dtype=float), (n,)).copy()
        self.F = np.broadcast_to(np.asarray(fibre_habit, dtype=float), (n,)).copy()
        self.T = treg_steady(butyrate_rise(self.H, self.F))

    @classmethod
    def from_arrays(cls, params: GutParams, H: np.ndarray, F: np.ndarray, T: np.ndarray) -> GutState:
        """A gut arm continued from saved states H, F, T (arrays of shape (n,))."""
        g = cls.__new__(cls)
        g.p, g.H, g.F, g.T = params, np.asarray(H, dtype=float), np.asarray(F, dtype=float), np.asarray(T, dtype=float)
        return g

    @property
    def treg_ratio(self) -> np.ndarray:
        """T / T_ref: 1 for a reference gut (H = 3.5, average fibre)."""
        return self.T / T_REF

    def step(self, fibre, fermented, probiotic, antibiotic, days: float = 1.0) -> None:
        """Advance one day with the day's inputs (0/1 arrays). Exact for constant inputs."""
        p = self.p
        target = p.h0 + p.gain_fibre * fibre + p.gain_fermented * fermented + p.gain_probiotic * probiotic
        a = 1.0 / p.tau_h + p.k_antibiotic * antibiotic
        eq = (target / p.tau_h + p.k_antibiotic * antibiotic * H_MIN) / a
        dB = butyrate_rise(self.H, self.F)
        self.H = eq + (self.H - eq) * np.exp(-a * days)
        self.F = fibre + (self.F - fibre) * np.exp(-days / p.tau_f)
        Ts = treg_steady(dB)
        self.T = Ts + (self.T - Ts) * np.exp(-MU_T * days)
