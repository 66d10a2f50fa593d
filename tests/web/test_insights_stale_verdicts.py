"""The trigger verdicts of a diary that stopped days or months ago say up to which day they were
found: the forecast already said it ran from the last entry, while the verdicts read as the
patient's state now (the years-of-data walk, 2026-12-06: a 5-month gap)."""

from __future__ import annotations

import datetime as dt
import html
import re

from gutskin.clinic.insights import clear_cache, insights_for, settle
from gutskin.store.db import transaction
from tests.safety.test_attacks import login_page
from tests.web.test_insights_service import fill


def _basis(client, pid: int) -> str:  # type: ignore[no-untyped-def]
    r = client.get("/insights/panel", params={"patient": pid})
    assert r.status_code == 200
    found = re.search(r'id="triggers-basis">(.*?)</p>', html.unescape(r.text), flags=re.S)
    assert found, r.text[:500]
    return " ".join(found.group(1).split())


def test_verdicts_name_the_last_entry_they_come_from(engine, people, client) -> None:
    clear_cache()
    fill(engine, people.owner, people.owner_pid, 60)  # 1 Jun to 30 Jul 2026: months before today
    with transaction(engine) as s:
        assert settle(people.owner_pid, insights_for(s, people.owner, people.owner_pid), 60)["status"] == "ready"
    login_page(client, "owner@example.org")
    assert _basis(client, people.owner_pid).startswith(
        "These are associations in your own diary up to its last entry on Thu 30 Jul 2026, adjusted")
    client.cookies.clear()
    login_page(client, "linked@clinic.example.org")
    assert _basis(client, people.owner_pid).startswith(
        "These are associations in the patient's own diary up to its last entry on Thu 30 Jul 2026, adjusted")


def test_a_diary_kept_up_to_today_says_no_date(engine, people, client) -> None:
    clear_cache()
    fill(engine, people.owner, people.owner_pid, 40, start=dt.date.today() - dt.timedelta(days=39))
    with transaction(engine) as s:
        assert settle(people.owner_pid, insights_for(s, people.owner, people.owner_pid), 60)["status"] == "ready"
    login_page(client, "owner@example.org")
    assert _basis(client, people.owner_pid).startswith("These are associations in your own diary, adjusted")
