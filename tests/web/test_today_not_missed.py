"""Today is not a missed day until it is over (new-user walk, 2026-12-07): a patient who had logged
every day since the diary started and opened Trends before logging today read "1 not logged" and
saw today's cell dashed "missing" in the calendar, on their page and the clinician's. Today unlogged
is now "today, not logged yet" and not counted; once logged it is logged. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from tests.conftest import bearer
from tests.safety.test_attacks import login_page
from tests.web.test_new_diary_trends import _data


def _calendar(page: str) -> str:
    return page.split('class="calendar"')[1].split("</div>")[0]


def test_today_unlogged_is_open_not_missed(client, people) -> None:
    login_page(client, "owner@example.org")
    today = dt.date.fromisoformat(_data(client.get("/trends").text)["dates"][-1])  # the patient's today, as the page has it
    owner = bearer(client, "owner@example.org")
    began = today - dt.timedelta(days=4)
    for k in range(1, 5):  # every day since the diary started except today
        assert client.put(f"/api/v1/me/diary/{today - dt.timedelta(days=k)}", json={"itch": 3}, headers=owner).status_code == 200
    for page in (client.get("/trends?weeks=4").text,):
        assert f"4 days logged since the diary started on {began:%a} {began.day} {began:%b %Y}, none missed." in page
        cal = _calendar(page)
        assert cal.count(": missing;") == 0 and cal.count(": today, not logged yet;") == 1
        assert cal.count('class="cal open') == 1 and f'data-day="{today}" title="{today:%a} {today.day} {today:%b %Y}"' in cal.split('class="cal open')[1][:80]
        assert "not logged yet (today)" in page  # the table's row for today
    client.cookies.clear()
    login_page(client, "linked@clinic.example.org")  # the clinician's view of the same record says the same
    clinic = client.get(f"/clinic/patients/{people.owner_pid}?weeks=4").text
    assert "4 days logged since the diary started" in clinic and ", none missed." in clinic
    assert _calendar(clinic).count(": missing;") == 0 and _calendar(clinic).count(": today, not logged yet;") == 1
    # logged today: an ordinary logged day; a day missed before it stays missed
    assert client.put(f"/api/v1/me/diary/{today}", json={"itch": 2}, headers=owner).status_code == 200
    assert client.delete(f"/api/v1/me/diary/{today - dt.timedelta(days=2)}", headers=owner).status_code in (200, 204)
    client.cookies.clear()
    login_page(client, "owner@example.org")
    page = client.get("/trends?weeks=4").text
    assert f"4 days logged, 1 not logged since the diary started on {began:%a} {began.day} {began:%b %Y}." in page
    cal = _calendar(page)
    assert cal.count(": today, not logged yet;") == 0 and cal.count(": missing;") == 1 and cal.count(": logged;") == 4
