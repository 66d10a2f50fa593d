"""A diary that goes on without itch scores (foods ticked, the slider left alone) gets a forecast
that says it runs on the last score: after five months with no score and a food logged today, the
page read "Itch, next 7 days" with a narrow band and no word that the itch was last scored in July
(the years-of-data walk, 2026-12-06)."""

from __future__ import annotations

import datetime as dt
import html
import re

from gutskin.clinic import diary
from gutskin.clinic.insights import clear_cache, insights_for, settle
from gutskin.store.db import transaction
from tests.safety.test_attacks import login_page
from tests.web.test_insights_service import fill


def _warning(client, pid: int) -> str | None:  # type: ignore[no-untyped-def]
    r = client.get("/insights/panel", params={"patient": pid})
    assert r.status_code == 200
    found = re.search(r'id="forecast-unscored">(.*?)</p>', html.unescape(r.text), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split()) if found else None


def test_months_without_an_itch_score_are_said(engine, people, client) -> None:
    clear_cache()
    today = dt.date.today()
    last_score = today - dt.timedelta(days=150)
    fill(engine, people.owner, people.owner_pid, 60, start=last_score - dt.timedelta(days=59))
    with transaction(engine) as s:  # back today: a food ticked, no itch score
        diary.put_day(s, people.owner, people.owner_pid, today, diary.DayInput(factors={"food.dairy": 1}))
    with transaction(engine) as s:
        r = settle(people.owner_pid, insights_for(s, people.owner, people.owner_pid), 60)
    assert r["status"] == "ready" and r["forecast"]["origin"] == today.isoformat()
    assert r["last_itch_day"] == last_score.isoformat()
    words = f"{last_score:%a} {last_score.day} {last_score:%b %Y}"
    login_page(client, "owner@example.org")
    assert _warning(client, people.owner_pid) == (
        f"Your last itch score is from {words}: with no score since, this forecast shows the usual itch of your "
        "diary, not how it is now. Score the itch in the diary for a forecast of the coming week.")
    client.cookies.clear()
    login_page(client, "linked@clinic.example.org")
    assert _warning(client, people.owner_pid) == (
        f"The patient's last itch score is from {words}: with no score since, this forecast shows the usual itch "
        "of the patient's diary, not how it is now.")


def test_a_day_or_a_week_without_a_score_says_nothing(engine, people, client) -> None:
    clear_cache()
    today = dt.date.today()
    fill(engine, people.owner, people.owner_pid, 40, start=today - dt.timedelta(days=46))  # last score 7 days ago
    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, today, diary.DayInput(factors={"food.dairy": 0}))
    with transaction(engine) as s:
        assert settle(people.owner_pid, insights_for(s, people.owner, people.owner_pid), 60)["status"] == "ready"
    login_page(client, "owner@example.org")
    assert _warning(client, people.owner_pid) is None


def test_the_visit_report_says_it_too(engine, people) -> None:
    from gutskin.clinic import reports
    from tests.interop.test_report import _pdf_text

    clear_cache()
    today = dt.date.today()
    last_score = today - dt.timedelta(days=150)
    fill(engine, people.owner, people.owner_pid, 60, start=last_score - dt.timedelta(days=59))
    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, today, diary.DayInput(factors={"food.dairy": 1}))
    with transaction(engine) as s:
        data = reports.report_data(s, people.clinician, people.owner_pid, 4, today=today)
    data = reports.settle_insights(data, 60)
    text = " ".join(_pdf_text(reports.render_pdf(data))[1].split())
    assert (f"The last itch score is 150 days before this report ({last_score:%d %b %Y}): with no score since, the "
            "forecast shows the usual itch of this diary, not how the patient is now.") in text
    assert "The last diary entry is" not in text  # the entry of today is not old


def test_sleep_loss_not_scored_for_months_is_said_on_the_page_and_report(engine, people, client) -> None:
    from gutskin.clinic import reports
    from tests.interop.test_report import _pdf_text

    clear_cache()
    today = dt.date.today()
    last_sleep = today - dt.timedelta(days=120)
    with transaction(engine) as s:
        for k in range(150):  # 30 days with itch and sleep loss, then itch only: the sleep slider left alone
            day = last_sleep - dt.timedelta(days=29) + dt.timedelta(days=k)
            diary.put_day(s, people.owner, people.owner_pid, day,
                          diary.DayInput(itch=3 + k % 3, sleep_loss=(1 + k % 4) if day <= last_sleep else None))
    with transaction(engine) as s:
        r = settle(people.owner_pid, insights_for(s, people.owner, people.owner_pid), 60)
    assert r["sleep_forecast"] is not None and r["last_sleep_day"] == last_sleep.isoformat()
    words = f"{last_sleep:%a} {last_sleep.day} {last_sleep:%b %Y}"
    login_page(client, "owner@example.org")
    page = " ".join(html.unescape(client.get("/insights/panel", params={"patient": people.owner_pid}).text).split())
    assert (f'id="sleep-unscored">Your last sleep-loss score is from {words}: with no score since, this forecast shows '
            "the usual nights of your diary, not how they are now.") in page
    assert 'id="forecast-unscored"' not in page  # itch is scored up to today
    with transaction(engine) as s:
        data = reports.settle_insights(reports.report_data(s, people.clinician, people.owner_pid, 4, today=today), 60)
    text = " ".join(_pdf_text(reports.render_pdf(data))[1].split())
    assert f"The last sleep-loss score is 120 days before this report ({last_sleep:%d %b %Y})" in text
