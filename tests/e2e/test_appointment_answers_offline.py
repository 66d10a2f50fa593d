"""The other appointment forms on a bad connection, and the drafts of what was typed (Chromium, SQLite and
PostgreSQL; 2026-12-07).

The patient's request has been sent with fetch since 6bd987c (tests/e2e/test_appointment_request_offline.py).
The clinician's answer to a request, the patient's answer and "Also send to" were still plain posts: offline,
the browser's "No internet" page, and the clinician's typed message was gone; an answer that reached the
server but whose reply was lost, sent again, was refused ("this request is closed"). They are now sent the
same way (static/app.js sentWithFetch), and a resend is the same answer (clinic.appointments._same_answer,
_sent_on_lately). What is typed in the request and in the clinician's answer is kept in the tab as the
diary's day is (app.js formDrafts): filled in again after a reload, forgotten once sent, on Log out, and
never shown to another account signing in on the same browser."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.e2e.test_challenges import link_patient, token
from tests.e2e.test_journeys import PASSWORD, register

pytestmark = pytest.mark.e2e
MESSAGE = "Please see your GP first; we can see you in March if the cream does not help"
REASON = "Hives after the party, the cream does not help"


def _form_drafts(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.evaluate("() => Object.keys(window.sessionStorage).filter(k => k.startsWith('gutskin-form:'))")


def _lose_first_answer(page, pattern: str) -> None:  # type: ignore[no-untyped-def]
    """The next POST to ``pattern`` reaches the server, and its answer never comes back."""
    lost: list[int] = []

    def handler(route):  # type: ignore[no-untyped-def]
        if route.request.method == "POST" and not lost:
            route.fetch()
            lost.append(1)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(re.compile(pattern), handler)


def test_the_clinicians_answer_survives_a_lost_connection_and_is_sent_once(server, browser) -> None:  # type: ignore[no-untyped-def]
    base = server.base
    p, c, _pid = link_patient(server, browser, "pat@example.org")
    hp = token(base, "pat@example.org")
    req = httpx.post(base + "/api/v1/me/appointments", headers=hp, json={"reason": "Flare on both arms"}).json()["id"]

    c.goto(base + "/clinic/appointments")
    form = c.locator(f"#answer-{req}")
    form.locator("input[name=message]").fill(MESSAGE)
    c.context.set_offline(True)
    form.get_by_role("button", name="Decline").click()
    status = c.locator(f"#answer-send-status-{req}")
    status.filter(has_text="Not sent: no connection").wait_for(timeout=10000)
    assert "press Decline again when you are online" in status.inner_text()
    assert c.locator(f"#answer-{req} input[name=message]").input_value() == MESSAGE
    c.context.set_offline(False)
    assert httpx.get(base + "/api/v1/me/appointments", headers=hp).json()[0]["status"] == "open"

    # kept in the tab: a reload (or the page left and opened again) fills it in again, and says so
    c.reload()
    assert c.locator(f"#answer-{req} input[name=message]").input_value() == MESSAGE
    assert c.locator(f"#answer-draft-note-{req}").is_visible()

    # the server declines it, the reply is lost: said as not sent; pressed again, one decline and no refusal
    _lose_first_answer(c, rf".*/clinic/appointments/{req}$")
    c.locator(f"#answer-{req}").get_by_role("button", name="Decline").click()
    c.locator(f"#answer-send-status-{req}").filter(has_text="Not sent").wait_for(timeout=10000)
    assert httpx.get(base + "/api/v1/me/appointments", headers=hp).json()[0]["status"] == "declined"
    c.locator(f"#answer-{req}").get_by_role("button", name="Decline").click()
    c.locator(f"#answer-{req}").wait_for(state="detached", timeout=10000)  # a declined request has no form
    assert c.locator(".error[role=alert]").count() == 0, c.locator(".error[role=alert]").all_inner_texts()
    assert re.search(r"/clinic/appointments$", c.url), c.url
    assert f"Message to the patient: {MESSAGE}" in c.locator("article.request").inner_text()
    assert _form_drafts(c) == []  # sent: forgotten
    mine = httpx.get(base + "/api/v1/me/appointments", headers=hp).json()
    assert [(r["status"], r["message"]) for r in mine] == [("declined", MESSAGE)]


def test_also_send_to_whose_answer_was_lost_is_sent_once(server, browser) -> None:  # type: ignore[no-untyped-def]
    base = server.base
    p, _c, _pid = link_patient(server, browser, "pat@example.org")
    hp = token(base, "pat@example.org")
    req = httpx.post(base + "/api/v1/me/appointments", headers=hp, json={"reason": "Flare on both arms"}).json()["id"]
    made = server.cli("users", "create", "--email", "second@clinic.example.org", "--role", "clinician",
                      "--password", PASSWORD, "--name", "Dr Second")
    assert made.returncode == 0, made.stderr
    code = httpx.post(base + "/api/v1/me/invites", headers=hp).json()["code"]
    assert httpx.post(base + "/api/v1/clinician/links", headers=token(base, "second@clinic.example.org"),
                      json={"code": code}).status_code == 201

    p.goto(base + "/appointments")
    form = p.locator(f"#send-on-{req}")
    form.get_by_label(re.compile("Dr Second")).check()
    p.context.set_offline(True)
    form.get_by_role("button", name="Send").click()
    p.locator(f"#send-on-status-{req}").filter(has_text="Not sent: no connection").wait_for(timeout=10000)
    assert form.get_by_label(re.compile("Dr Second")).is_checked()
    p.context.set_offline(False)
    _lose_first_answer(p, rf".*/appointments/{req}/send(\?.*)?$")
    form.get_by_role("button", name="Send").click()
    p.locator(f"#send-on-status-{req}").filter(has_text="Not sent").wait_for(timeout=10000)
    form.get_by_role("button", name="Send").click()
    p.locator(f"#send-on-{req}").wait_for(state="detached", timeout=10000)
    assert p.locator(".error[role=alert]").count() == 0, p.locator(".error[role=alert]").all_inner_texts()
    row = p.locator(f"#request-{req}").inner_text()
    assert "Dr Second (second@clinic.example.org)" in row and "Waiting for the clinic" in row, row


def test_the_request_is_kept_as_a_draft_until_sent_and_never_shown_to_another_account(server, browser) -> None:  # type: ignore[no-untyped-def]
    base = server.base
    ctx = browser.new_context()
    page = ctx.new_page()
    register(page, base, "first@example.org", "Fay")
    page.goto(base + "/appointments")
    page.fill("#appointment-reason", REASON)
    page.select_option("#appointment-urgency", "soon")
    page.goto(base + "/today")  # left by mistake, or a reload while offline
    page.goto(base + "/appointments")
    assert page.locator("#appointment-reason").input_value() == REASON
    assert page.locator("#appointment-urgency").input_value() == "soon"
    assert page.locator("#request-draft-note").is_visible()

    # the session ends elsewhere (no Log out pressed here) and another person signs in on this browser
    ctx.clear_cookies()
    register(page, base, "second@example.org", "Sam")
    assert _form_drafts(page) == []
    page.goto(base + "/appointments")
    assert page.locator("#appointment-reason").input_value() == ""
    assert not page.locator("#request-draft-note").is_visible()

    # typed, then Log out: forgotten
    page.fill("#appointment-reason", "Sam's own reason")
    assert len(_form_drafts(page)) == 1
    page.goto(base + "/account")
    page.click("form[action='/logout'] button")
    page.wait_for_url(re.compile(r"/login"))
    assert _form_drafts(page) == []

    # typed and sent: forgotten, the form empty afterwards
    other = browser.new_context().new_page()
    register(other, base, "third@example.org", "Tom")
    other.goto(base + "/appointments")
    other.fill("#appointment-reason", REASON)
    other.get_by_role("button", name="Request appointment").click()
    other.locator("#request-sent").wait_for(timeout=10000)
    assert _form_drafts(other) == []
    other.goto(base + "/appointments")
    assert other.locator("#appointment-reason").input_value() == ""
    ctx.close()
    other.context.close()


def test_the_challenge_outcome_survives_a_lost_connection_and_is_recorded_once(server, browser) -> None:  # type: ignore[no-untyped-def]
    """The clinician's Record outcome (its note says why), 2026-12-07: sent with fetch, the same outcome sent
    again is the first one (clinic.challenges._same_outcome; it was "already recorded")."""
    base = server.base
    _p, c, pid = link_patient(server, browser, "oral@example.org")
    doc = token(base, "doc@clinic.example.org")
    r = httpx.post(f"{base}/api/v1/patients/{pid}/challenges", timeout=60, headers=doc, json={
        "food": "food.peanut", "kind": "supervised", "baseline_days": 7,
        "doses": [{"day_offset": 0, "amount": "3 mg peanut protein"}]})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    note = "Hives on the chin ten minutes after 3 mg, seen at the clinic"
    c.goto(f"{base}/clinic/challenges/{cid}")
    c.check("input[name=outcome][value=confirmed]")
    c.fill("#outcome-form textarea[name=note]", note)
    c.context.set_offline(True)
    c.click("#confirm-outcome")
    c.locator("#outcome-send-status").filter(has_text="Not sent: no connection").wait_for(timeout=10000)
    assert c.locator("#outcome-form textarea[name=note]").input_value() == note
    c.context.set_offline(False)
    _lose_first_answer(c, rf".*/clinic/challenges/{cid}/outcome$")
    c.click("#confirm-outcome")
    c.locator("#outcome-send-status").filter(has_text="Not sent").wait_for(timeout=10000)
    c.click("#confirm-outcome")
    c.wait_for_selector("#outcome", timeout=10000)
    assert "allergy confirmed" in c.locator("#outcome").inner_text() and note in c.locator("#outcome").inner_text()
    assert "already recorded" not in c.locator("main").inner_text()
    records = httpx.get(f"{base}/api/v1/patients/{pid}/allergies", headers=doc)
    assert records.status_code == 200, records.text
    assert [a["status"] for a in records.json() if a["challenge_id"] == cid] == ["confirmed"], records.text


def test_the_patients_answer_whose_reply_was_lost_is_one_answer(server, browser) -> None:  # type: ignore[no-untyped-def]
    """Ask for another time, with "When would suit you instead?", sent with fetch (2026-12-07): pressed again
    after a lost reply it is the same answer (clinic.appointments._answered_lately; it was refused "the clinic
    has not proposed a time"), the note added once."""
    import datetime as dt

    base = server.base
    p, _c, _pid = link_patient(server, browser, "pat@example.org")
    hp = token(base, "pat@example.org")
    req = httpx.post(base + "/api/v1/me/appointments", headers=hp,
                     json={"reason": "Flare on both arms", "preferred_times": "mornings"}).json()["id"]
    when = (dt.datetime.now(dt.UTC) + dt.timedelta(days=5)).replace(hour=9, minute=30, second=0, microsecond=0)
    proposed = httpx.post(f"{base}/api/v1/clinician/appointments/{req}", headers=token(base, "doc@clinic.example.org"),
                          json={"action": "propose", "time": when.strftime("%Y-%m-%dT%H:%M:%SZ")})
    assert proposed.status_code == 200, proposed.text
    p.goto(base + "/appointments")
    form = p.locator(f"#answer-{req}")
    form.locator("input[name=note]").fill("Thursday afternoons")
    _lose_first_answer(p, rf".*/appointments/{req}(\?.*)?$")
    form.get_by_role("button", name="Ask for another time").click()
    p.locator(f"#answer-send-status-{req}").filter(has_text="Not sent").wait_for(timeout=10000)
    assert "press Ask for another time again" in p.locator(f"#answer-send-status-{req}").inner_text()
    assert form.locator("input[name=note]").input_value() == "Thursday afternoons"
    form.get_by_role("button", name="Ask for another time").click()
    p.locator(f"#request-{req} .status[data-status=open]").wait_for(timeout=10000)
    assert p.locator(".error[role=alert]").count() == 0, p.locator(".error[role=alert]").all_inner_texts()
    mine = httpx.get(base + "/api/v1/me/appointments", headers=hp).json()
    assert [(r["status"], r["preferred_times"]) for r in mine] == [
        ("open", "another time please: Thursday afternoons (earlier: mornings)")]
