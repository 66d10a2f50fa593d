"""EASI: weights by age, area mapping, half-point rule, bands, exact arithmetic."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gutskin.instruments import area_score, easi, easi_percent_improvement
from gutskin.instruments.easi import REGIONS, SIGNS, band

ORDER = ["clear", "almost clear", "mild", "moderate", "severe", "very severe"]
HALF = [0, 1, 1.5, 2, 2.5, 3]


def region(area, e=0, i=0, x=0, l=0):
    return {"area_percent": area, "erythema": e, "induration": i, "excoriation": x, "lichenification": l}


def all_regions(**by_name):
    return {r: by_name.get(r, region(0)) for r in REGIONS}


@pytest.mark.parametrize(
    "percent,score",
    [(0, 0), (1, 1), (9, 1), (10, 2), (29, 2), (30, 3), (49, 3), (50, 4), (69, 4), (70, 5), (89, 5), (90, 6), (100, 6),
     # fractional percentages: project rule (any involvement scores >= 1; lower limit reached)
     (0.5, 1), (9.5, 1), (29.9, 2), (89.99, 5)],
)
def test_area_mapping(percent, score):
    assert area_score(percent) == score


def test_half_point_rule():
    for ok in (0, 1, 1.5, 2, 2.5, 3):
        easi(30, all_regions(trunk=region(20, e=ok)))
    for bad in (0.5, 3.5, 0.25, -1, 4, True, None, "2"):
        with pytest.raises(ValueError, match=r"^regions.trunk.erythema: expected 0, 1, 1.5, 2, 2.5 or 3, got "):
            easi(30, all_regions(trunk=region(20, e=bad)))


@pytest.mark.parametrize("age,weights", [(0, "child"), (7, "child"), (7.9, "child"), (8, "adult"), (45, "adult")])
def test_weights_switch_at_age_8(age, weights):
    r = easi(age, all_regions(head_neck=region(50, 2, 2, 2, 2), lower_limbs=region(50, 2, 2, 2, 2)))
    assert r.weights == weights
    # head/neck 8 x 4 x (0.1 adult | 0.2 child) + lower limbs 8 x 4 x (0.4 | 0.3)
    assert r.total == (Fraction(32, 10) + Fraction(128, 10) if weights == "adult" else Fraction(64, 10) + Fraction(96, 10))


def test_maximum_is_72_for_both_weight_sets():
    worst = {r: region(100, 3, 3, 3, 3) for r in REGIONS}
    assert easi(30, worst).total == 72 and easi(30, worst).band == "very severe"
    assert easi(3, worst).total == 72
    assert easi(3, all_regions()).total == 0 and easi(3, all_regions()).band == "clear"


def test_worked_example_from_the_user_guide_formula():
    # Adult: head/neck 20 % (area 2), E2 I1 X1 L0 -> 4 x 2 x 0.1 = 0.8
    #        upper limbs 40 % (area 3), E2 I2 X1.5 L1 -> 6.5 x 3 x 0.2 = 3.9
    #        trunk 5 % (area 1), E1 I1 X0 L0 -> 2 x 1 x 0.3 = 0.6
    #        lower limbs 60 % (area 4), E2.5 I2 X2 L1.5 -> 8 x 4 x 0.4 = 12.8
    # EASI = 0.8 + 3.9 + 0.6 + 12.8 = 18.1 -> moderate (7.1-21.0)
    regions = {
        "head_neck": region(20, 2, 1, 1, 0),
        "upper_limbs": region(40, 2, 2, 1.5, 1),
        "trunk": region(5, 1, 1, 0, 0),
        "lower_limbs": region(60, 2.5, 2, 2, 1.5),
    }
    r = easi(40, regions)
    assert r.area_scores == {"head_neck": 2, "upper_limbs": 3, "trunk": 1, "lower_limbs": 4}
    assert r.region_scores == {"head_neck": 0.8, "upper_limbs": 3.9, "trunk": 0.6, "lower_limbs": 12.8}
    assert r.total == 18.1 and r.band == "moderate"
    # The same findings in a 5-year-old: 4x2x0.2 + 6.5x3x0.2 + 2x1x0.3 + 8x4x0.3 = 1.6+3.9+0.6+9.6 = 15.7
    assert easi(5, regions).total == 15.7


@pytest.mark.parametrize(
    "total,expected",
    [("0", "clear"), ("0.1", "almost clear"), ("1.0", "almost clear"), ("1.1", "mild"), ("1.05", "mild"),
     ("7.0", "mild"), ("7.05", "moderate"), ("7.1", "moderate"), ("21.0", "moderate"), ("21.05", "severe"),
     ("21.1", "severe"), ("50.0", "severe"), ("50.05", "very severe"), ("50.1", "very severe"), ("72", "very severe")],
)
def test_band_edges(total, expected):
    assert band(Fraction(total)) == expected


def test_band_edges_reached_through_scoring():
    # 7.0 exactly: lower limbs area 5 (70 %), severity 3.5 -> 3.5 x 5 x 0.4 = 7.0 (a float sum would risk 7.000000001)
    assert easi(30, all_regions(lower_limbs=region(70, 1, 1, 1.5, 0))).band == "mild"
    # plus head/neck severity 1 x area 1 x 0.1 = 0.1 -> 7.1, moderate
    r = easi(30, all_regions(lower_limbs=region(70, 1, 1, 1.5, 0), head_neck=region(5, 1, 0, 0, 0)))
    assert r.total == 7.1 and r.band == "moderate"
    # 1.0: trunk 1 x 1 x 0.3 = 0.3 plus upper limbs 3.5 x 1 x 0.2 = 0.7 -> 1.0, still almost clear
    r = easi(30, all_regions(trunk=region(3, 1, 0, 0, 0), upper_limbs=region(3, 1, 1, 1.5, 0)))
    assert r.total == 1 and r.band == "almost clear"
    # 7.05 (between the published limits 7.0 and 7.1): trunk 11.5 x 2 x 0.3 = 6.9 plus
    # head/neck 1.5 x 1 x 0.1 = 0.15 -> moderate under the upper-inclusive reading
    r = easi(30, all_regions(trunk=region(15, 3, 3, 3, 2.5), head_neck=region(2, 1.5, 0, 0, 0)))
    assert r.total == 7.05 and r.band == "moderate"


region_st = st.fixed_dictionaries(
    {"area_percent": st.integers(0, 1000).map(lambda k: k / 10), **{s: st.sampled_from(HALF) for s in SIGNS}}
)
regions_st = st.fixed_dictionaries({r: region_st for r in REGIONS})
age_st = st.integers(0, 90)


@settings(max_examples=150, deadline=None)
@given(age=age_st, regions=regions_st)
def test_range_and_formula(age, regions):
    r = easi(age, regions)
    w = {"adult": (1, 2, 3, 4), "child": (2, 2, 3, 3)}[r.weights]
    expected = sum(
        Fraction(str(sum(regions[name][s] for s in SIGNS))) * area_score(regions[name]["area_percent"]) * Fraction(wt, 10)
        for name, wt in zip(REGIONS, w)
    )
    assert Fraction(str(r.total)) == expected
    assert 0 <= r.total <= 72
    assert (Fraction(str(r.total)) * 20).denominator == 1  # multiples of 0.05
    assert r.band in ORDER


@settings(max_examples=150, deadline=None)
@given(age=age_st, regions=regions_st, name=st.sampled_from(REGIONS), what=st.sampled_from(("area_percent",) + SIGNS))
def test_monotone_in_each_sign_and_area(age, regions, name, what):
    up = {k: dict(v) for k, v in regions.items()}
    if what == "area_percent":
        up[name][what] = min(100.0, regions[name][what] + 12.5)
    else:
        cur = HALF.index(regions[name][what])
        up[name][what] = HALF[min(cur + 1, len(HALF) - 1)]
    lo, hi = easi(age, regions), easi(age, up)
    assert hi.total >= lo.total
    assert ORDER.index(hi.band) >= ORDER.index(lo.band)


@pytest.mark.parametrize(
    "age,regions,message",
    [
        (-1, all_regions(), r"^age_years: expected a number 0-130"),
        ("7", all_regions(), r"^age_years: expected a number"),
        (30, {r: region(0) for r in REGIONS[:3]}, r"^regions.lower_limbs: required field is missing"),
        (30, dict(all_regions(), neck=region(0)), r"^regions.neck: unexpected field"),
        (30, all_regions(trunk=region(101)), r"^regions.trunk.area_percent: expected a number 0-100, got 101"),
        (30, all_regions(trunk={"area_percent": 5, "erythema": 1, "induration": 1, "excoriation": 1}),
         r"^regions.trunk.lichenification: required field is missing"),
        (30, all_regions(trunk=dict(region(5), dryness=1)), r"^regions.trunk.dryness: unexpected field"),
        (30, [], r"^regions: expected a JSON object"),
    ],
)
def test_invalid_input_names_the_field(age, regions, message):
    with pytest.raises(ValueError, match=message):
        easi(age, regions)


def test_percent_improvement_easi_75():
    assert easi_percent_improvement(20, 5) == 75.0
    assert easi_percent_improvement(20, 25) == -25.0
    with pytest.raises(ValueError, match=r"^baseline:"):
        easi_percent_improvement(0, 0)
