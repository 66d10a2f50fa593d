"""The Trends chart's axes say what they measure and on which scale, in the legend's words: the
left one read "NRS" (numeric rating scale), which a parent keeping a child's diary could not read,
and the right one "POEM" without its 0-28 (phone walk, 2026-12-07). Chromium, SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.e2e.test_journeys import register

pytestmark = pytest.mark.e2e


def test_the_trends_axes_name_the_scores_and_their_scales(server, browser) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    register(page, server.base, "axes@example.org", "Alex")
    page.locator("#itch").fill("6")
    with page.expect_navigation():
        page.locator("form button", has_text="Save day").tap()
    page.goto(server.base + "/trends")
    page.wait_for_selector("#trend-chart[data-ready='1']", state="attached")
    titles = page.evaluate("[gutskinChart.options.scales.y.title.text, gutskinChart.options.scales.y2.title.text]")
    assert titles == ["Itch, sleep loss (0-10)", "POEM (0-28)"]
    legend = page.evaluate("gutskinChart.data.datasets.slice(0, 2).map(d => d.label)")
    assert legend == ["Itch (0-10)", "Sleep loss (0-10)"]  # the axis in the legend's own words
    ctx.close()
