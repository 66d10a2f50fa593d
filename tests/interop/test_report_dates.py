"""The visit report's dates are the reader's and the patient's, as on the pages: the period ends
on the patient's newest day when it is ahead of the reader's date (time zones), and a report
downloaded from the browser is dated in the browser's zone, not the server's."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from gutskin.clinic import diary, reports
from gutskin.store.db import transaction
from tests.interop.test_report import _pdf_text
from tests.safety.test_attacks import login_page


def test_a_day_logged_ahead_of_the_readers_date_is_in_the_period(engine, people) -> None:
    today = dt.date.today()
    with transaction(engine) as s:  # an Auckland patient's today, while the server is still in yesterday
        diary.put_day(s, people.owner, people.owner_pid, today - dt.timedelta(days=1), diary.DayInput(itch=3))
        diary.put_day(s, people.owner, people.owner_pid, today + dt.timedelta(days=1), diary.DayInput(itch=8, flare=True))
    with transaction(engine) as s:
        data = reports.report_data(s, people.clinician, people.owner_pid, 4, today=today)
    assert data["end"] == today + dt.timedelta(days=1) and data["generated_on"] == today
    assert data["completeness"]["logged_days"] == 2  # was 1: the newest day fell outside the period


def test_the_browser_download_is_dated_in_the_browsers_zone(client, people) -> None:
    login_page(client, "linked@clinic.example.org")
    # 25 hours apart: these two zones are never on the same date, so one of them differs from the server's
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        client.cookies.set("tz", zone)
        before = dt.datetime.now(ZoneInfo(zone)).date()
        r = client.get(f"/clinic/patients/{people.owner_pid}/report.pdf?weeks=4")
        after = dt.datetime.now(ZoneInfo(zone)).date()
        assert r.status_code == 200
        text = " ".join(_pdf_text(r.content)[1].split())
        assert any(f"Generated {d:%d %b %Y}." in text for d in {before, after}), (zone, text[:300])
