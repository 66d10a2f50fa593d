"""Challenge pages through the app (SQLite): forms with CSRF, roles, the supervised record, the patient's safety stop."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.conftest import TEST_SECRET, People


@pytest.fixture
def web(sqlite_url):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from gutskin.settings import Settings
    from gutskin.store.db import get_engine
    from gutskin.web import create_app

    people = People(get_engine(sqlite_url))
    app = create_app(Settings(database_url=sqlite_url, secret_key=TEST_SECRET, env="test"))
    with TestClient(app) as a, TestClient(app) as b:
        yield people, a, b


def csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, html[:500]
    return m.group(1)


def login(c, email: str) -> None:  # type: ignore[no-untyped-def]
    page = c.get("/login")
    r = c.post("/login", data={"email": email, "password": People.password, "csrf_token": csrf(page.text)},
               follow_redirects=False)
    assert r.status_code == 303, r.text


def test_clinician_plans_and_records_supervised_challenge(web, sqlite_url) -> None:  # type: ignore[no-untyped-def]
    people, doc, pat = web
    login(doc, "linked@clinic.example.org")
    login(pat, "owner@example.org")
    pid = people.owner_pid
    page = doc.get(f"/clinic/patients/{pid}/challenges")
    assert page.status_code == 200 and "Plan a challenge" in page.text
    token = csrf(page.text)
    # no browser zone is known to this client, so the pages read dates and times in UTC: the test does too
    # (with the machine's local time it failed on a machine far from UTC)
    utc_now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    utc_given = max(utc_now - dt.timedelta(minutes=30), utc_now.replace(hour=0, minute=0, second=0))
    form = {"food": "food.egg", "kind": "home", "start": utc_now.date().isoformat(), "baseline_days": "7",
            "elimination_days": "0", "observation_hours": "48", "doses": "0: 1/4 egg", "csrf_token": token}
    # home without release: refused with the reason shown on the page
    r = doc.post(f"/clinic/patients/{pid}/challenges", data=form)
    assert r.status_code == 422 and "released_for_home" in r.text
    # a forged form without the token is refused
    assert doc.post(f"/clinic/patients/{pid}/challenges", data={**form, "csrf_token": "x"}).status_code == 403
    r = doc.post(f"/clinic/patients/{pid}/challenges",
                 data={**form, "kind": "supervised", "doses": "0: 3 mg protein\n0: 30 mg protein"}, follow_redirects=False)
    assert r.status_code == 303
    url = r.headers["location"]
    detail = doc.get(url)
    assert "Supervised challenge record" in detail.text and "Not evaluated yet" in detail.text
    t = csrf(detail.text)
    given = utc_given.strftime("%Y-%m-%dT%H:%M")
    r = doc.post(url + "/supervised-dose", data={"step": "1", "given_at": given, "amount": "3 mg protein",
                                                 "symptoms": "none", "csrf_token": t})
    assert "doses of this plan are given from" in r.text  # still the baseline week: refused, with the way out
    from gutskin.store.db import get_engine
    from tests.challenges.test_services import shift_back

    shift_back(get_engine(sqlite_url), int(url.rsplit("/", 1)[1]), 7)  # the baseline week is over
    t = csrf(detail.text)
    given = utc_given.strftime("%Y-%m-%dT%H:%M")
    r = doc.post(url + "/supervised-dose", data={"step": "1", "given_at": given, "amount": "3 mg protein",
                                                 "symptoms": "none", "csrf_token": t})
    assert r.status_code == 200 and "dose-taken" in r.text
    r = doc.post(url + "/supervised-outcome", data={"immediate_outcome": "negative", "notes": "home observation",
                                                    "csrf_token": t})
    assert "negative" in r.text
    r = doc.post(url + "/evaluate", data={"csrf_token": t})
    assert 'id="verdict"' in r.text
    # the patient sees the step and cannot open clinician pages
    assert "in clinic" in pat.get("/challenges").text or "Do not eat egg" in pat.get("/challenges").text
    assert pat.get(url).status_code == 403
    assert pat.get(f"/clinic/patients/{pid}/challenges").status_code == 403
    r = doc.post(url + "/outcome", data={"outcome": "refuted", "note": "", "avoid": "default", "csrf_token": t})
    assert "allergy refuted" in r.text
    assert "no reaction found (the clinic&#39;s decision)" in pat.get("/challenges").text


def test_unlinked_clinician_gets_404_and_patient_safety_stop_page(web) -> None:  # type: ignore[no-untyped-def]
    from gutskin.clinic import challenges as ch
    from gutskin.store.db import get_engine, transaction

    people, doc, pat = web
    login(doc, "unlinked@clinic.example.org")
    login(pat, "owner@example.org")
    assert doc.get(f"/clinic/patients/{people.owner_pid}/challenges").status_code == 404
    engine = get_engine(str(pat.app.state.settings.database_url))
    with transaction(engine) as s:
        out = ch.create_plan(s, people.clinician, people.owner_pid, ch.PlanInput(
            food="food.egg", kind="home", released_for_home=True, doses=[ch.DoseStep(0, "1/4 egg")]))
    assert doc.get(f"/clinic/challenges/{out['id']}").status_code == 404
    page = pat.get("/challenges")
    assert "Do not eat egg today" in page.text and 'id="take-dose"' not in page.text
    r = pat.post(f"/challenges/{out['id']}/safety", data={"symptom": "faint", "csrf_token": csrf(page.text)})
    assert r.status_code == 200 and 'id="emergency-guidance"' in r.text and "emergency number" in r.text
    assert "challenge stopped" in r.text  # on the avoid list until the clinician reviews


def test_signs_after_a_taken_dose_show_on_that_dose_row(web) -> None:  # type: ignore[no-untyped-def]
    """The clinician's dose table names the signs the patient reported after a dose (with the time
    in the viewer's zone), not only the alert at the top of the page."""
    from gutskin.clinic import challenges as ch
    from gutskin.store.db import get_engine, transaction
    from tests.challenges.test_services import egg_plan_at_first_dose

    people, doc, _ = web
    engine = get_engine(str(doc.app.state.settings.database_url))
    out = egg_plan_at_first_dose(engine, people.clinician, people.owner_pid)
    cid, dose_id = int(out["id"]), out["doses"][0]["id"]
    with transaction(engine) as s:
        ch.take_dose(s, people.owner, cid, dose_id, {k: False for k in ch.SAFETY_SYMPTOMS})
        ch.safety_check(s, people.owner, cid, ["hives"], dose_id)
    login(doc, "linked@clinic.example.org")
    page = doc.get(f"/clinic/challenges/{cid}").text
    row = re.search(r'<tr class="dose-taken">.*?</tr>', page, re.S).group(0)
    assert "after the dose" in row and ch.SAFETY_SYMPTOMS["hives"] in row, row
    assert "by the patient" in row  # who recorded the dose as taken


def test_a_childs_home_dose_says_the_parent_recorded_it(web) -> None:  # type: ignore[no-untyped-def]
    from gutskin.clinic import accounts
    from gutskin.clinic import challenges as ch
    from gutskin.clinic import sharing
    from gutskin.store.db import get_engine, transaction
    from tests.challenges.test_services import egg_plan_at_first_dose

    people, doc, _ = web
    engine = get_engine(str(doc.app.state.settings.database_url))
    with transaction(engine) as s:
        leo = accounts.add_child_profile(s, people.owner, "Leo", 2017).id
        code = sharing.create_invite(s, people.owner, leo)["code"]
    with transaction(engine) as s:
        sharing.accept_invite(s, people.clinician, code)
    out = egg_plan_at_first_dose(engine, people.clinician, leo)
    cid = int(out["id"])
    with transaction(engine) as s:
        ch.take_dose(s, people.owner, cid, out["doses"][0]["id"], {k: False for k in ch.SAFETY_SYMPTOMS})
        assert [d["recorded_by_role"] for d in ch.get_challenge(s, people.clinician, cid)["doses"]] == ["caregiver", None]
    login(doc, "linked@clinic.example.org")
    row = re.search(r'<tr class="dose-taken">.*?</tr>', doc.get(f"/clinic/challenges/{cid}").text, re.S).group(0)
    assert "by the parent" in row, row
