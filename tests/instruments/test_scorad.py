"""SCORAD, objective SCORAD and PO-SCORAD."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gutskin.instruments import poscorad, scorad
from gutskin.instruments.scorad import SIGNS

CLASSIC = ["mild", "moderate", "severe"]
FOUR = ["clear", "mild", "moderate", "severe"]


def signs(*grades):
    return dict(zip(SIGNS, grades))


ZERO = signs(0, 0, 0, 0, 0, 0)
MAX = signs(3, 3, 3, 3, 3, 3)

# decimals with one place, as a clinician or a 3-day average would give them
extent = st.integers(0, 1000).map(lambda k: k / 10)
vas = st.integers(0, 100).map(lambda k: k / 10)
grades = st.fixed_dictionaries({s: st.integers(0, 3) for s in SIGNS})


def test_maximum_and_component_weights_match_the_task_force():
    # A/5 <= 20, 7B/2 <= 63, C <= 20: SCORAD max 103, objective max 83 (ETF 1993; Oranje 2007)
    r = scorad(100, MAX, 10, 10)
    assert (r.total, r.objective, r.extent, r.intensity, r.subjective) == (103, 83, 100, 18, 20)
    assert scorad(100, ZERO, 0, 0).total == 20
    assert scorad(0, MAX, 0, 0).total == 63
    assert scorad(0, ZERO, 10, 10).total == 20
    assert scorad(0, ZERO, 0, 0).total == 0


def test_worked_example_from_the_formula():
    # A = 30 % inflammatory extent, B = 2+1+1+2+0+1 = 7, itch 6, sleeplessness 4:
    # 30/5 + 7*7/2 + (6 + 4) = 6 + 24.5 + 10 = 40.5 -> moderate (classic 25-50, four strata 29-49)
    r = scorad(30, signs(2, 1, 1, 2, 0, 1), 6, 4)
    assert r.total == 40.5 and r.objective == 30.5
    assert r.band == "moderate" and r.objective_band == "moderate"
    assert scorad(30, signs(2, 1, 1, 2, 0, 1), 6, 4, bands="four_strata").band == "moderate"


@pytest.mark.parametrize(
    "total,classic,four",
    [
        ("24.9", "mild", "mild"), ("25", "moderate", "mild"), ("50", "moderate", "severe"),
        ("50.1", "severe", "severe"), ("9.9", "mild", "clear"), ("10", "mild", "mild"),
        ("28.9", "moderate", "mild"), ("29", "moderate", "moderate"),
        ("48.9", "moderate", "moderate"), ("49", "moderate", "severe"), ("9.95", "mild", "clear"),
    ],
)
def test_band_edges(total, classic, four):
    # put the whole total into A (A/5 = total requires A = 5 * total <= 100) or C
    t = Fraction(total)
    if t <= 20:
        kw = dict(extent_percent=float(5 * t), intensity=ZERO, itch=0, sleep_loss=0)
    else:
        b = int((t - 0) // Fraction(7, 2))
        rest = t - Fraction(7 * b, 2)
        kw = dict(extent_percent=float(5 * rest), intensity=_grades_summing(b), itch=0, sleep_loss=0)
    r = scorad(**kw)
    assert Fraction(str(r.total)) == t
    assert r.band == classic
    assert scorad(**kw, bands="four_strata").band == four
    assert poscorad(**kw).band == four


def _grades_summing(b):
    out, left = {}, b
    for s in SIGNS:
        out[s] = min(3, left)
        left -= out[s]
    assert left == 0
    return out


@pytest.mark.parametrize("objective,band", [("14.9", "mild"), ("15", "moderate"), ("40", "moderate"), ("40.1", "severe")])
def test_objective_band_edges(objective, band):
    o = Fraction(objective)
    b = int(o // Fraction(7, 2)) if o > 20 else 0
    a = 5 * (o - Fraction(7 * b, 2))
    r = scorad(float(a), _grades_summing(b), None, None)
    assert Fraction(str(r.objective)) == o and r.objective_band == band
    assert r.total is None and r.band is None


@settings(max_examples=150, deadline=None)
@given(a=extent, g=grades, itch=vas, sleep=vas)
def test_formula_range_and_exactness(a, g, itch, sleep):
    r = scorad(a, g, itch, sleep)
    expected = Fraction(str(a)) / 5 + Fraction(7 * sum(g.values()), 2) + Fraction(str(itch)) + Fraction(str(sleep))
    assert Fraction(r.total).limit_denominator(1000) == expected
    assert 0 <= r.total <= 103 and 0 <= r.objective <= 83
    assert r.band in CLASSIC
    p = poscorad(a, g, itch, sleep)
    assert p.total == r.total and p.band in FOUR and p.instrument == "poscorad"


@settings(max_examples=150, deadline=None)
@given(a=extent, g=grades, itch=vas, sleep=vas, which=st.sampled_from(("extent", "itch", "sleep") + SIGNS))
def test_monotone_in_each_input(a, g, itch, sleep, which):
    base = dict(extent_percent=a, intensity=dict(g), itch=itch, sleep_loss=sleep)
    up = dict(base, intensity=dict(g))
    if which == "extent":
        up["extent_percent"] = min(100.0, a + 7.3)
    elif which == "itch":
        up["itch"] = min(10.0, itch + 1.5)
    elif which == "sleep":
        up["sleep_loss"] = min(10.0, sleep + 1.5)
    else:
        up["intensity"][which] = min(3, g[which] + 1)
    for fn, order in ((scorad, CLASSIC), (poscorad, FOUR)):
        lo, hi = fn(**base), fn(**up)
        assert hi.total >= lo.total and hi.objective >= lo.objective
        assert order.index(hi.band) >= order.index(lo.band)


def test_nulls_mean_not_scored_and_nothing_is_imputed():
    r = scorad(20, signs(1, 1, 1, 1, 1, None), 3, 3)
    assert r.total is None and r.objective is None and r.intensity is None
    r = poscorad(None, ZERO, 3, 3)
    assert r.total is None and r.objective is None and r.subjective == 6
    r = poscorad(20, ZERO, 3, None)
    assert r.total is None and r.objective == 4 and r.objective_band is None


@pytest.mark.parametrize(
    "kw,message",
    [
        (dict(extent_percent=100.5), r"^extent_percent: expected a number 0-100 or null, got 100.5"),
        (dict(extent_percent=-1), r"^extent_percent: expected a number 0-100"),
        (dict(itch=11), r"^itch: expected a number 0-10 or null, got 11"),
        (dict(sleep_loss="5"), r"^sleep_loss: expected a number 0-10 or null, got '5'"),
        (dict(intensity=signs(0, 0, 4, 0, 0, 0)), r"^intensity.oozing_crusting: expected an integer 0-3 or null, got 4"),
        (dict(intensity=signs(0, 0, 1.5, 0, 0, 0)), r"^intensity.oozing_crusting: expected an integer 0-3"),
        (dict(intensity={s: 0 for s in SIGNS[:-1]}), r"^intensity.dryness: required field is missing"),
        (dict(intensity=dict(ZERO, redness=1)), r"^intensity.redness: unexpected field"),
        (dict(extent_percent=float("nan")), r"^extent_percent: expected a number"),
    ],
)
def test_invalid_input_names_the_field(kw, message):
    args = dict(extent_percent=10, intensity=ZERO, itch=1, sleep_loss=1)
    args.update(kw)
    with pytest.raises(ValueError, match=message):
        scorad(**args)


def test_extent_by_rule_of_nines():
    from gutskin.instruments import scorad_extent
    from gutskin.instruments.scorad import RULE_OF_NINES

    assert sum(RULE_OF_NINES.values()) == 100
    assert scorad_extent({r: 100 for r in RULE_OF_NINES}, age_years=30) == 100
    assert scorad_extent({}, age_years=2) == 0
    # half the head (4.5) + a quarter of the back (4.5) + all of one arm (9) = 18
    assert scorad_extent({"head_neck": 50, "back": 25, "left_upper_limb": 100}, age_years=10) == 18
    with pytest.raises(ValueError, match=r"^age_years: rule-of-nines weights for children under 2"):
        scorad_extent({}, age_years=1.5)
    with pytest.raises(ValueError, match=r"^regions.back: expected a number 0-100, got 120"):
        scorad_extent({"back": 120}, age_years=30)
    with pytest.raises(ValueError, match=r"^regions.tail: unexpected field"):
        scorad_extent({"tail": 1}, age_years=30)
