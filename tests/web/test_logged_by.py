"""Who logged each diary day, on the Trends page and in ``GET /api/v1/me/diary`` (owner /
co-caregiver / stranger, SQLite and PostgreSQL), by the rule of /today's "Logged by"
(``gutskin.clinic.diary.day_authors``): the parent (Owner) logs Mia's day three days ago, the
co-caregiver B (the stranger account) yesterday, the operator's import (no author) two days ago.
Each keeper sees the other's name and "you" for their own days; a third person account and a
clinician get no day and no name; a co-caregiver removed since is "a former caregiver", never
named to the one who comes after. Before, the list items had no ``logged_by`` and Trends named nobody."""

from __future__ import annotations

import datetime as dt
import html
import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from gutskin.clinic import accounts, caregivers, diary, sharing
from gutskin.clinic.actors import SYSTEM
from gutskin.diary.dates import day_words
from gutskin.store.db import transaction
from gutskin.store.models import User
from tests.conftest import bearer
from tests.safety.test_attacks import login_page

TODAY = dt.date.today()
BY_OWNER, UNRECORDED, BY_B = (str(TODAY - dt.timedelta(days=n)) for n in (3, 2, 1))


def _family(engine, people):  # type: ignore[no-untyped-def]
    """Mia, kept by Owner and B, shared with the linked clinician; Carl is a person account with no part in it."""
    with transaction(engine) as s:
        mia = accounts.add_child_profile(s, people.owner, "Mia", 2019).id
        code = caregivers.create_code(s, people.owner, mia)["code"]
        sharing.accept_invite(s, people.clinician, sharing.create_invite(s, people.owner, mia)["code"])
        accounts.register_patient(s, "carl@example.org", people.password, "Carl")
    with transaction(engine) as s:
        caregivers.redeem(s, people.stranger, code)
        diary.put_day(s, people.owner, mia, dt.date.fromisoformat(BY_OWNER), diary.DayInput(itch=2))
        diary.put_day(s, SYSTEM, mia, dt.date.fromisoformat(UNRECORDED), diary.DayInput(itch=3))
        diary.put_day(s, people.stranger, mia, dt.date.fromisoformat(BY_B), diary.DayInput(itch=5))
    return mia


def _logged_by(client, headers, mia):  # type: ignore[no-untyped-def]
    r = client.get(f"/api/v1/me/diary?patient_id={mia}", headers=headers)
    assert r.status_code == 200, r.text
    return {d["date"]: d["logged_by"] for d in r.json()}


def test_the_api_diary_list_says_who_logged_each_day(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    mia = _family(engine, people)
    a, b = bearer(client, "owner@example.org"), bearer(client, "stranger@example.org")
    assert _logged_by(client, a, mia) == {
        BY_OWNER: {"name": "Owner", "role": "caregiver", "you": True},
        UNRECORDED: None,
        BY_B: {"name": "Stranger", "role": "co_caregiver", "you": False},
    }
    assert _logged_by(client, b, mia) == {
        BY_OWNER: {"name": "Owner", "role": "caregiver", "you": False},
        UNRECORDED: None,
        BY_B: {"name": "Stranger", "role": "co_caregiver", "you": True},
    }
    # a ranged read names the days of the range only, and the own profile's days are the account's own
    ranged = client.get(f"/api/v1/me/diary?patient_id={mia}&start={BY_B}&end={BY_B}", headers=a).json()
    assert [(d["date"], d["itch"], d["logged_by"]["name"]) for d in ranged] == [(BY_B, 5, "Stranger")]
    assert client.put(f"/api/v1/me/diary/{BY_B}", json={"itch": 1}, headers=a).status_code == 200
    own = client.get("/api/v1/me/diary", headers=a).json()
    assert [d["logged_by"] for d in own] == [{"name": "Owner", "role": "patient", "you": True}]


def test_strangers_and_clinicians_get_no_day_and_no_name(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    mia = _family(engine, people)
    carl, doc = bearer(client, "carl@example.org"), bearer(client, "linked@clinic.example.org")
    r = client.get(f"/api/v1/me/diary?patient_id={mia}", headers=carl)
    assert r.status_code == 404 and "Owner" not in r.text and "Stranger" not in r.text
    r = client.get(f"/api/v1/me/diary?patient_id={mia}", headers=doc)
    assert r.status_code == 403 and "Stranger" not in r.text
    # the clinician's own diary route gives the days without names (the clinic learns roles, not people)
    days = client.get(f"/api/v1/patients/{mia}/diary", headers=doc).json()
    assert len(days) == 3 and all("logged_by" not in d for d in days)


def test_a_removed_co_caregiver_is_not_named_to_the_next_one(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    mia = _family(engine, people)
    a, carl = bearer(client, "owner@example.org"), bearer(client, "carl@example.org")
    grant = client.get(f"/api/v1/me/caregivers?patient_id={mia}", headers=a).json()[0]["id"]
    assert client.delete(f"/api/v1/me/caregivers/{grant}?patient_id={mia}", headers=a).status_code == 204
    code = client.post(f"/api/v1/me/caregiver-invites?patient_id={mia}", headers=a).json()["code"]
    assert client.post("/api/v1/me/caregiving", json={"code": code}, headers=carl).status_code == 201
    r = client.get(f"/api/v1/me/diary?patient_id={mia}", headers=carl)
    assert "Stranger" not in r.text and "stranger@example.org" not in r.text
    seen = {d["date"]: d["logged_by"] for d in r.json()}
    assert seen[BY_B] == {"name": "a former caregiver", "role": "co_caregiver", "you": False}
    assert seen[BY_OWNER] == {"name": "Owner", "role": "caregiver", "you": False}
    assert _logged_by(client, a, mia)[BY_B]["name"] == "a former caregiver"


def test_today_names_no_removed_co_caregiver_either(engine, people, settings) -> None:  # type: ignore[no-untyped-def]
    """/today had named the removed B to the co-caregiver who came after (the rule is one function now)."""
    mia = _family(engine, people)
    with transaction(engine) as s:
        [grant] = caregivers.list_caregivers(s, people.owner, mia)
        caregivers.remove(s, people.owner, mia, int(grant["id"]))  # type: ignore[arg-type]
        code = caregivers.create_code(s, people.owner, mia)["code"]
    with transaction(engine) as s:
        carl = s.scalar(select(User).where(User.email == "carl@example.org"))
        caregivers.redeem(s, accounts.actor_for(carl), code)
    page = _signed_in(settings, "carl@example.org").get(f"/today?date={BY_B}&patient={mia}")
    assert page.status_code == 200 and "Stranger" not in page.text
    assert 'id="day-author">Logged by <strong>a former caregiver</strong>.' in page.text


def _signed_in(settings, email: str) -> TestClient:  # type: ignore[no-untyped-def]
    from gutskin.web import create_app

    c = TestClient(create_app(settings), follow_redirects=False)
    assert login_page(c, email).status_code == 303
    return c


def _calendar(page: str) -> dict[str, str]:
    """The calendar's days and their spoken text (``2026-12-05: logged by Stranger``)."""
    cal = page.split('class="calendar"')[1].split("</div>")[0]
    return {d: t for d, t in re.findall(r'data-day="(\d{4}-\d\d-\d\d)" title="[^"]*">\d+<span class="visually-hidden">: ([^;<]*);', cal)}


def test_the_trends_page_says_who_logged_each_day(engine, people, settings) -> None:  # type: ignore[no-untyped-def]
    mia = _family(engine, people)
    a, b = _signed_in(settings, "owner@example.org"), _signed_in(settings, "stranger@example.org")
    page = a.get(f"/trends?patient={mia}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    days = _calendar(text)
    assert (days[BY_OWNER], days[UNRECORDED], days[BY_B]) == ("logged", "logged", "logged by Stranger")
    assert f'title="{day_words(BY_B)}, logged by Stranger"' in text
    assert re.findall(r'<ul id="logged-by"><li>(.*?)</li></ul>', text) == [f"Logged by <strong>Stranger</strong>: {day_words(BY_B)}"]
    # the chart's data (the clinic's page shares it) carries no name
    assert "Stranger" not in re.search(r'id="trend-data">(.*?)</script>', text, re.S).group(1)  # type: ignore[union-attr]

    days = _calendar(html.unescape(b.get(f"/trends?patient={mia}").text))
    assert (days[BY_OWNER], days[UNRECORDED], days[BY_B]) == ("logged by Owner", "logged", "logged")

    own = html.unescape(a.get("/trends").text)  # the parent's own diary: nobody else, no list
    assert 'id="logged-by"' not in own and "logged by someone else" not in own

    carl = _signed_in(settings, "carl@example.org").get(f"/trends?patient={mia}")
    assert carl.status_code == 404 and "Owner" not in carl.text and "Stranger" not in carl.text
    doc = _signed_in(settings, "linked@clinic.example.org").get(f"/clinic/patients/{mia}")
    assert doc.status_code == 200 and 'id="logged-by"' not in doc.text and "Stranger" not in doc.text
