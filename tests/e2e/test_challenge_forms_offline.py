"""The clinician's food-challenge forms with typed text on a bad connection (Chromium, SQLite and PostgreSQL;
2026-12-07).

Stop challenge (its reason) and the supervised dose ("Symptoms seen") were plain posts: offline, the
browser's "No internet" page and the typed text was gone; a stop that reached the server but whose reply was
lost, sent again, was refused ("this challenge is not running"). They are now sent as Record outcome is
(static/app.js sentWithFetch), and a resend is the first one (clinic.challenges._did_lately, _same_dose)."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.test_appointment_answers_offline import _lose_first_answer
from tests.e2e.test_challenges import link_patient, shift_back, token

pytestmark = pytest.mark.e2e
PLAN = {"food": "food.peanut", "kind": "supervised", "baseline_days": 7,
        "doses": [{"day_offset": 0, "amount": "3 mg peanut protein"}, {"day_offset": 0, "amount": "30 mg peanut protein"}]}


def test_the_stop_reason_and_symptoms_seen_survive_a_lost_connection_and_count_once(server, browser) -> None:  # type: ignore[no-untyped-def]
    base = server.base
    _p, c, pid = link_patient(server, browser, "stopper@example.org")
    doc = token(base, "doc@clinic.example.org")
    r = httpx.post(f"{base}/api/v1/patients/{pid}/challenges", timeout=60, headers=doc, json=PLAN)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    shift_back(server.db_url, cid, 7)  # the reintroduction begins today
    c.goto(f"{base}/clinic/challenges/{cid}")

    # Symptoms seen at the dose: offline, kept and said as not sent; its answer lost, sent again: one dose
    symptoms = "Three hives on the chin at 15 minutes, gone by 40; no wheeze"
    c.fill("#supervised-dose-form input[name=symptoms]", symptoms)
    c.context.set_offline(True)
    c.click("#record-dose")
    c.locator("#dose-send-status").filter(has_text="Not sent: no connection").wait_for(timeout=10000)
    assert c.locator("#supervised-dose-form input[name=symptoms]").input_value() == symptoms
    c.context.set_offline(False)
    _lose_first_answer(c, rf".*/clinic/challenges/{cid}/supervised-dose$")
    c.click("#record-dose")
    c.locator("#dose-send-status").filter(has_text="Not sent").wait_for(timeout=10000)
    c.click("#record-dose")
    c.wait_for_selector("tr.dose-taken", timeout=10000)
    doses = httpx.get(f"{base}/api/v1/challenges/{cid}", headers=doc).json()["doses"]
    assert [(d["step"], d["symptoms"]) for d in doses if d["status"] == "taken"] == [(1, symptoms)], doses

    # Stop challenge with its reason, the same way
    reason = "Vomited twice after the 3 mg dose; sent to the emergency room"
    c.fill("#stop-form input[name=reason]", reason)
    c.context.set_offline(True)
    c.click("#stop-challenge")
    c.locator("#stop-send-status").filter(has_text="Not sent: no connection").wait_for(timeout=10000)
    assert "press Stop challenge again when you are online" in c.locator("#stop-send-status").inner_text()
    assert c.locator("#stop-form input[name=reason]").input_value() == reason
    c.context.set_offline(False)
    assert httpx.get(f"{base}/api/v1/challenges/{cid}", headers=doc).json()["status"] == "active"
    _lose_first_answer(c, rf".*/clinic/challenges/{cid}/stop$")
    c.click("#stop-challenge")
    c.locator("#stop-send-status").filter(has_text="Not sent").wait_for(timeout=10000)
    assert httpx.get(f"{base}/api/v1/challenges/{cid}", headers=doc).json()["status"] == "stopped"
    c.click("#stop-challenge")
    c.locator("#stop-form").wait_for(state="detached", timeout=10000)  # a stopped challenge has no stop form
    assert "not running" not in c.locator("main").inner_text()
    ch = httpx.get(f"{base}/api/v1/challenges/{cid}", headers=doc).json()
    assert (ch["status"], ch["stop_reason"]) == ("stopped", reason), ch
