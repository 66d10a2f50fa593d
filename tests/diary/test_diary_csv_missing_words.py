"""A missing value written as a word (R's write.csv writes NA, a spreadsheet #N/A for a failed
lookup, people type '-' or '?') is refused naming file, line and column, and now says that a
missing value is a blank cell (docs/diary-csv.md: "A blank cell is missing, never zero"), how to
get one from R and from a spreadsheet; it said only 'expected an integer 0-10, got "NA"'. A blank
cell is still read as missing. Also: a UTF-16 file with commas is not called tab-separated."""

from __future__ import annotations

import pytest

from gutskin.diary.csvio import DiaryCsvError, iter_diary_csv

HINT = 'or a blank cell (a missing value is a blank cell, never a word: in R, write.csv(..., na = ""); in a spreadsheet'


@pytest.mark.parametrize("column, cell, expected", [
    ("itch", "NA", 'line 3, column itch: expected an integer 0-10 ' + HINT),
    ("itch", "#N/A", 'line 3, column itch: expected an integer 0-10 ' + HINT),
    ("poscorad", "-", 'line 3, column poscorad: expected a number 0-103 ' + HINT),
    ("flare", "?", 'line 3, column flare: expected 0 or 1 ' + HINT),
    ("env.pollen", "NaN", 'line 3, column env.pollen: expected a number ' + HINT),
])
def test_missing_value_words_are_refused_saying_to_leave_the_cell_blank(tmp_path, column, cell, expected) -> None:
    f = tmp_path / "from_r.csv"
    f.write_text(f"patient,date,{column}\r\np01,2026-12-05,\r\np01,2026-12-06,{cell}\r\n")
    with pytest.raises(DiaryCsvError) as e:
        list(iter_diary_csv(f))
    assert str(e.value).startswith(f"{f}: {expected}"), str(e.value)
    assert str(e.value).endswith(f'got "{cell}"')


def test_blank_cells_are_missing(tmp_path) -> None:
    f = tmp_path / "blank.csv"
    f.write_text("patient,date,itch,poscorad,flare,env.pollen\np01,2026-12-06,,,,\n")
    (row,) = list(iter_diary_csv(f))
    assert (row.itch, row.poscorad, row.flare, row.factors) == (None, None, None, {})


def test_utf16_with_commas_is_not_called_tab_separated(tmp_path) -> None:
    # LibreOffice's "Text CSV" saved in UTF-16 keeps the commas; the message said "separated by tabs".
    # With its byte-order mark it is read since 2026-12-07 (tests/diary/test_diary_csv_utf16.py); without
    # one it is still refused
    f = tmp_path / "utf16.csv"
    f.write_bytes("patient,date,itch\r\np01,2026-12-06,3\r\n".encode("utf-16-le"))
    with pytest.raises(DiaryCsvError) as e:
        list(iter_diary_csv(f))
    msg = str(e.value)
    assert msg.startswith(f"{f}: line 1: not valid UTF-8: this file is UTF-16 (comma-separated"), msg
    assert "tabs" not in msg and msg.endswith('"CSV UTF-8 (Comma delimited)"')
