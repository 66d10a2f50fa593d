"""BinAR1 forecasts: exactness of the filter approximation, gaps, mean reversion, scoring."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom

from gutskin.insights import evaluation as ev
from gutskin.insights import forecast as fc
from gutskin.insights.synthetic import simulate_cohort

from .helpers import cohort, exact_hmm, expit


def _exact_hmm(y, phi, sigma, omega, level, steps):
    """Brute force on a fine latent grid (level known): log-likelihood and h-step pmfs."""
    nodes, w = np.polynomial.hermite.hermgauss(40)

    def emission(z):
        u = z[:, None] + np.sqrt(2) * omega * nodes[None, :]
        return np.stack([(binom.pmf(k, 10, expit(u)) * w / np.sqrt(np.pi)).sum(1) for k in range(11)], 1)

    return exact_hmm(y, phi, sigma, level, emission, steps)


@pytest.mark.parametrize("omega", [0.0, 0.5])
def test_laplace_filter_matches_exact_hmm(omega):
    rng = np.random.default_rng(0)
    phi, sigma, level = 0.8, 0.4, -0.3
    zt, y = level, []
    for _ in range(60):
        zt = level + phi * (zt - level) + sigma * rng.standard_normal()
        y.append(rng.binomial(10, expit(zt + omega * rng.standard_normal())))
    y = np.array(y, float)
    y[[10, 11, 12, 30]] = np.nan  # gaps
    grid = fc.make_grid([phi], [sigma], [omega], (level, 1e-4))
    # level uncertainty exercises the (z, m) cross terms: batch and single-series filters agree
    g2 = fc.make_grid([phi, 0.95], [sigma], [omega], (0.0, 1.5))
    b2, _ = fc.run_filter(np.vstack([y, y[::-1]]), g2)
    s2 = fc.filter_series(y[::-1], g2)
    assert np.allclose(b2.loglik[1], s2.loglik[0]) and np.allclose(b2.pmm[1], s2.pmm[0])
    st_, _ = fc.run_filter(y[None, :], grid)
    one = fc.filter_series(y, grid)  # the request-path implementation agrees with the batch one
    assert np.allclose(one.loglik, st_.loglik) and np.allclose(one.az, st_.az) and np.allclose(one.pzz, st_.pzz)
    pred = fc.predictive(st_, grid, [1, 3, 7])[0]
    ll, exact = _exact_hmm(y, phi, sigma, omega, level, 7)
    assert st_.loglik[0, 0] == pytest.approx(ll, abs=0.02 * abs(ll))
    for i, h in enumerate([1, 3, 7]):
        assert 0.5 * np.abs(pred[i] - exact[h - 1]).sum() < 0.02  # total variation


def test_forecast_dates_sum_and_gaps():
    days = [dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(40) if i % 7 != 3]
    itch = [float((i * 3) % 11) if i % 5 else np.nan for i in range(len(days))]
    out = fc.forecast_patient(days, itch, 7, patient="x")
    assert [d.date for d in out.days] == [days[-1] + dt.timedelta(days=h) for h in range(1, 8)]
    for d in out.days:
        assert len(d.probabilities) == 11
        assert abs(sum(d.probabilities) - 1) < 1e-9
        assert min(d.probabilities) >= 0
        lo, hi = d.bands["80"]
        assert 0 <= lo <= d.median <= hi <= 10
    assert 0 <= out.flare_risk <= 1
    assert out.flare_risk >= max(d.p_severe for d in out.days) - 0.03  # any-day risk >= each day's


def test_no_itch_at_all_gives_the_prior_forecast():
    out = fc.forecast_patient(["2025-01-01", "2025-01-02"], [np.nan, np.nan], 3)
    assert out.n_observed == 0
    assert all(abs(sum(d.probabilities) - 1) < 1e-9 for d in out.days)


def test_mean_reversion_after_a_bad_spell():
    rng = np.random.default_rng(3)
    base = rng.binomial(10, 0.25, 120).astype(float)  # a patient whose usual itch is ~2.5
    base[-4:] = [8, 9, 8, 9]  # a sudden bad spell
    out = fc.forecast_patient(pd.date_range("2025-01-01", periods=120), base, 7)
    means = [d.mean for d in out.days]
    assert means[0] > 4.0
    assert means[-1] < means[0] - 0.5  # reverts toward the patient's own level
    assert all(b <= a + 1e-9 for a, b in zip(means, means[1:]))
    assert out.model["phi"] < 0.97


def test_recovers_persistence_of_a_long_series():
    rng = np.random.default_rng(4)
    for phi_true in (0.5, 0.95):
        z, y = 0.0, []
        for _ in range(400):
            z = phi_true * z + 0.45 * rng.standard_normal()
            y.append(rng.binomial(10, expit(z)))
        out = fc.forecast_patient(pd.date_range("2024-01-01", periods=400), y, 1)
        assert abs(out.model["phi"] - phi_true) < 0.2


def test_bad_input():
    with pytest.raises(ValueError):
        fc.forecast_patient(["2025-01-01"], [11], 3)
    with pytest.raises(ValueError):
        fc.forecast_patient(["2025-01-01", "2025-01-01"], [1, 2], 3)
    with pytest.raises(ValueError):
        fc.forecast_patient(["2025-01-01"], [1], 0)


# ---------------------------------------------------------------------------- scoring


def test_rps_worked_values():
    uniform = np.full(11, 1 / 11)
    # y = 0: F(j) - 1 = (j+1)/11 - 1 for j = 0..10 -> sum of squares of k/11, k = 0..10, over 10
    expected = sum((k / 11) ** 2 for k in range(11)) / 10
    assert ev.rps(uniform, np.array(0)) == pytest.approx(expected)
    perfect = np.eye(11)[4]
    assert ev.rps(perfect, np.array(4)) == 0
    assert ev.rps(np.eye(11)[0], np.array(10)) == pytest.approx(1.0)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=11, max_size=11).filter(lambda v: sum(v) > 0), st.integers(0, 10))
def test_rps_is_a_score_in_unit_interval_and_proper(weights, y):
    p = np.array(weights) / sum(weights)
    r = ev.rps(p, np.array(y))
    assert 0 <= r <= 1
    # propriety: the expected score under p is minimised by reporting p itself
    q = np.full(11, 1 / 11)
    exp_p = sum(p[k] * ev.rps(p, np.array(k)) for k in range(11))
    exp_q = sum(p[k] * ev.rps(q, np.array(k)) for k in range(11))
    assert exp_p <= exp_q + 1e-12


def test_historical_forecast_has_one_pseudo_count_per_category():
    h = ev.historical_pmf(np.array([2, 2, 3, np.nan]))
    assert h[2] == pytest.approx(3 / 14) and h[3] == pytest.approx(2 / 14) and h[0] == pytest.approx(1 / 14)


def test_forward_chaining_iterations():
    # EczemaPred: day t (1-based) in iteration floor((t-2)/h)+1; with T = 10, h = 4 the training
    # blocks end on days 1, 5, 9 (0-based 0, 4, 8)
    assert ev.origins_for(10, 4) == [0, 4, 8]
    assert ev.origins_for(9, 4) == [0, 4]


def test_model_beats_baselines_and_is_calibrated():
    c = simulate_cohort(16, 150, seed=9)
    res = ev.evaluate_forecast(c.frame, 7)
    o = res["overall"]
    assert o["model"]["rps"] < o["historical"]["rps"] < o["uniform"]["rps"]
    assert o["rpss_uniform"] > 0.15
    assert o["model"]["lpd"] > o["historical"]["lpd"]
    assert o["calibration"]["ece"] < 0.03
    assert set(res["per_horizon"]) == {str(h) for h in range(1, 8)}


def test_random_walk_loses_to_mean_reverting_model_on_mean_reverting_data():
    frame = cohort(6, 12, n_days=150, tcs_reactive=False)
    rw = fc.make_grid(phis=[1.0])
    pts_rw = ev.forward_chain(frame, 7, grid=rw)
    pts = ev.forward_chain(frame, 7)
    y = np.array(pts.y)
    assert ev.rps(np.array(pts.forecasts["model"]), y).mean() < ev.rps(np.array(pts_rw.forecasts["model"]), y).mean()


def test_risk_is_never_shown_as_impossible_or_certain():
    assert fc.risk_percent(0.0) == "under 1%"
    assert fc.risk_percent(0.0049) == "under 1%"
    assert fc.risk_percent(0.006) == "1%"
    assert fc.risk_percent(0.374) == "37%"
    assert fc.risk_percent(0.994) == "99%"
    assert fc.risk_percent(0.996) == "over 99%"
    assert fc.risk_percent(1.0) == "over 99%"
    with pytest.raises(ValueError, match="1.2"):
        fc.risk_percent(1.2)
