"""The visit report's data completeness line for a diary that did not record flares (clinician
walk, 2026-12-07). A diary imported from a CSV or a FHIR bundle, or written through the API,
may leave the flare question unanswered; the report printed "0 flare day(s)" for it, which a
clinician reads as "no flares". It now says "flares not recorded", or how many logged days
recorded flares when only some did. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io

from gutskin.clinic import diary, reports
from gutskin.store.db import transaction
from tests.conftest import People


def _completeness_text(engine, people: People) -> str:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    with transaction(engine) as s:
        data = reports.report_data(s, people.clinician, people.owner_pid, 12)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(reports.render_pdf(data))).pages)
    text = " ".join(text.split())
    start = text.index("Data completeness")
    return text[start:text.index("last entry", start)]


def test_flares_not_recorded_is_not_zero_flare_days(engine, people: People) -> None:  # type: ignore[no-untyped-def]
    today = dt.date.today()
    with transaction(engine) as s:
        for k in range(1, 6):  # itch only: the flare question left unanswered
            diary.put_day(s, people.owner, people.owner_pid, today - dt.timedelta(days=k), diary.DayInput(itch=k))
    line = _completeness_text(engine, people)
    assert "flares not recorded" in line and "0 flare day" not in line, line

    with transaction(engine) as s:  # two days answer it: one flare, one not
        diary.put_day(s, people.owner, people.owner_pid, today - dt.timedelta(days=1), diary.DayInput(itch=1, flare=True))
        diary.put_day(s, people.owner, people.owner_pid, today - dt.timedelta(days=2), diary.DayInput(itch=2, flare=False))
    line = _completeness_text(engine, people)
    assert "1 flare day among the 2 logged days that recorded flares" in line, line

    with transaction(engine) as s:  # every logged day answers it: the plain count, as before
        for k in range(3, 6):
            diary.put_day(s, people.owner, people.owner_pid, today - dt.timedelta(days=k),
                          diary.DayInput(itch=k, flare=k == 3))
    line = _completeness_text(engine, people)
    assert "2 flare days;" in line and "recorded flares" not in line and "not recorded" not in line, line
