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
