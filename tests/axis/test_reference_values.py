"""Every published number of the simulator pinned to the reference text (science audit, 2026-12-06).

The other axis tests take the parameter table, the initial state, the arms' effect vectors and
the Islam 2021 constants from the code itself (``skin.MU``, ``skin.ARMS``, ``gut.MU_T`` ...) and
spot-check a handful of entries, so a changed digit in most of the 51 (mu, sigma) pairs, in the
initial state or in an arm (rIFN-γ e8 = 210, tralokinumab's ε flag) would pass them. Here each
value is transcribed independently from ../shared/reference/disease-models.md (§1.2, §1.4,
§1.5, §6, §7); the table below is the reference's §1.4 rows as printed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from gutskin.axis import cohort, gut, protocol, skin

# disease-models.md §1.4, as printed: | i | name | mu | sigma | (three column groups per row)
REFERENCE_TABLE_1_4 = """
| 0 | k1 | 0.537 | 0.793 | 17 | b8 | -3.5 | 0.048 | 34 | k16 | 2.64 | 0.85 |
| 1 | k2 | -1.5 | 0.39 | 18 | d8 (= k4) | -1.599 | 0.0357 | 35 | d12 | 3.332 | 0.571 |
| 2 | k3 | 2.95 | 1.42 | 19 | k5 | 2.95 | 0.0379 | 36 | k17 | 1.19 | 0.206 |
| 3 | b1 | -8.69 | 0.575 | 20 | k9 | -3.32 | 0.994 | 37 | k18 | 1.46 | 0.0277 |
| 4 | b2 | -3.54 | 1.58 | 21 | d9 | -0.5482 | 0.0883 | 38 | d13 | 3.332 | 0.561 |
| 5 | b3 | -3.92 | 0.349 | 22 | b9 | -2.66 | 0.3 | 39 | k19 | 1.54 | 0.187 |
| 6 | b4 | -0.595 | 0.798 | 23 | k6 | 3.89 | 0.00306 | 40 | k20 | 1.99 | 0.576 |
| 7 | b5 | -2.09 | 0.903 | 24 | k10 | -5.82 | 0.0675 | 41 | d14 | 3.332 | 0.1 |
| 8 | d1 | -1.599 | 1.53 | 25 | k7 | 2.6 | 0.0697 | 42 | k21 | 0.459 | 1 |
| 9 | d2 | -2.64 | 0.567 | 26 | k8 | 4.83 | 0.475 | 43 | k22 | 2.62 | 0.353 |
| 10 | d3 | 1.25 | 2.28 | 27 | k11 | 5.5 | 0.163 | 44 | d15 | 2.681 | 0.146 |
| 11 | b6 | 0.395 | 0.444 | 28 | k12 | 9.25 | 0.506 | 45 | k23 | 4 | 0.522 |
| 12 | d4 | -1 | 0.474 | 29 | d10 | 5.908 | 0.219 | 46 | k24 | 4.43 | 0.649 |
| 13 | d5 | -5.1 | 0.445 | 30 | k13 | 6.65 | 0.37 | 47 | d16 | 3.332 | 0.204 |
| 14 | d6 | -5.01 | 0.389 | 31 | k14 | 8.84 | 0.454 | 48 | k25 | 0.421 | 0.481 |
| 15 | d7 | -8.7 | 0.62 | 32 | d11 | 5.908 | 0.111 | 49 | k26 | 1.68 | 0.78 |
| 16 | b7 | -7.99 | 0.092 | 33 | k15 | 4.01 | 0.268 | 50 | d17 | 0.4824 | 0.236 |
"""


def _reference_rows() -> dict[int, tuple[str, float, float]]:
    rows: dict[int, tuple[str, float, float]] = {}
    for line in REFERENCE_TABLE_1_4.strip().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        for j in range(0, len(cells), 4):
            i, name, mu, sigma = cells[j:j + 4]
            rows[int(i)] = (name.split()[0], float(mu), float(sigma))
    return rows


def test_all_51_parameters_names_mu_and_sigma_are_the_published_table():
    rows = _reference_rows()
    assert sorted(rows) == list(range(51))
    wrong = {i: (name, mu, sg, skin.PARAM_NAMES[i], float(skin.MU[i]), float(skin.SIGMA[i]))
             for i, (name, mu, sg) in rows.items()
             if (skin.PARAM_NAMES[i], float(skin.MU[i]), float(skin.SIGMA[i])) != (name, mu, sg)}
    assert not wrong, wrong
    assert skin.N_PARAMS == len(skin.MU) == len(skin.SIGMA) == 51


def test_initial_state_is_the_published_one():
    # §1.5: (s, p, Th1, Th2, Th17, Th22, IL4, IL13, IL17, IL22, IL31, IFNγ, TSLP, OX40L)
    assert skin.STATE_NAMES == ("s", "p", "Th1", "Th2", "Th17", "Th22", "IL4", "IL13", "IL17", "IL22", "IL31",
                                "IFNg", "TSLP", "OX40L")
    assert skin.INITIAL_STATE.tolist() == [0.5931, 0.4069, 3.1, 8.7, 2.0, 21.0, 38.0, 40.5, 5.4, 3.0, 2.0, 1.5,
                                           4.4, 9.7]


def test_every_arm_is_the_published_effect_vector():
    # §1.5 table: e0 = 1e20 and e9 = 1 in every arm unless listed; e = (e0, ..., e9)
    def arm(**nonzero):
        e = [1e20, 0, 0, 0, 0, 0, 0, 0, 0, 1]
        for k, v in nonzero.items():
            e[int(k[1:])] = v
        return e

    published = {
        "placebo": arm(), "dupilumab": arm(e1=0.99, e2=0.99), "nemolizumab": arm(e5=0.99),
        "tezepelumab": arm(e6=0.99), "gbr830": arm(e7=0.99), "fezakinumab": arm(e4=0.99),
        "secukinumab": arm(e3=0.99), "rifng": arm(e8=210), "tralokinumab": arm(e2=0.99, e9=0),
        "lebrikizumab": arm(e2=0.99),
    }
    assert {a: e.tolist() for a, e in skin.ARMS.items()} == published
    # baseline run: e = (0, 0, 0, 0, 0, 0, 0, 0, 0, 1): no background care (k3 = min(x2, 0) = 0)
    assert skin.BASELINE_EFFECT.tolist() == [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]


def test_drug_effects_act_as_section_1_2_says():
    """k3 = min(x2, e0); IL13' = (1 − ε·e2)·IL13 with ε = max(0.4396, e9); rIFN-γ is additive."""
    P = skin.median_parameters()
    x = skin.INITIAL_STATE[None, :].copy()
    x[0, 0] = 0.0  # s = 0, so ds/dt = (k1 + k2·IL22' + k3)/Π exactly
    x2 = P[0, skin.PARAM_NAMES.index("k3")]
    ds_off = skin.rhs(x, P, skin.BASELINE_EFFECT)[0, 0]
    ds_on = skin.rhs(x, P, skin.ARMS["placebo"])[0, 0]
    g = dict(zip(skin.PARAM_NAMES, P[0]))
    il4, il13, il17, il22, il31 = x[0, 6:11]
    Pi = ((1 + g["b1"] * il4) * (1 + g["b2"] * il13) * (1 + g["b3"] * il17) * (1 + g["b4"] * il22)
          * (1 + g["b5"] * il31))
    assert ds_on - ds_off == pytest.approx(x2 / Pi, rel=1e-12)  # e0 = 1e20 gives k3 = x2
    # tralokinumab (e9 = 0) blocks IL-13 with ε = 0.4396, lebrikizumab (e9 = 1) fully: the barrier sees
    # (1 + b2·(1 − 0.4396·0.99)·IL13) vs (1 + b2·(1 − 0.99)·IL13)
    dt = skin.rhs(x, P, skin.ARMS["tralokinumab"])[0, 0]
    dl = skin.rhs(x, P, skin.ARMS["lebrikizumab"])[0, 0]
    b2 = g["b2"]
    assert dt / dl == pytest.approx((1 + b2 * (1 - 0.99) * il13) / (1 + b2 * (1 - 0.4396 * 0.99) * il13), rel=1e-12)


def test_protocol_constants_and_units_are_the_published_ones():
    # §1.5: weeks; 1000-week settling, 24-week arms on a 0.1-week grid (241 points), odeint tolerances
    assert skin.SETTLE_WEEKS == 1000 and skin.ARM_WEEKS == 24 and skin.GRID_STEP_WEEKS == 0.1
    assert int(round(skin.ARM_WEEKS / skin.GRID_STEP_WEEKS)) + 1 == 241
    assert (skin.REFERENCE_RTOL, skin.REFERENCE_ATOL) == (1e-8, 1e-6)
    assert skin.EXCLUSION_EASI == 72
    # EASI = 72·(2p + 2(1 − s))/4 = 36·(p + 1 − s)
    x = np.zeros((3, 14))
    x[:, 0], x[:, 1] = [0.25, 0.5, 1.0], [0.75, 0.1, 0.0]
    assert skin.easi(x).tolist() == pytest.approx([36 * (0.75 + 0.75), 36 * (0.1 + 0.5), 0.0])
    # §7: the skin model runs in weeks, the diary in days: one diary day is 1/7 week
    assert cohort.DAY_WEEKS == pytest.approx(1 / 7, rel=1e-15)


def test_easi75_is_strictly_above_75_percent_over_the_patients_sampled():
    # §1.5 item 4: %improved > 75 (strict), denominator = patients sampled (excluded ones count as non-responders)
    n_grid = 3
    base = np.tile(skin.INITIAL_STATE, (4, 1))
    base[:, 0], base[:, 1] = 0.5, 0.5  # EASI0 = 36
    e0 = 36.0
    curve = np.array([[e0, e0 * 0.25, e0 * 0.25],      # exactly 75 %: not a responder
                      [e0, e0 * 0.24, e0 * 0.2],       # > 75 %
                      [e0, e0 * 0.5, e0 * 0.1],        # > 75 % at the last point only
                      [e0, 72.0, e0 * 0.1]])           # excluded (EASI >= 72 at a grid point)
    res = protocol.ProtocolResult(["placebo"], 0.2, np.zeros((4, 51)), base, {"placebo": curve},
                                  protocol.exclusion_mask({"placebo": curve}), np.linspace(0, 0.2, n_grid))
    assert res.kept.tolist() == [True, True, True, False]
    assert res.easi75("placebo").tolist() == pytest.approx([0.0, 25.0, 50.0])  # of 4 sampled


def test_islam_2021_constants_are_per_day_and_the_calibration_is_solved_from_the_published_data():
    # §6 fixed constants (per day) and calibration data
    assert gut.B_MINUS == 0.1718 and gut.MU_T == 0.064
    assert (gut.TREG_FRACTION_BASELINE, gut.TREG_FRACTION_BUTYRATE, gut.BLOOD_BUTYRATE_RISE) == (0.13, 0.16, 0.29)
    # a Treg fraction f is the amount f/(1 − f); the one-compartment steady state
    # T = (b⁻γ + b⁺ΔB)/μ_T solved at (ΔB, f) = (0, 0.13) and (0.29 µM, 0.16)
    t0, t1 = 0.13 / 0.87, 0.16 / 0.84
    assert gut.GAMMA == pytest.approx(0.064 * t0 / 0.1718, rel=1e-12)
    assert gut.B_PLUS == pytest.approx(0.064 * (t1 - t0) / 0.29, rel=1e-12)
    assert (round(gut.GAMMA, 4), round(gut.B_PLUS, 5)) == (0.0557, 0.00906)  # the figures docs/axis.md prints


def test_one_gut_step_is_one_day_of_treg_relaxation_at_mu_t_per_day():
    # the Treg amount relaxes towards its butyrate level at μ_T = 0.064 per DAY: after one daily step the
    # remaining distance is exp(−0.064) of the starting one (per week it would be exp(−0.064/7))
    g = gut.GutState(gut.GutParams(h0=np.array([4.2])), 1, fibre_habit=gut.F_REF)
    target = gut.treg_steady(gut.butyrate_rise(g.H, g.F))
    g.T = np.array([gut.T_REF])  # start at the reference level, away from this gut's level
    z = np.zeros(1)
    g.step(z + gut.F_REF, z, z, z)  # fibre as the habit: butyrate at the start of the day is unchanged
    assert (g.T[0] - target[0]) / (gut.T_REF - target[0]) == pytest.approx(math.exp(-0.064), rel=1e-12)
