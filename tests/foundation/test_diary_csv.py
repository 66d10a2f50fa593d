"""The diary CSV interchange format (../shared/formats/diary-csv.md): parsing, errors, round trips."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gutskin.diary.csvio import DiaryCsvError, DiaryRow, diary_csv_text, iter_diary_csv, read_diary_frame

# the Windows-1252 letter a non-UTF-8 byte is, and how to save UTF-8 (named since 2026-12-07)
_UE = '; it is "ü" in Windows-1252 (Latin-1), the encoding a spreadsheet\'s plain "CSV (Comma delimited)" uses in Western Europe'
_SAVE = ' (in the spreadsheet, save as "CSV UTF-8 (Comma delimited)")'


SPEC_EXAMPLE = """patient,date,itch,sleep_loss,flare,food.dairy,env.pollen,life.stress,treat.tcs,gut.bristol
p01,2025-04-01,3,1,0,1,12.5,4,0,4
p01,2025-04-02,6,4,1,1,40.0,6,1,
p01,2025-04-04,,,,0,8.0,3,0,3
"""


def parse(text: str, name: str = "diary.csv") -> list[DiaryRow]:
    buf = io.StringIO(text)
    buf.name = name  # type: ignore[attr-defined]
    return list(iter_diary_csv(buf))


def test_spec_example_parses_with_blanks_as_missing() -> None:
    rows = parse(SPEC_EXAMPLE)
    assert [r.date for r in rows] == [dt.date(2025, 4, 1), dt.date(2025, 4, 2), dt.date(2025, 4, 4)]
    assert rows[0].itch == 3 and rows[0].flare == 0 and rows[0].factors["env.pollen"] == 12.5
    assert "gut.bristol" not in rows[1].factors  # blank cell is missing, never zero
    assert rows[2].itch is None and rows[2].factors["food.dairy"] == 0.0


def test_spec_error_message_names_file_line_column_and_expected() -> None:
    text = "patient,date,itch\n" + "".join(f"p01,2025-04-0{i},1\n" for i in range(1, 6)) + "p01,2025-04-07,12\n"
    with pytest.raises(DiaryCsvError) as err:
        parse(text)
    assert str(err.value) == 'diary.csv: line 7, column itch: expected an integer 0-10, got "12"'
    assert (err.value.line, err.value.column) == (7, "itch")


@pytest.mark.parametrize(
    ("header", "row", "column", "expected"),
    [
        ("patient,date,sleep_loss", "p,2025-01-01,-1", "sleep_loss", "an integer 0-10"),
        ("patient,date,flare", "p,2025-01-01,2", "flare", "0 or 1"),
        ("patient,date,poem", "p,2025-01-01,29", "poem", "an integer 0-28"),
        ("patient,date,poscorad", "p,2025-01-01,104", "poscorad", "a number 0-103"),
        ("patient,date,food.egg", "p,2025-01-01,yes", "food.egg", "a number"),
        ("patient,date,itch", "p,2025-13-01,1", "date", "an ISO date YYYY-MM-DD"),
        ("patient,date,itch", "p,1/2/2025,1", "date", "an ISO date YYYY-MM-DD"),
        ("patient,date,itch", ",2025-01-01,1", "patient", "a patient identifier"),
        ("patient,date,itch", "=cmd|' /C calc'!A0,2025-01-01,1", "patient", "not starting with"),
        ("patient,date,itch", "p,2025-01-01,3.5", "itch", "an integer 0-10"),
        ("patient,date,env.pollen", "p,2025-01-01,nan", "env.pollen", "a number"),
        # the vocabulary's ranges hold on every way in (CSV, API, FHIR): what one exports, another imports
        ("patient,date,env.humidity", "p,2025-01-01,150", "env.humidity", 'a value from 0 to 100 (Humidity), got "150"'),
        ("patient,date,gut.bristol", "p,2025-01-01,9", "gut.bristol", "a value from 1 to 7"),
        ("patient,date,env.pollen", "p,2025-01-01,-5", "env.pollen", "a value of at least 0 (Pollen)"),
        ("patient,date,treat.tcs", "p,2025-01-01,-1", "treat.tcs", "a value of at least 0"),
    ],
)
def test_bad_cells_are_named(header: str, row: str, column: str, expected: str) -> None:
    with pytest.raises(DiaryCsvError) as err:
        parse(f"{header}\n{row}\n")
    assert err.value.line == 2 and err.value.column == column
    assert expected in str(err.value)


@pytest.mark.parametrize(
    ("header", "column"),
    [("date,itch", "patient"), ("patient,itch", "date"), ("patient,date,Food.Dairy", "Food.Dairy"),
     ("patient,date,dairy", "dairy"), ("patient,date,itch,itch", "itch")],
)
def test_bad_headers(header: str, column: str) -> None:
    with pytest.raises(DiaryCsvError) as err:
        parse(header + "\n")
    assert err.value.line == 1 and err.value.column == column


def test_duplicate_patient_day_is_an_error_not_an_overwrite() -> None:
    text = "patient,date,itch\np1,2025-01-02,1\np2,2025-01-02,1\np1,2024-12-30,2\np1,2025-01-02,5\n"
    with pytest.raises(DiaryCsvError) as err:
        parse(text)
    assert err.value.line == 5 and "duplicate" in str(err.value)


def test_wrong_cell_count_and_empty_file() -> None:
    with pytest.raises(DiaryCsvError, match="line 2, column itch: the row ends before this column: expected 3 cells"):
        parse("patient,date,itch\np1,2025-01-01\n")
    with pytest.raises(DiaryCsvError, match="empty"):
        parse("")


def test_rows_of_empty_cells_are_blank_lines_and_a_partial_row_is_not() -> None:
    # spreadsheet programs write an emptied row as ",,"; a blank line was already skipped
    text = "patient,date,itch\np1,2025-01-01,1\n,,\n\n , ,\t\n,\np1,2025-01-02,2\n"
    assert [(r.patient, r.date.day, r.itch) for r in parse(text)] == [("p1", 1, 1), ("p1", 2, 2)]
    with pytest.raises(DiaryCsvError) as err:
        parse("patient,date,itch\np1,2025-01-01,1\n,,\n,,3\n")
    assert str(err.value) == "diary.csv: line 4, column patient: expected a patient identifier, got an empty cell"


def test_line_numbers_are_the_files_lines(tmp_path) -> None:
    from gutskin.diary.csvio import iter_diary_csv_lines

    path = tmp_path / "d.csv"
    path.write_text('patient,date,itch\n\np1,2025-01-01,1\n,,\n"p\n2",2025-01-01,2\np1,2025-01-02,3\n')
    assert [(line, r.patient) for line, r in iter_diary_csv_lines(path)] == [(3, "p1"), (6, "p\n2"), (7, "p1")]


def test_bad_bytes_name_their_own_line_far_into_the_file(tmp_path) -> None:
    start = dt.date(2000, 1, 1)
    body = [f"p1,{start + dt.timedelta(days=i)},1".encode() for i in range(2000)]
    body[1499] = b"m\xfcller,2026-01-02,2"  # line 1501 of the file
    path = tmp_path / "d.csv"
    path.write_bytes(b"\r\n".join([b"patient,date,itch", *body, b""]))
    with pytest.raises(DiaryCsvError) as err:
        list(iter_diary_csv(path))
    assert (err.value.line, err.value.column) == (1501, None)
    assert str(err.value) == f"{path}: line 1501: not valid UTF-8 (byte 0xfc: invalid start byte{_UE}); save the file as CSV UTF-8{_SAVE}"
    header = tmp_path / "h.csv"
    header.write_bytes(b"patient,date,\xe9tat\n")
    with pytest.raises(DiaryCsvError, match=r": line 1: not valid UTF-8 \(byte 0xe9"):
        list(iter_diary_csv(header))


def test_a_file_that_cannot_be_opened_names_no_line(tmp_path) -> None:
    with pytest.raises(DiaryCsvError) as err:
        list(iter_diary_csv(tmp_path / "none.csv"))
    assert str(err.value) == f"{tmp_path / 'none.csv'}: no such file"
    with pytest.raises(DiaryCsvError) as err:
        list(iter_diary_csv(tmp_path))
    assert str(err.value) == f"{tmp_path}: is a directory, expected a CSV file"


def test_quoted_fields_and_bom() -> None:
    rows = parse('\ufeffpatient,date,itch\n"p, 1",2025-01-01,"4"\n')
    assert rows[0].patient == "p, 1" and rows[0].itch == 4


def test_write_orders_core_then_sorted_factors_and_roundtrips() -> None:
    rows = parse(SPEC_EXAMPLE)
    text = diary_csv_text(rows)
    assert text.splitlines()[0] == (
        "patient,date,itch,sleep_loss,poscorad,poem,flare,env.pollen,food.dairy,gut.bristol,life.stress,treat.tcs"
    )
    assert parse(text) == rows
    assert diary_csv_text(parse(text)) == text


def test_frame_has_nan_for_missing() -> None:
    frame = read_diary_frame(io.StringIO(SPEC_EXAMPLE))
    assert list(frame["itch"].isna()) == [False, False, True]
    assert frame["gut.bristol"].isna().tolist() == [False, True, False]


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
row_strategy = st.builds(
    DiaryRow,
    patient=st.sampled_from(["p1", "p2", "x_3"]),
    date=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 12, 31)),
    itch=st.none() | st.integers(0, 10),
    sleep_loss=st.none() | st.integers(0, 10),
    poscorad=st.none() | st.floats(0, 103, allow_nan=False),
    poem=st.none() | st.integers(0, 28),
    flare=st.none() | st.integers(0, 1),
    factors=st.builds(
        lambda custom, known: {**custom, **known},
        st.dictionaries(st.sampled_from(["food.kiwi", "env.noise", "custom.x"]), finite, max_size=3),  # unbounded
        st.dictionaries(st.sampled_from(["life.stress", "env.humidity"]), st.floats(0, 10, allow_nan=False), max_size=2),
    ),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(row_strategy, max_size=12, unique_by=lambda r: (r.patient, r.date)))
def test_roundtrip_property(rows: list[DiaryRow]) -> None:
    """write → read gives the same rows; write → read → write gives the same text."""
    text = diary_csv_text(rows)
    back = parse(text)
    assert back == rows
    assert diary_csv_text(back) == text
