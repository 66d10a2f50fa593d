"""The microbiome report on a phone: the table of bacteria linked with eczema scrolled sideways inside
its box, and its last column -- the person's own result, "found (19%)" or "not assessable" -- was off
screen. Each taxon is a card at phone width, every cell on screen and named by its column (patient
walk, 2026-12-06)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.test_journeys import register

pytestmark = pytest.mark.e2e
STOOL = Path(__file__).resolve().parents[2] / "docs" / "examples" / "stool-genus.csv"


def test_the_taxa_of_the_report_fit_a_phone(server, browser) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 390, "height": 844})
    p = ctx.new_page()
    register(p, server.base, "gut@example.org", "Gut")
    p.goto(server.base + "/microbiome")
    p.set_input_files("input[name=file]", str(STOOL))
    p.click("main form button[type=submit]")
    p.wait_for_url(re.compile(r"/microbiome/\d+$"))
    cells = p.evaluate("""() => [...document.querySelectorAll('#taxa tbody td')].map(td => {
        const r = td.getBoundingClientRect();
        return {text: td.innerText.trim(), left: r.left, right: r.right, label: getComputedStyle(td, '::before').content};
    })""")
    assert len(cells) >= 8, cells
    width = p.evaluate("document.documentElement.clientWidth")
    off = [c["text"][:30] for c in cells if c["left"] < 0 or c["right"] > width]
    assert off == [], off  # every cell, the sample's result too, on screen without scrolling sideways
    table = p.evaluate("(() => { const t = document.querySelector('#taxa'); return [t.scrollWidth, t.clientWidth]; })()")
    assert table[0] <= table[1] + 1, table
    results = [c for c in cells if c["label"] == '"Your sample: "']
    assert len(results) == len(cells) // 4 and any(c["text"].startswith("found (") for c in results), cells
    # at desktop width it is the table it was, with its header row
    ctx.close()
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    d = ctx.new_page()
    d.goto(server.base + "/login")
    d.fill("input[name=email]", "gut@example.org")
    d.fill("input[name=password]", "a long enough password")
    d.click("main form button[type=submit]")
    d.wait_for_url(re.compile(r"/today"))
    d.goto(server.base + "/microbiome")
    d.click("main ul a[href^='/microbiome/']")
    assert d.locator("#taxa thead").is_visible() and d.evaluate("getComputedStyle(document.querySelector('#taxa tr')).display") == "table-row"
    ctx.close()
