"""A tab-separated diary as German (Austrian, French ...) Excel saves it as "Unicode Text": UTF-16 with
a BOM, tabs, CRLF, numbers as the sheet shows them (12,5) and dates day.month.year (05.12.2026). In a
tab file a comma cannot be a separator, so 12,5 is 12.5. Since 2026-12-07 a tab file takes the decimal
separator of its first number that has one (file order: line, then column) and dotted dates day first;
a later number with the other separator is refused naming its line and column and the first one's,
nothing imported. Until then a tab file kept the point rule: 12,5 and 05.12.2026 were refused.
Comma and semicolon files are unchanged (their own tests).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from gutskin.diary.csvio import DiaryCsvError, diary_text, iter_diary_csv
from gutskin.store.db import transaction
from gutskin.store.models import DiaryDay

GERMAN = ("patient\tdate\titch\tposcorad\tfood.dairy\tenv.pollen\r\n"
          "Zoë\t30.11.2026\t3\t12,5\t1\t\r\n"
          "Zoë\t1.12.2026\t7\t\t0,5\t2\r\n"
          "Zoë\t02.12.2026\t\t2,5e1\t\t,5\r\n")
TWIN = ("patient,date,itch,poscorad,food.dairy,env.pollen\n"
        "Zoë,2026-11-30,3,12.5,1,\n"
        "Zoë,2026-12-01,7,,0.5,2\n"
        "Zoë,2026-12-02,,2.5e1,,.5\n")
ENCODINGS = {"utf-16-le": lambda t: b"\xff\xfe" + t.encode("utf-16-le"),
             "utf-16-be": lambda t: b"\xfe\xff" + t.encode("utf-16-be"),
             "utf-8": lambda t: t.encode("utf-8"),
             "utf-8-bom": lambda t: t.encode("utf-8-sig")}


def rows(data: bytes, name: str = "unicode.txt") -> list:
    return list(iter_diary_csv(diary_text(data, name)))


def refusal(data: bytes, name: str = "unicode.txt") -> str:
    with pytest.raises(DiaryCsvError) as e:
        rows(data, name)
    return str(e.value)


@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_german_unicode_text_reads_as_its_comma_twin(encoding, tmp_path) -> None:
    data = ENCODINGS[encoding](GERMAN)
    twin = rows(TWIN.encode())
    assert [r.date for r in twin] == [dt.date(2026, 11, 30), dt.date(2026, 12, 1), dt.date(2026, 12, 2)]
    assert twin[0].poscorad == 12.5 and twin[1].factors == {"food.dairy": 0.5, "env.pollen": 2.0}
    assert rows(data) == twin  # the web upload's bytes
    f = tmp_path / "Tagebuch.txt"
    f.write_bytes(data)
    assert list(iter_diary_csv(f)) == twin  # a path (the CLI)


def test_integers_and_dotted_dates_only() -> None:
    """No number with a separator at all (the usual diary: itch, flare, counts): the dates are read."""
    data = ENCODINGS["utf-16-le"]("patient\tdate\titch\tflare\r\np1\t05.12.2026\t3\t1\r\np1\t6.12.2026\t4\t0\r\n")
    assert [(r.date, r.itch) for r in rows(data)] == [(dt.date(2026, 12, 5), 3), (dt.date(2026, 12, 6), 4)]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-8"])
@pytest.mark.parametrize("text,line,col,got,first", [
    # a comma first, a point later
    ("patient\tdate\tposcorad\tfood.dairy\r\np1\t05.12.2026\t12,5\t1\r\np1\t06.12.2026\t\t0.5\r\n",
     3, "food.dairy", "0.5", "12,5 on line 2, column poscorad"),
    # a point first, a comma later (ISO and dotted dates both fine)
    ("patient\tdate\tposcorad\tfood.dairy\r\np1\t2026-12-05\t12.5\t1\r\np1\t06.12.2026\t3,5\t\r\n",
     3, "poscorad", "3,5", "12.5 on line 2, column poscorad"),
    # on one line the first in file order decides, whatever the column's kind
    ("patient\tdate\tfood.dairy\tposcorad\r\np1\t2026-12-05\t1.5\t12,5\r\n",
     2, "poscorad", "12,5", "1.5 on line 2, column food.dairy"),
    # 1.200 after a decimal comma is a mix too (1200 or 1.2), not a silent 1.2
    ("patient\tdate\tposcorad\tfood.dairy\r\np1\t05.12.2026\t0,5\t\r\np1\t06.12.2026\t\t1.200\r\n",
     3, "food.dairy", "1.200", "0,5 on line 2, column poscorad"),
], ids=["comma-then-point", "point-then-comma", "same-line", "thousands-point"])
def test_a_file_mixing_points_and_commas_is_refused_where_it_changes(encoding, text, line, col, got, first) -> None:
    said = refusal(ENCODINGS[encoding](text))
    kind = "comma (3,5)" if "," in first.split(" on ")[0] else "point (3.5)"  # the first number's
    assert said.startswith(f"unicode.txt: line {line}, column {col}: expected a number with a decimal "), said
    assert f"as the file's first number with one, {first}: " in said, said
    assert said.endswith(f'got "{got}"'), said
    assert f"expected a number with a decimal {kind} as" in said, said


def test_a_thousands_shape_before_any_decimal_stays_refused_then_reads_after_a_comma() -> None:
    """1,200 alone may be 1200 (an English sheet's thousands comma) or 1.2: refused as before; once the
    file has shown a decimal comma, it is 1.2 as in a semicolon file."""
    alone = ENCODINGS["utf-16-le"]("patient\tdate\tfood.dairy\r\np1\t2026-12-05\t1,200\r\n")
    assert refusal(alone).startswith('unicode.txt: line 2, column food.dairy: expected a number with a point as the '
                                      'decimal separator and no thousands separator'), refusal(alone)
    after = ENCODINGS["utf-16-le"]("patient\tdate\tposcorad\tfood.dairy\r\np1\t05.12.2026\t2,5\t1,200\r\n")
    assert rows(after)[0].factors == {"food.dairy": 1.2}


def test_a_point_tab_file_is_read_as_before_with_dotted_dates() -> None:
    """A sheet that writes points and dotted dates (Swiss German): its days are day first."""
    data = ENCODINGS["utf-8"]("patient\tdate\tposcorad\r\np1\t05.12.2026\t12.5\r\np1\t2026-12-06\t1.200\r\n")
    assert [(r.date, r.poscorad) for r in rows(data)] == [(dt.date(2026, 12, 5), 12.5), (dt.date(2026, 12, 6), 1.2)]


@pytest.mark.parametrize("cell,words", [
    ("31.02.2026", 'expected a day of the calendar, day.month.year in this file (or YYYY-MM-DD), got "31.02.2026"'),
    ("05.12.26", "expected a date with a four-digit year, day.month.year in this file (05.12.2026)"),
])
def test_impossible_dotted_days_are_refused(cell, words) -> None:
    said = refusal(ENCODINGS["utf-16-le"](f"patient\tdate\titch\r\np1\t{cell}\t3\r\n"))
    assert said.startswith(f"unicode.txt: line 2, column date: {words}"), said


def _days(engine, pid: int) -> dict:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return {d.day: (d.itch, d.poscorad) for d in s.scalars(select(DiaryDay).where(DiaryDay.patient_id == pid))}


def test_web_upload_of_german_unicode_text(client, people, engine) -> None:
    from tests.conftest import bearer

    h = bearer(client, "owner@example.org")
    mixed = GERMAN.replace("\t0,5\t", "\t0.5\t")  # line 3 writes 0.5
    r = client.post("/api/v1/me/diary/import", headers=h,
                    files={"file": ("Tagebuch.txt", ENCODINGS["utf-16-le"](mixed), "text/plain")})
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith("Tagebuch.txt: line 3, column food.dairy: expected a number with a decimal "
                                         "comma (3,5) as the file's first number with one, 12,5 on line 2"), r.text
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(DiaryDay)) == 0  # all or nothing
    r = client.post("/api/v1/me/diary/import", headers=h,
                    files={"file": ("Tagebuch.txt", ENCODINGS["utf-16-le"](GERMAN), "text/plain")})
    assert r.status_code == 201 and r.json() == {"rows": 3}, r.text
    assert _days(engine, people.owner_pid) == {dt.date(2026, 11, 30): (3, 12.5), dt.date(2026, 12, 1): (7, None),
                                               dt.date(2026, 12, 2): (None, 25.0)}


def test_my_data_page_imports_german_unicode_text(client, people, engine) -> None:
    from tests.safety.test_attacks import login_page

    login_page(client, "owner@example.org")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/data").text).group(1)
    r = client.post("/data/import", data={"csrf_token": csrf}, follow_redirects=False,
                    files={"file": ("Tagebuch.txt", ENCODINGS["utf-16-le"](GERMAN), "text/plain")})
    assert r.status_code == 303, r.text
    assert _days(engine, people.owner_pid)[dt.date(2026, 11, 30)] == (3, 12.5)


def test_cli_import_diary_reads_german_unicode_text(db_url, monkeypatch, tmp_path) -> None:
    from gutskin.cli import app
    from gutskin.settings import get_settings
    from gutskin.store.db import get_engine

    monkeypatch.setenv("GUTSKIN_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        f = tmp_path / "Tagebuch.txt"
        f.write_bytes(ENCODINGS["utf-16-le"](GERMAN))
        r = CliRunner().invoke(app, ["import", "diary", str(f)])
        assert r.exit_code == 0, (r.output, r.exception)
        with transaction(get_engine(db_url)) as s:
            assert {d.day: d.poscorad for d in s.scalars(select(DiaryDay))} == {
                dt.date(2026, 11, 30): 12.5, dt.date(2026, 12, 1): None, dt.date(2026, 12, 2): 25.0}
    finally:
        get_settings.cache_clear()
