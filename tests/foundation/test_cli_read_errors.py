"""A file that opens but cannot be read (a disk or network share failing mid-file: EIO) is one
line on stderr naming the file, exit 2, for every command reading a diary CSV or a microbiome
table (contract walk of 2026-12-06; each was an ``OSError`` traceback, exit 1).
``/proc/self/mem`` is such a file on Linux: it opens, and reading its first page (never mapped)
fails with EIO."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from gutskin.cli import app
from gutskin.settings import get_settings

BAD = "/proc/self/mem"

DIARY = f"error: {BAD}: line 1: cannot read the file: Input/output error"
TABLE = f"error: {BAD}: cannot read the file: Input/output error"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["triggers", BAD, "--json"], DIARY),
        (["forecast", BAD, "--horizon", "7", "--json"], DIARY),
        (["evaluate", "forecast", BAD, "--horizon", "7", "--json"], DIARY),
        (["challenge", "evaluate", BAD, "--patient", "p01", "--food", "food.egg", "--start", "2025-04-01", "--json"], DIARY),
        (["import", "diary", BAD], DIARY),
        (["microbiome", "diversity", BAD, "--json"], TABLE),
        (["microbiome", "report", BAD, "--age-group", "adult", "--json"], TABLE),
        (["microbiome", "cohort", BAD, "--outcome", "scorad"], TABLE),
    ],
    ids=lambda v: " ".join(v[:2]) if isinstance(v, list) else None,
)
def test_a_read_error_is_one_line_naming_the_file(tmp_path, monkeypatch, args, expected) -> None:
    monkeypatch.setenv("GUTSKIN_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    get_settings.cache_clear()
    try:
        r = CliRunner().invoke(app, args)
    finally:
        get_settings.cache_clear()
    assert r.exit_code == 2, (r.output, r.exception)
    assert r.stderr.splitlines() == [expected]
    assert r.stdout == ""


@pytest.mark.parametrize("command", [["diversity", "-", "--json"], ["report", "-", "--age-group", "adult"],
                                     ["cohort", "-", "--outcome", "scorad"]], ids=lambda c: c[0])
def test_microbiome_says_it_does_not_read_standard_input(command) -> None:
    # the diary commands read '-' as standard input; the microbiome ones said "-: no such file"
    table = "#OTU ID\tS1\tS2\ng__A\t5\t1\ng__B\t3\t2\n"
    r = CliRunner().invoke(app, ["microbiome", *command], input=table)
    assert r.exit_code == 2, (r.output, r.exception)
    assert r.stderr.splitlines() == ["error: -: the microbiome commands read a file, not standard input (a BIOM "
                                     "table is binary, a QIIME 2 artifact a zip); give the table's path"]
    assert r.stdout == ""
