"""What a brand-new person sees: nothing that reads like a result they do not have yet."""

from __future__ import annotations

import re

from tests.conftest import People
from tests.safety.test_attacks import login_page


def test_a_new_patients_pages_say_what_is_not_there_yet(client, people) -> None:
    login_page(client, "stranger@example.org")
    trends = client.get("/trends").text
    assert 'id="no-days-yet"' in trends and "missing" not in trends.split('id="no-days-yet"')[1][:200]
    challenges = client.get("/challenges").text
    assert "This is not an all-clear" in challenges and "<li>None.</li>" not in challenges
    assert 'id="no-requests"' in client.get("/appointments").text


def test_deleting_the_account_is_confirmed_and_head_works(client, people) -> None:
    login_page(client, "stranger@example.org")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/data").text).group(1)
    r = client.post("/data/delete", data={"csrf_token": csrf, "password": People.password}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/?deleted=1"
    client.cookies.clear()
    assert 'id="account-deleted"' in client.get("/?deleted=1").text
    assert client.head("/").status_code == 200


def test_a_double_submitted_child_profile_is_made_once(client, people, engine) -> None:
    from sqlalchemy import func, select

    from gutskin.store.db import transaction
    from gutskin.store.models import Patient

    login_page(client, "owner@example.org")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/data").text).group(1)
    first = client.post("/profiles/child", data={"csrf_token": csrf, "display_name": "Mia"}, follow_redirects=False)
    again = client.post("/profiles/child", data={"csrf_token": csrf, "display_name": "mia "}, follow_redirects=False)
    assert first.status_code == 303 and again.status_code == 409 and "already manage a profile called" in again.text
    with transaction(engine) as s:
        n = s.scalar(select(func.count()).select_from(Patient).where(Patient.owner_user_id == people.owner.user_id,
                                                                      Patient.display_name == "Mia"))
    assert n == 1


def test_the_calendar_shows_its_dates_without_hovering(client, people) -> None:
    """Dates were only in tooltips, which touch screens never show."""
    import datetime as dt

    from tests.conftest import bearer

    h = bearer(client, "owner@example.org")
    today = dt.date.today()
    client.put(f"/api/v1/me/diary/{today.isoformat()}", json={"itch": 7, "flare": True}, headers=h)
    client.put(f"/api/v1/me/diary/{(today - dt.timedelta(days=2)).isoformat()}", json={"itch": 2}, headers=h)
    login_page(client, "owner@example.org")
    text = client.get("/trends?weeks=4").text
    cal = text.split('class="calendar"')[1].split("</div>")[0]
    # the diary starts two days ago (the first entry; the profile is from today): one day missed, the
    # 25 before it are not (they read "missing" until session 8 while the page said "1 not logged")
    assert cal.count(": logged, flare;") == 1 and cal.count(": logged;") == 1 and cal.count(": missing;") == 1
    assert cal.count(": before the diary started;") == 25
    assert cal.count('class="cal-week"') == 4
    days = re.findall(r'<span class="cal (logged|missing|before)([^"]*)" data-day="(\d{4}-\d{2}-(\d{2}))" title="[^"]*"(?: aria-hidden="true")?>(\d+)'
                      r'<span class="visually-hidden">: (logged|missing|before the diary started)(, flare)?;</span></span>', cal)
    assert len(days) == 28 and all(int(dd) == int(shown) for _, _, _, dd, shown, _, _ in days)
    # a screen reader hears each day's state, which the page shows by colour and outline only (the days before the
    # diary started are hidden from it since 2026-12-06: one sentence says where the diary starts; test_trends_calendar_reading)
    assert all(said.startswith(state) and (flare == " flare") == bool(heard) for state, flare, _, _, _, said, heard in days)


def test_a_patient_nobody_can_see_is_told_before_requesting_an_appointment(client, people) -> None:
    login_page(client, "stranger@example.org")  # not linked to any clinician
    assert 'id="nobody-sees-requests"' in client.get("/appointments").text
    client.cookies.clear()
    login_page(client, "owner@example.org")  # linked
    assert 'id="nobody-sees-requests"' not in client.get("/appointments").text


def test_days_before_the_profile_existed_are_not_counted_as_missed(engine, people) -> None:
    import datetime as dt

    from gutskin.clinic import diary, summary
    from gutskin.store.db import transaction

    today = dt.date.today()
    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, today, diary.DayInput(itch=3))
    with transaction(engine) as s:
        t = summary.trends(s, people.owner, people.owner_pid, 12, today=today)
    assert t["logged_days"] == 1 and t["missing_days"] == 0  # registered today: nothing missed yet
    with transaction(engine) as s:  # an imported older day starts the count there
        diary.put_day(s, people.owner, people.owner_pid, today - dt.timedelta(days=10), diary.DayInput(itch=2))
        t = summary.trends(s, people.owner, people.owner_pid, 12, today=today)
    assert t["logged_days"] == 2 and t["missing_days"] == 9
