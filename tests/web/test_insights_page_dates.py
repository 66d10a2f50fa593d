"""The insights page wrote its forecast days as ISO ("2026-12-08" in the forecast tables and in the
charts' spoken descriptions) while every other day on the pages reads "Tue 8 Dec 2026" (h3 walk,
2026-12-07). The tables now keep the ISO only in ``<time datetime>``, the descriptions say the day
in words; the chart's data (JSON for the script) stays ISO. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

from gutskin.clinic import diary, summary
from gutskin.clinic.insights import clear_cache, insights_for, settle
from gutskin.store.db import transaction
from gutskin.web.pages.common import day_words
from tests.web.test_insights_acceptance import panels

ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _text(page: str) -> str:
    """What a reader sees: tags (with their attributes) gone."""
    return html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", " ", page, flags=re.S)))


def test_forecast_days_are_written_in_words(engine, people, client) -> None:  # type: ignore[no-untyped-def]
    clear_cache()
    with transaction(engine) as s:
        today = summary.patients_today(s, people.owner_pid, dt.date.today())
        for k in range(1, 22):  # the 21 days before today, itch and sleep scored
            diary.put_day(s, people.owner, people.owner_pid, today - dt.timedelta(days=k),
                          diary.DayInput(itch=2 + k % 5, sleep_loss=1 + k % 3))
    with transaction(engine) as s:
        r = settle(people.owner_pid, insights_for(s, people.owner, people.owner_pid), 60)
    assert r["status"] == "ready", r.get("status")
    for reader, page in panels(client, people.owner_pid).items():
        for table, canvas in (("forecast-table", "forecast-chart"), ("sleep-forecast-table", "sleep-forecast-chart")):
            part = page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
            assert not ISO_DAY.findall(_text(part)), (reader, _text(part))
            tag = page.split(f'id="{canvas}"', 1)[1].split(">", 1)[0]
            data = json.loads(re.search(r"data-forecast='([^']*)'", tag).group(1))  # type: ignore[union-attr]
            days = [d["date"] for d in data["days"]]
            assert len(days) == 7 and all(ISO_DAY.fullmatch(d) for d in days)  # the script's data: ISO
            for d in days:
                assert f'<time datetime="{d}">{day_words(d)}</time>' in part, (reader, d)
            spoken = re.search(r'aria-label="([^"]*)"', tag).group(1)  # type: ignore[union-attr]
            assert not ISO_DAY.findall(spoken), spoken
            assert f"{day_words(days[0])}: " in spoken, spoken
