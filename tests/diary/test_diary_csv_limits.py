"""Limits of a diary CSV (2026-12-06; docs/diary-csv.md "Limits"): a file beyond them is refused at
the header, naming the file, line and column, and nothing is imported.

Before, a header of 600,000 factor columns and no rows was read whole, checked name by name
(~2 s) and answered "0 rows"; a factor name longer than the store's 80 characters failed in the
store with a bare ValueError naming no line. Real databases (SQLite and PostgreSQL), no mocks.
"""

from __future__ import annotations

import io
import time

import pytest
from sqlalchemy import func, select

from gutskin.clinic import diary
from gutskin.clinic.actors import SYSTEM
from gutskin.diary.csvio import DiaryCsvError
from gutskin.store.db import transaction
from gutskin.store.models import DiaryDay, Factor, Patient


# the documented limits (docs/diary-csv.md), as numbers: gutskin.diary.csvio.MAX_COLUMNS, ...
MAX_COLUMNS = 16_384  # Excel's and LibreOffice's widest sheet
MAX_FACTOR_COLUMNS = 1_000
MAX_LINE_CHARS = 131_072


def _file(text: str, name: str = "sheet.csv") -> io.StringIO:
    f = io.StringIO(text)
    f.name = name
    return f


def _counts(engine) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (Patient, DiaryDay, Factor))  # type: ignore[return-value]


def test_a_600000_column_header_without_rows_is_refused_at_once(engine) -> None:
    header = "patient,date," + ",".join(f"food.f{i}" for i in range(600_000))
    before = _counts(engine)
    started = time.perf_counter()
    with pytest.raises(DiaryCsvError) as err:
        diary.import_diary_csv(engine, SYSTEM, _file(header + "\n"))
    took = time.perf_counter() - started
    e = err.value
    assert (e.file, e.line) == ("sheet.csv", 1) and e.column and e.column.split()[0].isdigit()
    assert f"longer than {MAX_LINE_CHARS:,} characters" in str(e) and "nothing was imported" in str(e)
    assert took < 0.5, took  # only the first 128 Ki characters are read (was ~2 s, then "0 rows")
    assert _counts(engine) == before


def test_more_columns_than_a_spreadsheet_holds_is_refused_naming_the_column(engine) -> None:
    header = "patient,date,itch" + "," * (MAX_COLUMNS + 100)  # short enough for the line limit
    with pytest.raises(DiaryCsvError) as err:
        diary.import_diary_csv(engine, SYSTEM, _file(header + "\np1,2026-12-06,3\n"))
    assert err.value.line == 1 and err.value.column.startswith(f"{MAX_COLUMNS + 1} ")
    row = "p1,2026-12-06,3" + "," * (MAX_COLUMNS + 5)  # a row as wide: its own line, its column
    with pytest.raises(DiaryCsvError) as err:
        diary.import_diary_csv(engine, SYSTEM, _file("patient,date,itch\np0,2026-12-05,1\n" + row + "\n"))
    assert err.value.line == 3 and err.value.column.startswith(f"{MAX_COLUMNS + 1} ")
    assert _counts(engine)[:2] == (0, 0)


def test_factor_columns_up_to_the_limit_import_and_one_more_is_refused(engine) -> None:
    names = [f"food.f{i}" for i in range(MAX_FACTOR_COLUMNS + 1)]
    over = "patient,date," + ",".join(names) + "\np1,2026-12-06," + ",".join("1" for _ in names) + "\n"
    with pytest.raises(DiaryCsvError) as err:
        diary.import_diary_csv(engine, SYSTEM, _file(over))
    assert err.value.line == 1 and err.value.column == f"{MAX_FACTOR_COLUMNS + 3} (food.f{MAX_FACTOR_COLUMNS})"
    assert _counts(engine)[:2] == (0, 0)
    ok = "patient,date," + ",".join(names[:-1]) + "\np1,2026-12-06," + ",".join("1" for _ in names[:-1]) + "\n"
    assert diary.import_diary_csv(engine, SYSTEM, _file(ok)).rows == 1


def test_a_factor_name_longer_than_the_store_holds_names_line_and_column(engine) -> None:
    long_name = "food." + "a" * 76  # 81 characters; the store's column holds 80
    with pytest.raises(DiaryCsvError) as err:  # was ValueError from the store: no file, line or column
        diary.import_diary_csv(engine, SYSTEM, _file(f"patient,date,{long_name}\np1,2026-12-06,1\n"))
    assert err.value.line == 1 and err.value.column.startswith("food.aaa") and "at most 80 characters" in str(err.value)
    assert _counts(engine)[:2] == (0, 0)
    name80 = "food." + "a" * 75
    assert diary.import_diary_csv(engine, SYSTEM, _file(f"patient,date,{name80}\np1,2026-12-06,1\n")).rows == 1


def test_own_diary_with_too_many_factor_columns_and_no_rows_is_refused(client, people, engine) -> None:
    """My data: a header of 600 factor columns and no rows said "0 rows imported"."""
    from tests.conftest import bearer

    h = bearer(client, "owner@example.org")
    header = "patient,date," + ",".join(f"food.f{i}" for i in range(600)) + "\n"
    r = client.post("/api/v1/me/diary/import", content=header.encode(), headers={**h, "content-type": "text/csv"})
    assert r.status_code == 422 and r.json()["detail"].startswith("body: line 1: 600 factor columns"), r.json()
    huge = "patient,date," + ",".join(f"food.f{i}" for i in range(600_000)) + "\n"
    r = client.post("/api/v1/me/diary/import", content=huge.encode(), headers={**h, "content-type": "text/csv"})
    assert r.status_code == 422 and r.json()["detail"].startswith("body: line 1, column "), r.json()
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(DiaryDay)) == 0
