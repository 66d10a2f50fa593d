"""A child's POEM answered by the parent and by the child herself is two raters: the Trends chart
and the clinician's chart draw two POEM datasets, "POEM (parent)" and "POEM (Mia)", each holding
only its own answers (until 2026-12-07 one dataset held both). Headless Chromium against a real
server, SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest

from tests.e2e.test_challenges import token
from tests.e2e.test_journeys import login
from tests.e2e.test_questionnaire_respondent import doctor_and_parent_of_mia

pytestmark = pytest.mark.e2e

POEM_DATASETS = ("window.gutskinChart.data.datasets.filter(ds => ds.yAxisID === 'y2')"
                 ".map(ds => [ds.label, ds.data.filter(v => v !== null)])")


def test_the_chart_draws_the_parents_and_the_childs_poem_apart(server, browser) -> None:  # type: ignore[no-untyped-def]
    base = server.base
    pat, mia, parent = doctor_and_parent_of_mia(server, browser)
    today = dt.date.today()
    for back, answers, who in ((9, [2] * 7, "proxy"), (5, [1, 1, 0, 1, 1, 0, 0], "self"), (2, [3] * 7, "proxy")):
        r = httpx.post(f"{base}/api/v1/me/questionnaires/poem?patient_id={mia}", headers=parent,
                       json={"answers": answers, "respondent": who, "answered_on": (today - dt.timedelta(days=back)).isoformat()})
        assert r.status_code == 201, r.text
    code = httpx.post(f"{base}/api/v1/me/invites?patient_id={mia}", headers=parent).json()["code"]
    assert httpx.post(f"{base}/api/v1/clinician/links", json={"code": code},
                      headers=token(base, "doc@clinic.example.org")).status_code == 201

    pat.goto(f"{base}/trends?weeks=4&patient={mia}")
    pat.wait_for_selector("#trend-chart[data-ready='1']")
    assert pat.evaluate(POEM_DATASETS) == [["POEM (parent)", [14, 21]], ["POEM (Mia)", [4]]]
    assert pat.evaluate("window.gutskinChart.data.datasets.filter(ds => ds.yAxisID === 'y2').every(ds => ds.showLine === false)")

    doc = browser.new_context().new_page()
    login(doc, base, "doc@clinic.example.org")
    doc.wait_for_url(re.compile(r"/clinic"))
    doc.goto(f"{base}/clinic/patients/{mia}?weeks=4")
    doc.wait_for_selector("#trend-chart[data-ready='1']")
    assert doc.evaluate(POEM_DATASETS) == [["POEM (parent)", [14, 21]], ["POEM (Mia)", [4]]]
