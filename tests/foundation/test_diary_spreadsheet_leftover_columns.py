"""A diary saved by a spreadsheet keeps the empty columns of the sheet's used range: Excel writes
``patient,date,itch,,`` and ``p1,2025-04-01,3,,`` when a cell right of the data was ever
formatted or cleared. Such a file was refused whole ("header cell 4 is empty; ... delete the empty
column"), though the columns cannot be seen in the sheet; blank rows of the same origin were
already skipped. Now a column with no name is allowed while it is empty in every row; a value under
one, or a value beyond the header, is an error naming its line and column (found in the new-user
acceptance walk of 2026-12-06)."""

from __future__ import annotations

import io

import pytest

from gutskin.diary.csvio import DiaryCsvError, iter_diary_csv, read_diary_frame

HEAD = ["patient", "date", "itch", "sleep_loss", "flare", "food.dairy", "env.pollen"]
ROWS = [["app-77", "2025-04-01", "3", "1", "0", "1", "12.5"],
        ["app-77", "2025-04-02", "6", "4", "1", "1", "40"],
        ["app-77", "2025-04-04", "", "", "", "0", "8"]]


def _excel(rows: list[list[str]], extra: int) -> io.StringIO:
    """As Excel's 'CSV UTF-8 (Comma delimited)' writes a sheet whose used range is ``extra``
    columns wider than the data, with two emptied rows at the end: BOM, CRLF, trailing commas."""
    lines = [",".join(r + [""] * extra) for r in rows] + [","* (len(rows[0]) + extra - 1)] * 2
    f = io.StringIO("\ufeff" + "\r\n".join(lines) + "\r\n")
    f.name = "from-excel.csv"
    return f


def test_trailing_nameless_empty_columns_are_spreadsheet_leftovers():
    frame = read_diary_frame(_excel([HEAD, *ROWS], extra=3))
    assert list(frame.columns) == ["patient", "date", "itch", "sleep_loss", "poscorad", "poem", "flare",
                                   "food.dairy", "env.pollen"]
    assert frame["itch"].tolist()[:2] == [3.0, 6.0] and frame["env.pollen"].tolist() == [12.5, 40.0, 8.0]
    assert frame["flare"].tolist()[:2] == [0.0, 1.0] and len(frame) == 3


def test_a_nameless_column_between_named_ones_is_fine_while_empty():
    head = HEAD[:3] + [""] + HEAD[3:]
    rows = [r[:3] + [""] + r[3:] for r in ROWS]
    rows_read = list(iter_diary_csv(_excel([head, *rows], extra=0)))
    assert [(r.itch, r.sleep_loss, r.factors) for r in rows_read[:1]] == [(3, 1, {"food.dairy": 1.0, "env.pollen": 12.5})]


def test_a_value_under_a_nameless_column_names_line_and_column():
    head = HEAD[:3] + [""] + HEAD[3:]
    rows = [r[:3] + [""] + r[3:] for r in ROWS]
    rows[1][3] = "itchy"
    with pytest.raises(DiaryCsvError) as err:
        list(iter_diary_csv(_excel([head, *rows], extra=0)))
    assert (err.value.line, err.value.column) == (3, "4 (no header)")
    assert str(err.value) == ('from-excel.csv: line 3, column 4 (no header): expected an empty cell: header cell 4 '
                              'is empty, so this column has no name (name it or delete the column), got "itchy"')


def test_pandas_index_column_is_named_not_guessed():
    """``DataFrame.to_csv`` with its index: an unnamed first column holding 0, 1, 2."""
    text = "," + ",".join(HEAD) + "\n" + "\n".join(f"{i}," + ",".join(r) for i, r in enumerate(ROWS)) + "\n"
    with pytest.raises(DiaryCsvError) as err:
        read_diary_frame(io.StringIO(text))
    assert (err.value.line, err.value.column) == (2, "1 (no header)") and 'got "0"' in str(err.value)


def test_a_value_beyond_a_trailing_nameless_column():
    f = _excel([HEAD, *ROWS], extra=2)
    text = f.getvalue().replace("app-77,2025-04-02,6,4,1,1,40,,", "app-77,2025-04-02,6,4,1,1,40,,x")
    with pytest.raises(DiaryCsvError) as err:
        read_diary_frame(io.StringIO(text))
    assert (err.value.line, err.value.column) == (3, "9 (no header)")
    g = io.StringIO(",".join(HEAD) + ",,\n" + ",".join(ROWS[0]) + ",,,5\n")
    with pytest.raises(DiaryCsvError) as err:  # beyond the header altogether: the cell count is named
        read_diary_frame(g)
    assert (err.value.column, err.value.message) == ("10 (no header)", "expected 9 cells as in the header, got 10")


def test_import_page_takes_an_excel_file_with_leftover_columns(client, people, engine):
    import re

    from gutskin.clinic import diary
    from gutskin.store.db import transaction
    from tests.safety.test_attacks import login_page

    login_page(client, "owner@example.org")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/data").text).group(1)
    data = _excel([HEAD, *ROWS], extra=3).getvalue().encode("utf-8")
    r = client.post("/data/import", data={"csrf_token": csrf}, files={"file": ("from-excel.csv", data, "text/csv")})
    assert r.status_code == 200 and 'id="import-done"' in r.text, r.text[-2000:]
    with transaction(engine) as s:
        days = diary.list_days(s, people.owner, people.owner_pid)
    assert [(d["date"], d["itch"], d["factors"]) for d in days] == [
        ("2025-04-01", 3, {"env.pollen": 12.5, "food.dairy": 1.0}), ("2025-04-02", 6, {"env.pollen": 40.0, "food.dairy": 1.0}),
        ("2025-04-04", None, {"env.pollen": 8.0, "food.dairy": 0.0})]
