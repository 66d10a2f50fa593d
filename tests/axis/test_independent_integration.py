"""The simulator against an independent integration (2026-12-07 science check).

The other agreement tests compare ``protocol`` with ``skin.reference_protocol``, which is scipy's
``odeint`` (LSODA) on ``skin.rhs`` — the same right-hand side. Here the right-hand side is the
scalar transcription of reference §1.3 (``test_reference_equations.reference_rhs``), integrated
with a different method (implicit Runge–Kutta Radau IIA, ``solve_ivp``) at tight tolerances
(rtol 1e-10, atol 1e-12), through the published protocol (§1.5): settle 1000 weeks from the
published initial state with e = (0,…,0,1), then each arm from the baseline.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from gutskin.axis import protocol, skin
from tests.axis.test_reference_equations import reference_rhs

ARMS = ("placebo", "dupilumab", "tralokinumab")


def _radau(theta, e, x0, weeks, t_eval=None):
    r = solve_ivp(lambda t, x: reference_rhs(x, theta, e), (0.0, weeks), np.asarray(x0, dtype=float),
                  method="Radau", rtol=1e-10, atol=1e-12, t_eval=t_eval)
    assert r.status == 0, r.message
    return r.y.T


def _easi(x):
    return 36.0 * (x[..., 1] + 1.0 - x[..., 0])  # EASI = 72·(2p + 2(1 − s))/4


def _patients():
    rng = np.random.default_rng(20261207)
    return np.vstack([skin.median_parameters(skin.MU), skin.sample_parameters(2, rng, skin.MU, skin.SIGMA)])


@pytest.fixture(scope="module")
def independent():
    weeks = np.arange(0, 25, dtype=float)
    out = []
    for theta in _patients():
        base = _radau(theta, skin.BASELINE_EFFECT, skin.INITIAL_STATE, 1000.0)[-1]
        arms = {a: _easi(_radau(theta, skin.ARMS[a], base, 24.0, t_eval=weeks)) for a in ARMS}
        out.append((base, arms))
    return out


def test_protocol_matches_an_independent_radau_integration(independent):
    res = protocol.run_protocol(_patients(), ARMS, weeks=24)
    wk = res.weekly_index()
    for i, (base, arms) in enumerate(independent):
        assert np.max(np.abs(res.baseline[i] - base) / (1e-6 + np.abs(base))) < 1e-3
        for a in ARMS:
            assert np.max(np.abs(res.easi[a][i, wk] - arms[a])) < 0.01, (i, a)


def test_median_patient_cli_numbers_match_the_independent_integration(independent):
    base, arms = independent[0]
    got = protocol.median_patient(list(ARMS), weeks=24)
    for a in ARMS:
        assert abs(got[a]["baseline_easi"] - _easi(base)) < 0.01
        assert np.max(np.abs(np.array(got[a]["easi_by_week"]) - arms[a])) < 0.01


def test_a_trigger_pulse_and_a_steroid_course_day_by_day_match_radau() -> None:
    """The diary simulator's day steps (two fixed half-day Rosenbrock steps) against Radau at
    rtol 1e-9 through a one-day trigger pulse (pathogen influx × 2, coupling assumption) and 60
    days after: EASI rises on the pulse day, falls back, and reaches the same steady state again
    (no hysteresis: reference §1 states none for this model); a 14-day steroid course lowers EASI."""
    from gutskin.axis import coupling as cpl
    from gutskin.axis.cohort import DAY_WEEKS, _day, _settle

    params = _patients()
    n = len(params)
    c = cpl.Coupling()

    def mod(load: float, steroid: float = 0.0):  # type: ignore[no-untyped-def]
        return cpl.modifiers(c, treg_ratio=np.ones(n), trigger_load=np.full(n, load), itch_load=np.zeros(n),
                             emollient_apps=np.ones(n), steroid_apps=np.full(n, steroid))

    x0 = _settle(params, mod(0.0))
    e0 = _easi(x0)
    schedule = [2.0] + [0.0] * 59
    x, ours = x0.copy(), []
    for load in schedule:
        x = _day(params, x, mod(load))
        ours.append(_easi(x))
    ours = np.array(ours)
    for i in range(n):
        xi, theirs = x0[i].copy(), []
        for load in schedule:
            mi = cpl.subset(mod(load), np.array([i]))
            r = solve_ivp(lambda t, y: skin.rhs(y[None, :], params[i:i + 1], skin.BASELINE_EFFECT, mi)[0],
                          (0.0, DAY_WEEKS), xi, method="Radau", rtol=1e-9, atol=1e-11)
            xi = r.y[:, -1]
            theirs.append(_easi(xi))
        assert np.max(np.abs(np.array(theirs) - ours[:, i])) < 0.01, i
    assert np.all(ours[0] > e0 + 0.05)  # the pulse raises EASI that day
    assert np.all(ours[-1] < ours[0])  # and it falls back
    later = _settle(params, mod(0.0))  # the steady state is unique: the same one after the pulse
    x_long = x.copy()
    for _ in range(300):
        x_long = _day(params, x_long, mod(0.0))
    assert np.max(np.abs(_easi(x_long) - _easi(later))) < 0.05
    xs = x0.copy()
    for _ in range(14):
        xs = _day(params, xs, mod(0.0, 2.0))
    assert np.all(_easi(xs) < e0 - 0.5)
