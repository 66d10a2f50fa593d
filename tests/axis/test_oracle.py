"""The simulator as a state-space model, and the oracle forecast built on it.

* simulate_cohort, refactored into per-day steps from an explicit state, gives the same cohort
  bit for bit as before (a frozen copy of the old code, tests/axis/cohort_v1.py);
* from a saved state and the simulation's own draws, the steps reproduce the diary exactly;
* the oracle's pmfs are proper, and the cohort's actual itch is a draw from them (PIT), while
  another patient's pmfs are rejected by the same check.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from scipy import stats

from gutskin.axis import coupling as cpl
from gutskin.axis import oracle as orc
from gutskin.axis.cohort import FACTORS, RUN_IN_DAYS, observe_itch, simulate_cohort
from tests.axis import cohort_v1


def _same(a, b):
    assert a.patients == b.patients and a.dates == b.dates
    assert a.rows == b.rows
    assert a.truth == b.truth
    assert a.trajectories.keys() == b.trajectories.keys()
    for k in a.trajectories:
        assert np.array_equal(a.trajectories[k], b.trajectories[k]), k


@pytest.mark.parametrize("args, kw", [
    ((3, 40, 1), {}),
    ((12, 90, 7), {}),
    ((0, 5, 0), {}),
    ((3, 20, 2026), {"adaptive": True}),
    ((6, 50, 3), {"coupling": cpl.Coupling.off(), "start": dt.date(2024, 2, 20), "id_prefix": "q"}),
])
def test_same_cohort_as_before_the_refactoring(args, kw):
    old = cohort_v1.simulate_cohort(*args, **kw)
    _same(old, simulate_cohort(*args, **kw))
    # keeping states and draws does not change the cohort either
    _same(old, simulate_cohort(*args, **kw, snapshots=range(-1, args[1])))


@pytest.fixture(scope="module")
def small():
    return simulate_cohort(8, 60, seed=5, snapshots=range(-1, 60))


def test_replay_from_a_saved_state_reproduces_the_diary(small):
    c = small
    pairs = [(i, d) for i in range(8) for d in (-1, 0, 17, 40, 52)]
    model, state = orc.cohort_states(c, pairs)
    days = orc.simulate_days(model, state, 7, orc.tape_noise(c, [i for i, _ in pairs]))
    logged = {(r.patient, r.date): r for r in c.rows}
    checked = 0
    for h, (ex, day) in enumerate(days):
        for k, (i, d) in enumerate(pairs):
            dd = d + 1 + h
            if dd >= len(c.dates):
                continue
            assert day.itch_latent[k] == c.trajectories["itch_latent"][i, dd]
            assert day.easi[k] == c.trajectories["easi"][i, dd]
            assert day.tcs[k] == c.trajectories["tcs"][i, dd]
            r = logged.get((c.patients[i], c.dates[dd]))
            if r is None:
                continue
            for f in FACTORS:
                if f != "gut.bristol":  # observation-only, not part of the state
                    assert ex[f][k] == r.factors[f], (f, i, dd)
            if r.itch is not None:  # the day's reading noise from the same draws
                z = c.noise.arrays["obs_z"][i, RUN_IN_DAYS + dd]
                assert observe_itch(day.itch_latent[k], model.meas_sd[k], z) == r.itch
            checked += 1
    assert checked > 200


def test_oracle_with_the_realised_draws_is_the_realised_itch(small):
    c = small
    pairs = [(i, d) for i in range(8) for d in (5, 30, 50)]
    model, state = orc.cohort_states(c, pairs)
    noise = orc.tape_noise(c, [i for i, _ in pairs])
    p = orc.oracle_forecast(model, state, 7, noise=noise)
    lat = np.array([[c.trajectories["itch_latent"][i, d + 1 + h] for h in range(7)] for i, d in pairs])
    for h in range(7):
        assert np.allclose(p[:, h], orc.itch_pmf(lat[:, h], model.meas_sd), atol=1e-12)
    # and with (almost) no reading noise it is a point mass on the rounded latent itch
    sharp = dataclasses.replace(model, meas_sd=np.full(model.n, 1e-9))
    q = orc.oracle_forecast(sharp, state, 7, noise=noise)
    assert np.array_equal(q.argmax(axis=2), np.clip(np.round(lat), 0, 10).astype(int))
    assert q.max(axis=2).min() > 1 - 1e-6
    # the state is not used up: forecasting again gives the same
    assert np.array_equal(orc.oracle_forecast(model, state, 7, noise=noise), p)


def test_oracle_pmfs_are_proper_and_reproducible(small):
    pairs = [(i, d) for i in range(8) for d in (0, 25, 59)]
    a = orc.cohort_oracle(small, pairs, 7, 300, seed=3)
    assert a.shape == (len(pairs), 7, 11)
    assert np.all(a >= 0) and np.allclose(a.sum(axis=2), 1.0, atol=1e-12)
    assert np.array_equal(a, orc.cohort_oracle(small, pairs, 7, 300, seed=3))
    b = orc.cohort_oracle(small, pairs, 7, 300, seed=4)
    assert not np.array_equal(a, b)
    assert np.abs(a - b).max() < 0.1  # Monte-Carlo error only
    # the spread grows with the horizon (the state is known at the origin, the future is not)
    mean = (a * np.arange(11)).sum(axis=2)
    var = (a * np.arange(11) ** 2).sum(axis=2) - mean ** 2
    assert var[:, 6].mean() > var[:, 0].mean()


def test_itch_pmf_matches_simulated_reading_noise():
    rng = np.random.default_rng(0)
    lat = np.array([-1.0, 0.3, 4.49, 7.0, 9.8, 12.0])
    sd = np.array([0.3, 0.5, 0.7, 0.4, 0.6, 0.5])
    p = orc.itch_pmf(lat, sd)
    z = rng.normal(0, 1, (200_000, lat.size))
    y = observe_itch(lat[None, :], sd[None, :], z).astype(int)
    emp = np.stack([np.bincount(y[:, j], minlength=11) / y.shape[0] for j in range(lat.size)])
    assert np.abs(p - emp).max() < 0.006
    with pytest.raises(ValueError, match="meas_sd"):
        orc.itch_pmf(lat, np.zeros(lat.size))


def _randomised_pit(pmf, y, rng):
    cdf = np.cumsum(pmf, axis=1)
    below = np.where(y > 0, cdf[np.arange(y.size), np.maximum(y - 1, 0)], 0.0)
    return below + rng.random(y.size) * pmf[np.arange(y.size), y]


@pytest.fixture(scope="module")
def pit_cohort():
    return simulate_cohort(30, 100, seed=11, snapshots=range(3, 99))


def _logged(c):
    return {(r.patient, r.date): r.itch for r in c.rows if r.itch is not None}


@pytest.mark.slow
def test_next_day_itch_is_a_draw_from_the_oracle_pmf(pit_cohort):
    """Randomised PIT of the next day's logged itch over ~2,500 origins: uniform (KS) and the
    central 80 % sets cover 80 %; another patient's pmfs at the same day fail the same check."""
    c = pit_cohort
    logged = _logged(c)
    pairs = [(i, d) for i in range(30) for d in range(3, 99) if (c.patients[i], c.dates[d + 1]) in logged]
    y = np.array([logged[(c.patients[i], c.dates[d + 1])] for i, d in pairs])
    p = orc.cohort_oracle(c, pairs, 1, 200, seed=1)[:, 0]
    rng = np.random.default_rng(2)
    u = _randomised_pit(p, y, rng)
    assert len(u) > 2000
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    assert abs(np.mean((u > 0.1) & (u < 0.9)) - 0.8) < 0.03
    # the check has power: pmfs of the next patient (same days) are rejected
    shifted = [((i + 1) % 30, d) for i, d in pairs]
    q = orc.cohort_oracle(c, shifted, 1, 200, seed=1)[:, 0]
    assert stats.kstest(_randomised_pit(q, y, rng), "uniform").pvalue < 1e-6
    # ... and so is a subtler error: the reading noise 1.6 times too large (too wide pmfs)
    model, state = orc.cohort_states(c, pairs)
    wide = orc.oracle_forecast(dataclasses.replace(model, meas_sd=1.6 * model.meas_sd), state, 1, 200, seed=1)[:, 0]
    uw = _randomised_pit(wide, y, rng)
    assert stats.kstest(uw, "uniform").pvalue < 1e-3 and np.mean((uw > 0.1) & (uw < 0.9)) > 0.85


@pytest.mark.slow
def test_itch_up_to_a_week_ahead_is_a_draw_from_the_oracle_pmf(pit_cohort):
    c = pit_cohort
    logged = _logged(c)
    origins = range(6, 92, 7)
    pairs = [(i, d) for i in range(30) for d in origins]
    p = orc.cohort_oracle(c, pairs, 7, 150, seed=5)
    rng = np.random.default_rng(6)
    for h in (1, 3, 7):
        sel = [(k, logged[(c.patients[i], c.dates[d + h])]) for k, (i, d) in enumerate(pairs)
               if (c.patients[i], c.dates[d + h]) in logged]
        k, y = np.array([s[0] for s in sel]), np.array([s[1] for s in sel])
        u = _randomised_pit(p[k, h - 1], y, rng)
        assert stats.kstest(u, "uniform").pvalue > 1e-3, h
    # a stale state (two weeks older, forecasting the same days) is detectably worse at h = 1
    late = [(k, i, d) for k, (i, d) in enumerate(pairs)
            if d >= 20 and (c.patients[i], c.dates[d + 1]) in logged]
    y1 = np.array([logged[(c.patients[i], c.dates[d + 1])] for _, i, d in late])
    fresh = p[[k for k, _, _ in late], 0]
    stale = orc.cohort_oracle(c, [(i, d - 14) for _, i, d in late], 15, 150, seed=5)[:, 14]

    def rps(P, y):
        F = np.cumsum(P, axis=1)[:, :-1]
        return ((F - (np.arange(10)[None, :] >= y[:, None])) ** 2).sum(axis=1) / 10

    assert rps(fresh, y1).mean() < 0.95 * rps(stale, y1).mean()


def test_bad_requests_are_named():
    c = simulate_cohort(2, 10, seed=1, snapshots=[3])
    with pytest.raises(ValueError, match="diary day\\(s\\) \\[4\\]"):
        orc.cohort_states(c, [(0, 3), (1, 4)])
    with pytest.raises(ValueError, match="patient index 2"):
        orc.cohort_states(c, [(2, 3)])
    with pytest.raises(ValueError, match="snapshots: diary day 10"):
        simulate_cohort(2, 10, seed=1, snapshots=[10])
    with pytest.raises(ValueError, match="snapshots: diary day -23 is not a whole number in -22..9"):
        simulate_cohort(2, 10, seed=1, snapshots=[-23])
    model, state = orc.cohort_states(c, [(0, 3), (1, 3)])
    with pytest.raises(ValueError, match="2 rows but the state has 1"):
        orc.oracle_forecast(model, state.take([0]))
    with pytest.raises(ValueError, match="horizon"):
        orc.oracle_forecast(model, state, 0)
    with pytest.raises(ValueError, match="draws"):
        orc.tape_noise(simulate_cohort(2, 10, seed=1), [0])
    with pytest.raises(ValueError, match="cover simulation days 0..30, not day 31"):
        orc.oracle_forecast(model, state, 8, noise=orc.tape_noise(c, [0, 1]))


def test_treatment_probability_is_the_rules_frequency():
    """_treatment_prob (the particle filter's weight of a logged treatment) against the rule's own
    draws: one day from the same state and exposures, 15,000 times, steroid/emollient frequencies."""
    from gutskin.axis.cohort import DayNoise, _body_day, _exposures_day, _treatment_prob

    c = simulate_cohort(3, 10, seed=4, snapshots=[5])
    model0, state0 = orc.cohort_states(c, [(0, 5), (1, 5), (2, 5)])
    N = 15_000
    rng = np.random.default_rng(0)
    on_seen = 0
    for row in range(3):
        for u_prev, on_prev, lat_prev in ((-9.0, False, 2.0), (0.0, True, 7.0), (4.0, True, 4.0),
                                          (6.0, False, 6.0), (20.0, True, 1.0)):
            m = dataclasses.replace(model0.take(np.full(N, row)), ar_sd=np.full(N, 1e-12))
            s = state0.take(np.full(N, row))
            s.body.u_ar[:], s.body.on_course[:], s.body.lat_prev[:] = u_prev, on_prev, lat_prev
            before = s.take([0]).body
            one = DayNoise.draw(rng, 1)
            nz = DayNoise(**{f: np.repeat(getattr(one, f), N, axis=0) for f in one.__dataclass_fields__})
            nz.tcs_u, nz.tcs_apps_u, nz.emol_u = rng.random(N), rng.random(N), rng.random(N)
            ex, shock = _exposures_day(m, s.exposure, s.t, nz)
            day = _body_day(m, s.body, ex, shock, nz)
            assert np.ptp(day.itch_latent) < 1e-6
            combos, counts = np.unique(np.stack([day.tcs, day.emollient], 1), axis=0, return_counts=True)
            prob = np.array([_treatment_prob(m.take([0]), before, day.itch_latent[:1], np.array([lat_prev >= 5]),
                                             np.array([a]), np.array([e]))[0] for a, e in combos])
            assert np.allclose(prob, counts / N, atol=0.015), (row, u_prev, combos, prob, counts / N)
            assert prob.sum() > 0.98  # the outcomes not seen have (almost) no probability
            on_seen += bool((combos[:, 0] > 0).any() and (combos[:, 0] == 0).any())
            # forcing the treatment: the same probability, and the state follows the forced use
            s2 = state0.take(np.full(len(combos), row))
            s2.body.u_ar[:], s2.body.on_course[:], s2.body.lat_prev[:] = u_prev, on_prev, lat_prev
            m2 = dataclasses.replace(model0.take(np.full(len(combos), row)), ar_sd=np.full(len(combos), 1e-12))
            nz2 = DayNoise(**{f: np.repeat(getattr(one, f), len(combos), axis=0) for f in one.__dataclass_fields__})
            ex2, shock2 = _exposures_day(m2, s2.exposure, s2.t, nz2)
            forced = _body_day(m2, s2.body, ex2, shock2, nz2,
                               forced=(np.ones(len(combos), bool), combos[:, 0], combos[:, 1]))
            assert np.allclose(forced.treat_prob, prob)
            assert np.array_equal(forced.tcs, combos[:, 0]) and np.array_equal(forced.emollient, combos[:, 1])
            assert np.array_equal(s2.body.on_course, combos[:, 0] > 0)
    assert on_seen >= 2  # some states where the course is uncertain were tested


@pytest.mark.slow
def test_bayes_forecast_from_the_diary_is_calibrated_and_between_oracle_and_history():
    c = simulate_cohort(12, 90, seed=21, snapshots=range(-22, 90))
    logged = _logged(c)
    pairs = [(i, d) for i in range(12) for d in range(10, 88, 2)]
    B, info = orc.bayes_forecast(c, pairs, 2, 150, seed=1)
    assert B.shape == (len(pairs), 2, 11) and np.allclose(B.sum(axis=2), 1.0)
    assert info["degenerate_days"] == 0
    O = orc.cohort_oracle(c, pairs, 2, 150, seed=1)
    sel = [(k, logged[(c.patients[i], c.dates[d + 1])]) for k, (i, d) in enumerate(pairs)
           if (c.patients[i], c.dates[d + 1]) in logged]
    k, y = np.array([a for a, _ in sel]), np.array([b for _, b in sel])
    u = _randomised_pit(B[k, 0], y, np.random.default_rng(3))
    assert stats.kstest(u, "uniform").pvalue > 1e-3

    def rps(P, y):
        F = np.cumsum(P, axis=1)[:, :-1]
        return ((F - (np.arange(10)[None, :] >= y[:, None])) ** 2).sum(axis=1) / 10

    # knowing the true state helps the next day; the diary-only limit beats each patient's history
    hist = np.array([np.bincount([logged[(c.patients[i], c.dates[j])] for j in range(d + 1)
                                  if (c.patients[i], c.dates[j]) in logged], minlength=11) + 1.0 for i, d in pairs])
    hist /= hist.sum(axis=1, keepdims=True)
    r_o, r_b, r_h = rps(O[k, 0], y).mean(), rps(B[k, 0], y).mean(), rps(hist[k], y).mean()
    assert r_o < r_b < 0.9 * r_h, (r_o, r_b, r_h)
    with pytest.raises(ValueError, match="snapshots= including -22"):
        orc.bayes_forecast(simulate_cohort(2, 10, seed=1, snapshots=[3]), [(0, 3)])
