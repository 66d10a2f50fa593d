"""read_diary_frame keeps every factor column of the header (a factor blank in every row is
an all-NaN column, not dropped), and a tab-separated file (as spreadsheet
programs write as "Unicode text") is one clear error naming the separator (a semicolon-separated one is
read with a decimal comma since 2026-12-07: tests/diary/test_diary_csv_european_excel.py)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gutskin.diary.csvio import DiaryCsvError, read_diary_frame

HEAD = "patient,date,itch,food.dairy,treat.tcs,env.pollen\n"


def test_all_blank_factor_column_is_kept_as_nan():
    text = HEAD + "p1,2025-01-01,3,1,,\np1,2025-01-02,4,0,,\n"
    frame = read_diary_frame(io.StringIO(text))
    assert list(frame.columns[-3:]) == ["food.dairy", "treat.tcs", "env.pollen"]
    assert frame["treat.tcs"].isna().all() and frame["env.pollen"].isna().all()
    assert frame["food.dairy"].tolist() == [1.0, 0.0]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.integers(0, 5)), min_size=3, max_size=3), min_size=1, max_size=8))
def test_factor_columns_follow_the_header_whatever_is_filled(cells):
    lines = [HEAD]
    for day, row in enumerate(cells, start=1):
        vals = ["" if v is None else str(v) for v in row]
        lines.append(f"p1,2025-01-{day:02d},,{','.join(vals)}\n")
    frame = read_diary_frame(io.StringIO("".join(lines)))
    assert list(frame.columns) == ["patient", "date", "itch", "sleep_loss", "poscorad", "poem", "flare",
                                   "food.dairy", "treat.tcs", "env.pollen"]
    got = frame[["food.dairy", "treat.tcs", "env.pollen"]].to_numpy()
    want = np.array([[np.nan if v is None else v for v in row] for row in cells], dtype=float)
    np.testing.assert_array_equal(got, want)


def test_other_separators_are_named():
    # semicolons are read since 2026-12-07 (decimal comma), tabs since 2026-12-07 too (Excel's "Unicode
    # Text", tests/diary/test_diary_csv_utf16.py): a header in another language is named by its column
    text = "\t".join(["Patient", "Datum", "itch"]) + "\r\n" + "\t".join(["p1", "2025-01-01", "3"]) + "\r\n"
    with pytest.raises(DiaryCsvError) as err:
        read_diary_frame(io.StringIO(text))
    msg = str(err.value)
    assert msg.startswith("<stdin>: line 1, column Patient: expected a core column") and "did you mean patient?" in msg
    assert "\n" not in msg


@pytest.mark.parametrize("header,cell", [("patient,,date,itch", 2), (",patient,date", 1)])
def test_empty_header_cell_is_named_by_position(header, cell):
    """A column with no name may stay (a spreadsheet's leftover, 2026-12-06) only while it is
    empty: a value under it names the line and the column's position."""
    width = header.count(",") + 1
    text = header + "\n" + ",".join(["p1", "2025-01-01", "3"] + [""] * (width - 3)) + "\n"
    with pytest.raises(DiaryCsvError) as err:
        read_diary_frame(io.StringIO(text))
    assert (err.value.line, err.value.column) == (2, f"{cell} (no header)")
    assert f"header cell {cell} is empty" in str(err.value)


def test_trailing_empty_header_cells_with_empty_columns_are_read():
    frame = read_diary_frame(io.StringIO("patient,date,itch,,\np1,2025-01-01,3,,\n"))
    assert frame["itch"].tolist() == [3.0] and list(frame.columns)[-1] == "flare"


@pytest.mark.parametrize("cell", ["³", "٣", "3\u200b"])
def test_non_ascii_digits_in_a_score_are_a_cell_error_not_a_crash(cell):
    text = f"patient,date,itch\np1,2025-01-01,{cell}\n"
    with pytest.raises(DiaryCsvError) as err:  # '³' raised a bare ValueError from int()
        read_diary_frame(io.StringIO(text))
    assert (err.value.line, err.value.column) == (2, "itch")


@pytest.mark.parametrize("cell", ["1_000", "٣", "nan", "inf", "0x10", "1e400", "1,5"])
def test_python_only_number_spellings_are_refused(cell):
    text = f'patient,date,env.pollen\np1,2025-01-01,"{cell}"\n'
    with pytest.raises(DiaryCsvError) as err:
        read_diary_frame(io.StringIO(text))
    assert (err.value.line, err.value.column) == (2, "env.pollen")


@settings(max_examples=60, deadline=None)
@given(st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False))
def test_csv_numbers_read_back_exactly(x):
    for text in (repr(x), f"{x:e}", f"{x:.3f}"):
        frame = read_diary_frame(io.StringIO(f"patient,date,env.pollen\np1,2025-01-01,{text}\n"))
        assert frame["env.pollen"].iloc[0] == float(text)
