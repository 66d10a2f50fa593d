"""A form sent after the browser session ended (a diary day typed while it expired; no script on
the phone) leads to the login page, which now says that what was sent was not saved. Before, it
was the plain login page and, after signing in, an empty diary form: nothing said the day was not
saved (found in the phone walk of 2026-12-06). A plain visit to a page is the plain login page."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select, update

from gutskin.store.db import transaction
from gutskin.store.models import DiaryDay
from gutskin.store.models import Session as WebSession
from tests.safety.test_attacks import login_page


def test_a_day_sent_after_the_session_ended_is_said_not_saved(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    assert login_page(client, "owner@example.org").status_code == 303
    form = client.get("/today").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    with transaction(engine) as s:  # the session runs out while the day is typed
        s.execute(update(WebSession).values(expires_at=dt.datetime(2000, 1, 1)))
    day = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    r = client.post("/today", data={"csrf_token": token, "date": day, "itch": "5", "notes": "typed"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?unsaved=1"
    page = client.get(r.headers["location"])
    assert "You were signed out, so what you sent was not saved." in page.text
    with transaction(engine) as s:
        assert s.scalars(select(DiaryDay)).all() == []
    plain = client.get("/today", follow_redirects=False)
    assert plain.headers["location"] == "/login"
    assert "signed-out-unsaved" not in client.get("/login").text
