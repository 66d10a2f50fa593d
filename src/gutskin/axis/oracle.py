"""The oracle forecast of a simulated cohort: the simulator's true model *and* true state.

Issue 6 measures forecasters against "the oracle forecast (the simulator's true model and true
state at the forecast origin, future exposures unknown)": the limit no model can beat. For a
patient of :func:`gutskin.axis.cohort.simulate_cohort` and an origin diary day, the oracle
starts from the patient's true state at the end of that day (``Cohort.states``: skin ODE state,
gut state, AR itch noise, steroid course, flare shocks in progress, exposure processes with their
persistence: yesterday's foods and fibre, stress, probiotic period and antibiotic course in
progress, recent trigger doses) and the patient's true parameters (``Cohort.model``), and
simulates ``n_particles`` futures with fresh draws of everything that is not known at the
origin: the coming days' exposures (each from the patient's own process, continuing from the
origin's values: pollen season, weather, foods, stress, pets, dust, sweat, ...; probiotic periods
not started yet get fresh start days), new flare shocks, AR noise, the reactive steroid and
emollient use that follows, and the skin and gut dynamics (the same step functions as the
simulator, vectorized over particles).

The logged itch is clip(round(latent + meas_sd·z), 0, 10) with z ~ N(0, 1); the oracle averages
its exact probabilities given each particle's latent itch (Rao–Blackwellized), so the Monte-Carlo
error comes only from the latent paths. Days that a patient does not log are missing
independently of itch, so the pmf of the logged itch is the pmf of a logged day.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.special import ndtr

from gutskin.axis.cohort import PROBIOTIC_PERIODS, AxisModel, AxisState, BodyDay, Cohort, DayNoise, step_day

M_ITCH = 10
_EDGES = np.arange(0.5, M_ITCH, 1.0)  # 0.5, 1.5, ..., 9.5


def itch_pmf(latent: np.ndarray, meas_sd: np.ndarray) -> np.ndarray:
    """P(logged itch = k), k = 0..10, for latent itch ``latent`` (n,) and reading noise sd (n,).

    Logged itch = clip(round(latent + meas_sd·z), 0, 10), z ~ N(0, 1): P(k) = Φ((k + ½ − latent)/sd)
    − Φ((k − ½ − latent)/sd) inside, the tails beyond ½ and 9½ go to 0 and 10. Returns (n, 11).
    """
    latent = np.asarray(latent, dtype=float)
    sd = np.asarray(meas_sd, dtype=float)
    if np.any(sd <= 0):
        raise ValueError("itch_pmf: meas_sd must be > 0")
    cdf = ndtr((_EDGES[None, :] - latent[:, None]) / sd[:, None])
    n = latent.shape[0]
    return np.diff(np.concatenate([np.zeros((n, 1)), cdf, np.ones((n, 1))], axis=1), axis=1)


def simulate_days(model: AxisModel, state: AxisState, days: int,
                  noise: Callable[[np.ndarray], DayNoise]) -> list[tuple[dict[str, np.ndarray], BodyDay]]:
    """Run ``days`` days from ``state`` (advanced in place); ``noise(t)`` gives the draws of
    simulation days ``t`` (one per row). Returns each day's (exposures, body values)."""
    if model.n != state.n:
        raise ValueError(f"model has {model.n} rows but the state has {state.n}")
    out = []
    for _ in range(int(days)):
        out.append(step_day(model, state, noise(state.t)))
    return out


def _fresh_schedule(model: AxisModel, state: AxisState, rng: np.random.Generator) -> None:
    """Probiotic periods that have not started by the origin start on a fresh day: uniform over
    the days left of the simulated window (as in the simulator, given that they start later)."""
    ex = state.exposure
    t = state.t[:, None]
    todo = ex.pro_start >= t
    if not todo.any():
        return
    T = model.n_sim_days
    lo = np.minimum(np.broadcast_to(t, ex.pro_start.shape), T)
    u = rng.random(ex.pro_start.shape)
    new = lo + np.floor(u * np.maximum(T - lo, 0)).astype(np.int64)
    new = np.where(lo < T, new, -1)
    _frac, _n_max, lo_len, hi_len, _adh = PROBIOTIC_PERIODS
    ex.pro_start = np.where(todo, new, ex.pro_start)
    ex.pro_len = np.where(todo, rng.integers(lo_len, hi_len + 1, ex.pro_start.shape), ex.pro_len)


def oracle_forecast(
    model: AxisModel,
    state: AxisState,
    horizon: int = 7,
    n_particles: int = 1000,
    seed: int | np.random.Generator = 0,
    *,
    noise: Callable[[np.ndarray], DayNoise] | None = None,
    chunk_rows: int = 2048,
) -> np.ndarray:
    """P(logged itch = k) on each of the ``horizon`` days after every row's state: (m, horizon, 11).

    ``model`` and ``state`` have the same m rows (e.g. ``cohort.model.take(patients)`` and the
    states of those patients at their origins, :func:`cohort_oracle`). Each row is simulated
    ``n_particles`` times with fresh draws (``seed``). With ``noise`` (draws per row for the given
    simulation days, e.g. the cohort's own, :func:`tape_noise`) the future is not drawn but
    replayed, one particle per row: the pmf is then that of the realised latent itch.
    """
    horizon, P = int(horizon), int(n_particles)
    if horizon < 1:
        raise ValueError(f"horizon must be >= 1, got {horizon}")
    if P < 1:
        raise ValueError(f"n_particles must be >= 1, got {P}")
    if model.n != state.n:
        raise ValueError(f"model has {model.n} rows but the state has {state.n}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    m = state.n
    out = np.zeros((m, horizon, M_ITCH + 1))
    if noise is not None:
        st = state.copy()
        for h, (_ex, day) in enumerate(simulate_days(model, st, horizon, noise)):
            out[:, h] = itch_pmf(day.itch_latent, model.meas_sd)
        return out
    per = max(1, int(chunk_rows) // P)
    for a in range(0, m, per):
        rows = np.arange(a, min(a + per, m))
        idx = np.repeat(rows, P)
        mp, sp = model.take(idx), state.take(idx)
        _fresh_schedule(mp, sp, rng)
        R = idx.shape[0]
        for h in range(horizon):
            _ex, day = step_day(mp, sp, DayNoise.draw(rng, R))
            out[rows, h] = itch_pmf(day.itch_latent, mp.meas_sd).reshape(len(rows), P, M_ITCH + 1).mean(axis=1)
    return out


def tape_noise(cohort: Cohort, patients: Sequence[int]) -> Callable[[np.ndarray], DayNoise]:
    """The cohort's own draws for rows of ``patients`` (to replay the simulation from a state)."""
    if cohort.noise is None:
        raise ValueError("the cohort kept no draws: simulate it with snapshots=")
    tape = cohort.noise.take(np.asarray(patients, dtype=np.int64))
    return tape.day


def cohort_states(cohort: Cohort, pairs: Sequence[tuple[int, int]]) -> tuple[AxisModel, AxisState]:
    """The true model and state rows for (patient index, diary day) ``pairs``: the state at the
    end of that diary day (which must be among the cohort's ``snapshots``)."""
    if cohort.model is None:
        raise ValueError("the cohort has no model")
    if not pairs:
        raise ValueError("no (patient, diary day) pairs given")
    missing = sorted({d for _, d in pairs if d not in cohort.states})
    if missing:
        raise ValueError(f"the cohort kept no state after diary day(s) {missing[:5]}: simulate it with "
                         f"snapshots= including them")
    n = cohort.model.n
    bad = [i for i, _ in pairs if not 0 <= i < n]
    if bad:
        raise ValueError(f"patient index {bad[0]} is not in 0..{n - 1}")
    by_day: dict[int, list[int]] = {}
    for k, (_i, d) in enumerate(pairs):
        by_day.setdefault(d, []).append(k)
    order = [k for d in sorted(by_day) for k in by_day[d]]
    parts = [cohort.states[d].take([pairs[k][0] for k in by_day[d]]) for d in sorted(by_day)]
    st = AxisState.concat(parts)
    inv = np.empty(len(order), dtype=np.int64)
    inv[np.asarray(order, dtype=np.int64)] = np.arange(len(order))
    return cohort.model.take([i for i, _ in pairs]), st.take(inv)


def cohort_oracle(cohort: Cohort, pairs: Sequence[tuple[int, int]], horizon: int = 7, n_particles: int = 1000,
                  seed: int = 0, chunk_rows: int = 2048) -> np.ndarray:
    """Oracle pmfs (len(pairs), horizon, 11) for (patient index, origin diary day) ``pairs``."""
    model, state = cohort_states(cohort, pairs)
    return oracle_forecast(model, state, horizon, n_particles, seed, chunk_rows=chunk_rows)


_BODY_DRAWS = ("shock_u", "shock_len", "shock_size", "eps_ar", "emol_u", "tcs_u", "tcs_apps_u")


def _systematic(w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Systematic resampling of each row of weights w (K, P): indices (K, P) into each row."""
    K, P = w.shape
    c = np.cumsum(w, axis=1)
    u = (rng.random((K, 1)) + np.arange(P)[None, :]) / P
    idx = np.empty((K, P), dtype=np.int64)
    for k in range(K):
        idx[k] = np.searchsorted(c[k], u[k] * c[k, -1], side="right")
    return np.minimum(idx, P - 1)


def bayes_forecast(cohort: Cohort, pairs: Sequence[tuple[int, int]], horizon: int = 7, n_particles: int = 300,
                   seed: int = 0) -> tuple[np.ndarray, dict]:
    """The achievable limit from the diary: the simulator's true model and true parameters, the
    state at the origin *inferred from the diary* (not known, as the oracle's is).

    A bootstrap particle filter per patient from the first simulated day: the settled skin state
    and every exposure are the true ones (unlogged days too, so the limit is if anything
    optimistic); what a diary does not show is drawn: the AR itch noise (from its stationary law
    on the first day), flare shocks, and the treatment on days not logged. On a logged day each
    particle takes the logged steroid and emollient use and is weighted by the probability of
    that use under the reactive rule and of the logged itch given its latent itch; systematic
    resampling after every logged day. At each origin (patient index, diary day) of ``pairs``
    every particle simulates one future as :func:`oracle_forecast` does. Needs the cohort's
    state before the first simulated day (``snapshots`` with −22) and its draws.

    Returns (pmfs (len(pairs), horizon, 11), {"degenerate_days": days on which no particle could
    explain the logged day, weights then ignored}).
    """
    from gutskin.axis.cohort import RUN_IN_DAYS, _body_day, _exposures_day

    first = -RUN_IN_DAYS - 1
    if cohort.noise is None or first not in cohort.states or cohort.model is None:
        raise ValueError(f"bayes_forecast needs the cohort's draws and its state before the first simulated day: "
                         f"simulate it with snapshots= including {first}")
    P, H = int(n_particles), int(horizon)
    if P < 1 or H < 1:
        raise ValueError("n_particles and horizon must be >= 1")
    rng = np.random.default_rng(seed)
    pats = sorted({i for i, _ in pairs})
    slot = {i: k for k, i in enumerate(pats)}
    K, D = len(pats), len(cohort.dates)
    model = cohort.model.take(np.repeat(pats, P))
    state = cohort.states[first].take(np.repeat(pats, P))
    state.body.u_ar = rng.normal(0, 1, K * P) * model.ar_sd
    logged = np.zeros((K, D), bool)
    itch = np.full((K, D), -1, dtype=np.int64)
    tcs = np.zeros((K, D))
    emol = np.zeros((K, D))
    date_ix = {d: j for j, d in enumerate(cohort.dates)}
    pid_ix = {p: j for j, p in enumerate(cohort.patients)}
    for r in cohort.rows:
        k = slot.get(pid_ix[r.patient])
        if k is None:
            continue
        j = date_ix[r.date]
        logged[k, j] = True
        itch[k, j] = -1 if r.itch is None else int(r.itch)
        tcs[k, j], emol[k, j] = r.factors["treat.tcs"], r.factors["treat.emollient"]
    tape = cohort.noise.take(pats)
    by_day: dict[int, list[int]] = {}
    for q, (_i, d) in enumerate(pairs):
        by_day.setdefault(d, []).append(q)
    out = np.zeros((len(pairs), H, M_ITCH + 1))
    degenerate = 0
    rows_of = np.arange(K * P).reshape(K, P)
    for t in range(RUN_IN_DAYS + D):
        d = t - RUN_IN_DAYS
        nz = tape.day(t)
        for f in ("temp", "hum", "rain_u", "pollen_z", "pet_u_owner", "pet_u_other", "dust_u", "food_u", "stress_z",
                  "sweat_u", "fibre_u", "pro_adh_u", "abx_u"):
            setattr(nz, f, np.repeat(getattr(nz, f), P, axis=0))
        fresh = DayNoise.draw(rng, K * P)
        for f in _BODY_DRAWS:
            setattr(nz, f, getattr(fresh, f))
        ex, shock = _exposures_day(model, state.exposure, t, nz)
        if d < 0:
            _body_day(model, state.body, ex, shock, nz)
            continue
        rows = np.repeat(logged[:, d], P)
        day = _body_day(model, state.body, ex, shock, nz,
                        forced=(rows, np.repeat(tcs[:, d], P), np.repeat(emol[:, d], P)))
        w = day.treat_prob.copy()
        seen = np.repeat(itch[:, d] >= 0, P)
        if seen.any():
            pm = itch_pmf(day.itch_latent[seen], model.meas_sd[seen])
            w[seen] *= pm[np.arange(pm.shape[0]), np.repeat(itch[:, d], P)[seen]]
        W = w.reshape(K, P)
        dead = W.sum(axis=1) <= 0
        degenerate += int((dead & logged[:, d]).sum())
        W[dead] = 1.0
        if logged[:, d].any():
            idx = rows_of[np.arange(K)[:, None], _systematic(W, rng)]
            state = state.take(idx.ravel())
        qs = by_day.get(d, [])
        if qs:
            sel = np.concatenate([rows_of[slot[pairs[q][0]]] for q in qs])
            pm = oracle_forecast(model.take(sel), state.take(sel), H, 1, rng)
            out[qs] = pm.reshape(len(qs), P, H, M_ITCH + 1).mean(axis=1)
    return out, {"degenerate_days": degenerate}
