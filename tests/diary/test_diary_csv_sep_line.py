"""A diary file whose first line is ``sep=;`` (``sep=,``, ``sep=<tab>``), as programs exporting "for
Excel" write it: Excel takes that line as the separator, not as a row. Until 2026-12-07 gutskin read it
as the header ("line 1, column sep=: expected a core column ..."); now it is the file's separator and
the header is the next line that is not blank, line numbers staying the file's. Uploaded through the
API on SQLite and PostgreSQL, all rows or none."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from gutskin.diary.csvio import DiaryCsvError, iter_diary_csv_lines
from gutskin.store.db import transaction
from gutskin.store.models import DiaryDay

FILES = {
    "semicolons": "sep=;\r\npatient;date;itch;poscorad\r\napp-1;05.12.2026;3;12,5\r\napp-1;2026-12-06;7;\r\n",
    "commas": "\ufeffsep=,\npatient,date,itch,poscorad\napp-1,2026-12-05,3,12.5\napp-1,2026-12-06,7,\n",
    "tabs_blank_line": "SEP=\t\n\npatient\tdate\titch\tposcorad\napp-1\t2026-12-05\t3\t12.5\napp-1\t2026-12-06\t7\t\n",
}


@pytest.mark.parametrize("kind", list(FILES))
def test_the_sep_line_names_the_separator(kind) -> None:
    rows = [(line, r.date, r.itch, r.poscorad) for line, r in iter_diary_csv_lines(io.StringIO(FILES[kind]))]
    first = 3 if kind != "tabs_blank_line" else 4
    assert rows == [(first, dt.date(2026, 12, 5), 3, 12.5), (first + 1, dt.date(2026, 12, 6), 7, None)]


def test_a_bad_cell_after_a_sep_line_names_its_own_line() -> None:
    with pytest.raises(DiaryCsvError) as e:
        list(iter_diary_csv_lines(io.StringIO("sep=,\npatient,date,itch\napp-1,2026-12-05,11\n")))
    assert str(e.value) == '<stdin>: line 3, column itch: expected an integer 0-10, got "11"'


@pytest.mark.parametrize("kind", ["semicolons", "tabs_blank_line"])
def test_api_upload_with_a_sep_line(kind, client, people, engine) -> None:
    from tests.conftest import bearer

    h = bearer(client, "owner@example.org")
    r = client.post("/api/v1/me/diary/import", files={"file": ("for-excel.csv", FILES[kind].encode(), "text/csv")},
                    headers=h)
    assert r.status_code == 201 and r.json() == {"rows": 2}, r.text
    with transaction(engine) as s:
        got = {d.day: (d.itch, d.poscorad) for d in s.scalars(select(DiaryDay).where(DiaryDay.patient_id == people.owner_pid))}
    assert got == {dt.date(2026, 12, 5): (3, 12.5), dt.date(2026, 12, 6): (7, None)}


def test_api_upload_with_a_sep_line_and_a_bad_row_imports_nothing(client, people, engine) -> None:
    from tests.conftest import bearer

    h = bearer(client, "owner@example.org")
    data = FILES["semicolons"] + "app-1;2026-12-07;3;1.5\r\n"  # a point in a semicolon file: refused
    r = client.post("/api/v1/me/diary/import", files={"file": ("for-excel.csv", data.encode(), "text/csv")}, headers=h)
    assert r.status_code == 422 and r.json()["detail"].startswith("for-excel.csv: line 5, column poscorad:"), r.text
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(DiaryDay)) == 0
