"""binrw.stan (the bench's MCMC comparator) against EczemaPred's BinRW as the reference states it
(forecasting-and-triggers.md §1.2 equations, §1.4 default priors; science audit, 2026-12-06).

pystan is not a test dependency, so the model is never compiled in CI and nothing else reads
it: a changed prior or likelihood would go unnoticed until someone ran the bench. The priors and
model lines are checked here as written, and the first day's prior against the marginal that
EczemaPred's population priors give one patient.
"""

from __future__ import annotations

import math
import re
from importlib import resources

import numpy as np
import pytest

STAN = resources.files("gutskin.insights").joinpath("binrw.stan").read_text(encoding="utf-8")
MODEL = STAN.split("model {", 1)[1].split("}", 1)[0]


def _statement(pattern: str) -> re.Match:
    m = re.search(pattern, re.sub(r"\s+", " ", STAN))
    assert m, f"binrw.stan has no statement matching {pattern!r}"
    return m


def test_random_walk_and_binomial_likelihood_on_the_logit_scale():
    # logit l_t = logit l_{t-1} + sigma eta_t ; y_t ~ Binomial(M, l_t)
    _statement(r"z\[t\] = z\[t - 1\] \+ sigma \* eta\[t - 1\];")
    assert re.search(r"eta ~ std_normal\(\);", MODEL)
    assert re.search(r"y_obs ~ binomial_logit\(M, z\[t_obs\]\);", MODEL)


def test_sigma_prior_is_eczemapred_half_normal_0_25_ln5():
    m = re.search(r"sigma ~ normal\(0, ([0-9.]+) \* log\(([0-9.]+)\)\);", MODEL)
    assert m and re.search(r"real<lower=0> sigma;", STAN)  # half-normal: normal prior on a positive parameter
    scale = float(m.group(1)) * math.log(float(m.group(2)))
    assert scale == pytest.approx(0.25 * math.log(5), rel=1e-12)  # ≈ 0.402: daily odds ratio rarely above 5


def test_first_day_prior_is_the_single_patient_marginal_of_the_population_priors():
    # EczemaPred: logit l_1 = mu_y0 + sigma_y0 eta, mu_y0 ~ N(0, 1), sigma_y0 ~ N+(0, 1.5), eta ~ N(0, 1);
    # one patient: mean 0, variance 1 + E[sigma_y0^2] = 1 + 1.5^2
    m = re.search(r"z1 ~ normal\(0, ([0-9.]+)\);", MODEL)
    assert m
    sd = float(m.group(1))
    assert sd == pytest.approx(math.sqrt(1 + 1.5 ** 2), abs=0.01)
    rng = np.random.default_rng(7)
    n = 400_000
    draws = rng.normal(0, 1, n) + np.abs(rng.normal(0, 1.5, n)) * rng.normal(0, 1, n)
    assert draws.std() == pytest.approx(sd, abs=0.01)
