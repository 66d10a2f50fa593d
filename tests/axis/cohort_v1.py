# Frozen copy of src/gutskin/axis/cohort.py as of commit f8b2580, before the simulator was split
# into per-day step functions with an explicit state (for the oracle forecast). Not used by the
# package: tests/axis/test_oracle.py requires the refactored simulate_cohort to give the same
# rows, truth and trajectories, bit for bit, as this version. Do not edit.
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


def _seasonal_pollen(doy: np.ndarray, shift: np.ndarray, amp: np.ndarray) -> np.ndarray:
    """Tree (day ~105), grass (~165) and weed (~235) pollen peaks, grains/m³ (Europe-like)."""
    d = doy[None, :] - shift[:, None]
    tree = amp[:, 0:1] * np.exp(-0.5 * ((d - 105) / 14.0) ** 2)
    grass = amp[:, 1:2] * np.exp(-0.5 * ((d - 165) / 20.0) ** 2)
    weed = amp[:, 2:3] * np.exp(-0.5 * ((d - 235) / 15.0) ** 2)
    return tree + grass + weed + 1.0


def _markov_binary(rng: np.random.Generator, p: np.ndarray, n_days: int, persistence: float,
                   weekly: np.ndarray | None = None) -> np.ndarray:
    """Daily 0/1 with mean ≈ p (n,) and day-to-day persistence; weekly (7,) multipliers."""
    n = p.shape[0]
    out = np.zeros((n, n_days))
    u = rng.random((n, n_days))
    prev = (rng.random(n) < p).astype(float)
    for t in range(n_days):
        pt = p if weekly is None else np.clip(p * weekly[t % 7], 0, 1)
        prob = np.clip(pt + persistence * (prev - pt), 0, 1)
        prev = (u[:, t] < prob).astype(float)
        out[:, t] = prev
    return out


def _periods(rng: np.random.Generator, n: int, n_days: int, frac: float, n_max: int, lo: int, hi: int,
             adherence: float) -> np.ndarray:
    """0/1 (n, n_days): a fraction of patients have 1..n_max periods of lo..hi days."""
    out = np.zeros((n, n_days))
    has = rng.random(n) < frac
    k = rng.integers(1, n_max + 1, n)
    starts = rng.integers(0, max(n_days, 1), (n, n_max))
    lens = rng.integers(lo, hi + 1, (n, n_max))
    adh = rng.random((n, n_days)) < adherence
    for i in np.nonzero(has)[0]:
        for j in range(k[i]):
            out[i, starts[i, j]:starts[i, j] + lens[i, j]] = 1.0
    return out * adh


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
) -> Cohort:
    """Simulate ``n_patients`` virtual patients for ``n_days`` diary days from ``start``.

    Returns a :class:`Cohort` with ``rows`` (``DiaryRow`` list for
    :func:`gutskin.diary.csvio.write_diary_csv`), ``truth`` (JSON-ready dict; per patient:
    true triggers with effect and lag, null factors, sensitivities, treatment behaviour,
    parameters) and daily ``trajectories``. Deterministic for a given seed. ``adaptive=True``
    integrates each day with the error-controlled integrator instead of two fixed half-day
    Rosenbrock steps (slower; used in tests to check the fixed steps).
    """
    from gutskin.diary.csvio import DiaryRow

    if isinstance(n_patients, bool) or int(n_patients) != n_patients or n_patients < 0:
        raise ValueError(f"patients must be a whole number >= 0, got {n_patients}")
    if isinstance(n_days, bool) or int(n_days) != n_days or n_days < 0:
        raise ValueError(f"days must be a whole number >= 0, got {n_days}")
    n, D = int(n_patients), int(n_days)
    c = cpl.Coupling() if coupling is None else coupling
    rng = np.random.default_rng(seed)
    T = D + RUN_IN_DAYS
    if (start - dt.date.min).days < RUN_IN_DAYS:
        raise ValueError(f"start must be on or after {(dt.date.min + dt.timedelta(days=RUN_IN_DAYS)).isoformat()}: "
                         f"the simulator runs {RUN_IN_DAYS} days in before the first diary day")
    if D and (dt.date.max - start).days < D - 1:
        raise ValueError(f"start {start.isoformat()} with {D} days: the last diary day would fall after 9999-12-31")
    first = start - dt.timedelta(days=RUN_IN_DAYS)
    dates_all = [first + dt.timedelta(days=k) for k in range(T)]
    doy = np.array([d.timetuple().tm_yday for d in dates_all], dtype=float)
    weekday = np.array([d.weekday() for d in dates_all])

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

    # ---- exposures (n, T) ---------------------------------------------------------------
    season = np.sin(2 * np.pi * (doy - 110) / 365.25)[None, :]
    region_t = rng.normal(0, 2.5, n)[:, None]
    temperature = np.round(11 + 9 * season + region_t + rng.normal(0, 3, (n, T)), 1)
    humidity = np.round(np.clip(47 + 10 * season + rng.normal(0, 8, (n, T)), 15, 95), 0)
    rain = rng.random((n, T)) < 0.35
    amp = np.exp(rng.normal(0, 0.35, (n, 3))) * np.array([150.0, 120.0, 40.0])
    pollen = _seasonal_pollen(doy, rng.normal(0, 7, n), amp) * np.exp(rng.normal(0, 0.6, (n, T)))
    pollen = np.round(np.where(rain, 0.3 * pollen, pollen), 1)
    pet_owner = rng.random(n) < 0.3
    pet = np.where(pet_owner[:, None], rng.random((n, T)) < 0.95, rng.random((n, T)) < 0.05).astype(float)
    dust = (rng.random((n, T)) < rng.uniform(0.05, 0.3, n)[:, None]).astype(float)
    foods: dict[str, np.ndarray] = {}
    weekend_egg = np.array([1, 1, 1, 1, 1, 1.6, 1.6])
    for f, m in FOOD_FREQ.items():
        p = rng.beta(6 * m, 6 * (1 - m), n)
        foods[f] = _markov_binary(rng, p, T, 0.3, weekend_egg if f == "food.egg" else None)
    stress_mu = rng.uniform(2.0, 6.0, n)
    stress = np.empty((n, T))
    s_prev = stress_mu + rng.normal(0, 1, n)
    s_noise = rng.normal(0, 1.2, (n, T))
    for t in range(T):
        s_prev = stress_mu + 0.7 * (s_prev - stress_mu) + s_noise[:, t] + (0.3 if weekday[t] < 5 else -0.6)
        stress[:, t] = s_prev
    stress = np.clip(np.round(stress), 0, 10)
    sweat_p = rng.uniform(0.1, 0.4, n)[:, None] + 0.3 * (temperature > 24)
    sweat = (rng.random((n, T)) < sweat_p).astype(float)
    fibre = _markov_binary(rng, rng.beta(2.4, 3.6, n), T, 0.3)
    probiotic = _periods(rng, n, T, 0.3, 2, 28, 56, 0.9)
    antibiotic = np.zeros((n, T))
    abx_start = rng.random((n, T)) < 0.4 / 365.0
    for i, t in zip(*np.nonzero(abx_start)):
        antibiotic[i, t:t + 7] = 1.0
    shock_start = rng.random((n, T)) < flare_rate[:, None]
    shock_len = rng.integers(2, 5, (n, T))
    shock_size = 1.0 + rng.exponential(2.0, (n, T))
    shock = np.zeros((n, T))
    for i, t in zip(*np.nonzero(shock_start)):
        shock[i, t:t + shock_len[i, t]] = np.maximum(shock[i, t:t + shock_len[i, t]], shock_size[i, t])

    values: dict[str, np.ndarray] = {
        **foods, "env.pollen": pollen, "env.humidity": humidity, "env.temperature": temperature,
        "env.dust": dust, "env.pet": pet, "life.stress": stress, "life.sweat": sweat,
        "gut.probiotic": probiotic, "gut.prebiotic_fibre": fibre, "gut.antibiotic": antibiotic,
    }

    # ---- acute reactions and trigger load (n, T) --------------------------------------------
    direct = np.zeros((n, T))
    load = np.zeros((n, T))
    itch_load = np.zeros((n, T))
    for i, trig in enumerate(triggers):
        for tr in trig:
            x = values[tr["factor"]][i]
            dose = (x - tr["centre"]) / tr["reference"]
            lagged = np.zeros(T)
            lag = tr["lag"]
            lagged[lag:] = dose[:T - lag] if lag else dose
            direct[i] += tr["effect"] * lagged
            load[i] += 0.5 * tr["effect"] * np.maximum(lagged, 0.0)
            if tr["factor"] == "life.stress":
                itch_load[i] += np.maximum(lagged, 0.0) * tr["reference"] / 10.0  # stress/10 on the reaction day
            elif tr["factor"] == "life.sweat":
                itch_load[i] += np.maximum(lagged, 0.0)

    # ---- settle the skin model under habitual care ----------------------------------------
    g = gut.GutState(gut.GutParams(h0=h0), n, fibre_habit=fibre[:, :28].mean(axis=1) if T else 0.4)
    m0 = cpl.modifiers(c, treg_ratio=g.treg_ratio, trigger_load=np.zeros(n), itch_load=np.zeros(n),
                       emollient_apps=emol_mean, steroid_apps=np.zeros(n))
    x = _settle(params, m0) if n else np.empty((0, 14))
    il31_base = np.maximum(x[:, 10], 1e-9)

    # ---- day by day ---------------------------------------------------------------------
    tr_keys = ("easi", "barrier", "th2", "il31", "shannon", "treg_ratio", "itch_latent", "tcs", "trigger_load")
    traj = {k: np.zeros((n, T)) for k in tr_keys}
    itch_lat = np.zeros((n, T))
    tcs = np.zeros((n, T))
    emol = np.zeros((n, T))
    u_ar = rng.normal(0, 1, n) * ar_sd
    eps_ar = rng.normal(0, 1, (n, T))
    emol_u = rng.random((n, T))
    tcs_u = rng.random((n, T))
    tcs_apps_u = rng.random((n, T))
    h = np.full(n, 1e-3)
    on_course = np.zeros(n, dtype=bool)
    for t in range(T):
        e_now = skin.easi(x)
        # the read-out uses the state's IL-31; the acute trigger reaction is added separately
        # (``direct``), so that the truth's effect and lag are exact
        il31_rel = np.maximum(x[:, 10], 0.0) / il31_base
        model_itch = 10.0 * (1.0 - np.exp(-e_now * np.sqrt(il31_rel) / kappa))
        u_ar = ar_phi * u_ar + ar_sd * eps_ar[:, t]
        lat = model_itch + direct[:, t] + u_ar
        itch_lat[:, t] = lat
        # reactive treatment: steroid course when itch is high, continued while it stays high
        start_c = (lat >= tcs_thr) & (tcs_u[:, t] < tcs_adherence)
        cont = on_course & (lat >= tcs_thr - 2.0) & (tcs_u[:, t] < 0.9)
        on_course = start_c | cont
        tcs[:, t] = np.where(on_course, 1.0 + (tcs_apps_u[:, t] < 0.4), 0.0)
        prev_bad = itch_lat[:, t - 1] >= 5 if t else np.zeros(n, dtype=bool)
        emol[:, t] = np.minimum(
            np.floor(emol_mean + 0.8 * prev_bad + 0.7 * on_course + 2.0 * (emol_u[:, t] - 0.5) + 0.5), 4)
        emol[:, t] = np.maximum(emol[:, t], 0)
        mod = cpl.modifiers(c, treg_ratio=g.treg_ratio, trigger_load=load[:, t] + shock[:, t],
                            itch_load=itch_load[:, t], emollient_apps=emol[:, t], steroid_apps=tcs[:, t])
        for k, v in (("easi", e_now), ("barrier", x[:, 0]), ("th2", x[:, 3]), ("il31", x[:, 10]),
                     ("shannon", g.H), ("treg_ratio", g.treg_ratio), ("itch_latent", lat), ("tcs", tcs[:, t]),
                     ("trigger_load", load[:, t])):
            traj[k][:, t] = v
        if n:
            x = _day(params, x, mod, h, adaptive=adaptive)
        g.step(fibre[:, t], foods["food.fermented"][:, t], probiotic[:, t], antibiotic[:, t])

    values["treat.tcs"] = tcs
    values["treat.emollient"] = emol
    bristol = np.clip(np.round(4 + 0.6 * (fibre - 0.4) + 1.8 * antibiotic + rng.normal(0, 0.8, (n, T))), 1, 7)
    values["gut.bristol"] = bristol

    # ---- observation -------------------------------------------------------------------
    itch_obs = np.clip(np.round(itch_lat + meas_sd[:, None] * rng.normal(0, 1, (n, T))), 0, 10)
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
                "probiotic_days": int(probiotic[i, sl].sum()), "antibiotic_days": int(antibiotic[i, sl].sum()),
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
    return Cohort(rows, truth, FACTORS, pids, list(dates), traj_out)


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
