"""The public landing page does not state the gut-skin link as a proven mechanism. Found in the
wording review of 2026-12-06: it read "A less diverse gut microbiome goes with an over-reactive
immune system, a weaker skin barrier and more flares when a trigger meets the skin" -- a causal
chain stated as fact, where gutskin's own microbiome report says the evidence is mostly from
infants, that in adults the difference is small, and that the taxa "show associations, not
causes" (docs/microbiome.md)."""

from __future__ import annotations

import html
import re


def test_the_landing_page_states_the_gut_skin_link_as_the_studies_do(client) -> None:
    page = client.get("/")
    assert page.status_code == 200
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())
    assert "over-reactive immune system" not in text and "weaker skin barrier and more flares" not in text
    assert "in adults the difference is small" in text and "associations, not a proven cause" in text, text
