"""BinAR1's observation dispersion: itch as a binomial of 10 kappa trials on 0..10, or (the
default grid since session 9) a rounded-Gaussian reading of the day's level.

kappa = 1 is the binomial; kappa > 1 and the reading are less dispersed than a binomial (a
rounded latent with little noise), which the logit-normal transient omega cannot express.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import gammaln
from scipy.stats import binom

from gutskin.insights import evaluation as ev
from gutskin.insights import forecast as fc

from .helpers import exact_hmm, expit


def _pmf_by_hand(u: float, kappa: float) -> np.ndarray:
    """P(y) ∝ C(10 kappa, kappa y) p^(kappa y) (1 - p)^(kappa (10 - y)), straight from the definition."""
    y = np.arange(11)
    n, p = 10 * kappa, expit(u)
    logw = gammaln(n + 1) - gammaln(kappa * y + 1) - gammaln(n - kappa * y + 1)
    logw = logw + kappa * y * np.log(p) + kappa * (10 - y) * np.log1p(-p)
    w = np.exp(logw - logw.max())
    return w / w.sum()


@pytest.mark.parametrize("u", [-3.0, -0.4, 0.0, 1.7])
def test_observation_pmf_is_the_binomial_at_kappa_one_and_narrower_above(u):
    np.testing.assert_allclose(fc.observation_pmf(np.array([u]), 1.0)[0], binom.pmf(np.arange(11), 10, expit(u)), atol=1e-12)
    for kappa in (2.5, 4.0):
        pmf = fc.observation_pmf(np.array([u]), kappa)[0]
        np.testing.assert_allclose(pmf, _pmf_by_hand(u, kappa), atol=1e-12)
        y = np.arange(11)
        mean, var = pmf @ y, pmf @ y**2 - (pmf @ y) ** 2
        binomial_var = 10 * expit(u) * (1 - expit(u))
        assert abs(mean - 10 * expit(u)) < 0.35  # centred where the binomial is
        assert var < 0.8 * binomial_var  # narrower everywhere
        if abs(u) <= 1:  # away from the ends of the scale: about 1/kappa of the binomial's variance
            assert var == pytest.approx(binomial_var / kappa, rel=0.25)


def test_tables_agree_with_the_exact_moments():
    d = fc._dispersion(2.5)
    lay = fc._layout(np.full(5, 2.5))
    th = np.array([-30.0, -2.345, 0.0, 1.234, 7.5])
    mean, var, A = fc._interp(lay.base, th, lay.mean, lay.var, lay.A)
    y = np.arange(11)
    for k, t in enumerate(th):
        pmf = np.exp(d.log_pmf(np.array([t / 2.5])))[0]
        assert mean[k] == pytest.approx(pmf @ y, abs=1e-4)
        assert var[k] == pytest.approx(pmf @ y**2 - (pmf @ y) ** 2, abs=1e-4)
        assert A[k] == pytest.approx(np.log(np.exp(d.log_h + t * y).sum()), abs=1e-4)


def _exact_hmm_kappa(y, phi, sigma, level, kappa, steps):
    """Brute force on a fine latent grid, omega = 0, level known: log-likelihood, h-step pmfs."""
    return exact_hmm(y, phi, sigma, level, lambda z: np.array([_pmf_by_hand(zi, kappa) for zi in z]), steps)


def test_laplace_filter_matches_exact_hmm_with_kappa():
    rng = np.random.default_rng(1)
    phi, sigma, level, kappa = 0.8, 0.4, -0.3, 2.5
    zt, y = level, []
    for _ in range(60):
        zt = level + phi * (zt - level) + sigma * rng.standard_normal()
        y.append(rng.choice(11, p=_pmf_by_hand(zt, kappa)))
    y = np.array(y, float)
    y[[10, 11, 30]] = np.nan
    grid = fc.make_grid([phi], [sigma], [0.0], (level, 1e-4), kappas=[kappa])
    st_, _ = fc.run_filter(y[None, :], grid)
    one = fc.filter_series(y, grid)
    assert np.allclose(one.loglik, st_.loglik) and np.allclose(one.az, st_.az)
    ll, exact = _exact_hmm_kappa(y, phi, sigma, level, kappa, 7)
    assert st_.loglik[0, 0] == pytest.approx(ll, abs=0.02 * abs(ll))
    pred = fc.predictive(st_, grid, [1, 3, 7])[0]
    for i, h in enumerate([1, 3, 7]):
        assert 0.5 * np.abs(pred[i] - exact[h - 1]).sum() < 0.02


def _rounded_latent_itch(rng, n_patients, n_days, meas_sd=0.5):
    """Itch as the mechanistic simulator writes it: a mean-reverting latent on 0-10, plus a
    little reading noise, rounded -- less dispersed than any binomial."""
    Y = np.empty((n_patients, n_days))
    for k in range(n_patients):
        level, x = rng.uniform(2.5, 6.5), 0.0
        for t in range(n_days):
            x = 0.85 * x + 0.6 * rng.standard_normal()
            Y[k, t] = np.clip(np.round(level + x + meas_sd * rng.standard_normal()), 0, 10)
    return Y


def _frame(Y):
    import pandas as pd

    rows = [
        {"patient": f"p{k}", "date": pd.Timestamp("2026-01-01") + pd.Timedelta(days=t), "itch": Y[k, t]}
        for k in range(Y.shape[0])
        for t in range(Y.shape[1])
    ]
    f = pd.DataFrame(rows)
    for col in ("sleep_loss", "poscorad", "poem", "flare"):
        f[col] = np.nan
    return f[["patient", "date", "itch", "sleep_loss", "poscorad", "poem", "flare"]]


KAPPA_GRID = fc.make_grid(kappas=(1.0, 2.5))  # the default grid of sessions 3-8


def _not_binomial(grid):
    return (grid.kappa != 1) | (grid.reading > 0)


@pytest.mark.parametrize("grid", [fc.DEFAULT_GRID, KAPPA_GRID], ids=["reading", "kappa"])
def test_underdispersed_itch_is_recognised_and_forecast_better(grid):
    Y = _rounded_latent_itch(np.random.default_rng(5), 8, 150)
    st_, _ = fc.run_filter(Y, grid)
    w = fc.grid_weights(st_, grid)
    assert np.all(w[:, _not_binomial(grid)].sum(axis=1) > 0.9)  # every patient: not the binomial
    frame = _frame(Y)
    pts = ev.forward_chain(frame, 7, grid=grid)
    pts_b = ev.forward_chain(frame, 7, grid=fc.make_grid())  # binomial only
    y = np.array(pts.y)
    P, Pb = np.array(pts.forecasts["model"]), np.array(pts_b.forecasts["model"])
    assert ev.rps(P, y).mean() < 0.98 * ev.rps(Pb, y).mean()
    assert ev.calibration(P, y)["ece"] < 0.6 * ev.calibration(Pb, y)["ece"]


@pytest.mark.parametrize("grid", [fc.DEFAULT_GRID, KAPPA_GRID], ids=["reading", "kappa"])
def test_binomial_itch_mostly_keeps_the_binomial_and_loses_little(grid):
    """On binomial itch kappa = 1 carries most of the weight (a larger kappa or a reading with a
    larger omega can look alike, so not all of it), and forecasts lose at most 1 % against a
    binomial-only grid."""
    rng = np.random.default_rng(6)
    Y = np.empty((6, 150))
    for k in range(6):
        z = -0.3
        for t in range(150):
            z = -0.3 + 0.8 * (z + 0.3) + 0.4 * rng.standard_normal()
            Y[k, t] = rng.binomial(10, expit(z))
    st_, _ = fc.run_filter(Y, grid)
    w = fc.grid_weights(st_, grid)
    assert w[:, ~_not_binomial(grid)].sum(axis=1).mean() > 0.6
    frame = _frame(Y)
    y = np.array(ev.forward_chain(frame, 7).y)
    r = ev.rps(np.array(ev.forward_chain(frame, 7, grid=grid).forecasts["model"]), y).mean()
    rb = ev.rps(np.array(ev.forward_chain(frame, 7, grid=fc.make_grid()).forecasts["model"]), y).mean()
    assert r < 1.01 * rb


@pytest.mark.parametrize("grid", [fc.DEFAULT_GRID, KAPPA_GRID], ids=["reading", "kappa"])
def test_sample_paths_follow_the_predictive_pmf_with_kappa(grid):
    Y = _rounded_latent_itch(np.random.default_rng(7), 1, 120)
    st_ = fc.filter_series(Y[0], grid)
    pred = fc.predictive(st_, grid, [1, 2, 3])[0]
    paths = fc.sample_paths(st_, grid, 3, n=20000, seed=1)
    for h in range(3):
        freq = np.bincount(paths[:, h].astype(int), minlength=11) / paths.shape[0]
        assert 0.5 * np.abs(freq - pred[h]).sum() < 0.03


def test_a_grid_without_the_binomial_is_refused():
    with pytest.raises(ValueError, match="include 1"):
        fc.make_grid(kappas=[2.0, 3.0])


def test_the_forecast_reports_its_dispersion():
    dates = np.datetime64("2026-01-01") + np.arange(150)
    careful = _rounded_latent_itch(np.random.default_rng(8), 1, 150)[0]
    assert fc.forecast_patient(dates, careful, 7, grid=KAPPA_GRID).model["kappa"] > 2.0
    m = fc.forecast_patient(dates, careful, 7).model
    assert m["p_binomial"] < 0.1 and m["reading_sd"] > 0.45  # read, not drawn from a binomial
    rng = np.random.default_rng(9)
    noisy = rng.binomial(10, expit(-0.3 + 0.5 * rng.standard_normal(150))).astype(float)
    assert fc.forecast_patient(dates, noisy, 7, grid=KAPPA_GRID).model["kappa"] < 1.5
    m = fc.forecast_patient(dates, noisy, 7).model
    assert m["p_binomial"] > 0.6 and m["reading_sd"] < 0.2
