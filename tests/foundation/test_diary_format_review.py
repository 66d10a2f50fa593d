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
