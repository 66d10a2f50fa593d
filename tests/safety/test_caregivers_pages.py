"""A child's co-caregiver on the web pages (owner / co-caregiver / stranger), SQLite and PostgreSQL:
the parent makes a code on /caregivers, B enters it and logs Mia's day on /today; the parent sees
B as the day's author; the managing parent's pages (sharing, appointments, caregivers, deleting),
A's own record and A's other child are 404 for B; after removal B gets 404 for Mia too."""

from __future__ import annotations

import datetime as dt
import html
import re

from fastapi.testclient import TestClient

from gutskin.clinic import accounts
from gutskin.store.db import transaction
from tests.safety.test_attacks import login_page

DAY = (dt.date.today() - dt.timedelta(days=1)).isoformat()


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def _signed_in(settings, email: str) -> TestClient:  # type: ignore[no-untyped-def]
    from gutskin.web import create_app

    c = TestClient(create_app(settings), follow_redirects=False)
    assert login_page(c, email).status_code == 303
    return c


def test_a_co_caregiver_logs_the_childs_day_and_nothing_else(engine, people, settings) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        mia = accounts.add_child_profile(s, people.owner, "Mia", 2019).id
        leo = accounts.add_child_profile(s, people.owner, "Leo", 2021).id
    a, b = _signed_in(settings, "owner@example.org"), _signed_in(settings, "stranger@example.org")
    page = a.get("/caregivers")
    assert page.status_code == 200 and "Create a caregiver code for Mia" in page.text
    posted = a.post(f"/caregivers/invite?patient={mia}", data={"csrf_token": _csrf(page.text)})
    assert posted.status_code == 303 and posted.headers["location"] == "/caregivers"  # Post/Redirect/Get
    made = a.get("/caregivers")
    code = re.search(r'id="caregiver-code">([^<]+)<', made.text).group(1)  # type: ignore[union-attr]
    listed = re.search(r'<li>Made [^<]*: the code above\s*<form method="post" action="/caregivers/invites/(\d+)/cancel\?patient=(\d+)"',
                       made.text)  # the unused code is listed with its Cancel, for this child
    assert listed and int(listed.group(2)) == mia and 'aria-label="Cancel the code made' in made.text
    page = b.get("/caregivers")
    bad = b.post("/caregivers/redeem", data={"code": "AAAA-BBBB-CCCC", "csrf_token": _csrf(page.text)})
    assert bad.status_code == 404 and "unknown, used or expired" in bad.text and "Mia" not in bad.text
    got = b.post("/caregivers/redeem", data={"code": code, "csrf_token": _csrf(page.text)})
    assert got.status_code == 303 and got.headers["location"] == f"/today?patient={mia}"

    today = b.get(f"/today?date={DAY}&patient={mia}")
    assert today.status_code == 200 and "Logging for <strong>Mia</strong>" in today.text
    assert 'href="/sharing' not in today.text and 'href="/appointments' not in today.text  # the parent's pages
    assert "you help keep it" in today.text
    saved = b.post(f"/today?patient={mia}", data={"date": DAY, "itch": "7", "csrf_token": _csrf(today.text)})
    assert saved.status_code == 303
    seen = a.get(f"/today?date={DAY}&patient={mia}")
    assert re.search(r'id="day-author">Logged by <strong>Stranger</strong>', seen.text), seen.text[:2000]
    assert 'id="day-author"' not in b.get(f"/today?date={DAY}&patient={mia}").text  # B's own entry

    for url in (f"/insights/panel?patient={mia}", f"/data/report.pdf?patient={mia}", f"/microbiome?patient={mia}",
                f"/trends?patient={mia}", f"/questionnaire/poem?patient={mia}", f"/data/diary.csv?patient={mia}"):
        assert b.get(url).status_code == 200, url
    data = b.get("/data").text
    assert "Diary of Mia" in data and f'id="profile-{mia}"' not in data  # no Delete for a child B only helps keep
    token = _csrf(data)
    for method, url in (("GET", f"/sharing?patient={mia}"), ("GET", f"/appointments?patient={mia}"),
                        ("POST", f"/sharing/invite?patient={mia}"), ("POST", f"/caregivers/invite?patient={mia}"),
                        ("POST", f"/profiles/{mia}/delete"), ("GET", f"/today?patient={leo}"),
                        ("GET", f"/today?patient={people.owner_pid}"), ("GET", f"/trends?patient={leo}"),
                        ("POST", f"/caregivers/leave/{leo}")):
        r = b.request(method, url, data={"csrf_token": token, "password": people.password} if method == "POST" else None)
        assert r.status_code == 404, (url, r.status_code)
        assert "Leo" not in html.unescape(r.text) and "Owner" not in r.text

    # the clinic sees nothing of Mia (not shared), and a clinician cannot redeem
    doc = _signed_in(settings, "linked@clinic.example.org")
    assert doc.get(f"/clinic/patients/{mia}").status_code == 404
    assert doc.post("/caregivers/redeem", data={"code": code, "csrf_token": "x"}).status_code == 403

    # the parent removes B: Mia is gone from B's pages at once
    page = a.get("/caregivers")
    assert "stranger@example.org" in page.text
    gid = re.search(r'action="/caregivers/(\d+)/remove\?patient=' + str(mia), page.text).group(1)  # type: ignore[union-attr]
    assert a.post(f"/caregivers/{gid}/remove?patient={mia}", data={"csrf_token": _csrf(page.text)}).status_code == 303
    assert b.get(f"/today?patient={mia}").status_code == 404
    assert b.get(f"/insights/panel?patient={mia}").status_code == 404
    assert "Mia" not in b.get("/today").text and "Mia" not in b.get("/caregivers").text
