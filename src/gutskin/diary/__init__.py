"""The daily-diary domain: entry schema, factor vocabulary and the CSV interchange format."""

from gutskin.diary.csvio import DiaryCsvError, DiaryRow, iter_diary_csv, read_diary_frame, write_diary_csv
from gutskin.diary.factors import FACTOR_NAME_RE, Factor, FactorKind, known_factor, parse_factor_name

__all__ = [
    "DiaryCsvError",
    "DiaryRow",
    "FACTOR_NAME_RE",
    "Factor",
    "FactorKind",
    "iter_diary_csv",
    "known_factor",
    "parse_factor_name",
    "read_diary_frame",
    "write_diary_csv",
]
