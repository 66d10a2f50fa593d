"""What a thumb taps on a 390×844 touch phone is at least 44 px high, on every page a new patient
walks (the phone walk of 2026-12-07, docs/web.md "Phone walk (2026-12-07)"): the menu's links and
its Log out were 23 px high in three rows; POEM's 35 answers 23 px each; the file pickers of My data
and Gut microbiome 21 px; the download links of My data 19 px one under another; Trends' 4/12/52
weeks 19 px; the diary's "‹" (previous day) 26 px wide. 44 px is the platforms' own guidance
(WCAG 2.2 asks 24 px); the diary's flare box and profile switcher were made so on 2026-12-06."""

from __future__ import annotations

import pytest

from tests.e2e.test_journeys import register

pytestmark = pytest.mark.e2e

SMALL = """sel => Array.from(document.querySelectorAll(sel)).filter(e => e.getClientRects().length)
  .map(e => { const r = e.getBoundingClientRect();
              return [(e.innerText || e.name || e.type || '').trim().slice(0, 30), Math.round(r.width), Math.round(r.height)]; })
  .filter(([, w, h]) => h < 44)"""


def test_menu_answers_file_pickers_and_links_are_big_enough_to_tap_on_a_phone(server, browser) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    register(page, server.base, "phone@example.org", "Alex")
    targets = {
        "/today": ["header.top nav a", "header.top nav button", ".daynav a"],
        "/questionnaire/poem": ["label.opt"],
        "/data": ["main ul li > a", "input[type=file]"],
        "/microbiome": ["input[type=file]"],
        "/trends": [".weeks a"],
    }
    small: dict[str, list] = {}
    for path, selectors in targets.items():
        page.goto(server.base + path)
        for sel in selectors:
            assert page.locator(sel).count() > 0, (path, sel)
            found = page.evaluate(SMALL, sel)
            if found:
                small[f"{path} {sel}"] = found
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 390, path
    assert small == {}
    ctx.close()


def test_a_poem_answered_by_taps_on_its_words_is_scored(server, browser) -> None:  # type: ignore[no-untyped-def]
    """The whole row is the answer's target: a tap on "3–4 days" (its words, right of the dot)
    chooses it, and seven such taps score the POEM (2 × 7 = 14, moderate)."""
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    register(page, server.base, "poem@example.org", "Sam")
    page.goto(server.base + "/questionnaire/poem")
    for i in range(7):
        row = page.locator(f"label.opt:has(input[name=q{i}][value='2'])")
        row.scroll_into_view_if_needed()
        box = row.bounding_box()
        assert box is not None and box["height"] >= 44
        page.touchscreen.tap(box["x"] + box["width"] * 0.6, box["y"] + box["height"] - 4)  # near its lower edge
    assert [page.locator(f"input[name=q{i}]:checked").get_attribute("value") for i in range(7)] == ["2"] * 7
    with page.expect_navigation():
        page.locator("main button[type=submit]").last.tap()
    assert "Score 14 out of 28 — moderate" in page.locator("main").inner_text()
    ctx.close()
