"""The achievable forecast limit (``synthetic.bayes_forecasts``): a particle filter with the
true model must reproduce exact inference where exact inference is possible."""

from __future__ import annotations

import numpy as np

from gutskin.insights.synthetic import PatientTruth, bayes_forecasts, oracle_forecast

from .helpers import expit
from .test_forecast import _exact_hmm


def _plain_patient(phi=0.8, sigma=0.4, omega=0.3, level=-0.3, tcs_effect=0.0) -> PatientTruth:
    return PatientTruth("x", level, phi, sigma, omega, tcs_effect, tcs_a=-50.0, tcs_b=0.0)


def test_particle_filter_matches_exact_hmm_without_covariates():
    pt = _plain_patient()
    rng = np.random.default_rng(1)
    z, y = pt.level, []
    for _ in range(60):
        z = pt.level + pt.phi * (z - pt.level) + pt.sigma * rng.standard_normal()
        y.append(rng.binomial(10, expit(z + pt.omega * rng.standard_normal())))
    y = np.array(y, float)
    y[[20, 21, 22, 40]] = np.nan
    tcs = np.zeros(y.size)
    got = bayes_forecasts(pt, y, tcs, {}, [59], 7, n_particles=20000, seed=3)[59]
    _, exact = _exact_hmm(y, pt.phi, pt.sigma, pt.omega, pt.level, 7)
    for h in range(7):
        assert 0.5 * np.abs(got[h] - exact[h]).sum() < 0.02


def test_limit_recovers_the_oracle_when_the_state_is_nearly_observed():
    # tiny latent innovations: after a burn-in the state sits at the level, so the diary-only
    # Bayes forecast and the oracle (given the true state) must agree; with large innovations
    # they must not (the oracle knows more at horizon 1)
    rng = np.random.default_rng(5)
    for phi, sigma, agree in ((0.5, 0.01, True), (0.9, 1.0, False)):
        pt = _plain_patient(phi=phi, sigma=sigma, omega=0.0)
        z, y, zs = pt.level, [], []
        for _ in range(80):
            z = pt.level + pt.phi * (z - pt.level) + pt.sigma * rng.standard_normal()
            zs.append(z)
            y.append(rng.binomial(10, expit(z)))
        y = np.array(y, float)
        got = bayes_forecasts(pt, y, np.zeros(y.size), {}, [79], 1, n_particles=20000, seed=0)[79][0]
        orc = oracle_forecast(pt, zs[79], 79, {}, 0.0, 1, n_sims=40000, seed=1)[0]
        tv = 0.5 * np.abs(got - orc).sum()
        assert (tv < 0.02) if agree else (tv > 0.05)
