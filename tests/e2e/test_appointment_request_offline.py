"""An appointment request sent on a phone that loses its connection (Chromium, SQLite and PostgreSQL; 2026-12-07).

The request was a plain form post: offline it led to the browser's own "No internet" page and the typed reason
was gone. Now (static/app.js sentWithFetch, as the diary's Save) it is sent with fetch: a failure leaves the
person on the form with what they typed and a sentence saying it was not sent and to press the button again;
a refused send shows the form with its list of problems (focused); an answer lost on the way back is safe to
send again (the server keeps one request)."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.e2e.test_challenges import token
from tests.e2e.test_journeys import register

pytestmark = pytest.mark.e2e
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
REASON = "Hives after the party, the cream does not help"


def _requests(base: str, email: str) -> list[dict]:
    return httpx.get(base + "/api/v1/me/appointments", headers=token(base, email)).json()


def test_a_request_sent_offline_keeps_what_was_typed_and_says_it_was_not_sent(server, browser) -> None:  # type: ignore[no-untyped-def]
    base = server.base
    ctx = browser.new_context(**PHONE)
    page = ctx.new_page()
    register(page, base, "tunnel@example.org", "Tia")
    page.goto(base + "/appointments")
    button = page.get_by_role("button", name="Request appointment")

    # refused (nothing typed): the form comes back with its problems listed on top, focused
    button.tap()
    summary = page.locator("#appointment-error")
    summary.wait_for(timeout=10000)
    assert "Reason: say briefly why" in summary.inner_text()
    assert page.evaluate("document.activeElement && document.activeElement.id") == "appointment-error"

    page.fill("#appointment-reason", REASON)
    page.select_option("#appointment-urgency", "soon")
    page.fill("#appointment-preferred_times", "Mondays after 4 pm")
    ctx.set_offline(True)  # the train enters a tunnel
    page.get_by_role("button", name="Request appointment").tap()
    status = page.locator("#request-send-status")
    status.filter(has_text="Not sent: no connection").wait_for(timeout=10000)
    assert "press Request appointment again when you are online" in status.inner_text()
    assert re.search(r"/appointments$", page.url), page.url  # still on the form, what was typed in it
    assert page.locator("#appointment-reason").input_value() == REASON
    assert page.locator("#appointment-urgency").input_value() == "soon"
    assert page.locator("#appointment-preferred_times").input_value() == "Mondays after 4 pm"
    ctx.set_offline(False)
    assert _requests(base, "tunnel@example.org") == []  # nothing reached the server

    # the server gets it but its answer is lost on the way back: said as not sent; pressed again, one request
    lost = []

    def lose_the_answer(route):  # type: ignore[no-untyped-def]
        if route.request.method == "POST" and not lost:
            route.fetch()  # the server stores it ...
            lost.append(1)
            route.abort("connectionreset")  # ... and the phone never hears back
        else:
            route.continue_()

    page.route(re.compile(r".*/appointments(\?.*)?$"), lose_the_answer)
    page.get_by_role("button", name="Request appointment").tap()
    status.filter(has_text="Not sent").wait_for(timeout=10000)
    assert page.locator("#appointment-reason").input_value() == REASON
    page.get_by_role("button", name="Request appointment").tap()
    page.locator("#request-sent").wait_for(timeout=10000)
    assert "/appointments?sent=" in page.url
    stored = _requests(base, "tunnel@example.org")
    assert [(r["reason"], r["urgency"], r["preferred_times"]) for r in stored] == [(REASON, "soon", "Mondays after 4 pm")]
    assert REASON in page.locator("#requests").inner_text()
    ctx.close()
