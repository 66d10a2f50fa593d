"""A long file name or sample ID on a phone (the new patient's walk of 2026-12-07): a real MetaPhlAn 3
profile, metaphlan3_SRS014476_supragingival_plaque.tsv, uploaded on a 375 px wide phone gave a
report whose title (the sample ID, one word of 42 letters) and the Microbiome page's list of
samples (the file's name) were wider than the screen, so the whole page scrolled sideways (532 and
459 px). A word that long now wraps inside the page (main { overflow-wrap: break-word }). Chromium,
SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.test_journeys import register

pytestmark = pytest.mark.e2e
PROFILE = Path(__file__).resolve().parents[1] / "microbiome" / "real_files" / "metaphlan3_SRS014476_supragingival_plaque.tsv"


def _page_width(p) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    return p.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")


def test_a_long_sample_id_and_file_name_wrap_on_a_phone(server, browser) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True)
    p = ctx.new_page()
    register(p, server.base, "plaque@example.org", "Pat")
    p.goto(server.base + "/microbiome")
    p.set_input_files("input[name=file]", str(PROFILE))
    p.click("main form button[type=submit]")
    p.wait_for_url(re.compile(r"/microbiome/\d+$"))
    title = p.locator("h1").inner_text()
    assert "metaphlan3_SRS014476_supragingival_plaque" in title.replace("\n", "")
    scroll, client = _page_width(p)
    assert scroll <= client, (scroll, client)  # the report does not scroll sideways
    box = p.locator("h1 small").bounding_box()
    assert box is not None and box["x"] + box["width"] <= client, box  # the sample ID is on screen
    p.goto(server.base + "/microbiome")
    item = p.locator("main ul a[href^='/microbiome/']").first
    assert "metaphlan3_SRS014476_supragingival_plaque" in p.locator("main").inner_text().replace("\n", "")
    scroll, client = _page_width(p)
    assert scroll <= client, (scroll, client)
    box = item.bounding_box()
    assert box is not None and box["x"] + box["width"] <= client, box
    ctx.close()
