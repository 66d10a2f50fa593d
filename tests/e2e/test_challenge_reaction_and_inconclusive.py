"""Two food-challenge paths walked in headless Chromium against a real server (SQLite and PostgreSQL):

1. An in-clinic (supervised) challenge stopped by a reaction: the clinician records step 1 with hives
   ticked, then the immediate outcome "positive"; then what the patient's page and the clinician's pages say.
2. An "inconclusive" verdict of a finished home challenge: the clinician evaluates it in the browser;
   what each side sees and what it says to do next.

Walked first on 2026-12-07 (h2); days pass by moving the stored plan back in time, as in test_challenges.
"""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from tests.e2e.test_challenges import _log_baseline, link_patient, shift_back, token

pytestmark = pytest.mark.e2e


def _text(page, selector: str = "main") -> str:  # type: ignore[no-untyped-def]
    return page.locator(selector).inner_text()


def test_in_clinic_challenge_stopped_by_a_reaction(server, browser) -> None:  # type: ignore[no-untyped-def]
    base = server.base
    p, c, pid = link_patient(server, browser, "oral@example.org")
    doc = token(base, "doc@clinic.example.org")
    r = httpx.post(f"{base}/api/v1/patients/{pid}/challenges", timeout=60, headers=doc, json={
        "food": "food.peanut", "kind": "supervised", "baseline_days": 7,
        "doses": [{"day_offset": 0, "amount": "3 mg peanut protein"}, {"day_offset": 0, "amount": "30 mg peanut protein"}]})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    shift_back(server.db_url, cid, 7)  # the clinic day is today

    c.goto(f"{base}/clinic/challenges/{cid}")
    form = c.locator("#supervised-dose-form")
    assert form.locator("input[name=amount]").input_value() == "3 mg peanut protein"
    form.locator("input[name=symptoms]").fill("urticaria on the chin 10 minutes after the dose")
    form.locator("input[name=symptom][value=hives]").check()
    c.click("#record-dose")
    c.wait_for_selector("#objective-signs")
    assert "give no further dose" in _text(c, "#objective-signs")
    options = c.locator("select[name=immediate_outcome] option").all_inner_texts()
    assert options == ["Positive (immediate reaction)", "Stopped"], options
    c.select_option("select[name=immediate_outcome]", "positive")
    c.fill("#supervised-outcome-form input[name=stop_reason]", "urticaria after 3 mg")
    c.click("#record-outcome")
    c.wait_for_selector("#stop-reason")
    words = ("Stopped in clinic at step 1 because of an immediate reaction (objective signs: hives; reason given: "
             "urticaria after 3 mg)")
    assert words in _text(c, "#stop-reason")
    assert "stopped" == _text(c, "#challenge-status").strip()

    # the patient: the stop in words, the late window to watch, no step to come, peanut to avoid
    p.goto(base + "/challenges")
    step = _text(p, f"#step-{cid}")
    assert "This peanut challenge was stopped in clinic at step 1 because of an immediate reaction" in step, step
    assert "A late reaction to the last dose can still show until" in step and "another step" not in step, step
    assert "Peanut" in _text(p, "#avoid-list") and "avoid until the clinician has reviewed the stop" in _text(p, "#avoid-list")

    # the clinician's lists say the same; the stop is due for review
    c.goto(base + "/clinic/challenges")
    assert f"The peanut challenge was {words[0].lower()}{words[1:]}. Review it and record the outcome" in _text(c)
    c.goto(f"{base}/clinic/patients/{pid}/challenges")
    assert _text(c, ".stop-words") == words
    # the immediate reaction decides the verdict
    c.goto(f"{base}/clinic/challenges/{cid}")
    c.click("#evaluate")
    c.wait_for_selector("#verdict")
    assert c.locator("#verdict").get_attribute("data-verdict") == "reaction_likely"
    assert "Decided by the immediate reaction" in _text(c, "#verdict")
    p.context.close()
    c.context.close()


def test_an_inconclusive_verdict(server, browser) -> None:  # type: ignore[no-untyped-def]
    base = server.base
    p, c, pid = link_patient(server, browser, "unsure@example.org")
    doc = token(base, "doc@clinic.example.org")
    r = httpx.post(f"{base}/api/v1/patients/{pid}/challenges", timeout=60, headers=doc, json={
        "food": "food.egg", "kind": "home", "released_for_home": True, "baseline_days": 7,
        "doses": [{"day_offset": 0, "amount": "1/4 cooked egg"}, {"day_offset": 3, "amount": "1/2 cooked egg"}]})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    shift_back(server.db_url, cid, 7)
    _log_baseline(server.db_url, cid)
    me = token(base, "unsure@example.org")
    safe = {k: False for k in ("hives", "swelling", "breathing", "vomiting", "faint")}
    ch = httpx.get(f"{base}/api/v1/challenges/{cid}", headers=me, timeout=60).json()
    assert httpx.post(f"{base}/api/v1/me/challenges/{cid}/doses/{ch['doses'][0]['id']}", headers=me,
                      json={"safety": safe}, timeout=60).status_code == 200
    shift_back(server.db_url, cid, 3)
    assert httpx.post(f"{base}/api/v1/me/challenges/{cid}/doses/{ch['doses'][1]['id']}", headers=me,
                      json={"safety": safe}, timeout=60).status_code == 200
    shift_back(server.db_url, cid, 4)  # the last window is over
    ch = httpx.get(f"{base}/api/v1/challenges/{cid}", headers=me, timeout=60).json()
    start, end = dt.date.fromisoformat(ch["baseline_start"]), dt.date.fromisoformat(ch["reintroduction_end"])
    noisy = [1, 7, 2, 8, 1, 6, 3]  # a baseline too variable for a home challenge to decide
    day, i = start, 0
    while day <= end:
        rr = httpx.put(f"{base}/api/v1/me/diary/{day.isoformat()}", headers=me,
                       json={"itch": noisy[i % len(noisy)], "sleep_loss": 1}, timeout=60)
        assert rr.status_code == 200, rr.text
        day += dt.timedelta(days=1)
        i += 1

    c.goto(f"{base}/clinic/challenges/{cid}")
    c.click("#evaluate")
    c.wait_for_selector("#verdict")
    assert c.locator("#verdict").get_attribute("data-verdict") == "inconclusive", _text(c, "#verdict")
    nxt = _text(c, "#verdict-next")
    assert nxt.startswith("What next:") and "record the outcome from your own judgement" in nxt, nxt
    assert "plan egg again, as a supervised oral food challenge in clinic" in nxt, nxt

    # the patient: the result is unclear, the clinic decides, ask before eating egg
    p.goto(base + "/challenges")
    step = _text(p, f"#today-step-{cid}")
    assert "All steps of the egg challenge are done." in step
    assert "The diary could not show whether egg causes you a reaction (the result is unclear)" in step, step
    assert step.strip().endswith("Until then, ask your clinic before eating egg."), step
    p.context.close()
    c.context.close()
