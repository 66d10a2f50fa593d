"""A diary with only its header is a diary with no days (the format's rows are optional;
``import diary`` takes it, ``export diary`` of an empty clinic writes it): triggers prints ``[]``,
forecast ``{}`` and evaluate forecast no test points, exit 0, as for patients without enough days.
Until 2026-12-06 each refused it ("the diary has no rows", exit 2), so ``gutskin export diary |
gutskin triggers - --json`` failed on a clinic without diaries (contract walk)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from gutskin.cli import app

HEADER = "patient,date,itch,sleep_loss,flare,food.dairy\n"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["triggers", "{}", "--json"], []),
        (["forecast", "{}", "--horizon", "7", "--json"], {}),
    ],
    ids=["triggers", "forecast"],
)
def test_json_answers_are_empty(tmp_path, args, expected) -> None:
    diary = tmp_path / "header.csv"
    diary.write_text(HEADER)
    for source, stdin in ((str(diary), None), ("-", HEADER)):
        r = CliRunner().invoke(app, [a.format(source) for a in args], input=stdin)
        assert r.exit_code == 0, (r.output, r.exception)
        assert json.loads(r.stdout) == expected and r.stderr == ""


def test_evaluate_has_no_test_points(tmp_path) -> None:
    diary = tmp_path / "header.csv"
    diary.write_text(HEADER)
    r = CliRunner().invoke(app, ["evaluate", "forecast", str(diary), "--horizon", "7", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    empty = {"n": 0, "model": None, "uniform": None, "historical": None, "rpss_uniform": None,
             "rpss_historical": None, "calibration": {"bins": [], "ece": None}}  # every key, null (2026-12-07)
    assert (out["n_points"], out["n_patients"], out["overall"]) == (0, 0, empty)
    assert all(block == empty for block in out["per_horizon"].values())
    assert sorted(out["per_horizon"]) == [str(h) for h in range(1, 8)]


@pytest.mark.parametrize("command", ["triggers", "forecast"])
def test_plain_text_says_there_are_no_rows(tmp_path, command) -> None:
    diary = tmp_path / "header.csv"
    diary.write_text(HEADER)
    r = CliRunner().invoke(app, [command, str(diary)])
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines() == [f"no diary rows in {diary}"]


def test_an_empty_file_is_still_an_error(tmp_path) -> None:
    diary = tmp_path / "empty.csv"
    diary.write_text("")
    r = CliRunner().invoke(app, ["triggers", str(diary), "--json"])
    assert r.exit_code == 2
    assert r.stderr.splitlines() == [f"error: {diary}: line 1: the file is empty; expected a header row"]
