"""`gutskin simulate cohort --start` takes exactly YYYY-MM-DD, the rule of the diary CSV it writes
(docs/diary-csv.md): date.fromisoformat also read the week date 2025-W14-2 and 20250401 as 1 April 2025."""

from __future__ import annotations

from typer.testing import CliRunner

from gutskin.cli import app

runner = CliRunner()


def _cohort(out, start: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["simulate", "cohort", "--patients", "1", "--days", "3", "--seed", "1",
                               "--out", str(out), "--start", start])


def test_start_is_exactly_yyyy_mm_dd(tmp_path) -> None:  # type: ignore[no-untyped-def]
    for bad in ("2025-W14-2", "20250401", "2025-04-01x"):
        r = _cohort(tmp_path / bad, bad)
        assert r.exit_code == 2 and r.stdout == "", (bad, r.output)
        assert r.stderr.strip() == f"error: --start: expected a date YYYY-MM-DD, got {bad!r}"
        assert not (tmp_path / bad).exists()
    r = _cohort(tmp_path / "ok", "2025-04-01")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "ok" / "diary.csv").read_text().splitlines()[1].split(",")[1] == "2025-04-01"
