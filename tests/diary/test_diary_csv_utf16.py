"""UTF-16 diary files (Excel's "Unicode Text", Excel for Mac's and LibreOffice's "CSV UTF-16"), with
their byte-order mark, are read as their UTF-8 twin: little- or big-endian, separated by tabs (as
Excel writes "Unicode Text") or commas, by the reader, the web import (API and My data page, on
SQLite and PostgreSQL) and the CLI (a path, or standard input). Until 2026-12-07 each was refused
with "not valid UTF-8: this file is UTF-16". A tab-separated UTF-8 file (a Google Sheets or Numbers
TSV) is read too. A UTF-16 file with a bad code unit is refused on its line, naming the file, and
nothing is imported; UTF-16 without a byte-order mark is still refused (a guess at the byte order).
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from gutskin.diary.csvio import DiaryCsvError, diary_text, iter_diary_csv
from gutskin.store.db import transaction
from gutskin.store.models import DiaryDay

HEAD = ["patient", "date", "itch", "poscorad", "food.dairy", "env.pollen"]
ROWS = [["Zoë", "2026-11-30", "3", "12.5", "1", ""],
        ["Zoë", "2026-12-01", "7", "", "0", "2"],
        ["Zoë", "2026-12-02", "", "", "", ""]]
BOMS = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}


def _text(sep: str, crlf: bool = True) -> str:
    end = "\r\n" if crlf else "\n"
    return end.join(sep.join(r) for r in [HEAD, *ROWS]) + end


def _utf16(text: str, codec: str) -> bytes:
    return BOMS[codec] + text.encode(codec)


def _twin() -> list:  # the rows of the same diary as a UTF-8 CSV
    return list(diary_text_rows(_text(",").encode()))


def diary_text_rows(data: bytes, name: str = "x.csv") -> list:
    return list(iter_diary_csv(diary_text(data, name)))


@pytest.mark.parametrize("codec", list(BOMS))
@pytest.mark.parametrize("sep", ["\t", ","], ids=["tabs", "commas"])
@pytest.mark.parametrize("crlf", [True, False], ids=["crlf", "lf"])
def test_utf16_with_a_bom_reads_as_its_utf8_twin(codec, sep, crlf, tmp_path) -> None:
    data = _utf16(_text(sep, crlf), codec)
    f = tmp_path / "unicode.txt"
    f.write_bytes(data)
    twin = _twin()
    assert len(twin) == 3 and twin[0].patient == "Zoë" and twin[0].poscorad == 12.5
    assert list(iter_diary_csv(f)) == twin  # a path (the CLI)
    assert diary_text_rows(data) == twin  # bytes (the web upload)


def test_a_tab_separated_utf8_file_reads_as_its_comma_twin(tmp_path) -> None:
    f = tmp_path / "sheet.tsv"  # Google Sheets' "Tab-separated values", Numbers' TSV
    f.write_bytes(_text("\t").encode())
    assert list(iter_diary_csv(f)) == _twin()


def test_a_tab_file_does_not_guess_a_thousands_comma() -> None:
    """A tab file takes the decimal separator of its first number (3,5 is 3.5 since 2026-12-07:
    test_diary_csv_tab_decimal_comma.py), but 1,200 before any may be 1200 or 1.2: not guessed."""
    data = _utf16("patient\tdate\tposcorad\r\np1\t2026-12-01\t1,200\r\n", "utf-16-le")
    with pytest.raises(DiaryCsvError) as e:
        diary_text_rows(data, "unicode.txt")
    assert str(e.value).startswith('unicode.txt: line 2, column poscorad: expected a number 0-103 with a point'), e.value


@pytest.mark.parametrize("damage,line", [
    (lambda b: b + b"\x00", 5),  # an odd last byte: the file was cut short
    (lambda b: b.replace("7".encode("utf-16-le"), b"\x00\xd8", 1), 3),  # a lone surrogate in the second row
], ids=["odd-byte", "lone-surrogate"])
def test_damaged_utf16_is_refused_on_its_line(damage, line) -> None:
    data = damage(_utf16(_text("\t"), "utf-16-le"))
    with pytest.raises(DiaryCsvError) as e:
        diary_text_rows(data, "unicode.txt")
    msg = str(e.value)
    assert msg.startswith(f"unicode.txt: line {line}: not valid UTF-16: "), msg
    assert 'save it again from the spreadsheet, as "CSV UTF-8 (Comma delimited)" or "Unicode Text"' in msg


def test_utf16_without_a_bom_is_still_refused() -> None:
    with pytest.raises(DiaryCsvError) as e:
        diary_text_rows(_text("\t").encode("utf-16-be"), "nobom.txt")
    assert str(e.value).startswith("nobom.txt: line 1: not valid UTF-8: this file is UTF-16 (separated by tabs) "
                                   "without a byte-order mark (BOM)"), e.value


def _days(engine, pid: int) -> dict:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return {d.day: d.itch for d in s.scalars(select(DiaryDay).where(DiaryDay.patient_id == pid))}


EXPECTED = {dt.date(2026, 11, 30): 3, dt.date(2026, 12, 1): 7, dt.date(2026, 12, 2): None}


@pytest.mark.parametrize("codec,sep", [("utf-16-le", "\t"), ("utf-16-be", ",")])
def test_api_upload_of_utf16(codec, sep, client, people, engine) -> None:
    from tests.conftest import bearer

    h = bearer(client, "owner@example.org")
    r = client.post("/api/v1/me/diary/import", files={"file": ("unicode.txt", _utf16(_text(sep), codec), "text/plain")},
                    headers=h)
    assert r.status_code == 201 and r.json() == {"rows": 3}, r.text
    assert _days(engine, people.owner_pid) == EXPECTED


def test_damaged_utf16_upload_imports_nothing(client, people, engine) -> None:
    from tests.conftest import bearer

    h = bearer(client, "owner@example.org")
    data = _utf16(_text("\t"), "utf-16-le") + b"\x00"  # three good rows, then an odd byte
    r = client.post("/api/v1/me/diary/import", files={"file": ("unicode.txt", data, "text/plain")}, headers=h)
    assert r.status_code == 422 and r.json()["detail"].startswith("unicode.txt: line 5: not valid UTF-16"), r.text
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(DiaryDay)) == 0


def test_my_data_page_imports_unicode_text(client, people, engine) -> None:
    from tests.safety.test_attacks import login_page

    login_page(client, "owner@example.org")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/data").text).group(1)
    r = client.post("/data/import", data={"csrf_token": csrf}, follow_redirects=False,
                    files={"file": ("Diary.txt", _utf16(_text("\t"), "utf-16-le"), "text/plain")})
    assert r.status_code == 303, r.text
    assert _days(engine, people.owner_pid) == EXPECTED


@pytest.fixture
def cli(db_url, monkeypatch):  # type: ignore[no-untyped-def]
    from gutskin.settings import get_settings

    monkeypatch.setenv("GUTSKIN_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


@pytest.mark.parametrize("from_stdin", [False, True], ids=["path", "stdin"])
def test_cli_import_diary_reads_utf16(cli, db_url, tmp_path, from_stdin) -> None:
    from gutskin.cli import app
    from gutskin.store.db import get_engine

    f = tmp_path / "unicode.txt"
    f.write_bytes(_utf16(_text("\t"), "utf-16-le"))
    r = (cli.invoke(app, ["import", "diary", "-"], input=f.read_bytes()) if from_stdin
         else cli.invoke(app, ["import", "diary", str(f)]))
    assert r.exit_code == 0, (r.output, r.exception)
    assert "imported 3 rows for 1 patient (1 new)" in r.stderr
    with transaction(get_engine(db_url)) as s:
        assert {d.day: d.itch for d in s.scalars(select(DiaryDay))} == EXPECTED


@pytest.fixture(scope="module")
def cohort_csv(tmp_path_factory):  # type: ignore[no-untyped-def]
    from gutskin.axis.cohort import simulate_cohort

    folder = tmp_path_factory.mktemp("cohort")
    simulate_cohort(n_patients=2, n_days=60, seed=5, start=dt.date(2025, 1, 1)).write(str(folder))
    return folder / "diary.csv"


@pytest.mark.parametrize("command", [["triggers", "{}", "--json"], ["forecast", "{}", "--horizon", "7", "--json"]],
                         ids=["triggers", "forecast"])
def test_triggers_and_forecast_answer_a_unicode_text_as_its_csv(cohort_csv, command, tmp_path) -> None:
    from gutskin.cli import app

    text = cohort_csv.read_text(encoding="utf-8")
    assert '"' not in text  # no quoted cell: commas become tabs one for one
    u16 = tmp_path / "unicode.txt"
    u16.write_bytes(_utf16(text.replace(",", "\t"), "utf-16-le"))
    runner = CliRunner()
    want = runner.invoke(app, [a.format(cohort_csv) for a in command])
    got_file = runner.invoke(app, [a.format(u16) for a in command])
    got_stdin = runner.invoke(app, [a.format("-") for a in command], input=u16.read_bytes())
    assert want.exit_code == 0, want.output
    for got in (got_file, got_stdin):
        assert got.exit_code == 0, (got.output, got.exception)
        assert json.loads(got.stdout) == json.loads(want.stdout)
