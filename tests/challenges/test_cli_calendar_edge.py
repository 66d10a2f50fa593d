"""`gutskin challenge evaluate` at the ends of the calendar: a baseline reaching before
0001-01-01 starts at the first day (it was an OverflowError traceback), and doses whose
observation window would run past 9999-12-31 are one line naming the problem."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from gutskin.cli import app

runner = CliRunner()


def _diary(path, first: dt.date, n: int, dose_from: int):
    lines = ["patient,date,itch,food.egg"]
    for k in range(n):
        lines.append(f"p1,{(first + dt.timedelta(days=k)).isoformat()},{2 + k % 3},{1 if k >= dose_from and k % 3 == 0 else 0}")
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(path, start: dt.date, *extra):
    return runner.invoke(app, ["challenge", "evaluate", str(path), "--patient", "p1", "--food", "food.egg",
                               "--start", start.isoformat(), "--json", *extra])


@pytest.mark.parametrize("baseline", ["28", "999999999", "9999999999"])
def test_baseline_before_year_one_is_clamped(tmp_path, baseline):
    path = _diary(tmp_path / "d.csv", dt.date.min, 40, 20)
    r = _run(path, dt.date.min + dt.timedelta(days=20), "--baseline-days", baseline)
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["baseline_days"] > 0 and out["challenge_days"] > 0


def test_windows_past_year_9999_are_one_line(tmp_path):
    first = dt.date.max - dt.timedelta(days=39)
    path = _diary(tmp_path / "d.csv", first, 40, 20)
    r = _run(path, first + dt.timedelta(days=20))
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "9999-12-31" in lines[0]
    # the same diary shifted a week earlier is fine
    path = _diary(tmp_path / "e.csv", first - dt.timedelta(days=7), 40, 20)
    r = _run(path, first - dt.timedelta(days=7) + dt.timedelta(days=20), "--end", (dt.date.max - dt.timedelta(days=7)).isoformat())
    assert r.exit_code == 0, r.output
