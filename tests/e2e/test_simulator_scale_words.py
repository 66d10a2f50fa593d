"""The simulator chart names EASI's scale (0–72) on its y axis and in its aria-label, in headless
Chromium against a real server, on SQLite and PostgreSQL (found in the wording review of
2026-12-06: the axis read 'median EASI' with no scale, where the diary's itch chart runs 0–10)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_journeys import PASSWORD, login

pytestmark = pytest.mark.e2e


def test_the_simulator_chart_names_the_easi_scale(server, browser) -> None:  # type: ignore[no-untyped-def]
    base = server.base
    assert server.cli("users", "create", "--email", "scale@clinic.example.org", "--role", "clinician",
                      "--password", PASSWORD).returncode == 0
    ctx = browser.new_context()
    page = ctx.new_page()
    login(page, base, "scale@clinic.example.org")
    page.wait_for_url(re.compile(r"/clinic"))
    page.goto(base + "/clinic/simulator")
    page.fill("input[name=patients]", "2")
    page.fill("input[name=weeks]", "2")
    page.click("#run-sim")
    page.wait_for_selector("#sim-chart[data-ready='1']", timeout=120_000)
    y_title = page.evaluate("window.gutskinSimulation.options.scales.y.title.text")
    assert y_title == "median EASI (0–72 scale)"
    label = page.locator("#sim-chart").get_attribute("aria-label") or ""
    assert label.startswith("Median EASI (0–72 scale) by week for each arm;"), label
    ctx.close()
