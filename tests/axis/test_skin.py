"""Miyano 2022 skin model: equations, sampling, protocol and agreement with odeint."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gutskin.axis import protocol, skin


def test_tables_have_published_sizes():
    assert len(skin.STATE_NAMES) == 14 and len(skin.PARAM_NAMES) == 51
    assert skin.MU.shape == (51,) and skin.SIGMA.shape == (51,)
    # spot values from the reference table (§1.4)
    assert skin.MU[skin.PARAM_NAMES.index("k12")] == 9.25
    assert skin.SIGMA[skin.PARAM_NAMES.index("d3")] == 2.28
    assert skin.PARAM_NAMES[18] == "d8"


def test_easi_formula():
    x = np.zeros((3, 14))
    x[:, 0] = [1.0, 0.5, 0.0]
    x[:, 1] = [0.0, 0.5, 1.0]
    assert np.allclose(skin.easi(x), [0.0, 36.0, 72.0])


def test_drug_effect_vectors():
    assert set(skin.ARMS) == {
        "placebo", "dupilumab", "nemolizumab", "tezepelumab", "gbr830", "fezakinumab",
        "secukinumab", "rifng", "tralokinumab", "lebrikizumab",
    }
    assert np.array_equal(skin.arm_effect("dupilumab"), [1e20, 0.99, 0.99, 0, 0, 0, 0, 0, 0, 1])
    assert skin.arm_effect("tralokinumab")[9] == 0 and skin.arm_effect("tralokinumab")[2] == 0.99
    assert skin.arm_effect("rIFN-g")[8] == 210
    assert skin.arm_effect("Standard_Care")[0] == 1e20
    with pytest.raises(skin.UnknownArmError):
        skin.arm_effect("aspirin")


def test_sampling_is_lognormal_with_published_mu_sigma():
    p = skin.sample_parameters(4000, np.random.default_rng(3))
    logs = np.log(p)
    assert np.all(np.abs(logs.mean(axis=0) - skin.MU) < 4 * skin.SIGMA / np.sqrt(4000) + 1e-12)
    assert np.allclose(logs.std(axis=0), skin.SIGMA, rtol=0.06)
    assert np.allclose(skin.median_parameters()[0], np.exp(skin.MU))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_vectorized_rhs_equals_row_by_row(seed):
    rng = np.random.default_rng(seed)
    P = skin.sample_parameters(4, rng)
    x = skin.INITIAL_STATE * np.exp(rng.normal(0, 0.3, size=(4, 14)))
    x[:, 0] = rng.uniform(0, 1, 4)
    effects = np.stack([skin.ARMS[a] for a in ("placebo", "dupilumab", "rifng", "tralokinumab")])
    vec = skin.rhs(x, P, effects)
    for i in range(4):
        assert np.allclose(vec[i], skin.rhs(x[i], P[i], effects[i]), rtol=1e-13, atol=1e-12)


def test_protocol_agrees_with_reference_odeint():
    """Vectorized protocol vs the authors' integration (odeint per patient, rtol 1e-8, atol 1e-6)."""
    params = skin.sample_parameters(2, np.random.default_rng(11))
    arms = ["placebo", "dupilumab", "tralokinumab"]
    res = protocol.run_protocol(params, arms)
    for i in range(2):
        base, ref = skin.reference_protocol(params[i], {a: skin.ARMS[a] for a in arms})
        assert abs(skin.easi(base) - res.baseline_easi[i]) < 0.05
        for a in arms:
            assert ref[a].shape == res.easi[a][i].shape == (241,)
            assert np.max(np.abs(ref[a] - res.easi[a][i])) < 0.05  # brief asks for < 0.5


def test_median_patient_against_reference():
    out = protocol.median_patient(["placebo", "dupilumab"])
    base, ref = skin.reference_protocol(skin.median_parameters()[0],
                                        {"placebo": skin.ARMS["placebo"], "dupilumab": skin.ARMS["dupilumab"]})
    assert abs(out["dupilumab"]["baseline_easi"] - skin.easi(base)) < 0.01
    weekly = ref["dupilumab"][::10]
    assert len(out["dupilumab"]["easi_by_week"]) == 25
    assert np.max(np.abs(np.array(out["dupilumab"]["easi_by_week"]) - weekly)) < 0.05
    # the biologic beats standard care at week 16 for the median patient
    assert out["dupilumab"]["easi_by_week"][16] < out["placebo"]["easi_by_week"][16]


def test_exclusion_mask_uses_every_grid_point_of_every_arm():
    a = np.array([[10.0, 71.9, 5.0], [10.0, 72.0, 5.0], [1.0, 2.0, 3.0]])
    b = np.array([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [80.0, 1.0, 1.0]])
    assert protocol.exclusion_mask({"x": a, "y": b}).tolist() == [True, False, False]


def test_exclusion_drops_patients_in_the_pipeline():
    params = skin.sample_parameters(3, np.random.default_rng(5))
    # patient 1: barrier destroyed almost at once, pathogens cleared slowly -> EASI near the
    # ceiling of 72 (it cannot exceed 72 at steady state, so the pipeline check uses 71.5)
    params[1, skin.PARAM_NAMES.index("d1")] = 1e4
    params[1, skin.PARAM_NAMES.index("d8")] = 50.0
    params[1, skin.PARAM_NAMES.index("d4")] = 1e-6
    res = protocol.run_protocol(params, ["placebo"], weeks=4, exclusion_easi=71.5)
    assert res.easi["placebo"][1].max() >= 71.5
    assert not res.kept[1] and res.kept[0] and res.kept[2]
    s = res.summary(week=4)["placebo"]
    assert s["patients"] == 2 and s["patients_sampled"] == 3


def test_easi75_uses_sampled_denominator():
    params = skin.sample_parameters(6, np.random.default_rng(8))
    res = protocol.run_protocol(params, ["dupilumab"], weeks=2)
    pi = res.percent_improved("dupilumab")
    manual = 100.0 * np.count_nonzero(pi > 75.0, axis=0) / 6
    assert np.allclose(res.easi75("dupilumab"), manual)


def test_block_solver_equals_dense_solve_on_model_jacobians():
    from gutskin.axis import coupling as cpl
    from gutskin.axis.integrate import _jacobian, dense_solver

    rng = np.random.default_rng(9)
    n = 12
    P = skin.sample_parameters(n, rng)
    x = skin.INITIAL_STATE * np.exp(rng.normal(0, 0.3, (n, 14)))
    effects = np.stack([skin.ARMS[a] for a in skin.ARMS] + [skin.ARMS["placebo"]] * 2)
    mod = cpl.modifiers(cpl.Coupling(), treg_ratio=rng.uniform(0.7, 1.3, n), trigger_load=rng.uniform(0, 2, n),
                        itch_load=rng.uniform(0, 1, n), emollient_apps=rng.integers(0, 3, n),
                        steroid_apps=rng.integers(0, 3, n))

    def f(xx, idx):
        return skin.rhs(xx, P[idx], effects[idx], cpl.subset(mod, idx))

    idx = np.arange(n)
    J = _jacobian(f, x, idx, f(x, idx))
    # the structure the block solver relies on: mediator rows depend on self and one source
    src = {6: 3, 7: 3, 8: 4, 9: 5, 10: 3, 11: 2, 12: 1, 13: 12}
    for row, col in src.items():
        others = [j for j in range(14) if j not in (row, col)]
        assert np.all(J[:, row, others] == 0)
    hd = rng.uniform(1e-3, 2.0, n)
    b = rng.normal(size=(n, 14))
    assert np.allclose(skin.block_solver(J, hd)(b), dense_solver(J, hd)(b), rtol=1e-10, atol=1e-12)


def test_rhs_broadcasts_over_leading_axis():
    rng = np.random.default_rng(2)
    P = skin.sample_parameters(3, rng)
    x = skin.INITIAL_STATE * np.exp(rng.normal(0, 0.2, (4, 3, 14)))
    stacked = skin.rhs(x, P, skin.ARMS["dupilumab"])
    for j in range(4):
        assert np.allclose(stacked[j], skin.rhs(x[j], P, skin.ARMS["dupilumab"]), rtol=1e-14)


def test_analytic_jacobian_matches_finite_differences():
    from gutskin.axis import coupling as cpl
    from gutskin.axis.integrate import _jacobian

    rng = np.random.default_rng(21)
    n = 12
    P = skin.sample_parameters(n, rng)
    x = skin.INITIAL_STATE * np.exp(rng.normal(0, 0.3, (n, 14)))
    x[:, 0] = rng.uniform(0.1, 0.9, n)
    effects = np.stack([skin.ARMS[a] for a in skin.ARMS] + [skin.BASELINE_EFFECT] * 2)
    for c in (cpl.Coupling(), None):
        mod = None if c is None else cpl.modifiers(
            c, treg_ratio=rng.uniform(0.7, 1.3, n), trigger_load=rng.uniform(0, 2, n),
            itch_load=rng.uniform(0, 1, n), emollient_apps=rng.integers(0, 3, n), steroid_apps=rng.integers(0, 3, n))

        def f(xx, idx, mod=mod):
            return skin.rhs(xx, P[idx], effects[idx], None if mod is None else cpl.subset(mod, idx))

        idx = np.arange(n)
        fd = _jacobian(f, x, idx, f(x, idx))
        an = skin.jacobian(x, P, effects, mod)
        scale = np.abs(fd).max(axis=(1, 2), keepdims=True)
        assert np.all(np.abs(an - fd) <= 1e-4 * np.abs(fd) + 1e-7 * scale)
