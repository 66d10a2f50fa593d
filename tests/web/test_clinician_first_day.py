"""A new allergist's first day on the clinic side (H5, 2026-12-07; docs/web.md "Clinician walk
(2026-12-07)"): what the walk in Chromium found unexplained on the clinician's pages. Each test
fails on the code before (checked in a worktree) and passes on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import html
import re

from gutskin.diary.dates import day_words
from gutskin.store.db import transaction
from gutskin.store.models import DiaryDay
from tests.safety.test_attacks import login_page


def _log(engine, pid: int, itch_by_days_ago: dict[int, int | None]) -> dt.date:  # type: ignore[no-untyped-def]
    """Diary days of the profile ``pid`` (no zone: the server's date is its today), ``days ago: itch``."""
    today = dt.date.today()
    with transaction(engine) as s:
        for ago, itch in itch_by_days_ago.items():
            s.add(DiaryDay(patient_id=pid, day=today - dt.timedelta(days=ago), itch=itch, sleep_loss=1,
                           updated_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)))
    return today


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def test_the_panel_says_what_its_itch_numbers_are(client, people, engine) -> None:
    """The panel's columns read "Itch 7 d" and "Prev 28 d" over numbers like 4.7: no scale, and not
    whether the worst day or the mean. They are the mean of the daily itch score (0-10) over the
    days scored in the last 7 days and in the 28 before; the page says so, and the numbers are those."""
    # last 7 days: 2, 4, 6 and a day without an itch score (mean 4); the 28 before: 1 and 2 (mean 1.5);
    # a day 35 days ago is in neither window
    _log(engine, people.owner_pid, {0: 2, 3: 4, 6: 6, 5: None, 7: 1, 34: 2, 35: 9})
    assert login_page(client, "linked@clinic.example.org").status_code == 303
    page = client.get("/clinic").text
    heads = [_text(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", re.search(r"<thead>(.*?)</thead>", page, re.S).group(1), re.S)]
    assert heads[1] == "Itch, last 7 days (mean, 0–10)" and heads[2] == "Itch, 28 days before (mean, 0–10)", heads
    said = _text(re.search(r'<p class="hint" id="panel-itch-words">(.*?)</p>', page, re.S).group(1))
    assert "mean of the patient's daily itch score" in said and "0 to 10" in said and "days scored" in said, said
    row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", page, re.S).group(1)
    cells = [_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells[0] == "Owner" and cells[1] == "4.0" and cells[2] == "1.5" and cells[3] == "+2.5", cells



def test_factor_days_say_over_which_days_they_are_counted(client, people, engine) -> None:
    """The patient page's *Factor days* read "Pollen 77", "Dust 24" with no period, above Triggers and
    forecast's "Dust ... from 41 days with" (the whole diary): the table now says it counts the days
    logged in the chosen weeks, how many those are, and that the triggers count the whole diary."""
    from gutskin.clinic.diary import factor_ids
    from gutskin.store.models import FactorValue

    today = _log(engine, people.owner_pid, {0: 2, 1: 3, 2: 4, 40: 5})
    with transaction(engine) as s:
        dust = factor_ids(s, ["env.dust"])["env.dust"]
        for ago in (0, 2, 40):  # two days in a 4-week window, three in the whole diary
            s.add(FactorValue(patient_id=people.owner_pid, day=today - dt.timedelta(days=ago), factor_id=dust, value=1.0))
    assert login_page(client, "linked@clinic.example.org").status_code == 303
    page = client.get(f"/clinic/patients/{people.owner_pid}?weeks=4").text
    start = today - dt.timedelta(days=27)
    said = _text(re.search(r'<p class="hint" id="factor-days-period">(.*?)</p>', page, re.S).group(1))
    assert f"among the 3 days logged in these 4 weeks ({day_words(start.isoformat())} to {day_words(today.isoformat())})" in said, said
    assert "Triggers and forecast below count the whole diary" in said, said
    table = re.search(r'<table id="factor-days"[^>]*>(.*?)</table>', page, re.S).group(1)
    assert "Days with it (of 3 logged)" in _text(table)
    assert re.search(r"<td[^>]*>Dust</td><td>2</td>", table), table
    # the patient's own Trends page: the same words, naming their Insights page
    assert login_page(client, "owner@example.org").status_code == 303
    mine = client.get("/trends?weeks=4").text
    said = _text(re.search(r'<p class="hint" id="factor-days-period">(.*?)</p>', mine, re.S).group(1))
    assert "among the 3 days logged in these 4 weeks" in said and "Insights counts the whole diary" in said, said


def test_the_patient_page_says_a_request_waits_for_the_clinicians_answer(client, people, engine) -> None:
    """Ben's record said nothing of the appointment he had asked for: only the panel's count and the
    Appointments page did, and a clinician who opened the record from elsewhere never learnt of it.
    The record now says how many of the patient's requests wait for this clinician's answer (and how
    many are urgent) and links to Appointments; once answered, it no longer does."""
    from gutskin.clinic import appointments

    with transaction(engine) as s:
        asked = appointments.request_appointment(s, people.owner, people.owner_pid, "Flare on both arms", "urgent")
        appointments.request_appointment(s, people.owner, people.owner_pid, "Cream running out", "routine")
    assert login_page(client, "linked@clinic.example.org").status_code == 303
    page = client.get(f"/clinic/patients/{people.owner_pid}").text
    note = re.search(r'<p class="notice" id="open-requests">(.*?)</p>', page, re.S)
    assert note, "no word of the open requests on the record"
    assert re.search(r'<a href="/clinic/appointments">2 appointment requests from Owner waiting for your answer</a>', note.group(1))
    assert "(1 urgent)" in _text(note.group(1))
    # the clinician answers both: nothing waits any more, and the record says nothing
    with transaction(engine) as s:
        for r in appointments.queue(s, people.clinician):
            appointments.respond(s, people.clinician, r["id"], "decline", message="Please call the clinic")  # type: ignore[arg-type]
    assert asked["id"]
    assert 'id="open-requests"' not in client.get(f"/clinic/patients/{people.owner_pid}").text
    # an unlinked clinician still gets 404, and no word of the requests
    assert login_page(client, "unlinked@clinic.example.org").status_code == 303
    r = client.get(f"/clinic/patients/{people.owner_pid}")
    assert r.status_code == 404 and "appointment request" not in r.text


def test_the_patient_page_shows_the_identifier_the_exports_and_imports_name(client, people, engine) -> None:
    """A FHIR import of another patient's export said "the bundle is the export of patient p-..., not of
    patient p-..." and the visit report reads "Patient identifier p-...", but the clinician's page of
    the patient showed no such identifier to check which one this record is. It does now, the same
    one the FHIR download is named by."""
    from gutskin.store.models import Patient

    with transaction(engine) as s:
        ext = s.get(Patient, people.owner_pid).external_id
    assert login_page(client, "linked@clinic.example.org").status_code == 303
    page = client.get(f"/clinic/patients/{people.owner_pid}").text
    shown = re.search(r'<p class="hint" id="patient-gutskin-id">gutskin identifier <bdi>([^<]+)</bdi>', page)
    assert shown and shown.group(1) == ext, page[:3000]
    r = client.get(f"/clinic/patients/{people.owner_pid}/fhir.json")
    assert r.status_code == 200 and f"gutskin-fhir-{ext}-" in r.headers["content-disposition"]
