"""A visit report made days after the last diary entry says its forecast is for the days after
that entry, "not the coming week"; the sentence under it then said "in the next 7 days", and the
sleep line "Sleep loss, next 7 nights" (found walking the clinician's journey with the demo
patient Dev, whose last entry was two days old). The page says "in those 7 days"."""

from __future__ import annotations

import datetime as dt

from gutskin.clinic import diary
from gutskin.clinic.insights import clear_cache
from gutskin.store.db import transaction
from tests.interop.test_report import _pdf_text, _report


def _seed(engine, people, ago: int, days: int = 40) -> None:  # type: ignore[no-untyped-def]
    start = dt.date.today() - dt.timedelta(days=days - 1 + ago)
    with transaction(engine) as s:
        for i in range(days):
            diary.put_day(s, people.owner, people.owner_pid, start + dt.timedelta(days=i),
                          diary.DayInput(itch=2 + i % 4, sleep_loss=i % 3))


def _text(engine, people) -> str:  # type: ignore[no-untyped-def]
    data, pdf = _report(engine, people.clinician, people.owner_pid)
    assert data["insights"]["status"] == "ready" and data["insights"]["sleep_forecast"], data["insights"].get("status")
    return " ".join(_pdf_text(pdf)[1].split())


def test_an_old_entrys_forecast_is_not_called_the_next_days(engine, people) -> None:
    clear_cache()
    _seed(engine, people, ago=5)
    text = _text(engine, people)
    assert "The last diary entry is 5 days before this report" in text
    assert "itch 7+ in the 7 days after it:" in text and "in the next 7 days" not in text, text
    assert "Sleep loss, the 7 nights after the last entry:" in text and "next 7 nights" not in text


def test_a_current_entrys_forecast_is_the_next_days(engine, people) -> None:
    clear_cache()
    _seed(engine, people, ago=0)
    text = _text(engine, people)
    assert "days before this report" not in text
    assert "itch 7+ in the next 7 days:" in text and "Sleep loss, next 7 nights:" in text
