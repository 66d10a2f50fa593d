"""CLI contracts: `gutskin triggers`, `gutskin forecast`, `gutskin evaluate forecast`."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from gutskin.insights.synthetic import FACTORS, simulate_cohort, write_diary

ROOT = Path(__file__).resolve().parents[2]
GUTSKIN = ROOT / ".venv" / "bin" / "gutskin"
if not GUTSKIN.exists():
    GUTSKIN = Path(sys.executable).with_name("gutskin")


def run(*args):
    return subprocess.run([str(GUTSKIN), *map(str, args)], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def diary(tmp_path_factory):
    c = simulate_cohort(5, 90, seed=21)
    path = tmp_path_factory.mktemp("d") / "diary.csv"
    write_diary(c, path)
    return path, c


def test_triggers_json_contract(diary):
    path, c = diary
    p = run("triggers", path, "--json")
    assert p.returncode == 0, p.stderr
    recs = json.loads(p.stdout)
    assert {(r["patient"], r["factor"]) for r in recs} == {(pid, f) for pid in c.truth for f in FACTORS}
    assert len(recs) == 5 * len(FACTORS)
    for r in recs:
        assert set(r) == {"patient", "factor", "verdict", "effect", "lag_days", "probability", "exposed_days"}
        assert r["verdict"] in {"likely_trigger", "likely_protective", "no_evidence", "not_enough_data"}
        if r["verdict"] != "not_enough_data":
            assert 0 <= r["probability"] <= 1 and r["lag_days"] in (0, 1, 2, 3)
        if r["factor"].startswith("treat.") and r["lag_days"] is not None:
            assert r["lag_days"] >= 1


def test_forecast_json_contract(diary):
    path, c = diary
    p = run("forecast", path, "--horizon", "7", "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert set(out) == set(c.truth)
    for pid, days in out.items():
        last = c.frame[c.frame.patient == pid].date.max().date()
        assert [d["date"] for d in days] == [(last + dt.timedelta(days=h)).isoformat() for h in range(1, 8)]
        for d in days:
            assert len(d["probabilities"]) == 11 and abs(sum(d["probabilities"]) - 1) < 1e-6


def test_forecast_text_says_what_it_is_based_on(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("patient,date,itch,sleep_loss\n"
                 + "".join(f"a,2026-01-{d:02d},{d % 4},1\n" for d in range(1, 11))
                 + "b,2026-01-01,,2\nb,2026-01-02,,3\n")  # b logged days but never an itch score
    p = run("forecast", f, "--horizon", "2")
    assert p.returncode == 0, p.stderr
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("patient")]
    assert "10 itch scores" in lines[0]
    assert "no itch scores yet: a typical patient's range, not a personal forecast" in lines[1]


def test_sleep_loss_is_forecast_by_the_same_contract(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("patient,date,itch,sleep_loss\n"
                 + "".join(f"a,2026-01-{d:02d},2,{9 if d > 25 else 1}\n" for d in range(1, 31)))
    itch = json.loads(run("forecast", f, "--horizon", "2", "--json").stdout)["a"]
    p = run("forecast", f, "--horizon", "2", "--json", "--score", "sleep_loss")
    assert p.returncode == 0, p.stderr
    sleep = json.loads(p.stdout)["a"]
    assert [d["date"] for d in sleep] == [d["date"] for d in itch] == ["2026-01-31", "2026-02-01"]
    mean = lambda d: sum(i * q for i, q in enumerate(d["probabilities"]))  # noqa: E731
    assert mean(sleep[0]) > 5 > mean(itch[0])  # five bad nights vs steady low itch
    ev = json.loads(run("evaluate", "forecast", f, "--score", "sleep_loss", "--json").stdout)
    assert ev["score"] == "sleep_loss" and ev["n_points"] > 0
    bad = run("forecast", f, "--score", "poem")
    assert bad.returncode == 2 and "--score must be one of itch, sleep_loss" in bad.stderr


def test_evaluate_forecast_json(diary):
    path, _ = diary
    p = run("evaluate", "forecast", path, "--horizon", "7", "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    o = out["overall"]
    for key in ("model", "uniform", "historical", "rpss_uniform", "rpss_historical", "calibration"):
        assert key in o
    assert set(out["per_horizon"]) == {str(h) for h in range(1, 8)}
    assert 0 < o["model"]["rps"] < 1 and o["model"]["lpd"] < 0


def test_errors_are_one_line_with_exit_2(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("patient,date,itch\np,2025-01-01,12\n")
    for args in (("triggers", bad, "--json"), ("forecast", bad, "--json"), ("evaluate", "forecast", bad)):
        p = run(*args)
        assert p.returncode == 2
        assert p.stdout == ""
        assert len(p.stderr.strip().splitlines()) == 1 and "itch" in p.stderr
    p = run("forecast", bad, "--horizon", "0")
    assert p.returncode == 2


def test_forecast_with_a_plan_changes_only_the_planned_patient(diary, tmp_path):
    path, c = diary
    pid, other = sorted(c.truth)[:2]
    last = c.frame[c.frame.patient == pid].date.max().date()
    factor = next(f for f in FACTORS if not f.startswith("treat.") and not f.startswith("env."))
    plan = tmp_path / "plan.csv"
    rows = [f"{pid},{(last + dt.timedelta(days=k)).isoformat()},1" for k in (1, 2, 3)]
    plan.write_text(f"patient,date,{factor}\n" + "\n".join(rows) + "\n")
    base = json.loads(run("forecast", path, "--json").stdout)
    p = run("forecast", path, "--json", "--plan", plan)
    assert p.returncode == 0, p.stderr
    planned = json.loads(p.stdout)
    assert planned[other] == base[other]
    assert planned[pid] != base[pid]  # exposures 1-3 days ahead, known instead of expected
    for d in planned[pid]:
        assert abs(sum(d["probabilities"]) - 1) < 1e-6


def test_a_bad_plan_is_one_line_naming_the_row(diary, tmp_path):
    path, c = diary
    pid = sorted(c.truth)[0]
    last = c.frame[c.frame.patient == pid].date.max().date()
    plan = tmp_path / "plan.csv"
    plan.write_text(f"patient,date,food.unheard_of\n{pid},{(last + dt.timedelta(days=1)).isoformat()},1\n")
    p = run("forecast", path, "--plan", plan)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.strip() == (f"error: {plan}: line 1, column food.unheard_of: factor 'food.unheard_of' is not in "
                                "the diary, so its effect is unknown")  # the file and line since 2026-12-06
    plan.write_text(f"patient,date,itch\n{pid},{(last + dt.timedelta(days=9)).isoformat()},\n")
    p = run("forecast", path, "--plan", plan)
    assert p.returncode == 2 and "this is day 9" in p.stderr and f"{plan}: line 2, column date: " in p.stderr


def test_a_plan_with_only_its_header_plans_nothing(diary, tmp_path):
    """docs/insights.md: 'an empty plan is the plain forecast'. A PLAN.csv with its header and no
    rows (nothing planned this week) was refused as 'plan.csv: the diary has no rows' (contract
    review, session 8)."""
    path, c = diary
    plan = tmp_path / "plan.csv"
    plan.write_text("patient,date,food.dairy\n")
    p = run("forecast", path, "--json", "--plan", plan)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == json.loads(run("forecast", path, "--json").stdout)
    plan.write_text("")  # no header at all is still a bad file, named
    p = run("forecast", path, "--json", "--plan", plan)
    assert p.returncode == 2 and p.stderr.startswith(f"error: {plan}: line 1: the file is empty")
