"""Virtual patients → daily diaries with known truth.

:func:`simulate_cohort` draws ``n_patients`` virtual patients (Miyano 2022 skin parameters,
a gut arm, habits, personal triggers), runs the coupled gut–skin model one day at a time and
writes what a patient would log: itch 0–10, sleep loss 0–10, a flare flag and daily
factors (foods, exposures, gut, treatments), with measurement noise and missing days.
Same seed → same cohort, bit for bit.

Generative story for patient i on day t (details and sources in docs/axis.md):

1. Exposures of day t come from habits and the calendar: seasonal pollen (tree, grass, weed
   peaks, rain days), humidity and temperature, pets, dust, foods eaten with personal
   frequencies and day-to-day persistence, stress (AR(1), weekdays higher), sweating
   (exercise and hot days), fibre, fermented food, probiotic periods, antibiotic courses.
2. Each patient has 0–3 **true triggers** (factor, effect in itch units per reference dose,
   lag 0–3 days; foods mostly lag 1). The dose of trigger j on day t − lag_j adds
   ``effect_j · dose`` to the day's itch (the acute reaction) and, through the coupling
   (``trigger_influx``), raises pathogen/irritant influx k4 of the skin model on day t.
   Sweat and stress, when they are the patient's triggers, also raise IL-31 signalling in the
   skin model on the reaction day (a slow after-effect through barrier damage).
   Every other factor has **no effect** (listed as ``null_factors`` in the truth).
3. The skin state (Miyano model, weeks) is integrated over the day (1/7 week) with the day's
   modifiers: Tregs from the gut arm, trigger influx, itch signalling, emollient care,
   topical steroid damping; random "flare shocks" (infection, scratching — unexplained by
   any factor) raise influx for 2–4 days.
4. Latent itch = 10·(1 − exp(−EASI·√(IL31/IL31_base)/κ)) (IL31: the state) + acute trigger reactions + AR(1)
   noise; the logged itch adds measurement noise and is rounded to 0–10. Sleep loss follows
   itch. Flare = itch at or above the patient's flare threshold. POEM once a week from the
   last 7 days of itch, sleep loss and EASI-driven skin signs.
5. Treatment follows bad days: a topical steroid course starts when the day's itch reaches
   the patient's threshold (with adherence < 1) and continues while itch stays high; it
   damps inflammation from that day on. So ``treat.tcs`` is positively correlated with itch
   on the same day although it lowers itch afterwards: it is **not** a trigger.
6. Missing days: per-patient logging gaps with persistence (a day not logged is absent from
   the diary); occasionally the scores are blank but factors were logged.

State-space form: every day is one call of two step functions on an explicit state
(:class:`AxisModel` holds each patient's fixed true parameters, :class:`AxisState` what is
carried from day to day, :class:`DayNoise` the day's random draws), so a simulation can be
continued from the state after any diary day (``simulate_cohort(..., snapshots=days)`` keeps
them): :mod:`gutskin.axis.oracle` does that for the oracle forecast. The draws are made in the
same order as before the split, so a seed gives the same cohort, bit for bit
(tests/axis/test_oracle.py compares with a frozen copy of the old code).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from dataclasses import dataclass, field

import numpy as np

from gutskin.axis import coupling as cpl
from gutskin.axis import gut, skin
from gutskin.axis.integrate import integrate, integrate_fixed

FACTORS: tuple[str, ...] = (
    "food.dairy", "food.egg", "food.wheat", "food.peanut", "food.soy", "food.fish", "food.fermented",
    "food.sugar", "env.pollen", "env.humidity", "env.temperature", "env.dust", "env.pet", "life.stress",
    "life.sweat", "gut.bristol", "gut.probiotic", "gut.prebiotic_fibre", "gut.antibiotic",
    "treat.emollient", "treat.tcs",
)
"""Diary factor columns, in the order written."""

FOOD_FREQ = {  # mean fraction of days eaten (assumption: typical Western diet)
    "food.dairy": 0.70, "food.egg": 0.40, "food.wheat": 0.85, "food.peanut": 0.08, "food.soy": 0.12,
    "food.fish": 0.20, "food.fermented": 0.25, "food.sugar": 0.50,
}

# factor -> (prior probability of being a trigger, reference dose, centre, unit text, effect range, lag choices, lag probs)
TRIGGER_CANDIDATES: dict[str, tuple] = {
    "food.dairy": (0.22, 1.0, 0.0, "day eaten", (1.0, 2.5), (0, 1, 2, 3), (0.15, 0.6, 0.2, 0.05)),
    "food.egg": (0.18, 1.0, 0.0, "day eaten", (1.0, 2.5), (0, 1, 2, 3), (0.15, 0.6, 0.2, 0.05)),
    "food.wheat": (0.10, 1.0, 0.0, "day eaten", (1.0, 2.5), (0, 1, 2, 3), (0.15, 0.6, 0.2, 0.05)),
    "food.peanut": (0.08, 1.0, 0.0, "day eaten", (1.5, 3.0), (0, 1, 2, 3), (0.25, 0.55, 0.15, 0.05)),
    "food.soy": (0.06, 1.0, 0.0, "day eaten", (1.0, 2.5), (0, 1, 2, 3), (0.15, 0.6, 0.2, 0.05)),
    "env.pollen": (0.25, 100.0, 0.0, "100 grains/m³", (0.6, 1.5), (0, 1), (0.6, 0.4)),
    "env.dust": (0.22, 1.0, 0.0, "dusty day", (1.0, 2.2), (0, 1), (0.6, 0.4)),
    "env.pet": (0.18, 1.0, 0.0, "day with pet contact", (1.0, 2.2), (0, 1), (0.6, 0.4)),
    "life.sweat": (0.20, 1.0, 0.0, "sweaty day", (0.8, 2.0), (0,), (1.0,)),
    "life.stress": (0.20, 3.0, 0.0, "3 points of stress (0-10)", (0.5, 1.2), (0, 1), (0.6, 0.4)),
    "env.humidity": (0.10, -20.0, 60.0, "20 points lower humidity (%)", (0.4, 0.9), (0, 1), (0.5, 0.5)),
}
MAX_TRIGGERS = 3

SLOW_FACTORS: dict[str, str] = {
    "food.fermented": "raises gut diversity target (weeks)",
    "gut.probiotic": "raises gut diversity target (weeks)",
    "gut.prebiotic_fibre": "raises butyrate production (days) and diversity target (weeks)",
    "gut.antibiotic": "lowers gut diversity (days), recovery over weeks",
}
"""Gut-arm inputs: not triggers, but not null either when the gut–skin coupling is on."""

RUN_IN_DAYS = 21
MAX_PATIENT_DAYS = 4_000_000
"""Patients × diary days one cohort may hold. A cohort is built in memory (daily arrays, then one
``DiaryRow`` per logged day) at about 2 KB per patient-day (measured 2026-12-07: 1,000 × 365 →
0.77 GB peak), so this bounds a run to about 8 GB: 10,000 patients for a year or 1,000 for ten
years run; 10,000 patients for ten years (73 GB) was OOM-killed instead of refused."""
DAY_WEEKS = 1.0 / 7.0


@dataclass
class Cohort:
    """A simulated cohort: diary rows (interchange format), truth and daily model trajectories."""

    rows: list  # list[gutskin.diary.csvio.DiaryRow], sorted by patient then date
    truth: dict
    factor_names: tuple[str, ...] = FACTORS
    patients: list[str] = field(default_factory=list)
    dates: list[dt.date] = field(default_factory=list)
    trajectories: dict[str, np.ndarray] = field(default_factory=dict)
    """Per-day model values, arrays (n_patients, n_days): easi, barrier, th2, il31, shannon,
    treg_ratio, itch_latent, tcs, trigger_load."""
    model: AxisModel | None = None
    """The true per-patient model (parameters of the body and of the exposure processes)."""
    states: dict = field(default_factory=dict)
    """Diary day -> :class:`AxisState` of every patient after that day (``snapshots=``)."""
    noise: NoiseTape | None = None
    """The simulation's draws, to replay it from a state (kept with ``snapshots=``)."""

    def frame(self):
        """The diary as a pandas DataFrame (as :func:`gutskin.diary.csvio.read_diary_frame`)."""
        import io

        from gutskin.diary.csvio import read_diary_frame, write_diary_csv

        buf = io.StringIO()
        write_diary_csv(self.rows, buf, self.factor_names)
        buf.seek(0)
        return read_diary_frame(buf)

    def write(self, out_dir: str | os.PathLike[str]) -> tuple[str, str]:
        """Write ``diary.csv`` and ``truth.json`` into ``out_dir`` (created if missing)."""
        return write_cohort(self, out_dir)


def _r(x: float, nd: int = 6) -> float:
    """Round for stable JSON (significant digits)."""
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return x
    return float(f"{x:.{nd}g}")


def _seasonal_pollen(doy, shift: np.ndarray, amp: np.ndarray) -> np.ndarray:
    """Tree (day ~105), grass (~165) and weed (~235) pollen peaks, grains/m³ (Europe-like).

    ``doy`` is the day of the year of each row (scalar or shape (n,)); ``shift`` (n,), ``amp`` (n, 3).
    """
    d = doy - shift
    tree = amp[:, 0] * np.exp(-0.5 * ((d - 105) / 14.0) ** 2)
    grass = amp[:, 1] * np.exp(-0.5 * ((d - 165) / 20.0) ** 2)
    weed = amp[:, 2] * np.exp(-0.5 * ((d - 235) / 15.0) ** 2)
    return tree + grass + weed + 1.0


# ---- the state-space form of the simulator ------------------------------------------------
#
# ``simulate_cohort`` runs every patient day by day through two step functions, which the
# oracle forecast (``gutskin.axis.oracle``) also runs from a saved state:
#
# * ``_exposures_day``: the day's exposures from each patient's exposure processes (their
#   parameters in ``AxisModel``, their persistence in ``ExposureState``) and the day's noise;
# * ``_body_day``: the day's itch, reactive treatment and the skin/gut integration
#   (``BodyState``), given the day's exposures and noise.
#
# Exposures do not depend on the body, so ``simulate_cohort`` generates all of them first (the
# gut arm starts from the first 28 days' fibre) and then runs the body; the oracle interleaves.

CANDIDATES: tuple[str, ...] = tuple(TRIGGER_CANDIDATES)
"""Candidate trigger factors, in the order their effects are summed."""
_CAND_CENTRE = tuple(float(TRIGGER_CANDIDATES[f][2]) for f in CANDIDATES)
_CAND_REF = tuple(float(TRIGGER_CANDIDATES[f][1]) for f in CANDIDATES)
_K_SWEAT = CANDIDATES.index("life.sweat")
_K_STRESS = CANDIDATES.index("life.stress")
FOODS: tuple[str, ...] = tuple(FOOD_FREQ)
WEEKEND_EGG = np.array([1, 1, 1, 1, 1, 1.6, 1.6])
"""Egg multiplier by the simulation day's index modulo 7 (day 0 = first run-in day)."""
FOOD_PERSISTENCE = 0.3
PROBIOTIC_PERIODS = (0.3, 2, 28, 56, 0.9)
"""(fraction of patients, at most this many periods, shortest and longest period in days, adherence)."""
ANTIBIOTIC_RATE = 0.4 / 365.0
ANTIBIOTIC_DAYS = 7
SHOCK_DAYS = (2, 4)
LAG_MAX = 3


@dataclass
class Calendar:
    """Day of year, weekday and season of each simulation day (day 0 = first run-in day).

    The first ``n_days`` values are computed exactly as the simulator always did; the
    arrays continue for ``extra`` days beyond them (forecasts past the last simulated day).
    """

    first: dt.date
    n_days: int
    doy: np.ndarray
    weekday: np.ndarray
    season: np.ndarray

    @classmethod
    def make(cls, first: dt.date, n_days: int, extra: int = 366) -> Calendar:
        def arrays(k0: int, k1: int):
            dates = [first + dt.timedelta(days=k) for k in range(k0, k1)]
            doy = np.array([d.timetuple().tm_yday for d in dates], dtype=float)
            weekday = np.array([d.weekday() for d in dates], dtype=np.int64)
            return doy, weekday, np.sin(2 * np.pi * (doy - 110) / 365.25)

        extra = max(0, min(extra, (dt.date.max - first).days + 1 - n_days))
        d0, w0, s0 = arrays(0, n_days)
        d1, w1, s1 = arrays(n_days, n_days + extra)
        return cls(first, n_days, np.concatenate([d0, d1]), np.concatenate([w0, w1]), np.concatenate([s0, s1]))


_PATIENT_FIELDS = (
    "params", "h0", "kappa", "ar_phi", "ar_sd", "meas_sd", "flare_rate", "tcs_thr", "tcs_adherence", "emol_mean",
    "il31_base", "trig_effect", "trig_lag", "region_t", "pollen_amp", "pollen_shift", "pet_owner", "dust_rate",
    "food_p", "stress_mu", "sweat_base", "fibre_p",
)


@dataclass
class AxisModel:
    """The true per-patient model of a simulated cohort (first axis of every array: patient).

    Everything :func:`simulate_cohort` draws once per patient and keeps fixed: skin parameters
    (``params``, Miyano 2022), gut baseline ``h0``, itch read-out (``kappa``, ``il31_base``), AR
    noise, reading noise ``meas_sd``, flare-shock rate, reactive-steroid rule, emollient habit,
    true triggers as dense (n, 11) effect and lag arrays over :data:`CANDIDATES` (effect 0 = not
    a trigger), and the exposure processes' parameters (temperature offset, pollen season shift
    and amplitudes, pet owner, dusty-day rate, food frequencies (n, 8) in :data:`FOODS` order,
    stress level, sweating rate, fibre frequency). ``calendar`` and ``n_sim_days`` (run-in +
    diary, the window in which probiotic periods start) are shared by all patients.
    """

    coupling: cpl.Coupling
    calendar: Calendar
    n_sim_days: int
    adaptive: bool
    params: np.ndarray
    h0: np.ndarray
    kappa: np.ndarray
    ar_phi: np.ndarray
    ar_sd: np.ndarray
    meas_sd: np.ndarray
    flare_rate: np.ndarray
    tcs_thr: np.ndarray
    tcs_adherence: np.ndarray
    emol_mean: np.ndarray
    il31_base: np.ndarray
    trig_effect: np.ndarray
    trig_lag: np.ndarray
    region_t: np.ndarray
    pollen_amp: np.ndarray
    pollen_shift: np.ndarray
    pet_owner: np.ndarray
    dust_rate: np.ndarray
    food_p: np.ndarray
    stress_mu: np.ndarray
    sweat_base: np.ndarray
    fibre_p: np.ndarray

    @property
    def n(self) -> int:
        return int(self.h0.shape[0])

    def take(self, idx) -> AxisModel:
        """The model of rows ``idx`` (e.g. one patient repeated once per particle)."""
        idx = np.asarray(idx, dtype=np.int64)
        kw = {f: getattr(self, f)[idx] for f in _PATIENT_FIELDS}
        return AxisModel(self.coupling, self.calendar, self.n_sim_days, self.adaptive, **kw)


_EXPOSURE_FIELDS = ("t", "food_prev", "fibre_prev", "stress_prev", "pro_left", "pro_start", "pro_len",
                    "abx_left", "shock_carry")
_BODY_FIELDS = ("t", "x", "h", "gut_H", "gut_F", "gut_T", "u_ar", "on_course", "lat_prev", "dose_hist")


@dataclass
class ExposureState:
    """Persistence of the exposure processes before simulation day ``t`` (per patient).

    ``food_prev`` (n, 8) / ``fibre_prev``: yesterday's 0/1 (Markov chains); ``stress_prev``:
    yesterday's unrounded stress (AR(1)); ``pro_left``: days left of a probiotic period in
    progress, ``pro_start``/``pro_len`` (n, 2): the start day (-1: none) and length of each of the
    patient's probiotic periods; ``abx_left``: days left of an antibiotic course; ``shock_carry``
    (n, 3): flare-shock size already set for days t, t+1, t+2 by shocks started earlier.
    """

    t: np.ndarray
    food_prev: np.ndarray
    fibre_prev: np.ndarray
    stress_prev: np.ndarray
    pro_left: np.ndarray
    pro_start: np.ndarray
    pro_len: np.ndarray
    abx_left: np.ndarray
    shock_carry: np.ndarray


@dataclass
class BodyState:
    """Skin, gut, itch noise and treatment state before simulation day ``t`` (per patient).

    ``x`` (n, 14): Miyano skin state; ``h``: the adaptive integrator's step sizes; ``gut_H``,
    ``gut_F``, ``gut_T``: gut diversity, recent fibre, Tregs; ``u_ar``: yesterday's AR(1) itch
    noise; ``on_course``: steroid course yesterday; ``lat_prev``: yesterday's latent itch
    (−inf before the first day); ``dose_hist`` (n, 11, 3): trigger doses of the candidate
    factors on days t−1, t−2, t−3 (0 before the first day).
    """

    t: np.ndarray
    x: np.ndarray
    h: np.ndarray
    gut_H: np.ndarray
    gut_F: np.ndarray
    gut_T: np.ndarray
    u_ar: np.ndarray
    on_course: np.ndarray
    lat_prev: np.ndarray
    dose_hist: np.ndarray


def _take(obj, fields, idx):
    return type(obj)(**{f: np.array(getattr(obj, f)[idx], copy=True) for f in fields})


@dataclass
class AxisState:
    """Everything the simulator carries from one day to the next, per patient: the true state
    after the last simulated day (``t`` is the next simulation day; diary day = t − RUN_IN_DAYS)."""

    exposure: ExposureState
    body: BodyState

    @property
    def n(self) -> int:
        return int(self.body.x.shape[0])

    @property
    def t(self) -> np.ndarray:
        return self.body.t

    def take(self, idx) -> AxisState:
        """A copy of rows ``idx``."""
        idx = np.asarray(idx, dtype=np.int64)
        return AxisState(_take(self.exposure, _EXPOSURE_FIELDS, idx), _take(self.body, _BODY_FIELDS, idx))

    def copy(self) -> AxisState:
        return self.take(np.arange(self.n))

    @classmethod
    def concat(cls, states) -> AxisState:
        """Rows of several states, one after the other (e.g. different patients and days)."""
        states = list(states)
        if not states:
            raise ValueError("concat needs at least one state")
        ex = ExposureState(**{f: np.concatenate([getattr(s.exposure, f) for s in states]) for f in _EXPOSURE_FIELDS})
        bd = BodyState(**{f: np.concatenate([getattr(s.body, f) for s in states]) for f in _BODY_FIELDS})
        return cls(ex, bd)


_NOISE_FIELDS = ("temp", "hum", "rain_u", "pollen_z", "pet_u_owner", "pet_u_other", "dust_u", "food_u", "stress_z",
                 "sweat_u", "fibre_u", "pro_adh_u", "abx_u", "shock_u", "shock_len", "shock_size", "eps_ar", "emol_u",
                 "tcs_u", "tcs_apps_u", "obs_z")


@dataclass
class DayNoise:
    """The random draws of one day for every row (arrays (n,); ``food_u`` (n, 8)).

    Gaussian draws are stored as drawn (``temp`` ~ N(0, 3²), ``hum`` ~ N(0, 8²), ``pollen_z`` ~
    N(0, 0.6²), ``stress_z`` ~ N(0, 1.2²), ``eps_ar`` and ``obs_z`` ~ N(0, 1)), uniforms as
    U(0, 1), ``shock_len`` in 2..4, ``shock_size`` = 1 + Exp(mean 2).
    """

    temp: np.ndarray | None = None
    hum: np.ndarray | None = None
    rain_u: np.ndarray | None = None
    pollen_z: np.ndarray | None = None
    pet_u_owner: np.ndarray | None = None
    pet_u_other: np.ndarray | None = None
    dust_u: np.ndarray | None = None
    food_u: np.ndarray | None = None
    stress_z: np.ndarray | None = None
    sweat_u: np.ndarray | None = None
    fibre_u: np.ndarray | None = None
    pro_adh_u: np.ndarray | None = None
    abx_u: np.ndarray | None = None
    shock_u: np.ndarray | None = None
    shock_len: np.ndarray | None = None
    shock_size: np.ndarray | None = None
    eps_ar: np.ndarray | None = None
    emol_u: np.ndarray | None = None
    tcs_u: np.ndarray | None = None
    tcs_apps_u: np.ndarray | None = None
    obs_z: np.ndarray | None = None

    @classmethod
    def draw(cls, rng: np.random.Generator, n: int) -> DayNoise:
        """Fresh draws for ``n`` rows, from the same distributions as :func:`simulate_cohort`."""
        return cls(
            temp=rng.normal(0, 3, n), hum=rng.normal(0, 8, n), rain_u=rng.random(n), pollen_z=rng.normal(0, 0.6, n),
            pet_u_owner=rng.random(n), pet_u_other=rng.random(n), dust_u=rng.random(n),
            food_u=rng.random((n, len(FOODS))), stress_z=rng.normal(0, 1.2, n), sweat_u=rng.random(n),
            fibre_u=rng.random(n), pro_adh_u=rng.random(n), abx_u=rng.random(n), shock_u=rng.random(n),
            shock_len=rng.integers(SHOCK_DAYS[0], SHOCK_DAYS[1] + 1, n), shock_size=1.0 + rng.exponential(2.0, n),
            eps_ar=rng.normal(0, 1, n), emol_u=rng.random(n), tcs_u=rng.random(n), tcs_apps_u=rng.random(n),
            obs_z=rng.normal(0, 1, n),
        )


@dataclass
class NoiseTape:
    """The draws of a whole simulation, arrays (n, T) (``food_u`` (n, T, 8)), to replay any day."""

    arrays: dict[str, np.ndarray]

    def day(self, t) -> DayNoise:
        """The draws of simulation day ``t`` (an int, or one day per row)."""
        T = next(iter(self.arrays.values())).shape[1] if self.arrays else 0
        if np.any(np.asarray(t) >= T) or np.any(np.asarray(t) < 0):
            raise ValueError(f"the recorded draws cover simulation days 0..{T - 1}, not day "
                             f"{int(np.max(t)) if np.any(np.asarray(t) >= T) else int(np.min(t))}")
        if np.ndim(t) == 0:
            return DayNoise(**{k: v[:, t] for k, v in self.arrays.items()})
        t = np.asarray(t)
        rows = np.arange(t.shape[0])
        return DayNoise(**{k: v[rows, t] for k, v in self.arrays.items()})

    def take(self, idx) -> NoiseTape:
        return NoiseTape({k: v[np.asarray(idx)] for k, v in self.arrays.items()})


def _markov_step(p, prev, u, persistence: float = FOOD_PERSISTENCE):
    """One day of a 0/1 chain with mean ≈ p and day-to-day persistence."""
    prob = np.clip(p + persistence * (prev - p), 0, 1)
    return (u < prob).astype(float)


def _exposures_day(m: AxisModel, s: ExposureState, t, nz: DayNoise) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The exposures of simulation day ``t`` (int, or per row) for every row, and the day's
    flare-shock size; advances ``s`` (in place) to day t + 1."""
    cal = m.calendar
    season_t, doy_t, wd_t = cal.season[t], cal.doy[t], cal.weekday[t]
    temperature = np.round(11 + 9 * season_t + m.region_t + nz.temp, 1)
    humidity = np.round(np.clip(47 + 10 * season_t + nz.hum, 15, 95), 0)
    rain = nz.rain_u < 0.35
    pollen = _seasonal_pollen(doy_t, m.pollen_shift, m.pollen_amp) * np.exp(nz.pollen_z)
    pollen = np.round(np.where(rain, 0.3 * pollen, pollen), 1)
    pet = np.where(m.pet_owner, nz.pet_u_owner < 0.95, nz.pet_u_other < 0.05).astype(float)
    dust = (nz.dust_u < m.dust_rate).astype(float)
    out: dict[str, np.ndarray] = {}
    food_prev = np.empty_like(s.food_prev)
    for j, f in enumerate(FOODS):
        p = m.food_p[:, j]
        if f == "food.egg":
            p = np.clip(p * WEEKEND_EGG[t % 7], 0, 1)
        food_prev[:, j] = out[f] = _markov_step(p, s.food_prev[:, j], nz.food_u[:, j])
    s.food_prev = food_prev
    s.stress_prev = (m.stress_mu + 0.7 * (s.stress_prev - m.stress_mu) + nz.stress_z
                     + (np.where(wd_t < 5, 0.3, -0.6) if np.ndim(t) else (0.3 if wd_t < 5 else -0.6)))
    stress = np.clip(np.round(s.stress_prev), 0, 10)
    sweat = (nz.sweat_u < m.sweat_base + 0.3 * (temperature > 24)).astype(float)
    s.fibre_prev = fibre = _markov_step(m.fibre_p, s.fibre_prev, nz.fibre_u)
    starts = s.pro_start == np.reshape(t, (-1, 1))
    s.pro_left = np.maximum(s.pro_left, np.where(starts, s.pro_len, 0).max(axis=1, initial=0))
    probiotic = (s.pro_left > 0).astype(float) * (nz.pro_adh_u < PROBIOTIC_PERIODS[4])
    s.pro_left = np.maximum(s.pro_left - 1, 0)
    s.abx_left = np.where(nz.abx_u < ANTIBIOTIC_RATE, ANTIBIOTIC_DAYS, s.abx_left)
    antibiotic = (s.abx_left > 0).astype(float)
    s.abx_left = np.maximum(s.abx_left - 1, 0)
    carry = np.concatenate([s.shock_carry, np.zeros((s.shock_carry.shape[0], 1))], axis=1)
    hit = (nz.shock_u < m.flare_rate)[:, None] & (np.arange(SHOCK_DAYS[1])[None, :] < nz.shock_len[:, None])
    carry = np.where(hit, np.maximum(carry, nz.shock_size[:, None]), carry)
    s.shock_carry = carry[:, 1:]
    s.t = s.t + 1
    out.update({"env.pollen": pollen, "env.humidity": humidity, "env.temperature": temperature, "env.dust": dust,
                "env.pet": pet, "life.stress": stress, "life.sweat": sweat, "gut.probiotic": probiotic,
                "gut.prebiotic_fibre": fibre, "gut.antibiotic": antibiotic})
    return out, carry[:, 0]


@dataclass
class BodyDay:
    """What :func:`_body_day` produced for one day (arrays (n,))."""

    easi: np.ndarray
    barrier: np.ndarray
    th2: np.ndarray
    il31: np.ndarray
    shannon: np.ndarray
    treg_ratio: np.ndarray
    itch_latent: np.ndarray
    tcs: np.ndarray
    trigger_load: np.ndarray
    emollient: np.ndarray
    treat_prob: np.ndarray | None = None


def _treatment_prob(m: AxisModel, b: BodyState, lat, prev_bad, tcs, emol) -> np.ndarray:
    """Probability under the reactive-treatment rule of ``tcs`` steroid and ``emol`` emollient
    applications on a day with latent itch ``lat`` (course yesterday ``b.on_course``).

    Course today iff u < max(adherence·[lat ≥ thr], 0.9·[course yesterday and lat ≥ thr − 2]);
    2 applications with probability 0.4 on a course day; emollient = clip(floor(v), 0, 4) with
    v uniform on [c, c + 2), c = mean + 0.8·[yesterday's itch ≥ 5] + 0.7·course − 0.5.
    """
    p_on = np.maximum(np.where(lat >= m.tcs_thr, m.tcs_adherence, 0.0),
                      np.where(b.on_course & (lat >= m.tcs_thr - 2.0), 0.9, 0.0))
    on = tcs > 0
    p = np.where(on, p_on * np.where(tcs >= 2, 0.4, 0.6), 1.0 - p_on)
    c = m.emol_mean + 0.8 * prev_bad + 0.7 * on - 0.5
    lo = np.where(emol <= 0, -np.inf, emol)
    hi = np.where(emol >= 4, np.inf, emol + 1.0)
    overlap = np.clip(np.minimum(hi, c + 2.0) - np.maximum(lo, c), 0.0, 2.0)
    return p * overlap / 2.0


def _body_day(m: AxisModel, b: BodyState, ex: dict[str, np.ndarray], shock: np.ndarray, nz: DayNoise,
              forced: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> BodyDay:
    """One day of itch, reactive treatment, skin and gut for every row; advances ``b`` in place.

    Latent itch = 10·(1 − exp(−EASI·√(IL31/IL31_base)/κ)) + acute trigger reactions (effect ·
    dose at each trigger's lag) + AR(1) noise; a steroid course starts when it reaches the
    threshold (adherence) and continues while it stays high; emollient use follows yesterday's
    itch; the skin model is integrated over the day with the day's modifiers, then the gut arm.

    ``forced`` = (rows, steroid applications, emollient applications): on those rows the day's
    treatment is the given one (e.g. as logged in a diary) instead of the rule's draw, and
    ``BodyDay.treat_prob`` is the rule's probability of that treatment (1 on other rows).
    """
    n = b.x.shape[0]
    x = b.x
    e_now = skin.easi(x)
    # the read-out uses the state's IL-31; the acute trigger reaction is added separately, so
    # that the truth's effect and lag are exact
    il31_rel = np.maximum(x[:, 10], 0.0) / m.il31_base
    model_itch = 10.0 * (1.0 - np.exp(-e_now * np.sqrt(il31_rel) / m.kappa))
    u_ar = m.ar_phi * b.u_ar + m.ar_sd * nz.eps_ar
    # trigger doses of today and the last LAG_MAX days; each trigger acts at its own lag
    dose_now = np.stack([(ex[f] - c) / r for f, c, r in zip(CANDIDATES, _CAND_CENTRE, _CAND_REF)], axis=1) \
        if n else np.zeros((0, len(CANDIDATES)))
    hist = np.concatenate([dose_now[:, :, None], b.dose_hist], axis=2)  # (n, 11, 1 + LAG_MAX)
    lagged = np.take_along_axis(hist, m.trig_lag[:, :, None], axis=2)[:, :, 0]
    direct = np.zeros(n)
    load = np.zeros(n)
    for k in range(len(CANDIDATES)):
        direct = direct + m.trig_effect[:, k] * lagged[:, k]
        load = load + 0.5 * m.trig_effect[:, k] * np.maximum(lagged[:, k], 0.0)
    is_trig = m.trig_effect != 0
    itch_load = np.zeros(n) + np.where(is_trig[:, _K_SWEAT], np.maximum(lagged[:, _K_SWEAT], 0.0), 0.0)
    itch_load = itch_load + np.where(is_trig[:, _K_STRESS],
                                     np.maximum(lagged[:, _K_STRESS], 0.0) * _CAND_REF[_K_STRESS] / 10.0, 0.0)
    lat = model_itch + direct + u_ar
    # reactive treatment: steroid course when itch is high, continued while it stays high
    start_c = (lat >= m.tcs_thr) & (nz.tcs_u < m.tcs_adherence)
    cont = b.on_course & (lat >= m.tcs_thr - 2.0) & (nz.tcs_u < 0.9)
    on_course = start_c | cont
    tcs = np.where(on_course, 1.0 + (nz.tcs_apps_u < 0.4), 0.0)
    prev_bad = b.lat_prev >= 5
    emol = np.minimum(np.floor(m.emol_mean + 0.8 * prev_bad + 0.7 * on_course + 2.0 * (nz.emol_u - 0.5) + 0.5), 4)
    emol = np.maximum(emol, 0)
    treat_prob = None
    if forced is not None:
        rows, tcs_f, emol_f = forced
        treat_prob = np.where(rows, _treatment_prob(m, b, lat, prev_bad, tcs_f, emol_f), 1.0)
        on_course = np.where(rows, tcs_f > 0, on_course)
        tcs = np.where(rows, tcs_f, tcs)
        emol = np.where(rows, emol_f, emol)
    g = gut.GutState.from_arrays(gut.GutParams(h0=m.h0), b.gut_H, b.gut_F, b.gut_T)
    mod = cpl.modifiers(m.coupling, treg_ratio=g.treg_ratio, trigger_load=load + shock, itch_load=itch_load,
                        emollient_apps=emol, steroid_apps=tcs)
    day = BodyDay(e_now, x[:, 0], x[:, 3], x[:, 10], g.H, g.treg_ratio, lat, tcs, load, emol, treat_prob)
    if n:
        b.x = _day(m.params, x, mod, b.h, adaptive=m.adaptive)
    g.step(ex["gut.prebiotic_fibre"], ex["food.fermented"], ex["gut.probiotic"], ex["gut.antibiotic"])
    b.gut_H, b.gut_F, b.gut_T = g.H, g.F, g.T
    b.u_ar, b.on_course, b.lat_prev = u_ar, on_course, lat
    b.dose_hist = hist[:, :, :LAG_MAX]
    b.t = b.t + 1
    return day


def step_day(m: AxisModel, s: AxisState, nz: DayNoise) -> tuple[dict[str, np.ndarray], BodyDay]:
    """Simulate one day from state ``s`` (advanced in place to the next day) with the day's
    draws ``nz``: returns the day's exposures (with ``treat.tcs`` and ``treat.emollient``) and
    the body's values (latent itch, EASI, ...)."""
    if not np.array_equal(s.exposure.t, s.body.t):
        raise ValueError("state: exposure and body parts are at different days")
    t = s.body.t
    ex, shock = _exposures_day(m, s.exposure, t, nz)
    day = _body_day(m, s.body, ex, shock, nz)
    ex["treat.tcs"] = day.tcs
    ex["treat.emollient"] = day.emollient
    return ex, day


def observe_itch(latent: np.ndarray, meas_sd: np.ndarray, obs_z: np.ndarray) -> np.ndarray:
    """Logged itch: latent + reading noise (``meas_sd``·``obs_z``), rounded, clipped to 0..10."""
    return np.clip(np.round(latent + meas_sd * obs_z), 0, 10)


def simulate_cohort(
    n_patients: int,
    n_days: int,
    seed: int = 0,
    start: dt.date = dt.date(2025, 1, 1),
    *,
    coupling: cpl.Coupling | None = None,
    adaptive: bool = False,
    mu: np.ndarray = skin.MU,
    sigma: np.ndarray = skin.SIGMA,
    id_prefix: str = "p",
    snapshots=None,
) -> Cohort:
    """Simulate ``n_patients`` virtual patients for ``n_days`` diary days from ``start``.

    Returns a :class:`Cohort` with ``rows`` (``DiaryRow`` list for
    :func:`gutskin.diary.csvio.write_diary_csv`), ``truth`` (JSON-ready dict; per patient:
    true triggers with effect and lag, null factors, sensitivities, treatment behaviour,
    parameters), daily ``trajectories`` and the true model (``model``). Deterministic for a
    given seed. ``adaptive=True`` integrates each day with the error-controlled integrator
    instead of two fixed half-day Rosenbrock steps (slower; used in tests to check the fixed
    steps). ``snapshots``: diary days (0 = ``start``; −1 = before it; −21..−1 are the run-in, −22 =
    before the simulation's first day) after which the true state
    of every patient is kept (``Cohort.states``) together with the simulation's draws
    (``Cohort.noise``), so that the simulation can be continued or replayed from there
    (:func:`gutskin.axis.oracle.oracle_forecast`); the diary and truth do not change.
    """
    from gutskin.diary.csvio import DiaryRow

    if isinstance(n_patients, bool) or int(n_patients) != n_patients or n_patients < 0:
        raise ValueError(f"patients must be a whole number >= 0, got {n_patients}")
    if isinstance(n_days, bool) or int(n_days) != n_days or n_days < 0:
        raise ValueError(f"days must be a whole number >= 0, got {n_days}")
    n, D = int(n_patients), int(n_days)
    if n * D > MAX_PATIENT_DAYS:
        raise ValueError(f"{n:,} patient{'s' if n != 1 else ''} × {D:,} days = {n * D:,} patient-days is more than one cohort may hold in "
                         f"memory ({MAX_PATIENT_DAYS:,}, about 8 GB); run fewer patients or fewer days")
    snap_days: set[int] = set()
    if snapshots is not None:
        for d in snapshots:
            if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or not -RUN_IN_DAYS - 1 <= d < D:
                raise ValueError(f"snapshots: diary day {d!r} is not a whole number in {-RUN_IN_DAYS - 1}..{D - 1}")
            snap_days.add(int(d))
    c = cpl.Coupling() if coupling is None else coupling
    rng = np.random.default_rng(seed)
    T = D + RUN_IN_DAYS
    if (start - dt.date.min).days < RUN_IN_DAYS:
        raise ValueError(f"start must be on or after {(dt.date.min + dt.timedelta(days=RUN_IN_DAYS)).isoformat()}: "
                         f"the simulator runs {RUN_IN_DAYS} days in before the first diary day")
    if D and (dt.date.max - start).days < D - 1:
        raise ValueError(f"start {start.isoformat()} with {D} days: the last diary day would fall after 9999-12-31")
    first = start - dt.timedelta(days=RUN_IN_DAYS)
    cal = Calendar.make(first, T)
    dates_all = [first + dt.timedelta(days=k) for k in range(T)]
    weekday = cal.weekday[:T]

    # ---- patient parameters -------------------------------------------------------------
    params = skin.sample_parameters(n, rng, mu, sigma)
    width = max(3, len(str(n)))
    pids = [f"{id_prefix}{i + 1:0{width}d}" for i in range(n)]
    triggers = _sample_triggers(rng, n)
    h0 = np.clip(rng.normal(3.2, 0.45, n), 1.8, 4.5)
    kappa = np.exp(rng.normal(np.log(46.0), 0.3, n))
    ar_phi = rng.uniform(0.4, 0.75, n)
    ar_sd = rng.uniform(0.3, 0.7, n)
    meas_sd = rng.uniform(0.3, 0.7, n)
    flare_rate = rng.uniform(1 / 70, 1 / 25, n)
    flare_thr = rng.integers(6, 9, n).astype(float)
    tcs_thr = rng.uniform(5.0, 7.5, n)
    tcs_adherence = rng.uniform(0.5, 0.9, n)
    emol_mean = rng.uniform(0.3, 1.8, n)
    miss_rate = rng.beta(2.0, 14.0, n)
    blank_rate = rng.uniform(0.0, 0.04, n)

    # ---- exposure processes: parameters, initial states and the draws of every day ------
    # (drawn in the simulator's historical order, so that a seed gives the same cohort)
    tape: dict[str, np.ndarray] = {}
    region_t = rng.normal(0, 2.5, n)
    tape["temp"] = rng.normal(0, 3, (n, T))
    tape["hum"] = rng.normal(0, 8, (n, T))
    tape["rain_u"] = rng.random((n, T))
    amp = np.exp(rng.normal(0, 0.35, (n, 3))) * np.array([150.0, 120.0, 40.0])
    pollen_shift = rng.normal(0, 7, n)
    tape["pollen_z"] = rng.normal(0, 0.6, (n, T))
    pet_owner = rng.random(n) < 0.3
    tape["pet_u_owner"] = rng.random((n, T))
    tape["pet_u_other"] = rng.random((n, T))
    tape["dust_u"] = rng.random((n, T))
    dust_rate = rng.uniform(0.05, 0.3, n)
    food_p = np.zeros((n, len(FOODS)))
    food_u = np.zeros((n, T, len(FOODS)))
    food_prev = np.zeros((n, len(FOODS)))
    for j, f in enumerate(FOODS):
        mf = FOOD_FREQ[f]
        food_p[:, j] = rng.beta(6 * mf, 6 * (1 - mf), n)
        food_u[:, :, j] = rng.random((n, T))
        food_prev[:, j] = (rng.random(n) < food_p[:, j]).astype(float)
    tape["food_u"] = food_u
    stress_mu = rng.uniform(2.0, 6.0, n)
    stress_prev = stress_mu + rng.normal(0, 1, n)
    tape["stress_z"] = rng.normal(0, 1.2, (n, T))
    sweat_base = rng.uniform(0.1, 0.4, n)
    tape["sweat_u"] = rng.random((n, T))
    fibre_p = rng.beta(2.4, 3.6, n)
    tape["fibre_u"] = rng.random((n, T))
    fibre_prev = (rng.random(n) < fibre_p).astype(float)
    frac, n_max, lo, hi, _adh = PROBIOTIC_PERIODS
    has = rng.random(n) < frac
    k_periods = rng.integers(1, n_max + 1, n)
    pro_start = rng.integers(0, max(T, 1), (n, n_max))
    pro_len = rng.integers(lo, hi + 1, (n, n_max))
    pro_start = np.where(has[:, None] & (np.arange(n_max)[None, :] < k_periods[:, None]), pro_start, -1)
    tape["pro_adh_u"] = rng.random((n, T))
    tape["abx_u"] = rng.random((n, T))
    tape["shock_u"] = rng.random((n, T))
    tape["shock_len"] = rng.integers(SHOCK_DAYS[0], SHOCK_DAYS[1] + 1, (n, T))
    tape["shock_size"] = 1.0 + rng.exponential(2.0, (n, T))

    trig_effect = np.zeros((n, len(CANDIDATES)))
    trig_lag = np.zeros((n, len(CANDIDATES)), dtype=np.int64)
    for i, trig in enumerate(triggers):
        for tr in trig:
            k = CANDIDATES.index(tr["factor"])
            trig_effect[i, k], trig_lag[i, k] = tr["effect"], tr["lag"]
    model = AxisModel(
        c, cal, T, bool(adaptive), params=params, h0=h0, kappa=kappa, ar_phi=ar_phi, ar_sd=ar_sd, meas_sd=meas_sd,
        flare_rate=flare_rate, tcs_thr=tcs_thr, tcs_adherence=tcs_adherence, emol_mean=emol_mean,
        il31_base=np.ones(n), trig_effect=trig_effect, trig_lag=trig_lag, region_t=region_t, pollen_amp=amp,
        pollen_shift=pollen_shift, pet_owner=pet_owner, dust_rate=dust_rate, food_p=food_p, stress_mu=stress_mu,
        sweat_base=sweat_base, fibre_p=fibre_p,
    )
    es = ExposureState(t=np.zeros(n, dtype=np.int64), food_prev=food_prev, fibre_prev=fibre_prev,
                       stress_prev=stress_prev, pro_left=np.zeros(n, dtype=np.int64), pro_start=pro_start,
                       pro_len=pro_len, abx_left=np.zeros(n, dtype=np.int64), shock_carry=np.zeros((n, 3)))

    # ---- exposures, day by day (n, T) ----------------------------------------------------
    snap_t = {RUN_IN_DAYS + d: d for d in snap_days}
    ex_snaps: dict[int, ExposureState] = {}
    if -1 in snap_t:
        ex_snaps[snap_t[-1]] = _take(es, _EXPOSURE_FIELDS, np.arange(n))
    ex_names = (*FOODS, "env.pollen", "env.humidity", "env.temperature", "env.dust", "env.pet", "life.stress",
                "life.sweat", "gut.probiotic", "gut.prebiotic_fibre", "gut.antibiotic")
    values: dict[str, np.ndarray] = {f: np.zeros((n, T)) for f in ex_names}
    shock = np.zeros((n, T))
    noise = NoiseTape(tape)
    for t in range(T):
        nz = noise.day(t)
        ex, shock[:, t] = _exposures_day(model, es, t, nz)
        for f in ex_names:
            values[f][:, t] = ex[f]
        if t in snap_t:
            ex_snaps[snap_t[t]] = _take(es, _EXPOSURE_FIELDS, np.arange(n))
    fibre = values["gut.prebiotic_fibre"]

    # ---- settle the skin model under habitual care ----------------------------------------
    g = gut.GutState(gut.GutParams(h0=h0), n, fibre_habit=fibre[:, :28].mean(axis=1) if T else 0.4)
    m0 = cpl.modifiers(c, treg_ratio=g.treg_ratio, trigger_load=np.zeros(n), itch_load=np.zeros(n),
                       emollient_apps=emol_mean, steroid_apps=np.zeros(n))
    x = _settle(params, m0) if n else np.empty((0, 14))
    model.il31_base = np.maximum(x[:, 10], 1e-9)

    # ---- day by day ---------------------------------------------------------------------
    tr_keys = ("easi", "barrier", "th2", "il31", "shannon", "treg_ratio", "itch_latent", "tcs", "trigger_load")
    traj = {k: np.zeros((n, T)) for k in tr_keys}
    emol = np.zeros((n, T))
    u_ar = rng.normal(0, 1, n) * ar_sd
    tape["eps_ar"] = rng.normal(0, 1, (n, T))
    tape["emol_u"] = rng.random((n, T))
    tape["tcs_u"] = rng.random((n, T))
    tape["tcs_apps_u"] = rng.random((n, T))
    bs = BodyState(t=np.zeros(n, dtype=np.int64), x=x, h=np.full(n, 1e-3), gut_H=g.H, gut_F=g.F, gut_T=g.T,
                   u_ar=u_ar, on_course=np.zeros(n, dtype=bool), lat_prev=np.full(n, -np.inf),
                   dose_hist=np.zeros((n, len(CANDIDATES), LAG_MAX)))
    body_snaps: dict[int, BodyState] = {}
    if -1 in snap_t:
        body_snaps[snap_t[-1]] = _take(bs, _BODY_FIELDS, np.arange(n))
    for t in range(T):
        nz = noise.day(t)
        day = _body_day(model, bs, {f: values[f][:, t] for f in ex_names}, shock[:, t], nz)
        for k in tr_keys:
            traj[k][:, t] = getattr(day, k)
        emol[:, t] = day.emollient
        if t in snap_t:
            body_snaps[snap_t[t]] = _take(bs, _BODY_FIELDS, np.arange(n))
    itch_lat = traj["itch_latent"]
    tcs = traj["tcs"]

    values["treat.tcs"] = tcs
    values["treat.emollient"] = emol
    bristol = np.clip(np.round(4 + 0.6 * (fibre - 0.4) + 1.8 * values["gut.antibiotic"] + rng.normal(0, 0.8, (n, T))),
                      1, 7)
    values["gut.bristol"] = bristol

    # ---- observation -------------------------------------------------------------------
    tape["obs_z"] = rng.normal(0, 1, (n, T))
    itch_obs = observe_itch(itch_lat, meas_sd[:, None], tape["obs_z"])
    sleep = np.clip(np.round(0.9 * itch_lat - 1.5 + rng.normal(0, 1.0, (n, T))), 0, 10)
    flare = (itch_obs >= flare_thr[:, None]).astype(int)
    miss = np.zeros((n, T), dtype=bool)
    mu_ = rng.random((n, T))
    prev = np.zeros(n, dtype=bool)
    p_enter = miss_rate * 0.4 / np.maximum(1 - miss_rate, 1e-9)
    for t in range(T):
        prev = np.where(prev, mu_[:, t] < 0.6, mu_[:, t] < p_enter)
        miss[:, t] = prev
    blank = rng.random((n, T)) < blank_rate[:, None]
    poem = _weekly_poem(rng, itch_lat, sleep, traj["easi"], weekday)

    sl = slice(RUN_IN_DAYS, T)
    dates = dates_all[sl]
    rows = []
    fac_all = np.stack([values[f][:, sl] for f in FACTORS], axis=2)  # (n, D, F)
    it_all, sp_all = itch_obs[:, sl].astype(int).tolist(), sleep[:, sl].astype(int).tolist()
    fl_all, pm_all = flare[:, sl].tolist(), poem[:, sl].astype(int).tolist()
    ms_all, bl_all = miss[:, sl].tolist(), blank[:, sl].tolist()
    for i, pid in enumerate(pids):
        fac_i = fac_all[i].tolist()
        it, sp, fl, pm, ms, bl = it_all[i], sp_all[i], fl_all[i], pm_all[i], ms_all[i], bl_all[i]
        for d in range(D):
            if ms[d]:
                continue
            factors = dict(zip(FACTORS, fac_i[d]))
            if bl[d]:
                rows.append(DiaryRow(pid, dates[d], None, None, None, None, None, factors))
            else:
                rows.append(DiaryRow(pid, dates[d], it[d], sp[d], None, None if pm[d] < 0 else pm[d], fl[d], factors))

    gut_on = c.treg_th2 > 0 or c.treg_barrier > 0
    slow = [f for f in SLOW_FACTORS if gut_on]
    gp = gut.GutParams(h0=np.zeros(0))
    gut_constants = {k: _r(getattr(gp, k)) for k in ("tau_h", "tau_f", "gain_fibre", "gain_fermented",
                                                      "gain_probiotic", "k_antibiotic")}
    gut_constants.update({"b_minus": gut.B_MINUS, "mu_t": gut.MU_T, "gamma": _r(gut.GAMMA), "b_plus": _r(gut.B_PLUS),
                          "h_ref": gut.H_REF, "h_min": gut.H_MIN, "butyrate_scale_uM": gut.B_SCALE})
    patients_truth: dict[str, dict] = {}
    trig_names = set(TRIGGER_CANDIDATES)
    for i, pid in enumerate(pids):
        trig = triggers[i]
        tnames = {t_["factor"] for t_ in trig}
        sens = {f: 0.0 for f in sorted(trig_names)}
        for t_ in trig:
            sens[t_["factor"]] = t_["per_unit"]
        patients_truth[pid] = {
            "true_triggers": trig,
            "null_factors": [f for f in FACTORS
                             if not f.startswith("treat.") and f not in tnames and f not in slow],
            "slow_factors": {f: SLOW_FACTORS[f] for f in slow if f not in tnames},
            "sensitivities": sens,
            "treatments": {
                "treat.tcs": {"role": "reactive: started when the day's itch reaches the threshold, continued "
                                      "while itch stays high; damps inflammation afterwards (protective, not a trigger)",
                              "itch_threshold": _r(tcs_thr[i], 4), "adherence": _r(tcs_adherence[i], 4)},
                "treat.emollient": {"role": "habitual, more after bad days; helps barrier recovery (protective)",
                                    "mean_applications": _r(emol_mean[i], 4)},
            },
            "baseline": {
                "easi_first_diary_day": _r(traj["easi"][i, RUN_IN_DAYS] if D else skin.easi(x[i])),
                "shannon": _r(h0[i]),
            },
            "observation": {
                "itch_kappa": _r(kappa[i]), "ar_phi": _r(ar_phi[i]), "ar_sd": _r(ar_sd[i]),
                "measurement_sd": _r(meas_sd[i]), "flare_threshold": int(flare_thr[i]),
                "flare_shock_rate_per_day": _r(flare_rate[i]), "missing_rate": _r(miss_rate[i]),
            },
            "habits": {
                "pet_owner": bool(pet_owner[i]), "stress_mean": _r(stress_mu[i], 4),
                **{f: _r(values[f][i].mean(), 4) for f in FOOD_FREQ},
                "gut.prebiotic_fibre": _r(fibre[i].mean(), 4),
                "probiotic_days": int(values["gut.probiotic"][i, sl].sum()),
                "antibiotic_days": int(values["gut.antibiotic"][i, sl].sum()),
            },
            "parameters": {
                "skin": {name: _r(v) for name, v in zip(skin.PARAM_NAMES, params[i])},
                "gut": {"h0": _r(h0[i])},
            },
        }
    truth = {
        "seed": int(seed), "n_patients": n, "n_days": D, "start": start.isoformat(),
        "factors": list(FACTORS),
        "coupling": c.as_dict(), "coupling_note": cpl.ASSUMPTION_LABEL, "gut_constants": gut_constants,
        "null_factors_definition": "factors with no effect on itch or on the model at all",
        "slow_factors_definition": "gut inputs with no acute (0-3 day) effect on itch; with the gut-skin "
                                   "coupling on they shift gut diversity -> butyrate -> Tregs over weeks "
                                   "and so, slightly, the skin model",
        "effect_definition": "effect = acute change of the latent daily itch (0-10 units) per reference dose "
                             "of the factor, on the day `lag` days after exposure; per_unit = effect/reference "
                             "(dose = (value - centre)/reference). Through the coupling the same exposure also "
                             "raises pathogen influx on the reaction day, adding a smaller, slower after-effect.",
        "patients": patients_truth,
    }
    traj_out = {k: v[:, sl].copy() for k, v in traj.items()}
    states = {d: AxisState(ex_snaps[d], body_snaps[d]) for d in sorted(snap_days)}
    return Cohort(rows, truth, FACTORS, pids, list(dates), traj_out, model=model, states=states,
                  noise=noise if snap_days else None)




def _sample_triggers(rng: np.random.Generator, n: int) -> list[list[dict]]:
    names = list(TRIGGER_CANDIDATES)
    u = rng.random((n, len(names)))
    eff_u = rng.random((n, len(names)))
    lag_u = rng.random((n, len(names)))
    order_u = rng.random((n, len(names)))
    out: list[list[dict]] = []
    for i in range(n):
        chosen = [j for j, f in enumerate(names) if u[i, j] < TRIGGER_CANDIDATES[f][0]]
        if len(chosen) > MAX_TRIGGERS:
            chosen = sorted(chosen, key=lambda j: order_u[i, j])[:MAX_TRIGGERS]
        trig = []
        for j in sorted(chosen):
            f = names[j]
            _, ref, centre, unit, (lo, hi), lags, lag_p = TRIGGER_CANDIDATES[f]
            effect = lo + (hi - lo) * eff_u[i, j]
            lag = int(lags[int(np.searchsorted(np.cumsum(lag_p), lag_u[i, j] * 0.999999, side="right"))])
            trig.append({
                "factor": f, "effect": _r(effect, 4), "lag": lag, "reference": ref, "centre": centre,
                "per_unit": _r(effect / ref, 6), "unit": unit,
            })
        out.append(trig)
    return out


POEM_SIGN_SCALES = (10.0, 20.0, 40.0, 80.0, 100.0)
"""EASI scales of the daily probability 1 − exp(−EASI/scale) of dry, flaky, cracked, bleeding
and weeping skin (assumption, ordered from common to rare signs)."""


def _poem_band(days: np.ndarray) -> np.ndarray:
    """POEM item score from the number of days in the past week: 0, 1-2, 3-4, 5-6, 7 → 0..4."""
    return np.select([days == 0, days <= 2, days <= 4, days <= 6], [0, 1, 2, 3], 4)


def _weekly_poem(rng: np.random.Generator, itch: np.ndarray, sleep: np.ndarray, easi: np.ndarray,
                 weekday: np.ndarray) -> np.ndarray:
    """Weekly POEM (0-28; -1 = not answered) on each patient's chosen weekday (85 % compliance).

    POEM (Charman 2004) asks on how many of the last 7 days each of 7 symptoms occurred; here the
    days come from the simulated latent itch (≥ 3.5), sleep loss (≥ 3) and five skin signs drawn
    daily with probability 1 − exp(−EASI/scale) (assumption).
    """
    n, T = itch.shape
    day_items = [itch >= 3.5, sleep >= 3]
    u = rng.random((len(POEM_SIGN_SCALES), n, T))
    for k, scale in enumerate(POEM_SIGN_SCALES):
        day_items.append(u[k] < 1.0 - np.exp(-np.maximum(easi, 0.0) / scale))
    total = np.zeros((n, T), dtype=int)
    for item in day_items:
        c = np.cumsum(np.concatenate([np.zeros((n, 1)), item.astype(float)], axis=1), axis=1)
        week = c[:, 1:] - c[:, np.maximum(np.arange(T) - 6, 0)]
        total += _poem_band(week.astype(int))
    answer_day = rng.integers(0, 7, n)
    answered = (weekday[None, :] == answer_day[:, None]) & (rng.random((n, T)) < 0.85)
    answered[:, :6] = False  # a full week of history is needed
    return np.where(answered, total, -1)


def _settle(params: np.ndarray, mod) -> np.ndarray:
    n = params.shape[0]
    x0 = np.tile(skin.INITIAL_STATE, (n, 1))

    def f(x, idx):
        return skin.rhs(x, params[idx], skin.BASELINE_EFFECT, None if mod is None else cpl.subset(mod, idx))

    def jac(x, idx):
        return skin.jacobian(x, params[idx], skin.BASELINE_EFFECT, None if mod is None else cpl.subset(mod, idx))

    xb, _ = integrate(f, x0, skin.SETTLE_WEEKS, rtol=1e-4, atol=1e-7, solver=skin.block_solver, jac=jac)
    return xb


STEPS_PER_DAY = 2


def _day(params: np.ndarray, x: np.ndarray, mod, h: np.ndarray | None = None, adaptive: bool = False) -> np.ndarray:
    """Advance every patient by one day (1/7 week) with the day's modifiers."""

    def f(xx, idx):
        return skin.rhs(xx, params[idx], skin.BASELINE_EFFECT, cpl.subset(mod, idx))

    def jac(xx, idx):
        return skin.jacobian(xx, params[idx], skin.BASELINE_EFFECT, cpl.subset(mod, idx))

    if adaptive:
        h0 = 1e-3 if h is None else np.minimum(h, DAY_WEEKS)
        xn, _ = integrate(f, x, DAY_WEEKS, rtol=1e-5, atol=1e-8, solver=skin.block_solver, h0=h0, h_out=h,
                          jac=jac)
        return xn
    return integrate_fixed(f, x, DAY_WEEKS, STEPS_PER_DAY, solver=skin.block_solver, jac=jac)


def write_cohort(cohort: Cohort, out_dir: str | os.PathLike[str]) -> tuple[str, str]:
    """Write DIR/diary.csv (interchange format) and DIR/truth.json; return both paths.

    Files are written to temporary names and renamed, so a failure leaves nothing behind.
    """
    from gutskin.diary.csvio import write_diary_csv

    out = os.fspath(out_dir)
    os.makedirs(out, exist_ok=True)
    diary = os.path.join(out, "diary.csv")
    truth = os.path.join(out, "truth.json")
    tmp_d, tmp_t = diary + ".tmp", truth + ".tmp"
    try:
        with open(tmp_d, "w", encoding="utf-8", newline="") as fh:
            write_diary_csv(cohort.rows, fh, cohort.factor_names)
        with open(tmp_t, "w", encoding="utf-8") as fh:
            json.dump(cohort.truth, fh, indent=1, sort_keys=False)
            fh.write("\n")
        os.replace(tmp_d, diary)
        os.replace(tmp_t, truth)
    finally:
        for p in (tmp_d, tmp_t):
            if os.path.exists(p):
                os.remove(p)
    return diary, truth
