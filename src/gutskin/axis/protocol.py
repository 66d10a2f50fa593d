"""The published Miyano 2022 protocol, vectorized over virtual patients (weeks).

1. Baseline: from the initial state with e = (0,…,0,1) for 1000 weeks; the state at week
   1000 is the patient's baseline.
2. Arms: from the baseline, 24 weeks per arm (0.1-week grid, 241 points).
3. Exclusion: a patient is dropped when EASI ≥ 72 at any grid point of any arm run
   (the baseline value is not part of the check).
4. Outputs: %improved EASI(t) = 100·(EASI₀ − EASI(t))/EASI₀; EASI-75(t) = % of patients with
   %improved EASI > 75 (strict). As in the authors' script the EASI-75 denominator is the
   number of patients *sampled*, not the number kept (reference §1.5).

All patients (and all arms) are integrated together with :func:`gutskin.axis.integrate.integrate`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from gutskin.axis import skin
from gutskin.axis.integrate import integrate

#: What an arm with no patient left after the exclusion reports instead of its figures.
NO_PATIENTS_LEFT = "no patients left in this arm after exclusion"

#: Tolerances of the vectorized integrator (checked against odeint at 1e-8/1e-6 in tests).
MAX_GRID_VALUES = 200_000_000
"""Patients × arms × 0.1-week grid points one :func:`simulate_trial` may keep (8 bytes each):
10,000 patients × 10 arms × 24 weeks is 24 M; 10,000 × 10 × 520 weeks (520 M, 4.2 GB of EASI
and 58 GB of whole states before 2026-12-07) is refused."""
RTOL = 1e-5
ATOL = 1e-8


def settle(params: np.ndarray, *, weeks: float = skin.SETTLE_WEEKS, x0: np.ndarray | None = None,
           effect: np.ndarray = skin.BASELINE_EFFECT, rtol: float = RTOL, atol: float = ATOL) -> np.ndarray:
    """Baseline states (n, 14): integrate ``weeks`` from the published initial state without care."""
    params = np.atleast_2d(np.asarray(params, dtype=float))
    n = params.shape[0]
    if n == 0:
        return np.empty((0, skin.N_STATES))
    if x0 is None:
        start = np.tile(skin.INITIAL_STATE, (n, 1))
    elif np.ndim(x0) == 1:
        start = np.tile(np.asarray(x0, dtype=float), (n, 1))
    else:
        start = np.asarray(x0, dtype=float)

    def f(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return skin.rhs(x, params[idx], effect)

    def jac(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return skin.jacobian(x, params[idx], effect)

    xb, _ = integrate(f, start, weeks, rtol=rtol, atol=atol, solver=skin.block_solver, jac=jac)
    return xb


def run_arms(params: np.ndarray, baseline: np.ndarray, arms: Sequence[str], *, weeks: float = skin.ARM_WEEKS,
             rtol: float = RTOL, atol: float = ATOL, return_states: bool = False):
    """Integrate every (patient, arm) pair from the baseline on the 0.1-week grid.

    Returns {arm: EASI array (n, n_grid)} and, with ``return_states``, also {arm: states
    (n, n_grid, 14)}.
    """
    params = np.atleast_2d(np.asarray(params, dtype=float))
    n = params.shape[0]
    names = [skin.canonical_arm(a) for a in arms]
    n_grid = int(round(weeks / skin.GRID_STEP_WEEKS)) + 1
    grid = np.linspace(0.0, weeks, n_grid)
    if n == 0 or not names:
        empty = {a: np.empty((0, n_grid)) for a in names}
        return (empty, {a: np.empty((0, n_grid, skin.N_STATES)) for a in names}) if return_states else empty
    effects = np.repeat(np.stack([skin.ARMS[a] for a in names]), n, axis=0)  # (A*n, 10)
    prm = np.tile(params, (len(names), 1))
    x0 = np.tile(baseline, (len(names), 1))

    def f(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return skin.rhs(x, prm[idx], effects[idx])

    def jac(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return skin.jacobian(x, prm[idx], effects[idx])

    observe = None if return_states else (lambda xs: skin.easi(xs)[:, None])  # EASI only: 1/14 of the memory
    _, states = integrate(f, x0, weeks, grid=grid, rtol=rtol, atol=atol, h_max=skin.GRID_STEP_WEEKS * 5,
                          solver=skin.block_solver, jac=jac, observe=observe)
    assert states is not None
    e = skin.easi(states) if return_states else states[:, :, 0]
    out = {a: e[i * n:(i + 1) * n] for i, a in enumerate(names)}
    if return_states:
        return out, {a: states[i * n:(i + 1) * n] for i, a in enumerate(names)}
    return out


@dataclass
class ProtocolResult:
    """Result of :func:`run_protocol`."""

    arms: list[str]
    weeks: float
    params: np.ndarray  # (n_sampled, 51)
    baseline: np.ndarray  # (n_sampled, 14)
    easi: dict[str, np.ndarray]  # arm -> (n_sampled, n_grid)
    kept: np.ndarray  # (n_sampled,) bool
    grid: np.ndarray = field(default_factory=lambda: np.empty(0))

    @property
    def n_sampled(self) -> int:
        return int(self.params.shape[0])

    @property
    def n_kept(self) -> int:
        return int(self.kept.sum())

    @property
    def baseline_easi(self) -> np.ndarray:
        return skin.easi(self.baseline)

    def percent_improved(self, arm: str) -> np.ndarray:
        """%improved EASI(t) for kept patients, shape (n_kept, n_grid)."""
        e0 = self.baseline_easi[self.kept][:, None]
        return 100.0 * (e0 - self.easi[arm][self.kept]) / e0

    def easi75(self, arm: str) -> np.ndarray:
        """EASI-75(t) in % of patients *sampled* (the authors' denominator), shape (n_grid,)."""
        if self.n_sampled == 0:
            return np.zeros(len(self.grid))
        return 100.0 * np.count_nonzero(self.percent_improved(arm) > 75.0, axis=0) / self.n_sampled

    def weekly_index(self) -> np.ndarray:
        return np.arange(0, int(round(self.weeks)) + 1) * int(round(1 / skin.GRID_STEP_WEEKS))

    def summary(self, week: int = 16) -> dict:
        """The CLI/JSON summary per arm (see docs/axis.md for field meanings).

        ``week`` is the read-out week of the two "week16" fields (16 unless the run is shorter).
        An arm with no patient left after the EASI ≥ 72 exclusion (or none sampled) has no median:
        its figures are None (JSON null, never NaN) and ``note`` is :data:`NO_PATIENTS_LEFT`.
        """
        wk = self.weekly_index()
        gi = min(int(round(week / skin.GRID_STEP_WEEKS)), len(self.grid) - 1)
        out: dict[str, dict] = {}
        for arm in self.arms:
            kept = self.easi[arm][self.kept]
            row: dict = {"patients": self.n_kept, "patients_sampled": self.n_sampled}
            if kept.shape[0]:
                med = np.median(kept[:, wk], axis=0)
                row.update({
                    "easi_by_week_median": [round(float(v), 4) for v in med],
                    "percent_improvement_week16_median": round(float(np.median(self.percent_improved(arm)[:, gi])), 4),
                    "easi75_percent_week16": round(float(self.easi75(arm)[gi]), 4),
                })
            else:  # the median of nothing was NaN: 'nan%' on the page and CLI, NaN (not JSON) in --json
                row.update({
                    "easi_by_week_median": [None] * len(wk),
                    "percent_improvement_week16_median": None,
                    "easi75_percent_week16": None,
                    "note": NO_PATIENTS_LEFT,
                })
            out[arm] = row
        return out


def exclusion_mask(easi_by_arm: dict[str, np.ndarray], threshold: float = skin.EXCLUSION_EASI) -> np.ndarray:
    """Kept patients: EASI below ``threshold`` at every grid point of every arm run."""
    arrays = list(easi_by_arm.values())
    if not arrays:
        raise ValueError("no arms")
    kept = np.ones(arrays[0].shape[0], dtype=bool)
    for e in arrays:
        kept &= np.all(e < threshold, axis=1)
    return kept


def run_protocol(params: np.ndarray, arms: Sequence[str], *, weeks: float = skin.ARM_WEEKS,
                 rtol: float = RTOL, atol: float = ATOL,
                 exclusion_easi: float = skin.EXCLUSION_EASI) -> ProtocolResult:
    """Settle, run the arms and apply the EASI ≥ 72 exclusion (reference §1.5).

    Note: at any steady state p < 1/(1 + b6·s) ≤ 1, so EASI = 36·(p + 1 − s) stays below 72;
    the exclusion only bites for transients, and rarely does.
    """
    if weeks <= 0:
        raise ValueError(f"weeks must be > 0, got {weeks}")
    names = [skin.canonical_arm(a) for a in arms]
    params = np.atleast_2d(np.asarray(params, dtype=float))
    base = settle(params, rtol=rtol, atol=atol)
    easi = run_arms(params, base, names, weeks=weeks, rtol=rtol, atol=atol)
    kept = exclusion_mask(easi, exclusion_easi)
    n_grid = int(round(weeks / skin.GRID_STEP_WEEKS)) + 1
    return ProtocolResult(names, float(weeks), params, base, easi, kept, np.linspace(0, weeks, n_grid))


def simulate_trial(arms: Sequence[str], n_patients: int, *, weeks: int = 24, seed: int = 0,
                   mu: np.ndarray = skin.MU, sigma: np.ndarray = skin.SIGMA) -> ProtocolResult:
    """Sample ``n_patients`` virtual patients (seeded) and run the protocol for ``arms``."""
    if n_patients < 0:
        raise ValueError(f"patients must be >= 0, got {n_patients}")
    if weeks <= 0:
        raise ValueError(f"weeks must be > 0, got {weeks}")
    for a in arms:
        skin.canonical_arm(a)
    values = n_patients * len(arms) * (int(round(weeks / skin.GRID_STEP_WEEKS)) + 1)
    if values > MAX_GRID_VALUES:
        raise ValueError(f"{n_patients:,} patients × {len(arms)} arms × {weeks:,} weeks is more than one trial may hold "
                         f"in memory ({values:,} EASI values on the 0.1-week grid, at most {MAX_GRID_VALUES:,}, "
                         "about 1.6 GB); run fewer patients, arms or weeks")
    rng = np.random.default_rng(seed)
    params = skin.sample_parameters(n_patients, rng, mu, sigma)
    return run_protocol(params, arms, weeks=weeks)


def median_patient(arms: Sequence[str], *, weeks: int = 24, mu: np.ndarray = skin.MU) -> dict:
    """The single patient with every parameter at its median: baseline EASI and weekly EASI per arm."""
    params = skin.median_parameters(mu)
    names = [skin.canonical_arm(a) for a in arms]
    base = settle(params)
    easi = run_arms(params, base, names, weeks=weeks)
    wk = np.arange(0, int(weeks) + 1) * int(round(1 / skin.GRID_STEP_WEEKS))
    return {
        a: {
            "baseline_easi": round(float(skin.easi(base)[0]), 4),
            "easi_by_week": [round(float(v), 4) for v in easi[a][0, wk]],
        }
        for a in names
    }
