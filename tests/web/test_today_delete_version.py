"""The diary page's "Delete this day" on a stale page (SQLite and PostgreSQL).

The delete form carried only the date: the parent opened Mia's day, the co-caregiver saved it
again from the other phone, and the parent's Delete (on the page showing the old entry) deleted
the co-caregiver's new entry without a word (left over from 1f93e4a, which gave the Save its
version check; the API's DELETE got If-Match since). Now the form carries the version it showed:
a day saved since is not deleted, the page answers 409 naming who saved it and what is stored,
and a second Delete on that page deletes it knowingly. Each page (a refused Delete or Save
included) is one audited read of the diary: the page read it twice (the day, then the 60 days
before it for the chips), two audit rows per page."""

from __future__ import annotations

import datetime as dt
import html
import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gutskin.clinic import diary
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent
from tests.safety.test_attacks import login_page
from tests.web.test_today_two_phones import _mia_with_ben

DAY = (dt.date.today() - dt.timedelta(days=1)).isoformat()


def _delete_form(client, url: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    page = client.get(url)
    assert page.status_code == 200, page.text
    form = re.search(r'<form method="post" action="/today/delete[^"]*">(.*?)</form>', page.text, re.S)
    assert form, "no delete form on the page"
    return dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', form.group(1)))


def _stored(engine, actor, pid):  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return diary.list_days(s, actor, pid, dt.date.fromisoformat(DAY), dt.date.fromisoformat(DAY))


def _reads(engine, pid: int) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.patient_id == pid, AuditEvent.action == "read", AuditEvent.object_type.in_(("diary", "diary_day"))))


def test_delete_on_a_page_opened_before_the_other_phone_saved_is_refused_and_deletes_nothing(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    mia = _mia_with_ben(engine, people)
    with transaction(engine) as s:
        diary.put_day(s, people.owner, mia, dt.date.fromisoformat(DAY), diary.DayInput(itch=2, notes="calm day"))
    ben = TestClient(client.app)
    assert login_page(client, "owner@example.org").status_code == 303
    assert login_page(ben, "stranger@example.org").status_code == 303
    url = f"/today?date={DAY}&patient={mia}"

    ann = _delete_form(client, url)  # Ann's page shows itch 2, "calm day"
    ben_form = dict(re.findall(r'<input type="hidden" name="(csrf_token|date|base)" [^>]*value="([^"]*)"',
                               ben.get(url).text))
    r = ben.post(f"/today?patient={mia}", data={**ben_form, "itch": "7", "f:food.dairy": "1", "notes": "hives after lunch"},
                 follow_redirects=False)
    assert r.status_code == 303

    before = _reads(engine, mia)
    r = client.post(f"/today/delete?patient={mia}", data=ann, follow_redirects=False)
    assert r.status_code == 409, r.text[:300]
    text = html.unescape(r.text)
    assert "Not deleted: Stranger saved this day" in text
    assert "Stored now: itch 7, Dairy, notes: hives after lunch." in text
    assert "Nothing was deleted" in text
    assert _reads(engine, mia) - before == 1  # the refused delete's page: one audited read of the day
    [day] = _stored(engine, people.owner, mia)  # Ben's entry is still there
    assert (day["itch"], day["notes"]) == (7, "hives after lunch")

    # the 409 page's delete form carries the stored version: a second Delete deletes it knowingly
    again = re.search(r'<form method="post" action="/today/delete[^"]*">(.*?)</form>', r.text, re.S).group(1)
    again_fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', again))
    assert again_fields["base"] != ann.get("base")
    r = client.post(f"/today/delete?patient={mia}", data=again_fields, follow_redirects=False)
    assert r.status_code == 303
    assert _stored(engine, people.owner, mia) == []


def test_a_delete_on_an_unchanged_day_and_one_already_deleted(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, dt.date.fromisoformat(DAY), diary.DayInput(itch=4))
    assert login_page(client, "owner@example.org").status_code == 303
    first = _delete_form(client, f"/today?date={DAY}")
    second = dict(first)
    r = client.post("/today/delete", data=first, follow_redirects=False)
    assert r.status_code == 303 and _stored(engine, people.owner, people.owner_pid) == []
    # the other tab's Delete of the same day: already deleted, the same page as before (no error)
    assert client.post("/today/delete", data=second, follow_redirects=False).status_code == 303
    # a stranger's profile stays 404 with a version
    r = client.post(f"/today/delete?patient={people.stranger_pid}", data=second, follow_redirects=False)
    assert r.status_code == 404


def test_a_page_of_the_diary_is_one_audited_read(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, dt.date.fromisoformat(DAY), diary.DayInput(itch=4))
    assert login_page(client, "owner@example.org").status_code == 303
    before = _reads(engine, people.owner_pid)
    page = client.get(f"/today?date={DAY}")
    assert page.status_code == 200 and 'value="4"' in page.text
    assert _reads(engine, people.owner_pid) - before == 1

