"""Forecasts after a gap in the diary (2026-12-06; docs/insights.md, "Forecasts after a gap").

A patient returning after months with one new entry: how wide is the first day's band, and is
it honest? Over unobserved days the latent state is carried by the model's own state equation
(prediction steps only), so its variance grows with the gap; these tests pin that, the
widening of the first-day band it gives, and the coverage of the bands right after gaps on
synthetic cohorts with known truth (a fixed level and a drifting one).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gutskin.insights import forecast as fc
from gutskin.insights import synthetic as syn

GAPS = (0, 7, 14, 30, 60, 90, 156, 300)


def _careful_reader(seed: int = 5, n: int = 150) -> list[int]:
    """150 days of a patient who reads itch carefully (latent AR(1) around 6, read with SD 0.5
    and rounded): the diary of the reported case, whose band after 156 days away read 5-7."""
    rng = np.random.default_rng(seed)
    z, ys = 0.4, []
    for _ in range(n):
        z = 0.4 + 0.8 * (z - 0.4) + 0.15 * rng.standard_normal()
        ys.append(int(np.clip(np.round(10 / (1 + np.exp(-z)) + 0.5 * rng.standard_normal()), 0, 10)))
    return ys


def _first_day_after_gap(ys: list[int], gap: int, new: int, grid: fc.Grid) -> fc.ForecastDay:
    start = dt.date(2026, 1, 1)
    dates = [start + dt.timedelta(days=i) for i in range(len(ys))] + [start + dt.timedelta(days=len(ys) + gap)]
    return fc.forecast_patient(pd.to_datetime(dates), [*ys, new], 1, grid=grid).days[0]


def _sd(day: fc.ForecastDay) -> float:
    p = np.asarray(day.probabilities)
    return float(np.sqrt(p @ (fc.CATEGORIES - day.mean) ** 2))


@settings(max_examples=60, deadline=None)
@given(
    phi=st.floats(0.3, 1.0),
    sigma=st.floats(0.05, 0.8),
    tau=st.sampled_from([0.0, 0.01, 0.03, 0.1]),
    seed=st.integers(0, 10_000),
    n=st.integers(1, 60),
    missing=st.floats(0.0, 0.6),
)
def test_the_latent_variance_grows_with_every_unobserved_day_by_the_state_equation(phi, sigma, tau, seed, n, missing):
    """A day without an entry is a prediction step: P <- F P F' + Q with the model's own
    F = [[phi, 1 - phi], [0, 1]] and Q = [[sigma^2 + tau^2, tau^2], [tau^2, tau^2]] (tau: the
    level's random walk, 0 on the default grid; Durbin & Koopman 2012, §4.10: a missing
    observation is a prediction step). From the state a diary leaves, the variance of z never
    shrinks over a gap; with tau = 0 and phi < 1 it approaches the stationary sigma^2 / (1 -
    phi^2) above the level's own; with tau > 0 it grows without bound, tau^2 a day."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 11, n).astype(float)
    y[rng.random(n) < missing] = np.nan
    grid = fc.make_grid([phi], [sigma], [0.3], readings=(0.5,), level_drift=tau)
    state = fc.filter_series(y, grid).take(0)
    state = fc.FilterState(*(a[:, :1].copy() if a.ndim == 2 else a.copy() for a in
                             (state.az, state.am, state.pzz, state.pzm, state.pmm, state.loglik, state.n_obs)))
    one = fc.make_grid([phi], [sigma], [0.3], level_drift=tau)  # the same dynamics, one point
    F = np.array([[phi, 1 - phi], [0.0, 1.0]])
    Q = np.array([[sigma**2 + tau**2, tau**2], [tau**2, tau**2]])
    P = np.array([[state.pzz[0, 0], state.pzm[0, 0]], [state.pzm[0, 0], state.pmm[0, 0]]])
    pmm0, prev = P[1, 1], P[0, 0]
    for _day in range(120):
        fc._predict(state, one)
        P = F @ P @ F.T + Q
        assert np.allclose([state.pzz[0, 0], state.pzm[0, 0], state.pmm[0, 0]], [P[0, 0], P[0, 1], P[1, 1]], rtol=1e-9)
        assert state.pzz[0, 0] >= prev - 1e-12
        prev = state.pzz[0, 0]
    assert state.pmm[0, 0] == pytest.approx(pmm0 + 120 * tau**2, rel=1e-9)
    if tau == 0 and phi < 0.97:
        assert state.pzz[0, 0] == pytest.approx(state.pmm[0, 0] + sigma**2 / (1 - phi**2), rel=0.02, abs=1e-6)


def test_the_compiled_filter_carries_the_level_drift_as_the_numpy_filter_does() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 11, 80).astype(float)
    y[rng.random(80) < 0.3] = np.nan
    y[20:60] = np.nan  # a long gap
    grid = fc.make_grid([0.5, 0.9, 1.0], [0.1, 0.4], [0.0, 0.6], readings=(0.5,), level_drift=0.05)
    batch, _ = fc.run_filter(y[None], grid)
    one = fc.filter_series(y, grid)
    for name in ("az", "am", "pzz", "pzm", "pmm", "loglik"):
        assert np.allclose(getattr(one, name), getattr(batch, name), rtol=1e-9, atol=1e-9), name


DRIFT_GRID = fc.make_grid(kappas=fc.KAPPA_GRID, readings=fc.READING_SD_GRID, level_drift=0.03)


def test_the_first_day_band_widens_monotonically_with_the_gap() -> None:
    """The reported case: 150 careful days around 6, away for ``gap`` days, one new entry of 6.
    On the default grid (a fixed level) the first day's predictive SD grows with the gap and
    levels off once the latent has forgotten the last entry (about two weeks: the AR(1)'s
    stationary variance) -- it never falls by more than the grid's reweighting (1e-4). With a
    drifting level (``level_drift=0.03``) it keeps growing, strictly, at every gap."""
    ys = _careful_reader()
    sds = [_sd(_first_day_after_gap(ys, g, 6, fc.DEFAULT_GRID)) for g in GAPS]
    assert all(b >= a - 1e-4 for a, b in zip(sds, sds[1:])), sds
    assert sds[2] > sds[0] + 0.02  # two weeks away: wider than the day after
    assert abs(sds[-1] - sds[4]) < 5e-3  # 60 days or 300: the same stationary spread
    drifting = [_sd(_first_day_after_gap(ys, g, 6, DRIFT_GRID)) for g in GAPS]
    assert all(b > a for a, b in zip(drifting, drifting[1:])), drifting
    assert drifting[-1] > sds[-1] + 0.03


@pytest.mark.parametrize("new", [2, 9])
def test_after_a_long_gap_the_new_entry_counts_more_than_the_old_level(new) -> None:
    """A return in a flare (9) or a good spell (2): the longer away, the less the level of
    months ago pulls the first day back, and the wider the band than right after the last day."""
    ys = _careful_reader()
    days = {g: _first_day_after_gap(ys, g, new, fc.DEFAULT_GRID) for g in (0, 14, 156)}
    assert abs(days[156].mean - new) < abs(days[14].mean - new) < abs(days[0].mean - new)
    assert _sd(days[156]) > _sd(days[0]) + 0.05
    lo, hi = days[156].bands["80"]
    assert lo <= new <= hi


def _coverage_after_gap(frame, gap: int, train: int = 150, grid: fc.Grid = fc.DEFAULT_GRID) -> tuple[float, float, int]:
    """Share of first days after (``train`` logged days, ``gap`` days away, one new entry)
    inside the central 80 % and 90 % predictive intervals (randomised PIT, exact for a discrete
    score: a calibrated forecast covers nominal, not more)."""
    rng = np.random.default_rng(0)
    pits = []
    for _pid, f in frame.groupby("patient"):
        d = (f["date"] - f["date"].min()).dt.days.to_numpy()
        y = np.full(d.max() + 1, np.nan)
        y[d] = f["itch"].to_numpy()
        t_new = train + gap
        if t_new + 1 >= y.size or np.isnan(y[t_new]) or np.isnan(y[t_new + 1]):
            continue
        s = np.full(t_new + 1, np.nan)
        s[:train], s[t_new] = y[:train], y[t_new]
        p = fc.predictive(fc.filter_series(s, grid), grid, [1])[0, 0]
        k = int(y[t_new + 1])
        pits.append(p[:k].sum() + rng.random() * p[k])
    u = np.asarray(pits)
    return float(np.mean((u > 0.1) & (u < 0.9))), float(np.mean((u > 0.05) & (u < 0.95))), u.size


@pytest.mark.parametrize("level_drift", [0.0, 0.03])
def test_bands_right_after_a_gap_cover_near_nominal_on_a_cohort_with_known_truth(level_drift) -> None:
    """240 synthetic patients (known truth; a fixed level, and a level drifting 0.03 a day,
    0.37 on the logit scale over 150 days): the first day after 150 days away covers the
    80 % and 90 % bands near nominally, as after no gap (binomial SE at n ~ 230: 2.6 and 2.0
    points)."""
    frame = syn.simulate_cohort(n_patients=240, n_days=310, seed=11, missing_range=(0, 0), level_drift=level_drift).frame
    for gap in (0, 150):
        c80, c90, n = _coverage_after_gap(frame, gap)
        assert n >= 200
        assert 0.72 <= c80 <= 0.88, (gap, c80)
        assert 0.84 <= c90 <= 0.96, (gap, c90)


def test_a_cohort_without_level_drift_is_drawn_as_before() -> None:
    """``level_drift=0`` draws no extra random numbers: the benches' cohorts are unchanged."""
    a = syn.simulate_cohort(n_patients=3, n_days=40, seed=4)
    b = syn.simulate_cohort(n_patients=3, n_days=40, seed=4, level_drift=0.0)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    c = syn.simulate_cohort(n_patients=3, n_days=40, seed=4, level_drift=0.05)
    assert not np.allclose(a.latent["s1"], c.latent["s1"])


def test_a_negative_level_drift_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="level_drift"):
        fc.make_grid(level_drift=-0.1)
