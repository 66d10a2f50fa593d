"""`gutskin evaluate forecast --json`: every block, overall and per horizon, carries every score
the issue lists (RPS, RPS skill vs uniform and historical, lpd, calibration), null when the block
has no test point (found 2026-12-07: a block without test points was {"n": 0} alone, so
``per_horizon["7"]["model"]["rps"]`` failed with a KeyError on a diary too short to reach day 7,
e.g. a new patient's first days)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from gutskin.cli import app

KEYS = {"n", "model", "uniform", "historical", "rpss_uniform", "rpss_historical", "calibration"}


@pytest.mark.parametrize("horizon", [1, 7])
def test_every_block_has_every_key(tmp_path, horizon) -> None:
    diary = tmp_path / "short.csv"
    # p1: three days, p2: a 60-day gap between its two rows; neither reaches 7 days of test points
    diary.write_text("patient,date,itch,food.dairy\r\n"
                     "p1,2026-01-01,3,1\r\np1,2026-01-02,5,0\r\np1,2026-01-03,4,1\r\n"
                     "007,2026-01-01,2,\r\n007,2026-03-02,6,1\r\n")
    r = CliRunner().invoke(app, ["evaluate", "forecast", str(diary), "--horizon", str(horizon), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert sorted(out["per_horizon"], key=int) == [str(h) for h in range(1, horizon + 1)]
    blocks = [out["overall"], *out["per_horizon"].values()]
    assert sum(b["n"] for b in out["per_horizon"].values()) == out["overall"]["n"] == out["n_points"] > 0
    for b in blocks:
        assert set(b) == KEYS, b
        if b["n"] == 0:
            assert [b[k] for k in sorted(KEYS - {"n", "calibration"})] == [None] * 5
            assert b["calibration"] == {"bins": [], "ece": None}
        else:
            for m in ("model", "uniform", "historical"):
                assert set(b[m]) == {"rps", "lpd"} and 0 <= b[m]["rps"] <= 1 and b[m]["lpd"] <= 0
            assert b["rpss_uniform"] == pytest.approx(1 - b["model"]["rps"] / b["uniform"]["rps"], abs=1e-4)
            assert b["rpss_historical"] == pytest.approx(1 - b["model"]["rps"] / b["historical"]["rps"], abs=1e-4)
            assert 0 <= b["calibration"]["ece"] <= 1 and b["calibration"]["bins"]
    if horizon == 7:
        assert any(b["n"] == 0 for b in out["per_horizon"].values())
