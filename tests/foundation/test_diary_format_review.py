"""Diary CSV against ../shared/formats/diary-csv.md, rule by rule (scientific review, session science)."""

from __future__ import annotations

import io

import pytest

from gutskin.diary.csvio import DiaryCsvError, iter_diary_csv
from gutskin.diary.dates import parse_iso_date


def parse(text: str, name: str = "diary.csv"):
    buf = io.StringIO(text)
    buf.name = name  # type: ignore[attr-defined]
    return list(iter_diary_csv(buf))


# Ten characters that Python 3.11's date.fromisoformat takes but that are not YYYY-MM-DD:
# an ISO week date (2025-W14-2 is 1 April 2025) and a basic date with two trailing letters.
NOT_YYYY_MM_DD = ["2025-W14-2", "20250401xx", "2025W14-2x", "٢٠٢٥-٠٤-٠١", "2025-04-1 ", "2025-4-01"]


@pytest.mark.parametrize("cell", NOT_YYYY_MM_DD)
def test_only_yyyy_mm_dd_is_a_date(cell: str) -> None:
    with pytest.raises(DiaryCsvError) as err:
        parse(f'patient,date,itch\np1,2025-03-31,1\np1,"{cell}",2\n')
    assert (err.value.line, err.value.column) == (3, "date")
    assert "expected an ISO date YYYY-MM-DD" in str(err.value)


@pytest.mark.parametrize("cell", NOT_YYYY_MM_DD)
def test_api_and_cli_dates_are_as_strict(cell: str) -> None:
    with pytest.raises(ValueError, match=r"^day: expected a date YYYY-MM-DD"):
        parse_iso_date(cell, "day")
    assert parse_iso_date(" 2025-04-01 ", "day").isoformat() == "2025-04-01"


# --- write -> read -> write over the whole value space ---------------------------------------

import datetime as dt  # noqa: E402
import dataclasses  # noqa: E402
import math  # noqa: E402
import unicodedata  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from gutskin.diary.csvio import DiaryRow, diary_csv_text  # noqa: E402

KNOWN = {"env.humidity": (0, 100), "gut.bristol": (1, 7), "food.dairy": (0, math.inf)}  # vocabulary ranges


def _valid_by_the_spec(r: DiaryRow) -> bool:
    """The format's rules, written out independently of the reader."""
    p = unicodedata.normalize("NFC", r.patient)  # identifiers are composed Unicode (2026-12-06)
    if not p or p != p.strip() or len(p) > 64 or p[0] in "=+-@\t\r":
        return False
    for value, lo, hi in ((r.itch, 0, 10), (r.sleep_loss, 0, 10), (r.poem, 0, 28), (r.flare, 0, 1)):
        if value is not None and not lo <= value <= hi:
            return False
    if r.poscorad is not None and not (math.isfinite(r.poscorad) and 0 <= r.poscorad <= 103):
        return False
    for name, v in r.factors.items():
        lo, hi = KNOWN.get(name, (-math.inf, math.inf))
        if not (math.isfinite(v) and lo <= v <= hi):
            return False
    return True


any_float = st.floats(allow_nan=True, allow_infinity=True)
wide_rows = st.builds(
    DiaryRow,
    patient=st.text(min_size=0, max_size=70) | st.sampled_from(["p1", " p1", "p1 ", "=1+1", "-p", "@p", "p,1", 'p"1']),
    date=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
    itch=st.none() | st.integers(-2, 12),
    sleep_loss=st.none() | st.integers(-2, 12),
    poscorad=st.none() | st.floats(-5, 110) | any_float,
    poem=st.none() | st.integers(-1, 30),
    flare=st.none() | st.integers(-1, 2),
    factors=st.dictionaries(st.sampled_from([*KNOWN, "custom.x", "food.kiwi"]), any_float, max_size=4),
)


finite = st.floats(allow_nan=False, allow_infinity=False)
valid_rows = st.builds(
    DiaryRow,
    patient=st.text(min_size=1, max_size=64).filter(
        lambda p: p == p.strip() and p[0] not in "=+-@" and unicodedata.is_normalized("NFC", p)),
    date=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
    itch=st.none() | st.integers(0, 10),
    sleep_loss=st.none() | st.integers(0, 10),
    poscorad=st.none() | st.floats(0, 103),
    poem=st.none() | st.integers(0, 28),
    flare=st.none() | st.integers(0, 1),
    factors=st.fixed_dictionaries(
        {}, optional={"env.humidity": st.floats(0, 100), "gut.bristol": st.floats(1, 7),
                      "food.dairy": st.floats(0, 1e300), "custom.x": finite, "food.kiwi": finite}),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(valid_rows, min_size=1, max_size=8, unique_by=lambda r: (r.patient, r.date)))
def test_write_read_write_is_identical_for_any_text_and_number(rows: list[DiaryRow]) -> None:
    """Any identifier the format allows (commas, quotes, line breaks, a lone carriage return,
    any Unicode) and any finite number in range: written, read and written again unchanged."""
    text = diary_csv_text(rows)
    back = parse(text)
    assert back == rows
    assert diary_csv_text(back) == text


@settings(max_examples=300, deadline=None)
@given(st.lists(valid_rows | wide_rows, max_size=6))
def test_write_read_write_is_identical_or_the_writer_refuses(rows: list[DiaryRow]) -> None:
    """The writer accepts exactly the rows the format allows (no day twice), and what it writes
    reads back to the same rows and is written again byte for byte."""
    allowed = all(_valid_by_the_spec(r) for r in rows) and len({(_nfc(r).patient, r.date) for r in rows}) == len(rows)
    try:
        text = diary_csv_text(rows)
    except ValueError as exc:
        assert not allowed, f"refused a row the format allows: {exc}"
        assert str(exc).startswith("row ")
        return
    assert allowed, "wrote a row its own reader refuses or reads differently"
    back = parse(text)
    assert back == [_nfc(r) for r in rows]
    assert diary_csv_text(back) == text


def _nfc(r: DiaryRow) -> DiaryRow:
    return dataclasses.replace(r, patient=unicodedata.normalize("NFC", r.patient))


def test_an_identifier_stored_decomposed_is_written_composed() -> None:
    """The reader composes identifiers (NFC, 2026-12-06), so the writer writes them composed: an
    identifier stored before in decomposed form ("Zoe" + U+0308, a Mac file) still exports, and
    reads back as the one patient "Zoë". A CJK compatibility ideograph (U+F900, which NFC maps to
    U+8C48) made the writer refuse the row with "blanks around the identifier would be lost"."""
    rows = [DiaryRow("Zoe\u0308", dt.date(2026, 1, 1), 3, None, None, None, None, {}),
            DiaryRow("\uf900", dt.date(2026, 1, 1), 4, None, None, None, None, {})]
    text = diary_csv_text(rows)
    assert [r.patient for r in parse(text)] == ["Zo\u00eb", "\u8c48"]
    assert diary_csv_text(parse(text)) == text


def test_the_writer_names_the_row_and_field_it_cannot_write() -> None:
    day = dt.date(2025, 4, 1)
    with pytest.raises(ValueError, match=r"^row 2 \(patient 'p2', 2025-04-01\): itch: expected an integer 0-10, got \"11\""):
        diary_csv_text([DiaryRow("p1", day, 3), DiaryRow("p2", day, 11)])
    with pytest.raises(ValueError, match=r"^row 1 \(patient ' p1', 2025-04-01\): patient: blanks around"):
        diary_csv_text([DiaryRow(" p1", day)])
    with pytest.raises(ValueError, match=r"^row 1 .*: factor food.egg: not among the factor columns written"):
        diary_csv_text([DiaryRow("p1", day, factors={"food.egg": 1.0})], ["food.dairy"])


def test_a_row_with_too_few_or_too_many_cells_names_a_column() -> None:
    """The format's errors name file, line and column; a short or long row named no column."""
    with pytest.raises(DiaryCsvError) as err:
        parse("patient,date,itch,food.egg\np1,2025-01-01,3,1\np1,2025-01-02,4\n")
    assert str(err.value) == (
        "diary.csv: line 3, column food.egg: the row ends before this column: expected 4 cells as in the header, got 3"
    )
    with pytest.raises(DiaryCsvError) as err:
        parse("patient,date,itch\np1,2025-01-01,3,1\n")
    assert (err.value.line, err.value.column) == (2, "4 (no header)")
    assert str(err.value) == "diary.csv: line 2, column 4 (no header): expected 3 cells as in the header, got 4"
