"""The rounded-Gaussian reading (session 9): itch = clip(round(10 logit^-1(u) + s e), 0, 10).

What the mechanistic simulator writes (a latent on 0-10, reading noise SD 0.3-0.7, rounded) and
what a careful patient's 0-10 score looks like: far less dispersed than any binomial. Which
observation a diary gets is decided per patient by the grid's marginal likelihood.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from gutskin.insights import forecast as fc

from .helpers import exact_hmm, expit


def _pmf_by_hand(u: float, sd: float) -> np.ndarray:
    """P(y) = P(y - 1/2 < 10 expit(u) + sd e < y + 1/2), the ends open at 0 and 10."""
    mu = 10 * expit(u)
    cuts = np.r_[-np.inf, np.arange(10) + 0.5, np.inf]
    return np.diff(norm.cdf((cuts - mu) / sd))


@pytest.mark.parametrize("u", [-6.0, -2.2, -0.4, 0.0, 1.7, 5.0])
@pytest.mark.parametrize("sd", [0.3, 0.5, 0.8])
def test_reading_pmf_is_the_rounded_gaussian(u, sd):
    exact = _pmf_by_hand(u, sd)
    np.testing.assert_allclose(np.exp(fc._reading_log_pmf(np.array([u]), sd))[0], exact, atol=1e-12)
    np.testing.assert_allclose(fc.observation_pmf(np.array([u]), 1.0, sd)[0], exact, atol=2e-4)  # tabulated
    y = np.arange(11)
    var = exact @ y**2 - (exact @ y) ** 2
    if 1.0 < 10 * expit(u) < 9.0:  # narrower than the binomial (not at the ends, where it is 0)
        assert var < 0.6 * 10 * expit(u) * (1 - expit(u))
    if 1.0 < 10 * expit(u) < 9.0 and sd >= 0.5:  # away from the ends: centred, Sheppard's variance
        assert exact @ y == pytest.approx(10 * expit(u), abs=0.02)
        assert var == pytest.approx(sd**2 + 1 / 12, rel=0.1)


def test_reading_tables_hold_the_derivatives_of_the_log_pmf():
    r = fc._reading(0.5)
    du = fc._U[1] - fc._U[0]
    for y in (0, 3, 10):
        lp = r.lp[y]
        g_num = np.gradient(lp, du)
        h_num = -np.gradient(g_num, du)
        inner = slice(1000, 3800)  # u in about -7 .. 7
        np.testing.assert_allclose(r.g[y, inner], g_num[inner], atol=2e-3 * (1 + np.abs(g_num[inner]).max()))
        ok = h_num[inner] > 1e-3  # where the log pmf is concave, the curvature is -d2 log P
        np.testing.assert_allclose(r.h[y, inner][ok], h_num[inner][ok], rtol=0.02, atol=1e-3)


def _reading_series(rng, n, phi, sigma, level, sd):
    z, y = level, []
    for _ in range(n):
        z = level + phi * (z - level) + sigma * rng.standard_normal()
        y.append(np.clip(np.round(10 * expit(z) + sd * rng.standard_normal()), 0, 10))
    return np.array(y, float)


@pytest.mark.parametrize("sd,phi,sigma,level", [(0.5, 0.8, 0.3, -0.3), (0.7, 0.9, 0.2, 0.4)])
def test_laplace_filter_matches_exact_hmm_with_a_reading(sd, phi, sigma, level):
    y = _reading_series(np.random.default_rng(1), 80, phi, sigma, level, sd)
    y[[10, 11, 30]] = np.nan
    g = fc.make_grid([phi], [sigma], [0.0], (level, 1e-4), readings=[sd])
    keep = g.reading > 0
    grid = fc.Grid(g.phi[keep], g.sigma[keep], g.omega[keep], np.zeros(1), g.mu0, g.s0, g.kappa[keep], g.reading[keep])
    st_, _ = fc.run_filter(y[None, :], grid)
    one = fc.filter_series(y, grid)  # the compiled kernel: the same numbers
    np.testing.assert_allclose(one.loglik, st_.loglik, rtol=1e-10)
    np.testing.assert_allclose(one.az, st_.az, rtol=1e-10)
    ll, exact = exact_hmm(y, phi, sigma, level, lambda z: np.exp(fc._reading_log_pmf(z, sd)), 7)
    assert st_.loglik[0, 0] == pytest.approx(ll, abs=0.02 * abs(ll))
    pred = fc.predictive(st_, grid, [1, 3, 7])[0]
    for i, h in enumerate([1, 3, 7]):
        assert 0.5 * np.abs(pred[i] - exact[h - 1]).sum() < 0.03


def test_a_rounded_gaussian_diary_picks_the_reading_and_recovers_its_noise():
    """Diaries read with SD 0.35 and 0.9, on a grid with both readings and the binomial: every
    diary's weight goes to a reading, and the day-level noise the fit finds is the diary's own.

    Day-level noise on the 0-10 scale: the reading SD and the day effect omega (logit scale,
    times the slope 10 p (1 - p) at the diary's level), sqrt(s^2 + (10 p (1 - p) omega)^2). The
    two are nearly interchangeable (a small reading SD with a larger omega reads like a larger
    SD), so it is their sum that is identified, not s alone."""
    grid = fc.make_grid(readings=(0.35, 0.9))
    rng = np.random.default_rng(11)
    found = {}
    for true_sd in (0.35, 0.9):
        for i in range(3):
            y = _reading_series(rng, 150, 0.85, 0.25, rng.uniform(-1.0, 0.8), true_sd)
            w = fc.grid_weights(fc.filter_series(y, grid), grid)[0]
            assert w[grid.reading == 0].sum() < 0.05  # not the binomial
            p = np.nanmean(y) / 10
            noise = float(w @ np.sqrt(grid.reading**2 + (10 * p * (1 - p) * grid.omega) ** 2))
            assert noise == pytest.approx(true_sd, rel=0.3)
            found[true_sd, i] = noise
    assert max(found[0.35, i] for i in range(3)) < min(found[0.9, i] for i in range(3))


def test_a_binomial_diary_keeps_the_binomial_on_the_default_grid():
    rng = np.random.default_rng(12)
    grid = fc.DEFAULT_GRID
    for _ in range(5):
        z, y = -0.3, []
        for _ in range(150):
            z = -0.3 + 0.8 * (z + 0.3) + 0.4 * rng.standard_normal()
            y.append(rng.binomial(10, expit(z)))
        w = fc.grid_weights(fc.filter_series(np.array(y, float), grid), grid)[0]
        assert w[grid.reading == 0].sum() > 0.6


def test_a_reading_sd_must_be_positive():
    with pytest.raises(ValueError, match="readings must be SDs > 0"):
        fc.make_grid(readings=(0.5, 0.0))
