"""Peak-pruritus NRS, Bristol Stool Form Scale and GSRS."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gutskin.instruments import bristol, gsrs, nrs, nrs_responder
from gutskin.instruments.gsrs import SYNDROMES


@pytest.mark.parametrize(
    "score,reich,three",
    [(0, "none", "mild"), (1, "mild", "mild"), (3, "mild", "mild"), (4, "moderate", "moderate"),
     (6, "moderate", "moderate"), (7, "severe", "severe"), (8, "severe", "severe"),
     (9, "very severe", "severe"), (10, "very severe", "severe")],
)
def test_nrs_band_edges_both_sets(score, reich, three):
    r = nrs(score)
    assert (r.total, r.band, r.band_set) == (score, reich, "reich2017")
    assert nrs(score, bands="three_band").band == three


def test_nrs_monotone_and_missing():
    order = ["none", "mild", "moderate", "severe", "very severe"]
    ranks = [order.index(nrs(s).band) for s in range(11)]
    assert ranks == sorted(ranks)
    r = nrs(None)
    assert r.total is None and r.band is None
    for bad in (11, -1, 5.5, True, "5"):
        with pytest.raises(ValueError, match=r"^score: expected an integer 0-10 or null, got "):
            nrs(bad)


def test_nrs_responder_is_at_least_4_points():
    assert nrs_responder(8, 4) and not nrs_responder(8, 5) and not nrs_responder(2, 6)


@pytest.mark.parametrize(
    "t,reading",
    [(1, "constipation"), (2, "constipation"), (3, "normal"), (4, "normal"),
     (5, "tending to diarrhoea"), (6, "diarrhoea"), (7, "diarrhoea")],
)
def test_bristol_types(t, reading):
    r = bristol(t)
    assert (r.type, r.band, r.total) == (t, reading, None)
    assert r.description


@pytest.mark.parametrize("bad", [0, 8, 4.0, None, "4", False])
def test_bristol_invalid(bad):
    with pytest.raises(ValueError, match=r"^type: expected an integer 1-7, got "):
        bristol(bad)


gsrs_items = st.lists(st.integers(1, 7), min_size=15, max_size=15)


@settings(max_examples=100, deadline=None)
@given(items=gsrs_items, i=st.integers(0, 14))
def test_gsrs_mean_range_and_monotone(items, i):
    r = gsrs(items)
    assert Fraction(str(r.total)) == Fraction(sum(items), 15) or abs(r.total - sum(items) / 15) < 1e-12
    assert 1 <= r.total <= 7 and r.band is None
    for name, idx in SYNDROMES:
        assert r.syndromes[name] == pytest.approx(sum(items[k - 1] for k in idx) / len(idx))
    up = list(items)
    up[i] = min(7, up[i] + 1)
    assert gsrs(up).total >= r.total


def test_gsrs_syndromes_cover_every_item_once():
    covered = sorted(k for _, idx in SYNDROMES for k in idx)
    assert covered == list(range(1, 16))


def test_gsrs_missing_items_impute_nothing():
    items = [2] * 15
    items[1] = None  # heartburn: reflux syndrome and total are not scored
    r = gsrs(items)
    assert r.total is None and r.syndromes["reflux"] is None
    assert r.syndromes["abdominal_pain"] == 2 and r.missing == 1
    with pytest.raises(ValueError, match=r"^answers\[14\]: expected an integer 1-7 or null, got 0"):
        gsrs([1] * 14 + [0])
