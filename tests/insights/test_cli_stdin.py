"""``-`` reads the diary from standard input for triggers, forecast, evaluate forecast and
challenge evaluate, as ``import diary -`` does, so ``gutskin export diary | gutskin triggers -
--json`` works (contract walk of 2026-12-06: each said "-: no such file"). The answer is the
same as from the file; a bad row is named on ``<stdin>``."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from gutskin.cli import app

COMMANDS = [
    ["triggers", "{}", "--json"],
    ["forecast", "{}", "--horizon", "7", "--json"],
    ["evaluate", "forecast", "{}", "--horizon", "7", "--json"],
    ["challenge", "evaluate", "{}", "--patient", "p001", "--food", "food.egg", "--start", "2025-02-01", "--json"],
]


@pytest.fixture(scope="module")
def diary(tmp_path_factory):
    from gutskin.axis.cohort import simulate_cohort
    import datetime as dt

    folder = tmp_path_factory.mktemp("cohort")
    simulate_cohort(n_patients=2, n_days=60, seed=5, start=dt.date(2025, 1, 1)).write(str(folder))
    return folder / "diary.csv"


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_standard_input_gives_what_the_file_gives(diary, command) -> None:
    runner = CliRunner()
    from_file = runner.invoke(app, [a.format(diary) for a in command])
    from_stdin = runner.invoke(app, [a.format("-") for a in command], input=diary.read_bytes())
    assert from_file.exit_code == 0, from_file.output
    assert from_stdin.exit_code == 0, (from_stdin.output, from_stdin.exception)
    assert json.loads(from_stdin.stdout) == json.loads(from_file.stdout)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_bad_row_on_standard_input_is_named(command) -> None:
    bad = "\ufeffpatient,date,itch,food.egg\r\np001,2025-04-01,3,1\r\np001,2025-04-02,12,0\r\n".encode()
    r = CliRunner().invoke(app, [a.format("-") for a in command], input=bad)
    assert r.exit_code == 2, (r.output, r.exception)
    assert r.stderr.splitlines() == ['error: <stdin>: line 3, column itch: expected an integer 0-10, got "12"']
    assert r.stdout == ""
