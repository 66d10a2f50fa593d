"""Trends' "Show the days of" a factor only drew triangles on the canvas: a screen reader heard
nothing, and nobody was told how many days that was. A status line says it in words (patient walk,
2026-12-06)."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from tests.e2e.test_journeys import PASSWORD, register

pytestmark = pytest.mark.e2e


def test_choosing_a_factor_on_trends_is_said_in_words(server, browser) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 390, "height": 844})
    p = ctx.new_page()
    register(p, server.base, "said@example.org", "Said")
    token = httpx.post(server.base + "/api/v1/auth/token", json={"email": "said@example.org", "password": PASSWORD}).json()
    h = {"Authorization": f"Bearer {token['access_token']}"}
    today = dt.date.today()
    for back, dairy in ((0, 1), (1, 0), (2, 1), (5, 1)):
        r = httpx.put(f"{server.base}/api/v1/me/diary/{today - dt.timedelta(days=back)}", headers=h,
                      json={"itch": 3, "factors": {"food.dairy": dairy}})
        assert r.status_code == 200, r.text
    p.goto(server.base + "/trends?weeks=4")
    p.wait_for_selector("#trend-chart[data-ready='1']")
    said = p.locator("#overlay-said")
    assert said.get_attribute("role") == "status" and said.inner_text() == ""
    p.select_option("#overlay-factor", "food.dairy")
    assert said.inner_text() == "Dairy on 3 of the 4 logged days in this period, marked with green triangles at the foot of the chart."
    p.select_option("#overlay-factor", "")
    assert said.inner_text() == ""
    ctx.close()
