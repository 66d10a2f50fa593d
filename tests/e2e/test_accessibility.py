"""Accessibility of every page: axe-core (bundled by axe-playwright-python, nothing fetched) in
headless Chromium against a real server, with WCAG 2.0/2.1 level A and AA rules, at desktop and
phone width, for each persona with realistic data (90 diary days with flares and POEM, a microbiome
sample, a running and a stopped food challenge, a proposed appointment, a caregiver's child profile, a
simulation), plus refused forms. docs/web.md "Accessibility".

The database is SQLite only: what axe checks is the rendered page, which does not depend on it.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_challenges import link_patient, token
from tests.e2e.test_journeys import register

pytestmark = pytest.mark.e2e

# A11Y_BP=1 adds axe's best-practice rules (not WCAG criteria; they pass too): docs/web.md
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] + (["best-practice"] if os.environ.get("A11Y_BP") else [])
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
# Genuine false positives, excluded for one rule on one element only: {(path prefix, rule id): selector}.
# Empty: every violation axe reported so far was real and was fixed in the templates or CSS.
EXCLUDE: dict[tuple[str, str], str] = {}


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


def seed(server, browser):  # type: ignore[no-untyped-def]
    """Patient Pat shared with a clinician, with diary, sample, challenges and appointment; a caregiver
    with a child profile. Returns {persona: (its logged-in page, the paths to check)}."""
    base = server.base
    p, c, pid = link_patient(server, browser, "pat@example.org")
    c.goto(base + "/clinic/simulator")  # a small arm comparison, computed while the rest is seeded
    c.fill("input[name=patients]", "8")
    c.fill("input[name=weeks]", "16")
    c.click("#run-sim")
    c.wait_for_url(re.compile(r"/clinic/simulator/[^/?]+$"))
    simulation = c.url.removeprefix(base)
    hp = token(base, "pat@example.org")
    rng = random.Random(7)
    start = dt.date.today() - dt.timedelta(days=89)
    egg = [rng.random() < 0.4 for _ in range(90)]
    with httpx.Client(base_url=base, headers=hp, timeout=30) as api:
        for i in range(90):
            itch = min(10, max(0, 3 + (3 if i and egg[i - 1] else 0) + rng.choice((-1, 0, 1))))
            r = api.put(f"/api/v1/me/diary/{start + dt.timedelta(days=i)}",
                        json={"itch": itch, "sleep_loss": max(0, itch - 2), "flare": itch >= 6,
                              "poem": min(28, itch * 2) if i % 7 == 0 else None,
                              "factors": {"food.egg": int(egg[i]), "food.dairy": int(rng.random() < 0.3)}})
            assert r.status_code == 200, r.text
        profile = Path(__file__).resolve().parents[1] / "web" / "data" / "metaphlan_profile.tsv"
        r = api.post("/api/v1/me/microbiome", files={"file": (profile.name, profile.read_bytes())},
                     data={"method": "shotgun"})
        assert r.status_code == 201, r.text
        sample = r.json()["id"]
        r = api.post("/api/v1/me/appointments", json={"reason": "Flare on both arms", "urgency": "soon",
                                                       "preferred_times": "weekday mornings"})
        assert r.status_code == 201, r.text
        appointment = r.json()["id"]
    hc = token(base, "doc@clinic.example.org")
    # the clinic proposes a time: the patient's page then has its confirm / another time / withdraw form
    when = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3)).replace(microsecond=0, second=0)
    r = httpx.post(f"{base}/api/v1/clinician/appointments/{appointment}", headers=hc,
                   json={"action": "propose", "time": when.isoformat().replace("+00:00", "Z"), "message": "Tuesday morning?"})
    assert r.status_code == 200, r.text
    # a second challenge (egg) stopped by a reported sign: a safety alert on the clinician's challenges page
    r = httpx.post(f"{base}/api/v1/patients/{pid}/challenges", headers=hc,
                   json={"food": "food.egg", "released_for_home": True, "baseline_days": 7,
                         "doses": [{"day_offset": 0, "amount": "1/4 cooked egg"}]})
    assert r.status_code == 201, r.text
    stopped = r.json()["id"]
    r = httpx.post(f"{base}/api/v1/me/challenges/{stopped}/safety", headers=hp, json={"symptoms": ["hives"]})
    assert r.status_code == 200, r.text
    r = httpx.post(f"{base}/api/v1/patients/{pid}/challenges", headers=hc,
                   json={"food": "food.dairy", "released_for_home": True, "baseline_days": 7,
                         "doses": [{"day_offset": 0, "amount": "10 ml milk"}, {"day_offset": 3, "amount": "50 ml milk"}]})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]

    # a caregiver with a child profile and a few days logged for the child
    g = browser.new_context().new_page()
    register(g, base, "carer@example.org", "Carer")
    g.goto(base + "/data")
    g.fill("input[name=display_name]", "Mia")
    g.fill("input[name=birth_year]", "2019")
    g.click("form[action='/profiles/child'] button")
    g.wait_for_url(re.compile(r"/today\?patient=\d+"))
    child = int(g.url.split("patient=")[1])
    with httpx.Client(base_url=base, headers=token(base, "carer@example.org"), timeout=30) as api:
        for i in range(21):
            r = api.put(f"/api/v1/me/diary/{dt.date.today() - dt.timedelta(days=i)}", params={"patient_id": child},
                        json={"itch": (i * 3) % 11, "sleep_loss": i % 4, "flare": i % 7 == 2})
            assert r.status_code == 200, r.text

    # the states meant to be checked are there
    c.goto(base + "/clinic/challenges")
    assert c.locator("tr.alert-row").count() == 1
    p.goto(base + "/appointments")
    assert p.locator("td.status[data-status=proposed]").count() == 1
    anon = browser.new_context().new_page()
    q = f"?patient={child}"
    pages = {
        "anonymous": (anon, ["/", "/login", "/register", "/no-such-page"]),
        "patient": (p, ["/today", "/questionnaire/poem", "/questionnaire/recap", "/trends", "/insights", "/challenges", "/microbiome", f"/microbiome/{sample}",
                        "/sharing", "/appointments", "/account", "/data"]),
        "caregiver": (g, [f"/today{q}", f"/trends{q}", f"/insights{q}", f"/challenges{q}", f"/appointments{q}"]),
        "clinician": (c, ["/clinic", f"/clinic/patients/{pid}", "/clinic/appointments", "/clinic/challenges",
                          f"/clinic/patients/{pid}/challenges", f"/clinic/challenges/{cid}", f"/clinic/challenges/{stopped}",
                          f"/clinic/patients/{pid}/microbiome/{sample}", "/clinic/simulator", simulation]),
    }
    return pages


def settle(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until htmx fragments are in and every chart is drawn (axe checks what a person would see)."""
    page.wait_for_load_state("networkidle")
    if "/clinic/simulator/" in page.url:  # polls every second until the result is in
        page.wait_for_selector("#sim-chart[data-ready='1']", timeout=120_000)
    page.wait_for_function("[...document.querySelectorAll('canvas')].every(c => c.dataset.ready === '1')",
                           timeout=60_000)


def charts_state_their_data(page, path: str) -> int:  # type: ignore[no-untyped-def]
    """axe cannot judge a canvas's text alternative: every chart's aria-label must state the data."""
    labels = page.eval_on_selector_all("canvas", "cs => cs.map(c => c.getAttribute('aria-label') || '')")
    for label in labels:
        if "trend" in label.lower() or label.startswith("Itch and sleep loss"):
            assert re.search(r"itch on \d+ days, average \d+(\.\d)?, lowest \d+, highest \d+", label), (path, label)
        elif "forecast" in label:
            # seven days, each in words with its expected itch ("Wed 9 Dec 2026: 2.8"; day_words since 4e737a5)
            assert len(re.findall(r"[A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} \d{4}: \d+(\.\d)?", label)) == 7, (path, label)
        else:
            assert re.search(r"\d", label), (path, label)
    return len(labels)


def run_axe(page, axe, path: str) -> list[str]:  # type: ignore[no-untyped-def]
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})
    if os.environ.get("A11Y_INCOMPLETE"):  # print what axe could not decide, for a person to review
        for v in results.response["incomplete"]:
            for node in v["nodes"]:
                print("INCOMPLETE", path, v["id"], node["target"], (node.get("any") or [{}])[0].get("message", ""))
    out = []
    for v in results.response["violations"]:
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            if any(path.startswith(pre) and rule == v["id"] and sel == target for (pre, rule), sel in EXCLUDE.items()):
                continue
            out.append(f"{v['id']} ({v['impact']}) {target}: {node.get('failureSummary', '').splitlines()[-1].strip()}")
    return out


def test_every_page_passes_axe_wcag_a_aa(server, browser) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    pages = seed(server, browser)
    problems: list[str] = []
    checked = charts = 0
    for persona, (page, paths) in pages.items():
        for width, (w, h) in WIDTHS.items():
            page.set_viewport_size({"width": w, "height": h})
            for path in paths:
                resp = page.goto(server.base + path)
                assert resp is not None
                if path == "/no-such-page":
                    assert resp.status == 404  # the error page itself is what is checked
                else:
                    assert resp.status == 200, (persona, path, resp.status)
                settle(page)
                charts += charts_state_their_data(page, path)
                problems += [f"[{persona} {width}] {path}: {line}" for line in run_axe(page, axe, path)]
                checked += 1
    # what a refused form looks like: a wrong password, a password too short
    anon = pages["anonymous"][0]
    for width, (w, h) in WIDTHS.items():
        anon.set_viewport_size({"width": w, "height": h})
        for path, fill in (("/login", {"email": "pat@example.org", "password": "not the password"}),
                           ("/register", {"display_name": "Al", "email": "al@example.org", "password": "short"})):
            anon.goto(server.base + path)
            for name, value in fill.items():
                anon.fill(f"input[name={name}]", value)
            anon.evaluate("document.querySelector('form').noValidate = true")  # the server's refusal, not the browser's
            anon.click("button[type=submit]")
            anon.wait_for_selector("p.error[role=alert]")
            settle(anon)
            problems += [f"[anonymous {width}] {path} (refused): {line}" for line in run_axe(anon, axe, path)]
    # the check can fail: an unlabelled field added to a page is reported with its rule and selector
    anon.goto(server.base + "/login")
    anon.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<input type=\"text\" id=\"a11y-probe\">')")
    assert any(line.startswith("label (critical) #a11y-probe") for line in run_axe(anon, axe, "/login")), run_axe(anon, axe, "/login")
    # trend charts (patient, caregiver, clinician's patient page) and forecasts (patient, caregiver), both widths
    assert charts >= 2 * 5, charts
    assert checked == 2 * sum(len(paths) for _, paths in pages.values())
    assert not problems, "axe WCAG 2.0/2.1 A+AA violations:\n" + "\n".join(sorted(set(problems)))
