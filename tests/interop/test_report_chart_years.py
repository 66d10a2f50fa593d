"""The visit report's date axes name the year when the period crosses a year boundary: the 52- and
104-week reports of a years-long diary read "24 Feb ... 26 Jan ... 20 Apr" with no year (the
years-of-data walk, 2026-12-06)."""

from __future__ import annotations

import datetime as dt

import pytest

from gutskin.interop import charts


def _tick_labels(start: dt.date, end: dt.date) -> list[str]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = charts._figure(2.0)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    ax.plot(days, [3] * len(days))
    charts._date_axis(ax, start, end)
    fig.canvas.draw()
    return [t.get_text() for t in ax.get_xticklabels() if t.get_text()]


@pytest.mark.parametrize("weeks", [4, 12, 52, 104])
def test_each_year_of_a_period_over_new_year_is_named_once(weeks: int) -> None:
    end = dt.date(2026, 12, 6) if weeks > 12 else dt.date(2027, 1, 10)
    start = end - dt.timedelta(days=7 * weeks - 1)
    labels = _tick_labels(start, end)
    years = [str(y) for y in range(start.year, end.year + 1)]
    assert len(labels) >= 3, labels
    assert years[-1] in " ".join(labels), labels  # the newest year is named
    assert labels[0].endswith(years[0]) or labels[0].endswith(years[1]), labels  # so is the first tick's
    for y in years[1:]:
        assert sum(label.endswith(y) for label in labels) == 1, (y, labels)  # once, at its first tick
    assert max(len(label) for label in labels) <= len("30 Sep 2026")  # short enough for the axis


def test_a_period_within_one_year_keeps_day_and_month() -> None:
    labels = _tick_labels(dt.date(2026, 9, 14), dt.date(2026, 12, 6))  # the period line gives the year
    assert labels and all(len(label.split()) == 2 and not label[-4:].isdigit() for label in labels), labels


def test_the_report_charts_draw_over_a_leap_day_and_two_new_years() -> None:
    start, end = dt.date(2027, 12, 20), dt.date(2029, 1, 5)  # 29 Feb 2028 inside
    dates = [(start + dt.timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
    itch = [i % 11 if i % 40 else None for i in range(len(dates))]
    svg = charts.itch_sleep_chart(dates, itch, itch, [i % 50 == 0 for i in range(len(dates))])
    assert svg.startswith("<?xml") and "</svg>" in svg
    labels = _tick_labels(start, end)
    assert labels[0][-4:].isdigit(), labels  # the first tick names its year
    assert sum(label.endswith("2028") for label in labels) == 1, labels
