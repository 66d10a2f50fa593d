"""Pure checks of gutskin.insights.challenge_confounders (what else changed on window days)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from gutskin.insights.challenge_confounders import find_confounders

D0 = dt.date(2026, 11, 1)
DAYS = [D0 + dt.timedelta(days=i) for i in range(20)]
WIN, OTHER = DAYS[14:], DAYS[:14]


@given(st.sampled_from(["treat.tcs", "env.pollen", "life.stress", "gut.antibiotic"]),
       st.floats(min_value=0, max_value=100, allow_nan=False))
def test_a_factor_the_same_on_every_day_is_never_named(name: str, value: float) -> None:
    """No change between window and other days, no antibiotic, no note: nothing to name."""
    value = 0.0 if name == "gut.antibiotic" else value
    out = find_confounders(WIN, OTHER, {name: {d: value for d in DAYS}}, {}, {}, WIN)
    assert out.reasons == [] and not out.masks


def test_weather_and_notes_without_illness_are_not_named() -> None:
    factors = {"env.temperature": {d: (30.0 if d in WIN else 10.0) for d in DAYS}}
    notes = {WIN[0]: "all well, ate the egg at breakfast", WIN[1]: "skill class"}  # 'ill' only as a word
    assert find_confounders(WIN, OTHER, factors, {}, notes, WIN).reasons == []


def test_a_step_up_masks_and_an_illness_note_is_named() -> None:
    out = find_confounders(WIN, OTHER, {"treat.tcs": {d: 2.0 for d in WIN}}, {}, {WIN[2]: "Fever since noon"}, WIN)
    assert out.masks and len(out.reasons) == 2 and "'fever'" in out.reasons[1]


def test_a_yes_no_factor_is_counted_in_days_and_a_scale_keeps_its_means() -> None:
    """A yes/no chip (1 = sweated that day) is said in days: the demo's egg verdict read "Sweating was
    higher ... (0.286 vs 0 on average)" (2026-12-07), a mean of 0s and 1s. A 0-10 scale keeps its means."""
    sweat = {d: 1.0 for d in (WIN[0], WIN[3])}
    [said] = find_confounders(WIN, OTHER, {"life.sweat": sweat}, {"life.sweat": "Sweating"}, {}, WIN).reasons
    assert said == ("Sweating was logged on more of the days after the doses than of the other days "
                    f"(2 of {len(WIN)} vs 0 of {len(OTHER)}): it may explain a rise in itch")
    stress = {d: (6.0 if d in WIN else 2.0) for d in DAYS}
    [said] = find_confounders(WIN, OTHER, {"life.stress": stress}, {"life.stress": "Stress"}, {}, WIN).reasons
    assert "(6 vs 2 on average)" in said
