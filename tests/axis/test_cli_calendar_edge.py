"""`gutskin simulate cohort` near the end of the calendar: a diary that would run past
9999-12-31 is a one-line error naming --start and --days (it was an OverflowError traceback);
the last representable day still works."""

from __future__ import annotations

import csv
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from gutskin.cli import app

runner = CliRunner()


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 400), st.integers(0, 400))
def test_days_past_the_calendar_end_are_one_line(tmp_path_factory, days, back):
    start = dt.date.max - dt.timedelta(days=back)
    out = tmp_path_factory.mktemp("c")
    r = runner.invoke(app, ["simulate", "cohort", "--patients", "1", "--days", str(days), "--start",
                            start.isoformat(), "--out", str(out / "c")])
    if days - 1 > back:
        assert r.exit_code == 2, r.output
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "--start" in lines[0] and "9999-12-31" in lines[0]
        assert not (out / "c").exists()
    else:
        assert r.exit_code == 0, r.output
        with open(out / "c" / "diary.csv", newline="", encoding="utf-8") as fh:
            dates = [row["date"] for row in csv.DictReader(fh)]
        last = start + dt.timedelta(days=days - 1)  # not every simulated day is logged
        assert dates and all(start.isoformat() <= d <= last.isoformat() for d in dates)


def test_start_too_early_for_the_run_in_is_one_line(tmp_path):
    from gutskin.axis.cohort import RUN_IN_DAYS

    earliest = dt.date.min + dt.timedelta(days=RUN_IN_DAYS)
    r = runner.invoke(app, ["simulate", "cohort", "--patients", "1", "--days", "3", "--start",
                            (earliest - dt.timedelta(days=1)).isoformat(), "--out", str(tmp_path / "a")])
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and earliest.isoformat() in lines[0] and "start" in lines[0]
    assert not (tmp_path / "a").exists()
    r = runner.invoke(app, ["simulate", "cohort", "--patients", "1", "--days", "3", "--start", earliest.isoformat(),
                            "--out", str(tmp_path / "b")])
    assert r.exit_code == 0, r.output


def test_library_refuses_dates_off_the_calendar():
    import pytest

    from gutskin.axis.cohort import simulate_cohort

    with pytest.raises(ValueError, match="9999-12-31"):
        simulate_cohort(1, 5, 0, dt.date.max - dt.timedelta(days=2))
    with pytest.raises(ValueError, match="runs 21 days in"):
        simulate_cohort(1, 5, 0, dt.date.min)
