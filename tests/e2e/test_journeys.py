"""End-to-end in headless Chromium against a real server, on SQLite and PostgreSQL.

Journey: a patient registers, logs a day, sees the chart, shares with a clinician; the
clinician links and sees the patient; the patient revokes and the clinician no longer sees
them; a stranger sees nothing.
"""

from __future__ import annotations

import re

import httpx
import pytest

pytestmark = pytest.mark.e2e
PASSWORD = "a long enough password"


def register(page, base: str, email: str, name: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/register")
    page.fill("input[name=display_name]", name)
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/today"))


def login(page, base: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def create_clinician(server, email: str, *extra: str) -> None:  # type: ignore[no-untyped-def]
    """A clinician account made with the operator's CLI, as README says (``extra``: e.g. ``--name``)."""
    made = server.cli("users", "create", "--email", email, "--role", "clinician", "--password", PASSWORD, *extra)
    assert made.returncode == 0, made.stderr


def link_by_invite(page, base: str, clinician: str) -> int:  # type: ignore[no-untyped-def]
    """The patient signed in on ``page`` makes an invite code on *Sharing* and ``clinician`` redeems it
    through the API; the patient's id."""
    page.goto(base + "/sharing")
    page.click("#new-invite")
    code = page.locator("#invite-code").inner_text().strip()
    tok = httpx.post(base + "/api/v1/auth/token", json={"email": clinician, "password": PASSWORD}).json()["access_token"]
    linked = httpx.post(base + "/api/v1/clinician/links", json={"code": code}, headers={"Authorization": f"Bearer {tok}"})
    assert linked.status_code in (200, 201), linked.text
    return int(linked.json()["patient_id"])


def test_patient_clinician_stranger_journey(server, browser) -> None:  # type: ignore[no-untyped-def]
    base = server.base
    made = server.cli("users", "create", "--email", "doc@clinic.example.org", "--role", "clinician", "--password", PASSWORD)
    assert made.returncode == 0, made.stderr

    patient = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    p = patient.new_page()
    register(p, base, "pat@example.org", "Pat")
    # log a day: sliders, a chip, flare, save
    p.locator("#itch").fill("7")
    assert p.locator("#itch-out").inner_text() == "7"
    p.locator("#sleep_loss").fill("3")
    p.locator("label.chip", has_text="Dairy").click()
    p.check("input[name=flare]")
    p.click("#save")
    p.wait_for_selector("#saved-msg")
    assert p.locator("#itch").input_value() == "7"
    assert p.locator("input[name='f:food.dairy']").is_checked()
    # trends: the chart is drawn with today's point
    p.goto(base + "/trends?weeks=4")
    p.wait_for_selector("#trend-chart[data-ready='1']")
    itch = p.evaluate("window.gutskinChart.data.datasets[0].data")
    assert itch[-1] == 7 and all(v is None for v in itch[:-1])
    assert "1 day logged since the diary started on " in p.locator("#days-count").inner_text()  # counted from its first day (2026-12-07)
    p.select_option("#overlay-factor", "food.dairy")  # factor days overlaid on the chart
    overlay = p.evaluate("window.gutskinChart.data.datasets.filter(ds => ds.isFactor).map(ds => [ds.label, ds.data.slice(-1)[0]])")
    assert overlay == [["Dairy", 0.3]]  # labelled as on the chips
    # share
    p.goto(base + "/sharing")
    p.click("#new-invite")
    code = p.locator("#invite-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)

    clinic = browser.new_context()
    c = clinic.new_page()
    login(c, base, "doc@clinic.example.org")
    c.wait_for_url(re.compile(r"/clinic"))
    assert c.locator("#no-patients").count() == 1
    c.fill("input[name=code]", code)
    c.click("form[action='/clinic/link'] button")
    c.wait_for_selector("text=Patient linked.")
    assert "today" in c.locator("table.panel tbody tr", has_text="Pat").inner_text()  # last entry, in words
    c.locator("table.panel a", has_text="Pat").click()
    c.wait_for_selector("#trend-chart[data-ready='1']")
    assert c.evaluate("window.gutskinChart.data.datasets[0].data.slice(-1)[0]") == 7
    patient_url = c.url
    assert "cannot change them" in c.locator("#what-you-can-do").inner_text()  # what is the patient's, what the clinic adds

    # the patient sees the clinician's access, then revokes it
    p.goto(base + "/sharing")
    assert "doc@clinic.example.org" in p.locator(".access").inner_text()
    p.click(".access button.danger")
    p.wait_for_selector("#no-access")
    resp = c.goto(patient_url)
    assert resp is not None and resp.status == 404
    c.goto(base + "/clinic")
    assert c.locator("#no-patients").count() == 1

    # a stranger sees nothing: not the clinician page, not the API, not the patient's days
    stranger = browser.new_context()
    s = stranger.new_page()
    register(s, base, "stranger@example.org", "Stranger")
    resp = s.goto(patient_url)
    assert resp is not None and resp.status == 403
    assert "Pat" not in s.content()
    pid = patient_url.rstrip("/").split("/")[-1]
    token = httpx.post(base + "/api/v1/auth/token", json={"email": "stranger@example.org", "password": PASSWORD}).json()
    r = httpx.get(f"{base}/api/v1/patients/{pid}/diary", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert r.status_code == 404
    s.goto(base + "/today")
    assert s.locator("#itch").input_value() == "0"  # the stranger's own empty diary, nothing prefilled from Pat
    for ctx in (patient, clinic, stranger):
        ctx.close()


def test_logout_and_csrf(server, browser) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context()
    page = ctx.new_page()
    register(page, server.base, "csrf@example.org", "C")
    cookies = {c["name"]: c for c in ctx.cookies()}
    session = cookies["gutskin_session"]
    assert session["httpOnly"] and session["sameSite"] == "Lax"
    # a forged form post without the CSRF token is refused
    status = page.evaluate(
        """async () => (await fetch('/today', {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'},
            body: 'date=2026-11-01&itch=9'})).status"""
    )
    assert status == 403
    page.click("text=Log out")
    page.wait_for_url(re.compile(r"/login"))
    # the old session id no longer works
    r = httpx.get(server.base + "/today", cookies={"gutskin_session": session["value"]}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    ctx.close()


def test_insights_page_shows_triggers_and_forecast(server, browser) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt
    import random

    base = server.base
    httpx.post(base + "/api/v1/auth/register", json={"email": "ins@example.org", "password": PASSWORD})
    tok = httpx.post(base + "/api/v1/auth/token", json={"email": "ins@example.org", "password": PASSWORD}).json()
    h = {"Authorization": f"Bearer {tok['access_token']}"}
    rng = random.Random(3)
    egg = [rng.random() < 0.4 for _ in range(90)]
    start = dt.date.today() - dt.timedelta(days=89)
    with httpx.Client(base_url=base, headers=h) as api:
        for i in range(90):
            itch = min(10, max(0, 3 + (3 if i and egg[i - 1] else 0) + rng.choice((-1, 0, 1))))
            r = api.put(f"/api/v1/me/diary/{start + dt.timedelta(days=i)}",
                        json={"itch": itch, "sleep_loss": max(0, itch - 2), "factors": {"food.egg": int(egg[i])}})
            assert r.status_code == 200
    ctx = browser.new_context()
    page = ctx.new_page()
    login(page, base, "ins@example.org")
    page.wait_for_url(re.compile(r"/today"))
    page.goto(base + "/insights")
    page.wait_for_selector("#forecast-chart[data-ready='1']", timeout=60_000)
    assert re.fullmatch(r"under 1%|over 99%|[1-9]\d?%", page.locator("#flare-risk").inner_text())  # never 0% or 100%
    page.wait_for_selector("#sleep-forecast-chart[data-ready='1']")  # sleep loss was logged: its own chart
    assert re.fullmatch(r"under 1%|over 99%|[1-9]\d?%", page.locator("#sleep-risk").inner_text())
    labels = page.evaluate("Object.keys(window.gutskinForecasts).map(k => window.gutskinForecasts[k].data.datasets[4].label)")
    assert sorted(labels) == ["Expected itch", "Expected sleep loss"]
    worse = page.locator("li.trigger").all_inner_texts()
    assert any(t.startswith("Egg: likely makes your itch worse the next day") for t in worse), worse
    plan = page.locator("li.what-if[data-factor='food.egg']").inner_text()
    assert re.fullmatch(r"Egg every day of the next 7 days: chance of a bad day (under 1%|over 99%|\d+%), average itch "
                        r"\d+\.\d out of 10; with no egg: (under 1%|over 99%|\d+%), average itch \d+\.\d out of 10\.", plan), plan
    ctx.close()


def test_microbiome_upload_and_report(server, browser, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    base = server.base
    ctx = browser.new_context()
    page = ctx.new_page()
    register(page, base, "gut@example.org", "Gut")
    page.goto(base + "/microbiome")
    bad = tmp_path / "notes.exe"
    bad.write_bytes(b"MZ....")
    page.set_input_files("input[name=file]", str(bad))
    page.click("form[enctype='multipart/form-data'] button")
    assert "expected a BIOM" in page.locator("#upload-error").inner_text()
    profile = Path(__file__).resolve().parents[1] / "web" / "data" / "metaphlan_profile.tsv"
    page.set_input_files("input[name=file]", str(profile))
    page.select_option("select[name=method]", "shotgun")
    page.click("form[enctype='multipart/form-data'] button")
    page.wait_for_url(re.compile(r"/microbiome/\d+$"))
    assert "not compared with Flemish Gut Flora Project" in page.content()
    assert page.locator("#taxa").inner_text().count("found") >= 1
    page.goto(base + "/trends")
    assert "Latest sample" in page.locator("#micro-summary").inner_text()
    ctx.close()


def test_clinician_runs_an_arm_comparison(server, browser) -> None:  # type: ignore[no-untyped-def]
    base = server.base
    assert server.cli("users", "create", "--email", "sim@clinic.example.org", "--role", "clinician",
                      "--password", PASSWORD).returncode == 0
    ctx = browser.new_context()
    page = ctx.new_page()
    login(page, base, "sim@clinic.example.org")
    page.wait_for_url(re.compile(r"/clinic"))
    page.goto(base + "/clinic/simulator")
    page.fill("input[name=patients]", "8")
    page.fill("input[name=weeks]", "16")
    page.click("#run-sim")
    page.wait_for_selector("#sim-chart[data-ready='1']", timeout=120_000)
    rows = page.locator("#sim-table tbody tr").all_inner_texts()
    assert [r.split("\t")[0] for r in rows] == ["Placebo / standard care", "Dupilumab (IL-4Rα)"]  # words, not codes
    medians = page.evaluate("window.gutskinSimulation.data.datasets.map(d => d.data.length)")
    assert medians == [17, 17]
    # the job belongs to this clinician only; patients cannot open the simulator
    job_url = page.url
    other = browser.new_context()
    p2 = other.new_page()
    register(p2, base, "nosim@example.org", "P")
    assert p2.goto(base + "/clinic/simulator").status == 403
    assert p2.goto(job_url).status == 403
    ctx.close()
    other.close()


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12"])  # UTC+14 and UTC-12
def test_the_diary_opens_on_the_persons_own_date(server, browser, zone: str) -> None:  # type: ignore[no-untyped-def]
    """A browser far from the server's time zone: the first page load learns the zone and the
    diary shows (and saves) the person's date, not the server's."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    ctx = browser.new_context(timezone_id=zone)
    p = ctx.new_page()
    register(p, server.base, f"tz-{zone.replace('/', '-').lower()}@example.org", "Zoned")
    local = dt.datetime.now(ZoneInfo(zone)).date().isoformat()
    p.wait_for_function("document.cookie.indexOf('tz=') >= 0")
    p.wait_for_function(f"document.getElementById('day-title').getAttribute('data-day') === '{local}'")
    p.locator("#itch").fill("4")
    p.click("#save")
    p.wait_for_selector("#saved-msg")
    assert p.locator("#day-title").get_attribute("data-day") == local
    ctx.close()


def test_a_diary_from_another_app_is_imported_on_my_data(server, browser, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context()
    p = ctx.new_page()
    register(p, server.base, "mover@example.org", "Mover")
    old = tmp_path / "export-from-old-app.csv"
    old.write_text("patient,date,itch,sleep_loss,food.egg\nU-991,2026-02-01,5,2,1\nU-991,2026-02-02,7,4,0\n")
    p.goto(server.base + "/data")
    p.set_input_files("input[name=file]", str(old))
    p.click("form[action='/data/import'] button")
    assert p.locator("#import-done").inner_text() == "Imported 2 days."
    p.goto(server.base + "/today?date=2026-02-02")
    assert p.locator("#itch").input_value() == "7"  # the imported day, in the person's own diary
    ctx.close()


def test_pages_fit_a_phone_and_an_untouched_slider_stays_unrecorded(server, browser) -> None:  # type: ignore[no-untyped-def]
    """At 375 px tables widened /sharing to 516 px; a day saved without touching the itch slider
    stored itch 0."""
    ctx = browser.new_context(viewport={"width": 375, "height": 740})
    p = ctx.new_page()
    register(p, server.base, "phone@example.org", "Phone")
    for path in ("/sharing", "/appointments", "/data", "/today", "/account"):
        p.goto(server.base + path)
        width = p.evaluate("document.scrollingElement.scrollWidth")
        assert width <= 375, (path, width)
    p.goto(server.base + "/today?date=2026-11-10")
    assert p.locator("#itch-out").inner_text() == "not recorded"
    p.click("#save")
    p.wait_for_selector("#saved-msg")
    assert p.locator("#itch-out").inner_text() == "not recorded"  # saved without a score
    p.locator("#itch").focus()
    p.keyboard.press("ArrowRight")  # the keyboard moves it: now it is a score
    assert p.locator("#itch-out").inner_text() == "1"
    p.click("#save")
    p.wait_for_selector("#saved-msg")
    assert p.locator("#itch").input_value() == "1" and p.locator("#itch-out").inner_text() == "1"
    ctx.close()
