"""Diary CSV files as real spreadsheets save them, second walk (2026-12-07; docs/diary-csv.md), uploaded
through the API like the My data page does, on SQLite and PostgreSQL:

- Excel where the decimal separator is a comma (German, French, ...) saves every CSV, "CSV UTF-8"
  too, with semicolons and 12,5; no setting of Excel saves it otherwise, so the old refusal's advice
  ('save as "CSV UTF-8 (Comma delimited)"') gave the same file again. Read since 2026-12-07: ';'
  separates, a comma is the decimal separator; a point in a number is refused (1.200 is 1200 in
  that sheet and 1.2 elsewhere), naming line and column, nothing imported.
- A date column holding date-times at midnight (2026-12-07T00:00:00, 2026-12-07 00:00, as pandas
  and spreadsheets write them) names one day and is read as it; a time zone (Z) or another time stays
  refused, saying why.
- A Latin-1 (Windows-1252) file with "ä" in a factor name: the refusal names the letter and the
  encoding and how to save UTF-8; the name itself, once UTF-8, is told how to spell it in a-z.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from gutskin.store.db import transaction
from gutskin.store.models import DiaryDay
from tests.diary.test_diary_csv_spreadsheet_files import _stored


def _post(client, name: str, data: bytes):  # type: ignore[no-untyped-def]
    from tests.conftest import bearer

    h = bearer(client, "owner@example.org")
    return client.post("/api/v1/me/diary/import", files={"file": (name, data, "text/csv")}, headers=h)


def _days(engine) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(DiaryDay))


GERMAN_EXCEL = ("\ufeffpatient;date;itch;poscorad;food.dairy;;\r\n"
                "app-1;2026-12-05;3;12,5;1;;\r\n"
                '"app-1";"2026-12-06";"7";;"0,5";;\r\n'
                ";;;;;;\r\n").encode()


def test_german_excel_semicolons_and_decimal_commas_import(client, people, engine) -> None:
    r = _post(client, "Tagebuch.csv", GERMAN_EXCEL)
    assert r.status_code == 201 and r.json() == {"rows": 2}, r.text
    assert _stored(engine, people.owner_pid) == {dt.date(2026, 12, 5): (3, 12.5, 1.0),
                                                 dt.date(2026, 12, 6): (7, None, 0.5)}


@pytest.mark.parametrize("body, where, said", [
    # a point in a semicolon file: 1.200 (German thousands) or 1.2, never guessed
    ("patient;date;itch;poscorad\r\napp-1;2026-12-05;3;12,5\r\napp-1;2026-12-06;4;1.200\r\n",
     "line 3, column poscorad: expected a number 0-103 with a decimal comma (3,5)", "write 1,2 or 1200"),
    ("patient;date;env.pollen\r\napp-1;2026-12-06;1.200\r\n",
     "line 2, column env.pollen: expected a number with a decimal comma", "cannot be read"),
    # a decimal comma is no whole number
    ("patient;date;itch\r\napp-1;2026-12-06;3,5\r\n", 'line 2, column itch: expected an integer 0-10, got "3,5"', ""),
])
def test_what_a_semicolon_file_cannot_say_is_refused_by_line_and_column(client, people, engine, body, where,
                                                                         said) -> None:
    r = _post(client, "sheet.csv", body.encode())
    detail = r.json()["detail"]
    assert r.status_code == 422 and detail.startswith(f"sheet.csv: {where}") and said in detail, detail
    assert _days(engine) == 0


@pytest.mark.parametrize("cell", ["2026-12-05T00:00:00", "2026-12-05 00:00:00", "2026-12-05 00:00",
                                  "2026-12-05T00:00:00.000"])
def test_a_date_at_midnight_is_that_day(client, people, engine, cell) -> None:
    body = f"patient,date,itch,poscorad,food.dairy\napp-1,{cell},3,12.5,1\napp-1,2026-12-06,7,,0\n"
    r = _post(client, "pandas.csv", body.encode())
    assert r.status_code == 201 and r.json() == {"rows": 2}, r.text
    assert _stored(engine, people.owner_pid) == {dt.date(2026, 12, 5): (3, 12.5, 1.0),
                                                 dt.date(2026, 12, 6): (7, None, 0.0)}


@pytest.mark.parametrize("cell, said", [
    ("2026-12-05T00:00:00Z", "a time with a time zone may fall on another day"),
    ("2026-12-05T00:00:00+01:00", "write the day itself, YYYY-MM-DD"),
    ("2026-12-05 18:00", "a time other than midnight 00:00 is not read as a day"),
])
def test_a_date_with_a_zone_or_another_time_stays_refused(client, people, engine, cell, said) -> None:
    r = _post(client, "times.csv", f"patient,date,itch\napp-1,{cell},3\n".encode())
    detail = r.json()["detail"]
    assert r.status_code == 422 and detail.startswith("times.csv: line 2, column date:") and said in detail, detail
    assert _days(engine) == 0


def test_a_latin1_file_names_the_letter_and_the_encoding(client, people, engine) -> None:
    body = "patient,date,itch,food.käse\napp-1,2026-12-05,3,1\n"
    r = _post(client, "käse.csv", body.encode("cp1252"))
    detail = r.json()["detail"]
    assert r.status_code == 422, detail
    assert detail.startswith('käse.csv: line 1: not valid UTF-8 (byte 0xe4: invalid continuation byte; it is "ä" in '
                             "Windows-1252 (Latin-1)"), detail
    assert 'save as "CSV UTF-8 (Comma delimited)"' in detail
    # saved as UTF-8, the name is told how to be written in a-z (it was "did you mean food.k?")
    r = _post(client, "käse.csv", body.encode())
    detail = r.json()["detail"]
    assert r.status_code == 422 and detail.startswith("käse.csv: line 1, column food.käse:"), detail
    assert detail.endswith("no accents or umlauts: write food.kaese"), detail
    assert _days(engine) == 0


def test_a_semicolon_diary_on_the_microbiome_upload_is_named_a_diary() -> None:
    """Now a diary like any other: chosen on the microbiome upload by mistake, it is named as the other
    kind of file (it was read as a table: "non-numeric value '2026-12-05' for sample 'app-1', feature 'date'")."""
    from gutskin.clinic.errors import InvalidInput
    from gutskin.clinic.microbiome import parse_upload

    with pytest.raises(InvalidInput) as e:
        parse_upload("Tagebuch.csv", GERMAN_EXCEL)
    assert str(e.value) == ("file: Tagebuch.csv is a diary CSV (columns patient, date, ...), not a microbiome profile; "
                            "import it on My data (Import a diary)"), str(e.value)


def test_a_mac_roman_letter_is_named_in_both_encodings(tmp_path) -> None:
    """Excel for Mac's "CSV (Macintosh)" writes ö as 0x9a, which is "š" in Windows-1252: both are named,
    not only the Windows-1252 letter the file does not mean."""
    from gutskin.diary.csvio import DiaryCsvError, iter_diary_csv

    f = tmp_path / "mac.csv"
    f.write_bytes("patient,date,itch\nJörg,2026-12-05,3\n".encode("mac_roman"))
    with pytest.raises(DiaryCsvError) as e:
        list(iter_diary_csv(f))
    assert str(e.value).startswith(f'{f}: line 2: not valid UTF-8 (byte 0x9a: invalid start byte; it is "ö" in Mac '
                                   'Roman, the encoding of a spreadsheet\'s "CSV (Macintosh)", or "š" in Windows-1252)'), \
        str(e.value)


def test_a_semicolon_files_dates_as_excel_shows_them_are_day_month_year(client, people, engine) -> None:
    """German Excel saves a date cell as it shows it, 05.12.2026: in a file separated by semicolons (a
    decimal-comma locale) dots mean day.month.year in every locale that writes them, so it is read (it was
    "a spreadsheet's day/month/year or month/day/year date cannot be told apart"); an impossible day and a
    two-digit year are refused by line and column, nothing imported. A comma file's 05.12.2026 stays refused."""
    body = "patient;date;itch;poscorad;food.dairy\r\napp-1;05.12.2026;3;12,5;1\r\napp-1;6.12.2026;7;;0\r\n"
    r = _post(client, "Tagebuch.csv", body.encode())
    assert r.status_code == 201 and r.json() == {"rows": 2}, r.text
    assert _stored(engine, people.owner_pid) == {dt.date(2026, 12, 5): (3, 12.5, 1.0),
                                                 dt.date(2026, 12, 6): (7, None, 0.0)}


@pytest.mark.parametrize("body, said", [
    ("patient;date;itch\r\napp-1;31.02.2026;3\r\n",
     'line 2, column date: expected a day of the calendar, day.month.year in this file (or YYYY-MM-DD), got "31.02.2026"'),
    ("patient;date;itch\r\napp-1;05.12.26;3\r\n", "line 2, column date: expected a date with a four-digit year"),
    ("patient,date,itch\r\napp-1,05.12.2026,3\r\n", "line 2, column date: expected an ISO date YYYY-MM-DD (a "
                                                    "spreadsheet's day/month/year"),
])
def test_dotted_dates_that_are_no_day_are_refused(client, people, engine, body, said) -> None:
    r = _post(client, "dates.csv", body.encode())
    detail = r.json()["detail"]
    assert r.status_code == 422 and detail.startswith(f"dates.csv: {said}"), detail
    assert _days(engine) == 0
