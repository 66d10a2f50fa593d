"""Two phones on one child's day (SQLite and PostgreSQL): the parent opens Mia's day, the
co-caregiver saves it from the other phone, then the parent presses Save on the form opened
before. The diary page's Save replaced the whole day (scores, factors, notes), so the
co-caregiver's entry was gone without a word to either of them (found in the phone walk of
2026-12-06). Now the form carries the version of the day it was opened with; a save on a day
changed since is refused (409), nothing written, the page names who saved it and what is stored,
keeps what was typed, and a second Save replaces it knowingly. The same holds for one person's
two tabs, and for a day deleted meanwhile; a Save sent twice (a time-out, a double tap) is no conflict."""

from __future__ import annotations

import datetime as dt
import html
import re

from fastapi.testclient import TestClient

from gutskin.clinic import accounts, caregivers, diary
from gutskin.store.db import transaction
from tests.safety.test_attacks import login_page

DAY = (dt.date.today() - dt.timedelta(days=1)).isoformat()


def _form(client, url: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    page = client.get(url)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'<input type="hidden" name="(csrf_token|date|base)" [^>]*value="([^"]*)"', page.text))
    return fields


def _mia_with_ben(engine, people) -> int:  # type: ignore[no-untyped-def]
    """Owner's child Mia, kept with the stranger's account as co-caregiver (Ben's phone)."""
    with transaction(engine) as s:
        mia = accounts.add_child_profile(s, people.owner, "Mia", 2021).id
        code = caregivers.create_code(s, people.owner, mia)["code"]
    with transaction(engine) as s:
        caregivers.redeem(s, people.stranger, code)
    return mia


def _stored(engine, people, mia):  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return diary.list_days(s, people.owner, mia, dt.date.fromisoformat(DAY), dt.date.fromisoformat(DAY))


def test_a_save_on_a_day_the_other_parent_saved_meanwhile_is_refused_and_says_so(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    mia = _mia_with_ben(engine, people)
    ben = TestClient(client.app)
    assert login_page(client, "owner@example.org").status_code == 303
    assert login_page(ben, "stranger@example.org").status_code == 303
    url = f"/today?date={DAY}&patient={mia}"

    ann_form = _form(client, url)  # Ann opens Mia's day: nothing logged yet
    ben_form = _form(ben, url)
    r = ben.post(url.replace(f"?date={DAY}&", "?"), data={**ben_form, "itch": "6", "f:food.dairy": "1", "notes": "hives after lunch"},
                 follow_redirects=False)
    assert r.status_code == 303
    r = client.post(f"/today?patient={mia}", data={**ann_form, "itch": "2", "notes": "calm day"}, follow_redirects=False)
    assert r.status_code == 409
    text = html.unescape(r.text)
    assert "Not saved: Stranger saved this day" in text
    assert "Stored now: itch 6, Dairy, notes: hives after lunch." in text
    assert ">calm day</textarea>" in text  # what Ann typed is kept in the form
    [day] = _stored(engine, people, mia)
    assert (day["itch"], day["factors"], day["notes"]) == (6, {"food.dairy": 1.0}, "hives after lunch")

    # a second Save, on the form that now carries the stored version, replaces it knowingly
    base = re.search(r'name="base" value="([^"]+)"', r.text).group(1)
    r = client.post(f"/today?patient={mia}", data={**ann_form, "base": base, "itch": "2", "notes": "calm day"},
                    follow_redirects=False)
    assert r.status_code == 303
    [day] = _stored(engine, people, mia)
    assert (day["itch"], day["factors"], day["notes"]) == (2, {}, "calm day")


def test_one_persons_two_tabs_and_a_day_deleted_meanwhile(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    assert login_page(client, "owner@example.org").status_code == 303
    url = f"/today?date={DAY}"
    first, second = _form(client, url), _form(client, url)
    assert first["base"] == "none"
    assert client.post("/today", data={**second, "itch": "7"}, follow_redirects=False).status_code == 303
    r = client.post("/today", data={**first, "itch": "3"}, follow_redirects=False)
    assert r.status_code == 409 and "Not saved: this day was saved (in another tab or on another phone)" in html.unescape(r.text)
    with transaction(engine) as s:
        assert diary.list_days(s, people.owner, people.owner_pid, dt.date.fromisoformat(DAY), dt.date.fromisoformat(DAY))[0]["itch"] == 7
    # the same Save sent again (a time-out on a slow connection, a double tap) finds its own entry: no conflict
    assert client.post("/today", data={**second, "itch": "7"}, follow_redirects=False).status_code == 303

    opened = _form(client, url)  # the day with itch 7, then deleted in the other tab
    assert client.post("/today/delete", data={"date": DAY, "csrf_token": opened["csrf_token"]}, follow_redirects=False).status_code == 303
    r = client.post("/today", data={**opened, "itch": "7", "notes": "edited"}, follow_redirects=False)
    assert r.status_code == 409 and "this day was deleted" in r.text
    # saving without changes (the same version) is still one Save
    again = _form(client, url)
    assert client.post("/today", data={**again, "itch": "4"}, follow_redirects=False).status_code == 303
    same = _form(client, url)
    assert client.post("/today", data={**same, "itch": "4"}, follow_redirects=False).status_code == 303
