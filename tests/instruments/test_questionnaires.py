"""POEM, RECAP, ADCT, DLQI, CDLQI: ranges, monotonicity, missing-item rules, band edges."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gutskin.instruments import adct, adct_change, cdlqi, dlqi, poem, recap
from gutskin.instruments.cdlqi import BANDS as CDLQI_BANDS
from gutskin.instruments.dlqi import BANDS as DLQI_BANDS
from gutskin.instruments.poem import BANDS as POEM_BANDS
from gutskin.instruments.recap import BANDS as RECAP_BANDS

# name, function, number of items, item maximum, band table (default), rule for missing items
SUMMED = [
    ("poem", poem, 7, 4, POEM_BANDS["charman2013"], "one-as-zero"),
    ("recap", recap, 7, 4, RECAP_BANDS["dutch_caregiver"], "one-as-zero"),
    ("dlqi", dlqi, 10, 3, DLQI_BANDS["hongbo2005"], "one-as-zero"),
    ("cdlqi", cdlqi, 10, 3, CDLQI_BANDS["waters2010"], "one-as-zero"),
    ("adct", adct, 6, 4, ((0, 6, "in control"), (7, 24, "not in control")), "none-allowed"),
]
IDS = [s[0] for s in SUMMED]


def band_rank(table, label):
    return [row[2] for row in table].index(label)


def complete(n, hi):
    return st.lists(st.integers(0, hi), min_size=n, max_size=n)


@pytest.mark.parametrize("name,fn,n,hi,table,rule", SUMMED, ids=IDS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_total_is_sum_in_range_and_banded(name, fn, n, hi, table, rule, data):
    answers = data.draw(complete(n, hi))
    r = fn(answers)
    assert r.total == sum(answers)
    assert 0 <= r.total <= n * hi
    lo_, hi_, label = next(row for row in table if row[0] <= r.total <= row[1])
    assert r.band == label
    assert r.instrument == name and r.version
    json.dumps(r.to_dict())


@pytest.mark.parametrize("name,fn,n,hi,table,rule", SUMMED, ids=IDS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_monotone_in_each_item(name, fn, n, hi, table, rule, data):
    answers = data.draw(complete(n, hi))
    i = data.draw(st.integers(0, n - 1))
    if answers[i] == hi:
        answers[i] -= 1
    higher = list(answers)
    higher[i] += 1
    a, b = fn(answers), fn(higher)
    assert b.total == a.total + 1
    assert band_rank(table, b.band) >= band_rank(table, a.band)


@pytest.mark.parametrize("name,fn,n,hi,table,rule", SUMMED, ids=IDS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_missing_item_rule(name, fn, n, hi, table, rule, data):
    answers = data.draw(st.lists(st.one_of(st.none(), st.integers(0, hi)), min_size=n, max_size=n))
    missing = answers.count(None)
    r = fn(answers)
    assert r.missing == missing
    if missing == 0:
        assert r.total == sum(answers)
    elif rule == "one-as-zero" and missing == 1:
        # one unanswered item is scored 0; total still out of the usual maximum
        assert r.total == sum(a for a in answers if a is not None)
        assert r.band is not None
    else:
        # not scored is None, never 0
        assert r.total is None and r.band is None and not r.scored


@pytest.mark.parametrize("name,fn,n,hi,table,rule", SUMMED, ids=IDS)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_out_of_range_names_the_item(name, fn, n, hi, table, rule, data):
    answers = data.draw(complete(n, hi))
    i = data.draw(st.integers(0, n - 1))
    answers[i] = data.draw(st.one_of(st.integers(hi + 1, 100), st.integers(-100, -1), st.just(True), st.just("2"), st.just(1.5)))
    with pytest.raises(ValueError, match=rf"^answers\[{i}\]: expected an integer 0-{hi} or null, got "):
        fn(answers)


@pytest.mark.parametrize("name,fn,n,hi,table,rule", SUMMED, ids=IDS)
def test_wrong_length_and_type(name, fn, n, hi, table, rule):
    with pytest.raises(ValueError, match=rf"^answers: expected {n} items, got {n - 1}"):
        fn([0] * (n - 1))
    with pytest.raises(ValueError, match=r"^answers: expected a list"):
        fn("0" * n)


@pytest.mark.parametrize("fn,n", [(poem, 7), (recap, 7), (dlqi, 10), (cdlqi, 10)])
def test_two_options_ticked_records_the_highest(fn, n):
    answers = [1] * n
    answers[2] = [0, 2]
    r = fn(answers)
    assert r.answers[2] == 2
    assert r.total == n - 1 + 2


def test_result_is_frozen():
    r = poem([0] * 7)
    with pytest.raises(FrozenInstanceError):
        r.total = 3  # type: ignore[misc]


# --- POEM -------------------------------------------------------------------------------

def poem_total(total):
    """Answers summing to ``total`` (0-28)."""
    answers = [min(4, max(0, total - 4 * i)) for i in range(7)]
    assert sum(answers) == total
    return answers


@pytest.mark.parametrize(
    "total,charman,silverberg",
    [
        (2, "clear/almost clear", "mild"), (3, "mild", "mild"),
        (7, "mild", "mild"), (8, "moderate", "moderate"),
        (16, "moderate", "moderate"), (17, "severe", "moderate"),
        (19, "severe", "moderate"), (20, "severe", "severe"),
        (24, "severe", "severe"), (25, "very severe", "severe"),
        (0, "clear/almost clear", "mild"), (28, "very severe", "severe"),
    ],
)
def test_poem_band_edges_both_sets(total, charman, silverberg):
    answers = poem_total(total)
    assert poem(answers).band == charman
    assert poem(answers).band_set == "charman2013"
    alt = poem(answers, bands="silverberg2018")
    assert alt.band == silverberg and alt.band_set == "silverberg2018"


def test_poem_worked_example_from_the_published_rule():
    # Charman 2004 / LOINC 89870-0: items scored by days (none 0, 1-2 days 1, 3-4 days 2,
    # 5-6 days 3, every day 4) and summed. Itch every day (4), sleep 3-4 nights (2),
    # no bleeding (0), weeping 1-2 days (1), cracking 5-6 days (3), flaking 3-4 days (2),
    # dryness every day (4): 4+2+0+1+3+2+4 = 16, "moderate" (8-16), one more point is severe.
    r = poem([4, 2, 0, 1, 3, 2, 4])
    assert (r.total, r.band) == (16, "moderate")
    assert poem([4, 2, 0, 1, 3, 3, 4]).band == "severe"
    # Nottingham rule: one item left blank scores 0, out of 28 as usual.
    assert poem([4, None, 0, 1, 3, 2, 4]).total == 14
    assert poem([4, None, None, 1, 3, 2, 4]).total is None


def test_poem_unknown_band_set():
    with pytest.raises(ValueError, match=r"^bands: expected one of charman2013, silverberg2018"):
        poem([0] * 7, bands="nope")


# --- RECAP ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "total,band,controlled",
    [
        (1, "completely controlled", True), (2, "mostly controlled", True),
        (7, "mostly controlled", True), (8, "moderately controlled", False),
        (12, "moderately controlled", False), (13, "a little controlled", False),
        (18, "a little controlled", False), (19, "not at all controlled", False),
    ],
)
def test_recap_band_edges(total, band, controlled):
    r = recap(poem_total(total))
    assert (r.band, r.controlled) == (band, controlled)


def test_recap_not_scored_has_no_control_verdict():
    r = recap([None, None, 1, 1, 1, 1, 1])
    assert r.total is None and r.controlled is None


# --- ADCT -------------------------------------------------------------------------------

def test_adct_threshold_and_any_missing_not_scored():
    assert adct([1, 1, 1, 1, 1, 1]).controlled is True
    r6, r7 = adct([1, 1, 1, 1, 1, 1]), adct([2, 1, 1, 1, 1, 1])
    assert (r6.total, r6.band, r6.controlled) == (6, "in control", True)
    assert (r7.total, r7.band, r7.controlled) == (7, "not in control", False)
    r = adct([4, 4, 4, 4, 4, None])
    assert r.total is None and r.band is None and r.controlled is None
    assert adct([4] * 6).total == 24


@pytest.mark.parametrize(
    "before,after,verdict",
    [
        (10, 6, "not meaningful"), (10, 5, "meaningful improvement"),
        (10, 14, "not meaningful"), (10, 15, "meaningful worsening"), (3, 3, "not meaningful"),
    ],
)
def test_adct_change(before, after, verdict):
    assert adct_change(before, after) == verdict


def test_adct_change_validates():
    with pytest.raises(ValueError, match=r"^current: expected an integer 0-24"):
        adct_change(3, 25)


# --- DLQI / CDLQI -----------------------------------------------------------------------

def dlqi_total(total):
    answers = [min(3, max(0, total - 3 * i)) for i in range(10)]
    assert sum(answers) == total
    return answers


@pytest.mark.parametrize(
    "total,band",
    [(0, "no effect"), (1, "no effect"), (2, "small effect"), (5, "small effect"), (6, "moderate effect"),
     (10, "moderate effect"), (11, "very large effect"), (20, "very large effect"),
     (21, "extremely large effect"), (30, "extremely large effect")],
)
def test_dlqi_band_edges(total, band):
    assert dlqi(dlqi_total(total)).band == band


@pytest.mark.parametrize(
    "total,band",
    [(1, "no effect"), (2, "small effect"), (6, "small effect"), (7, "moderate effect"),
     (12, "moderate effect"), (13, "very large effect"), (18, "very large effect"),
     (19, "extremely large effect")],
)
def test_cdlqi_band_edges(total, band):
    assert cdlqi(dlqi_total(total)).band == band


def test_dlqi_domains_partition_the_total():
    answers = [3, 2, 1, 0, 3, 2, 3, 1, 0, 2]
    r = dlqi(answers)
    assert r.domains == {
        "symptoms_and_feelings": 5, "daily_activities": 1, "leisure": 5,
        "work_school": 3, "personal_relationships": 1, "treatment": 2,
    }
    assert sum(r.domains.values()) == r.total == 17
    c = cdlqi(answers)
    assert c.domains == {
        "symptoms_and_feelings": 5, "leisure": 5, "school_or_holidays": 3,
        "personal_relationships": 2, "sleep": 0, "treatment": 2,
    }
    assert sum(c.domains.values()) == c.total


def test_dlqi_one_missing_scored_two_not():
    r = dlqi([3, None, 1, 0, 3, 2, 3, 1, 0, 2])
    assert r.total == 15 and r.band == "very large effect"
    assert dlqi([3, None, None, 0, 3, 2, 3, 1, 0, 2]).total is None
    assert cdlqi([3, None, None, 0, 3, 2, 3, 1, 0, 2]).domains is None
