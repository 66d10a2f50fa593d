"""Gut arm calibration and the coupling switches."""

from __future__ import annotations

import numpy as np
import pytest

from gutskin.axis import coupling as cpl
from gutskin.axis import gut, skin


def test_treg_calibration_reproduces_islam_2021_fractions():
    assert gut.treg_fraction(gut.treg_steady(0.0)) == pytest.approx(0.13, abs=1e-12)
    assert gut.treg_fraction(gut.treg_steady(0.29)) == pytest.approx(0.16, abs=1e-12)


def test_reference_gut_gives_reference_tregs():
    g = gut.GutState(gut.GutParams(h0=np.array([gut.H_REF])), 1, fibre_habit=gut.F_REF)
    assert g.treg_ratio[0] == pytest.approx(1.0)


def _run(days, **inputs):
    g = gut.GutState(gut.GutParams(h0=np.full(1, 3.2)), 1, fibre_habit=0.4)
    z = np.zeros(1)
    for _ in range(days):
        g.step(inputs.get("fibre", z), inputs.get("fermented", z), inputs.get("probiotic", z),
               inputs.get("antibiotic", z))
    return g


def test_diet_probiotic_and_antibiotic_move_diversity_in_the_right_direction_and_slowly():
    one = np.ones(1)
    base = _run(60)
    ferm = _run(60, fermented=one)
    pro = _run(60, probiotic=one)
    abx = _run(7, antibiotic=one)
    assert ferm.H[0] > base.H[0] and pro.H[0] > base.H[0]
    assert abx.H[0] < base.H[0] - 0.5
    # slow: one day of fermented food moves diversity by less than 0.02
    assert _run(1, fermented=one).H[0] - _run(1).H[0] < 0.02
    # butyrate -> Tregs: more fibre, more Tregs
    assert _run(60, fibre=one).T[0] > base.T[0]


def test_coupling_off_is_the_published_model():
    rng = np.random.default_rng(4)
    P = skin.sample_parameters(5, rng)
    x = np.tile(skin.INITIAL_STATE, (5, 1)) * np.exp(rng.normal(0, 0.2, (5, 14)))
    m = cpl.modifiers(cpl.Coupling.off(), treg_ratio=rng.uniform(0.5, 2, 5), trigger_load=rng.uniform(0, 3, 5),
                      itch_load=rng.uniform(0, 1, 5), emollient_apps=rng.integers(0, 4, 5),
                      steroid_apps=rng.integers(0, 3, 5))
    assert np.allclose(skin.rhs(x, P, skin.BASELINE_EFFECT, m), skin.rhs(x, P, skin.BASELINE_EFFECT), rtol=1e-14)


def test_each_link_acts_when_switched_on():
    P = skin.median_parameters()
    x = skin.INITIAL_STATE[None, :]
    base = skin.rhs(x, P, skin.BASELINE_EFFECT)

    def with_(**kw):
        args = dict(treg_ratio=np.ones(1), trigger_load=np.zeros(1), itch_load=np.zeros(1),
                    emollient_apps=np.zeros(1), steroid_apps=np.zeros(1))
        args.update(kw)
        return skin.rhs(x, P, skin.BASELINE_EFFECT, cpl.modifiers(cpl.Coupling(), **args))

    assert with_(trigger_load=np.ones(1))[0, 1] > base[0, 1]  # more pathogen influx
    assert with_(treg_ratio=np.full(1, 1.5))[0, 3] < base[0, 3]  # Tregs damp Th2
    assert with_(treg_ratio=np.full(1, 1.5))[0, 0] > base[0, 0]  # and help the barrier
    assert with_(emollient_apps=np.full(1, 2.0))[0, 0] > base[0, 0]  # emollient helps the barrier
    assert with_(steroid_apps=np.ones(1))[0, 3] < base[0, 3]  # steroid damps inflammation
    assert with_(itch_load=np.ones(1))[0, 0] < base[0, 0]  # more IL-31 signalling hurts the barrier


def test_negative_strength_rejected():
    with pytest.raises(ValueError):
        cpl.Coupling(steroid=-1.0)
