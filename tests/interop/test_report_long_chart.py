"""The visit report's daily itch/sleep chart over a long period (large-record walk, 2026-12-06): a
104-week report of a 3-year diary drew a marker on each of ~1,450 day values and one grey bar per
flare day, ~1,700 SVG elements that took WeasyPrint 7 s to draw (the whole PDF: 7-8 s). Over
``MARKERS_UP_TO_DAYS`` the lines carry markers only on days standing alone (else they would not be
drawn at all), and a run of flare days is one bar. The 12-week chart is unchanged."""

from __future__ import annotations

import datetime as dt
import random

from gutskin.interop import charts


def _series(days: int, seed: int = 5) -> tuple[list[str], list[int | None], list[int | None], list[bool]]:
    rnd = random.Random(seed)
    start = dt.date(2025, 1, 6)
    dates = [(start + dt.timedelta(days=i)).isoformat() for i in range(days)]
    # a month away with two lone entries in it, then daily logging with some gaps
    itch = [None if (days // 3 < i < days // 3 + 30 and i not in (days // 3 + 10, days // 3 + 20)) or rnd.random() < 0.05
            else rnd.randint(0, 10) for i in range(days)]
    sleep = [None if v is None or rnd.random() < 0.1 else rnd.randint(0, 10) for v in itch]
    flare = [rnd.random() < 0.25 for _ in range(days)]
    return dates, itch, sleep, flare


def _drawn(dates, itch, sleep, flare) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Marker instances and filled paths of the chart beyond those of the same axes with nothing
    in them (ticks, legend, axes): the data's own."""
    svg = charts.itch_sleep_chart(dates, itch, sleep, flare)
    empty = charts.itch_sleep_chart(dates, [None] * len(dates), [None] * len(dates), [False] * len(dates))
    return svg.count("<use") - empty.count("<use"), svg.count("<path") - empty.count("<path")


def _lone(values: list[int | None]) -> int:
    """Values whose neighbours (or the chart's end) are both missing, counted from the list itself."""
    n = len(values)
    return sum(1 for i, v in enumerate(values) if v is not None and (i == 0 or values[i - 1] is None)
               and (i == n - 1 or values[i + 1] is None))


def _runs(flare: list[bool]) -> int:
    return sum(1 for i, f in enumerate(flare) if f and (i == 0 or not flare[i - 1]))


def test_a_104_week_chart_marks_only_lone_days_and_draws_a_bar_per_flare_run() -> None:
    dates, itch, sleep, flare = _series(7 * 104)
    markers, paths = _drawn(dates, itch, sleep, flare)
    lone = _lone(itch) + _lone(sleep)
    assert lone >= 2  # the month away has its two lone entries
    assert markers == lone, (markers, lone, sum(v is not None for v in itch + sleep))
    no_flare_markers, no_flare_paths = _drawn(dates, itch, sleep, [False] * len(dates))
    assert no_flare_markers == markers
    assert paths - no_flare_paths == _runs(flare) < sum(flare), (paths - no_flare_paths, _runs(flare), sum(flare))
    # the whole chart stays small: it was ~224,000 characters with ~1,560 marker instances
    assert len(charts.itch_sleep_chart(dates, itch, sleep, flare)) < 120_000


def test_a_12_week_chart_still_marks_every_day() -> None:
    dates, itch, sleep, flare = _series(84)
    markers, _ = _drawn(dates, itch, sleep, flare)
    assert markers == sum(v is not None for v in itch) + sum(v is not None for v in sleep)


def test_the_long_chart_keeps_its_legend() -> None:
    dates, itch, sleep, flare = _series(7 * 52)
    svg = charts.itch_sleep_chart(dates, itch, sleep, flare)
    for words in ("Itch NRS (0-10)", "Sleep loss NRS (0-10)", "Flare day"):
        assert f"<!-- {words} -->" in svg, words
