"""The Content-Security-Policy blocks nothing the pages need (fourth security review).

``SecurityHeadersMiddleware`` sends ``script-src 'self'; style-src 'self'`` and no inline script
or style is allowed; htmx (with its indicator styles off) and Chart.js are vendored. A policy
that blocked something of ours would fail silently in the browser: a chart that never draws, an
htmx swap that does nothing. Headless Chromium visits every page of a patient with data and of
their clinician against a real server, with a ``securitypolicyviolation`` listener in every
page, and the console watched for "Refused to ..." lines; the charts must also have drawn.
It uses the e2e suite's one session-wide Chromium (``tests/e2e/conftest.py``): a second
``sync_playwright()`` while that one is open fails ("Sync API inside the asyncio loop"), which
is how this test errored in the whole suite when it lived in tests/safety.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e
PASSWORD = "a long enough password"
LISTEN = ("document.addEventListener('securitypolicyviolation', e => "
          "(window.__csp = window.__csp || []).push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));")


@pytest.fixture
def server(sqlite_url: str) -> Iterator[Server]:
    srv = Server(sqlite_url)
    yield srv
    srv.stop()


def _seed(base: str, server: Server) -> int:
    httpx.post(base + "/api/v1/auth/register", json={"email": "csp@example.org", "password": PASSWORD})
    tok = httpx.post(base + "/api/v1/auth/token", json={"email": "csp@example.org", "password": PASSWORD}).json()
    h = {"Authorization": f"Bearer {tok['access_token']}"}
    rng = random.Random(5)
    start = dt.date.today() - dt.timedelta(days=39)
    with httpx.Client(base_url=base, headers=h) as api:
        for i in range(40):
            egg = int(rng.random() < 0.4)
            r = api.put(f"/api/v1/me/diary/{start + dt.timedelta(days=i)}",
                        json={"itch": rng.randint(1, 7), "sleep_loss": rng.randint(0, 4), "factors": {"food.egg": egg}})
            assert r.status_code == 200, r.text
        code = api.post("/api/v1/me/invites").json()["code"]
        pid = api.get("/api/v1/me").json()["patient_id"]
    assert server.cli("users", "create", "--email", "csp-doc@clinic.example.org", "--role", "clinician",
                      "--password", PASSWORD).returncode == 0
    doc = httpx.post(base + "/api/v1/auth/token", json={"email": "csp-doc@clinic.example.org", "password": PASSWORD}).json()
    assert httpx.post(base + "/api/v1/clinician/links", json={"code": code},
                      headers={"Authorization": f"Bearer {doc['access_token']}"}).status_code == 201
    return pid


def _visit(browser, base: str, email: str, home: str, pages: list[tuple[str, str | None]]) -> list[str]:  # type: ignore[no-untyped-def]
    ctx = browser.new_context()
    ctx.add_init_script(LISTEN)
    page = ctx.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(f"{page.url}: {m.text}")
            if "Content Security Policy" in m.text or "Refused to" in m.text else None)
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(home))
    for path, ready in pages:
        page.goto(base + path)
        if ready:
            page.wait_for_selector(ready, timeout=90_000)
        page.wait_for_load_state("networkidle")
        refused += [f"{path}: {v}" for v in page.evaluate("window.__csp || []")]
    ctx.close()
    return refused


def test_no_page_has_anything_refused_by_the_policy(server, browser) -> None:  # type: ignore[no-untyped-def]
    base = server.base
    pid = _seed(base, server)
    patient = [("/today", None), ("/trends", "#trend-chart[data-ready='1']"),
               ("/insights", "#forecast-chart[data-ready='1']"), ("/sharing", None), ("/appointments", None),
               ("/challenges", None), ("/microbiome", None), ("/data", None), ("/account", None),
               ("/questionnaire/poem", None)]
    refused = _visit(browser, base, "csp@example.org", r"/today", patient)
    clinician = [("/clinic", None), (f"/clinic/patients/{pid}", "#forecast-chart[data-ready='1']"),
                 (f"/clinic/patients/{pid}/challenges", None), ("/clinic/appointments", None),
                 ("/clinic/challenges", None), ("/clinic/simulator", None)]
    refused += _visit(browser, base, "csp-doc@clinic.example.org", r"/clinic", clinician)
    assert not refused, "\n".join(refused)
