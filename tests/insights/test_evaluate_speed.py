"""``evaluate forecast`` made faster (2026-12-07) gives the numbers of the old path.

The old path (commit 743e8e4: NumPy loops for the coding, the exposure outlook and the
predictive mixture, one process) is kept in ``bench/evaluate.py`` as the reference; here the
new path, in one process and in worker processes, is held to it on small cohorts, and each
rewritten helper to its old version on awkward inputs (gaps, factors missing on some days only).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from bench.evaluate import old_code_limits, old_exposure_outlook, old_factor_coding, old_forward_chain, old_path
from gutskin.insights import evaluation as ev
from gutskin.insights import forecast as fc
from gutskin.insights.synthetic import simulate_cohort


def _messy(frame, seed):
    """Some days gone, some factors missing on days others were logged (no shared rows)."""
    rng = np.random.default_rng(seed)
    frame = frame[rng.random(len(frame)) > 0.1].copy()
    names = ev.factor_names(frame)
    for f in names[:3]:
        frame.loc[rng.random(len(frame)) < 0.15, f] = np.nan
    return frame.reset_index(drop=True)


@pytest.fixture(scope="module")
def cohort():
    return simulate_cohort(9, 84, seed=5).frame


@pytest.mark.parametrize("messy", [False, True])
def test_forward_chain_gives_the_old_paths_numbers(cohort, messy):
    frame = _messy(cohort, 11) if messy else cohort
    with old_path():
        old = old_forward_chain(frame, 7)
    assert len(old.y) > 300
    for jobs in (1, 2):  # 9 patients >= POOL_MIN_PATIENTS: jobs=2 uses worker processes
        new = ev.forward_chain(frame, 7, jobs=jobs)
        for f in ("patient", "day", "origin", "horizon", "y"):
            assert getattr(new, f) == getattr(old, f), (jobs, f)
        for m in ("model", "uniform", "historical"):
            np.testing.assert_allclose(np.asarray(new.forecasts[m]), np.asarray(old.forecasts[m]), rtol=0, atol=1e-12)
        assert json.dumps(ev.summarize(new, 7)) == json.dumps(ev.summarize(old, 7))


def test_pool_threshold_is_reached_by_the_cohort(cohort):
    assert cohort["patient"].nunique() >= ev.POOL_MIN_PATIENTS


def test_progress_counts_every_patient_once_in_order(cohort):
    seen = []
    ev.forward_chain(cohort, 7, jobs=2, progress=lambda d, n: seen.append((d, n)))
    K = cohort["patient"].nunique()
    assert seen[-1] == (K, K)
    assert [d for d, _ in seen] == sorted(set(d for d, _ in seen))


def _matrices():
    rng = np.random.default_rng(2)
    for T in (1, 5, 30, 120):
        for F in (1, 6):
            A = rng.normal(size=(T, F)) * rng.choice([0.1, 5.0], size=F)
            A[:, 0] = rng.integers(0, 2, T)  # a 0/1 factor
            if F > 2:
                A[:, 1] = np.where(rng.random(T) < 0.8, 0.0, rng.gamma(2.0, 30.0, T))  # zero-heavy dose
                A[:, 2] = 4.0  # never varies
            yield A.copy()
            shared = A.copy()
            shared[rng.random(T) < 0.25] = np.nan  # whole days missing
            yield shared
            own = shared.copy()
            own[rng.random((T, F)) < 0.2] = np.nan  # each factor its own gaps
            yield own
            yield np.full((T, F), np.nan)


def test_coding_and_limits_are_the_old_ones_bit_for_bit():
    for A in _matrices():
        c_new, s_new = fc.factor_coding(A)
        c_old, s_old = old_factor_coding(A)
        np.testing.assert_array_equal(c_new, c_old)
        np.testing.assert_array_equal(s_new, s_old)
        C = (A - c_old) / s_old
        np.testing.assert_array_equal(fc.code_limits(C), old_code_limits(C))


def test_exposure_outlook_is_the_old_one_bit_for_bit():
    n = 0
    for A in _matrices():
        for steps in (1, 7):
            m_new, v_new = fc.exposure_outlook(A, steps)
            m_old, v_old = old_exposure_outlook(A, steps)
            np.testing.assert_array_equal(m_new, m_old)
            np.testing.assert_array_equal(v_new, v_old)
            n += A.shape[0] >= fc.BACKTEST_MIN_DAYS + steps  # the smoothing branch was used
    assert n > 0


@pytest.mark.parametrize("grid", [
    fc.DEFAULT_GRID,
    fc.make_grid(),  # binomial only
    fc.make_grid(readings=(0.4, 0.9), level_drift=(0.0, 0.05)),  # two readings, a drifting level
    fc.make_grid(kappas=(1.0, 2.5)),  # another dispersion: goes through predictive
], ids=["default", "binomial", "readings-drift", "kappa"])
def test_predictive_fast_equals_predictive(grid):
    rng = np.random.default_rng(4)
    for T in (1, 12, 90):
        y = rng.integers(0, 11, T).astype(float)
        y[rng.random(T) < 0.3] = np.nan
        st = fc.filter_series(y, grid)
        for kw in ({}, {"offset": rng.normal(size=9) * 0.5, "offset_var": rng.random(9) * 0.2},
                   {"drift": rng.normal(size=9) * 0.1}):
            steps = [1, 2, 5, 9]
            a = fc.predictive(st, grid, steps, **{k: v[None] for k, v in kw.items()})[0]
            b = fc.predictive_fast(st, grid, steps, **kw)
            assert b.shape == (4, 11)
            np.testing.assert_allclose(b, a, rtol=0, atol=1e-13)
            np.testing.assert_allclose(b.sum(axis=1), 1.0, atol=1e-12)
