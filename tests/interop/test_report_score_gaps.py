"""The visit report's POEM and RECAP lines break over a gap of more than four weeks: after five
months without a score the line ran straight across them, as if scores had been logged in between
(the years-of-data walk, 2026-12-06; itch and sleep loss already break at every missing day)."""

from __future__ import annotations

import datetime as dt
import re

from gutskin.interop import charts


def _runs(svg: str) -> list[int]:
    """The number of separate runs ("M" moves) of each data line of the chart, the longest first."""
    paths = [d for _, d in re.findall(r'<g id="(line2d_\d+)">\s*<path d="([^"]*)"', svg)]
    paths.sort(key=lambda d: -(d.count("L") + d.count("M")))
    return [d.count("M") for d in paths]


def _weekly(first: dt.date, weeks: range, total: float) -> list[tuple[dt.date, float]]:
    return [(first + dt.timedelta(days=7 * k), total + k % 3) for k in weeks]


def test_a_five_month_gap_breaks_the_poem_line() -> None:
    first = dt.date(2024, 1, 7)
    poem = _weekly(first, range(0, 8), 5) + _weekly(first, range(30, 38), 9)  # nothing from March to August
    svg = charts.scores_chart(dt.date(2023, 12, 4), dt.date(2024, 12, 1), poem, [])
    assert _runs(svg)[0] == 2  # was 1: one line from 25 Feb straight to 4 Aug


def test_weekly_scores_with_a_missed_week_or_three_stay_one_line() -> None:
    first = dt.date(2026, 9, 14)
    poem = _weekly(first, range(0, 4), 5) + _weekly(first, range(7, 12), 7)  # three weeks missed, 28 days apart: joined
    recap = [(d.isoformat(), t) for d, t in _weekly(first, range(0, 12), 4)]
    svg = charts.scores_chart(dt.date(2026, 9, 14), dt.date(2026, 12, 6), poem, recap)
    assert _runs(svg)[:2] == [1, 1]


def test_a_gap_in_recap_breaks_its_line_too() -> None:
    first = dt.date(2025, 11, 2)
    recap = _weekly(first, range(0, 6), 4) + _weekly(first, range(16, 22), 6)  # over a new year, 10 weeks apart
    svg = charts.scores_chart(dt.date(2025, 10, 27), dt.date(2026, 5, 3), [], recap)
    assert _runs(svg)[0] == 2
