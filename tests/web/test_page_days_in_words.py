"""Patient-facing pages wrote days two ways (h3 walk, 2026-12-07): "Sat 19 Dec 2026" in sentences, ISO
("2026-11-08 to 2026-12-07", "gut.tsv, 2026-12-04", "since 2026-12-07", "works until 2026-12-14") in
Trends' table, caption, legend and factor-days line, the microbiome list and report, the Caregivers and
Sharing pages' people and codes. Every day a person reads there is now ``day_words``; an ISO value stays
only where a machine reads it (``<time datetime>``, inputs of type=date, the chart's JSON). SQLite and
PostgreSQL. Not covered: the Today page's own day (its heading, pinned by many tests; see docs/web.md)."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

from gutskin.clinic import accounts, appointments, caregivers, diary, sharing, summary
from gutskin.diary.dates import day_words
from gutskin.store.db import transaction
from tests.conftest import bearer
from tests.safety.test_attacks import login_page

ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
PROFILE = (Path(__file__).parent / "data" / "metaphlan_profile.tsv").read_bytes()


def _text(page: str) -> str:
    """What a reader sees of the page's main part: no tags (so no attributes), no scripts, no access
    log (a table of timestamps, "When (UTC)")."""
    body = page.split("<main", 1)[-1]
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    body = re.sub(r'<table[^>]*id="access-log".*?</table>', " ", body, flags=re.S)
    body = body.split("Recent access to your record", 1)[0]
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_patient_pages_write_days_in_words(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    owner = bearer(client, "owner@example.org")
    with transaction(engine) as s:
        today = summary.patients_today(s, people.owner_pid, dt.date.today())
        for k in range(1, 30):
            if k % 7:
                diary.put_day(s, people.owner, people.owner_pid, today - dt.timedelta(days=k),
                              diary.DayInput(itch=2 + k % 5, factors={"food.egg": k % 2}))
        appointments.request_appointment(s, people.owner, people.owner_pid, "Flare", "soon", "mornings")
        mia = accounts.add_child_profile(s, people.owner, "Mia", 2019).id
        code = caregivers.create_code(s, people.owner, mia)["code"]
        caregivers.create_code(s, people.owner, mia)  # one unused code listed
        sharing.create_invite(s, people.owner, people.owner_pid)  # an unused clinician code listed
    with transaction(engine) as s:
        caregivers.redeem(s, people.stranger, code)
    collected = today - dt.timedelta(days=3)
    r = client.post("/api/v1/me/microbiome", headers=owner, data={"method": "shotgun", "collected_on": collected.isoformat()},
                    files={"file": ("gut.tsv", PROFILE, "text/tab-separated-values")})
    assert r.status_code == 201, r.text
    login_page(client, "owner@example.org")
    pages = {url: client.get(url) for url in ("/trends", "/microbiome", f"/microbiome/{r.json()['id']}", "/appointments",
                                              "/caregivers", "/sharing")}
    for url, page in pages.items():
        assert page.status_code == 200, url
        text = _text(page.text)
        assert not ISO_DAY.findall(text), (url, [text[max(0, m.start() - 60):m.end()] for m in ISO_DAY.finditer(text)])
    trends = pages["/trends"].text
    start = today - dt.timedelta(days=83)
    assert f"({day_words(start)} to {day_words(today)}): a food" in html.unescape(trends)
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    assert f'<td><time datetime="{yesterday}">{day_words(yesterday)}</time></td>' in trends
    assert f'gut.tsv, <time datetime="{collected}">{day_words(collected)}</time>' in pages["/microbiome"].text
    assert f"collected {day_words(collected)}" in pages[f"/microbiome/{r.json()['id']}"].text
    cg = _text(pages["/caregivers"].text)
    assert re.search(r"\(stranger@example\.org\) since \w{3} \d{1,2} \w{3} \d{4}", cg), cg
    assert re.search(r"Made \w{3} \d{1,2} \w{3} \d{4}, \d\d:\d\d, works until \w{3} \d{1,2} \w{3} \d{4} \(", cg), cg
    assert re.search(r"Made \w{3} \d{1,2} \w{3} \d{4}, \d\d:\d\d, works until", _text(pages["/sharing"].text))


def test_the_today_page_writes_its_day_in_words(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    """Today's heading ("2026-12-07"), "Prefilled from …", "Delete the entry of …", the draft note and the
    no-script "today is …" were ISO; the heading keeps the ISO in ``data-day`` (scripts, tests), the day
    picker's input of type=date keeps its ISO value."""
    with transaction(engine) as s:
        today = summary.patients_today(s, people.owner_pid, dt.date.today())
        for k in (2, 3):
            diary.put_day(s, people.owner, people.owner_pid, today - dt.timedelta(days=k),
                          diary.DayInput(itch=3, factors={"treat.emollient": 1}))
    login_page(client, "owner@example.org")
    day = today - dt.timedelta(days=2)
    for url, shown in (("/today", today), (f"/today?date={day}", day), (f"/today?date={today - dt.timedelta(days=1)}",
                                                                          today - dt.timedelta(days=1))):
        page = client.get(url).text
        text = _text(page)
        assert not ISO_DAY.findall(text), (url, [text[max(0, m.start() - 60):m.end()] for m in ISO_DAY.finditer(text)])
        assert f'<h1 id="day-title" data-day="{shown}">{day_words(shown)}</h1>' in page, url
        assert f'id="daypick-date" value="{shown}"' in page  # the input of type=date: ISO
    page = html.unescape(client.get(f"/today?date={day}").text)
    assert f"Delete the entry of {day_words(day)}" in page
    assert f"Prefilled from {day_words(day)}" in html.unescape(client.get(f"/today?date={today - dt.timedelta(days=1)}").text)
