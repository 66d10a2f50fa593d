"""The clinician's panel (the page a clinician lands on) shows open safety alerts: a patient who
reported hives at a home challenge's safety check stopped the challenge and alerted the clinic,
but only the Challenges page listed it; the panel said nothing (found walking the clinician's
journey). An acknowledged alert leaves the panel; a clinician of other patients sees none."""

from __future__ import annotations

import html
import re

from tests.conftest import bearer
from tests.safety.test_attacks import login_page

PLAN = {"food": "food.peanut", "kind": "home", "released_for_home": True, "baseline_days": 7,
        "doses": [{"day_offset": 0, "amount": "1 peanut"}]}


def _panel(client, email: str) -> str:  # type: ignore[no-untyped-def]
    client.cookies.clear()
    login_page(client, email)
    r = client.get("/clinic")
    assert r.status_code == 200
    return html.unescape(r.text)


def test_the_panel_shows_open_safety_alerts(client, people) -> None:
    doc = bearer(client, "linked@clinic.example.org")
    owner = bearer(client, "owner@example.org")
    cid = client.post(f"/api/v1/patients/{people.owner_pid}/challenges", json=PLAN, headers=doc).json()["id"]
    assert 'id="panel-alerts"' not in _panel(client, "linked@clinic.example.org")
    r = client.post(f"/api/v1/me/challenges/{cid}/safety", json={"symptoms": ["hives"]}, headers=owner)
    assert r.status_code == 200 and r.json()["stopped"]
    page = _panel(client, "linked@clinic.example.org")
    box = re.search(r'(?s)<section class="card alerts" id="panel-alerts" role="alert">(.*?)</section>', page)
    assert box, page[:3000]
    assert "Safety alerts (1 open)" in box.group(1)
    assert f'<a href="/clinic/challenges/{cid}">Owner, peanut challenge</a>: Hives (raised, itchy welts) anywhere on the body' in box.group(1)
    assert 'id="panel-alerts"' not in _panel(client, "unlinked@clinic.example.org")
    alert_id = r.json()["alert_id"]
    assert client.post(f"/api/v1/clinician/challenge-alerts/{alert_id}/acknowledge", headers=doc).status_code == 200
    assert 'id="panel-alerts"' not in _panel(client, "linked@clinic.example.org")
