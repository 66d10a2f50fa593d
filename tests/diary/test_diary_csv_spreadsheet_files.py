"""Diary CSV files as spreadsheet programs write them (the walk of 2026-12-06; docs/diary-csv.md):
each imports as meant or is refused with what to do, never a silent guess (a day/month swap, 3,5
read as two cells). Uploaded through the API like the My data page does, on SQLite and PostgreSQL.

Failing on the code before 2026-12-06: empty rows above the header were "patient missing from the
header"; dates as a serial number, with a month name, with slashes after the year or a day/month
date with a time, a checkbox's TRUE and a thousands separator as a space named no cause; an old Mac file (lines ended by a lone CR) uploaded was
"not valid CSV: new-line character seen in unquoted field" (the file path read it); German Excel's
"Patient;Datum;Juckreiz" was told to name a factor "food.patient_datum_juckreiz"; a UTF-16 "Unicode
text" file was told only "not valid UTF-8 (byte 0xff)", and without a BOM its header of NULs was
a column error; "3,5" (a decimal comma, quoted) said only "expected a number".
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from gutskin.store.db import transaction
from gutskin.store.models import DiaryDay, Factor, FactorValue

HEAD = ["patient", "date", "itch", "poscorad", "food.dairy"]
ROWS = [["app-1", "2026-12-05", "3", "12.5", "1"], ["app-1", "2026-12-06", "7", "", "0"]]
EXPECTED = {dt.date(2026, 12, 5): (3, 12.5, 1.0), dt.date(2026, 12, 6): (7, None, 0.0)}


def _lines(rows, sep=",", quote=False):  # type: ignore[no-untyped-def]
    q = (lambda c: f'"{c}"') if quote else (lambda c: c)
    return [sep.join(q(c) for c in r) for r in rows]


FILES = {
    # Excel "CSV UTF-8 (Comma delimited)": a BOM, CRLF, a line break after the last row
    "excel_csv_utf8": ("\ufeff" + "\r\n".join(_lines([HEAD, *ROWS])) + "\r\n").encode(),
    # LibreOffice Calc with "Quote all text cells" (and numbers): every cell quoted, LF
    "libreoffice_quoted": ("\n".join(_lines([HEAD, *ROWS], quote=True)) + "\n").encode(),
    # Google Sheets' File > Download > CSV: CRLF, no line break after the last row
    "google_sheets": "\r\n".join(_lines([HEAD, *ROWS])).encode(),
    # a used range wider and longer than the data: empty columns and rows
    "trailing_empty_cells": ("\r\n".join(_lines([r + ["", ""] for r in [HEAD, *ROWS]]) + [",,,,,,"] * 3) + "\r\n").encode(),
    # a header typed with blanks around names
    "header_blanks": ("\n".join([" patient ,date  ,itch , poscorad,food.dairy  ", *_lines(ROWS)]) + "\n").encode(),
    # a table that starts lower in the sheet: empty rows above the header (skipped since 2026-12-06)
    "rows_above_header": (",,,,\r\n,,,,\r\n" + "\r\n".join(_lines([HEAD, *ROWS])) + "\r\n").encode(),
    # Excel for Mac's "CSV (Macintosh)" and old Mac programs: lines ended by a lone CR
    "old_mac_cr": ("\r".join(_lines([HEAD, *ROWS])) + "\r").encode(),
    # Excel's "Unicode Text": UTF-16 LE with a BOM, tabs, CRLF (refused until 2026-12-07)
    "utf16_unicode_text": ("\ufeff" + "\r\n".join(_lines([HEAD, *ROWS], sep="\t")) + "\r\n").encode("utf-16-le"),
}


def _stored(engine, pid: int) -> dict[dt.date, tuple]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        days = {d.day: d for d in s.scalars(select(DiaryDay).where(DiaryDay.patient_id == pid))}
        dairy = dict(s.execute(select(FactorValue.day, FactorValue.value).join(Factor, Factor.id == FactorValue.factor_id)
                               .where(FactorValue.patient_id == pid, Factor.name == "food.dairy")).all())
    return {k: (d.itch, d.poscorad, dairy.get(k)) for k, d in days.items()}


@pytest.mark.parametrize("kind", list(FILES))
def test_spreadsheet_files_import_as_meant(kind, client, people, engine) -> None:
    from tests.conftest import bearer

    h = bearer(client, "owner@example.org")
    r = client.post("/api/v1/me/diary/import", files={"file": (f"{kind}.csv", FILES[kind], "text/csv")}, headers=h)
    assert r.status_code == 201 and r.json() == {"rows": 2}, r.text
    assert _stored(engine, people.owner_pid) == EXPECTED


def _utf16(text: str, bom: bool) -> bytes:
    return ("\ufeff" if bom else "").encode("utf-16-le") + text.encode("utf-16-le")


TAB_TEXT = "\r\n".join(_lines([HEAD, *ROWS], sep="\t")) + "\r\n"
REFUSED = {
    # Excel in a German/French locale: semicolons, decimal comma (read since 2026-12-07), names in the
    # sheet's language (refused by name: the semicolons were the message until 2026-12-07)
    "excel_german_semicolons": ("\ufeffPatient;Datum;Juckreiz;PO-SCORAD\r\napp-1;06.12.2026;3;12,5\r\n".encode(),
                                "line 1, column Patient: expected a core column", "did you mean patient?"),
    # UTF-16 with tabs without a BOM: which byte order, and UTF-16 at all, would be a guess (with its BOM,
    # Excel's "Unicode Text", it is read since 2026-12-07: FILES above)
    "utf16_without_bom": (_utf16(TAB_TEXT, bom=False), "line 1: not valid UTF-8: this file is UTF-16",
                          'as "Unicode Text" (which writes the mark) or as "CSV UTF-8 (Comma delimited)"'),
    # a decimal comma kept in a comma-separated file (quoted, as LibreOffice and Excel write it)
    "decimal_comma_quoted": ('patient,date,itch,poscorad\napp-1,2026-12-06,3,"3,5"\n'.encode(),
                             'line 2, column poscorad: expected a number 0-103 with a point as the decimal separator',
                             "cannot be told apart"),
    "thousands_separator": ('patient,date,env.pollen\napp-1,2026-12-06,"1,200"\n'.encode(),
                            "line 2, column env.pollen: expected a number with a point as the decimal separator",
                            "cannot be told apart"),
    # refused before 2026-12-06 saying only the format's rule; now what the cell is and what to do
    "date_serial_number": (b"patient,date,itch\napp-1,46362,3\n", "line 2, column date:", "date serial number"),
    "date_month_name": (b"patient,date,itch\napp-1,6-Dec-2026,3\n", "line 2, column date:", "a month name"),
    "date_year_slashes": (b"patient,date,itch\napp-1,2026/12/06,3\n", "line 2, column date:", "with hyphens"),
    "date_day_month_time": (b"patient,date,itch\napp-1,06/12/2026 00:00,3\n", "line 2, column date:",
                            "cannot be told apart"),
    "checkbox_true": (b"patient,date,flare\napp-1,2026-12-06,TRUE\n", "line 2, column flare: expected 0 or 1",
                      "write 1 for yes and 0 for no"),
    "space_thousands": ("patient,date,env.pollen\napp-1,2026-12-06,1\u202f200\n".encode(),
                        "line 2, column env.pollen: expected a number with a point", "cannot be told apart"),
    "blank_rows_then_semicolons": (b",,\n\nPatient;Datum\napp-1;06.12.2026\n",
                                   "line 3, column Patient:", "did you mean patient?"),
    # already refused before 2026-12-06 (kept here so the walk is whole): dates a spreadsheet formats
    "date_day_month": (b"patient,date,itch\napp-1,06/12/2026,3\n", "line 2, column date:", "cannot be told apart"),
    "date_with_time": (b"patient,date,itch\napp-1,2026-12-06 08:30:00,3\n", "line 2, column date:", "without a time"),
    "header_case": (b"Patient,Date,Itch\napp-1,2026-12-06,3\n", "line 1, column Patient:", "did you mean patient?"),
}


@pytest.mark.parametrize("kind", list(REFUSED))
def test_spreadsheet_files_refused_say_what_to_do(kind, client, people, engine) -> None:
    from tests.conftest import bearer

    data, where, todo = REFUSED[kind]
    h = bearer(client, "owner@example.org")
    r = client.post("/api/v1/me/diary/import", files={"file": (f"{kind}.csv", data, "text/csv")}, headers=h)
    detail = r.json()["detail"]
    assert r.status_code == 422 and detail.startswith(f"{kind}.csv: {where}") and todo in detail, detail
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(DiaryDay)) == 0


def test_a_comma_number_is_never_split_or_read(client, people, engine) -> None:
    """3,5 is one quoted cell and refused: not 3 (nor 35, nor 3.5 guessed)."""
    from tests.conftest import bearer

    h = bearer(client, "owner@example.org")
    body = 'patient,date,itch,poscorad,food.dairy\napp-1,2026-12-05,3,12.5,1\napp-1,2026-12-06,4,"3,5",1\n'
    r = client.post("/api/v1/me/diary/import", content=body.encode(), headers={**h, "content-type": "text/csv"})
    assert r.status_code == 422 and "line 3, column poscorad" in r.json()["detail"]
    assert _stored(engine, people.owner_pid) == {}


def test_an_unquoted_decimal_comma_is_not_read_as_two_cells(client, people, engine) -> None:
    """"3,5" written without quotes (a program in a decimal-comma locale, or typed by hand) in a row
    whose last cell is empty: the row is one cell wider than its header. Until 2026-12-06 the empty
    cell beyond the header was dropped as a spreadsheet leftover and the day imported with poscorad
    3 and food.dairy 5; spreadsheets save every row as wide as the header, so a wider row is refused."""
    from tests.conftest import bearer

    h = bearer(client, "owner@example.org")
    body = "patient,date,itch,poscorad,food.dairy\napp-1,2026-12-05,3,12.5,1\napp-1,2026-12-06,4,3,5,\n"
    r = client.post("/api/v1/me/diary/import", content=body.encode(), headers={**h, "content-type": "text/csv"})
    detail = r.json()["detail"]
    assert r.status_code == 422 and detail.startswith("body: line 3, column 6 (no header): expected 5 cells as in "
                                                      "the header, got 6") and "write 3.5" in detail, detail
    assert _stored(engine, people.owner_pid) == {}
    # a sheet's leftover columns (as wide as the header's trailing empty cells) still import
    body = "patient,date,itch,poscorad,food.dairy,,\napp-1,2026-12-05,3,12.5,1,,\napp-1,2026-12-06,7,,0,,\n"
    r = client.post("/api/v1/me/diary/import", content=body.encode(), headers={**h, "content-type": "text/csv"})
    assert r.status_code == 201 and _stored(engine, people.owner_pid) == EXPECTED
