"""A new diary's Trends chart in Chromium (new-user walk on a fresh server, 2026-12-07): a patient who
registered and logged today saw one dot at the right edge of a 12-week chart of empty days. The chart
now starts at the diary's first day: one day is drawn in the middle of the chart, three days spread
across it; the chart's data still holds the whole window. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.e2e.test_journeys import register

pytestmark = pytest.mark.e2e

POINTS = """() => { const c = window.gutskinChart; const a = c.chartArea;
  return { left: a.left, right: a.right, min: c.scales.x.getLabels()[c.scales.x.min], n: c.data.labels.length,
           xs: c.getDatasetMeta(0).data.filter(p => !p.skip).map(p => p.x) }; }"""


def _save(page, base: str, day: str | None, itch: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/today" + (f"?date={day}" if day else ""))
    page.locator("#itch").fill(itch)
    with page.expect_navigation():
        page.locator("form.diary button[type=submit]").click()


def test_a_new_diary_is_drawn_from_its_first_day(server, browser) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context()
    page = ctx.new_page()
    register(page, server.base, "first-chart@example.org", "Nora")
    page.goto(server.base + "/trends")
    assert page.locator("#no-days-yet").count() == 1 and page.locator("#trend-chart").count() == 0  # no empty chart
    _save(page, server.base, None, "5")
    page.goto(server.base + "/trends")
    page.wait_for_selector("#trend-chart[data-ready='1']", state="attached")
    today = page.locator("#trend-chart").get_attribute("data-from")
    one = page.evaluate(POINTS)
    assert one["n"] == 84 and one["min"] == today  # the whole window's data, shown from the first day
    (x,) = one["xs"]
    width = one["right"] - one["left"]
    assert one["left"] + width / 4 < x < one["right"] - width / 4, one  # in the middle, not at an edge
    # two days back: three points across the chart
    import datetime as dt

    first = dt.date.fromisoformat(today) - dt.timedelta(days=2)
    _save(page, server.base, str(first), "3")
    _save(page, server.base, str(first + dt.timedelta(days=1)), "6")
    page.goto(server.base + "/trends")
    page.wait_for_selector("#trend-chart[data-ready='1']", state="attached")
    three = page.evaluate(POINTS)
    assert three["min"] == str(first) and len(three["xs"]) == 3
    width = three["right"] - three["left"]
    assert three["xs"][0] < three["left"] + width / 3 and three["xs"][2] > three["right"] - width / 3, three
    ctx.close()
