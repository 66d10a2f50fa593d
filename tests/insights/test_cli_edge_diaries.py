"""The JSON contracts of issue 6 on awkward diaries, through the real CLI: every factor column
of every patient gets one trigger record (also a factor always 0 or always blank), every
patient gets `horizon` forecast days right after its own last row with probabilities summing
to 1, and evaluate runs; BOM and Windows line endings read like plain files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUTSKIN = ROOT / ".venv" / "bin" / "gutskin"
if not GUTSKIN.exists():
    GUTSKIN = Path(sys.executable).with_name("gutskin")

FACTORS = ["food.dairy", "env.pollen", "food.never", "treat.unrecorded"]


def run(*args):
    return subprocess.run([str(GUTSKIN), *map(str, args)], capture_output=True, text=True, timeout=300)


def _days(pid, start, n, rng, *, step=1, itch=True):
    d = dt.date.fromisoformat(start)
    out = []
    for _ in range(n):
        out.append({"patient": pid, "date": d.isoformat(), "itch": rng.randint(0, 10) if itch else "",
                    "food.dairy": rng.randint(0, 1), "env.pollen": round(rng.random() * 50, 1),
                    "food.never": 0, "treat.unrecorded": ""})
        d += dt.timedelta(days=step)
    return out


def _diaries():
    rng = random.Random(7)
    return {
        "three_days": _days("p1", "2025-01-01", 3, rng),
        "gaps_of_weeks": _days("p1", "2025-01-01", 20, rng) + _days("p1", "2025-03-20", 15, rng, step=3),
        "all_missing_itch": _days("p1", "2025-01-01", 30, rng, itch=False),
        "several_patients": (_days("a", "2025-01-01", 60, rng) + _days("b", "2025-02-10", 4, rng)
                             + _days("c", "2024-11-01", 45, rng, itch=False)),
    }


DIARIES = _diaries()


def _write(path, rows, *, eol="\n", bom=False):
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=["patient", "date", "itch", *FACTORS], lineterminator=eol)
    w.writeheader()
    w.writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode())
    return path


CASES = [(name, {}) for name in DIARIES] + [("several_patients", {"eol": "\r\n", "bom": True})]


@pytest.fixture(scope="module", params=CASES, ids=[n + ("-bom-crlf" if kw else "") for n, kw in CASES])
def diary(request, tmp_path_factory):
    name, kw = request.param
    rows = DIARIES[name]
    return _write(tmp_path_factory.mktemp("d") / f"{name}.csv", rows, **kw), rows


def test_every_factor_of_every_patient_gets_one_trigger_record(diary):
    path, rows = diary
    p = run("triggers", path, "--json")
    assert p.returncode == 0, p.stderr
    recs = json.loads(p.stdout)
    keys = [(r["patient"], r["factor"]) for r in recs]
    assert len(keys) == len(set(keys))
    assert set(keys) == {(r["patient"], f) for r in rows for f in FACTORS}
    for r in recs:
        if r["factor"] in ("food.never", "treat.unrecorded"):
            assert r["verdict"] == "not_enough_data"


@pytest.mark.parametrize("horizon", [1, 7])
def test_forecast_days_follow_each_patients_last_row(diary, horizon):
    path, rows = diary
    p = run("forecast", path, "--horizon", horizon, "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    last: dict[str, dt.date] = {}
    for r in rows:
        d = dt.date.fromisoformat(r["date"])
        last[r["patient"]] = max(last.get(r["patient"], d), d)
    assert set(out) == set(last)
    for pid, days in out.items():
        assert [d["date"] for d in days] == [(last[pid] + dt.timedelta(days=k)).isoformat()
                                             for k in range(1, horizon + 1)]
        for d in days:
            assert len(d["probabilities"]) == 11
            assert min(d["probabilities"]) >= 0
            assert sum(d["probabilities"]) == pytest.approx(1.0, abs=1e-9)


def test_evaluate_forecast_runs(diary):
    path, _ = diary
    p = run("evaluate", "forecast", path, "--horizon", "7", "--json")
    assert p.returncode == 0, p.stderr
    res = json.loads(p.stdout)
    assert res["overall"]["n"] == res["n_points"] >= 0


def test_semicolon_diary_reads_as_its_comma_twin(tmp_path):
    """European Excel saves CSV with semicolons and decimal commas; the diary reader takes them
    since 8d170e0 (docs/diary-csv.md), so every insights command answers as for the comma file."""
    days = [(dt.date(2025, 1, 1) + dt.timedelta(days=k), 2 + k % 5, k % 2) for k in range(40)]
    semi, comma = tmp_path / "excel.csv", tmp_path / "plain.csv"
    semi.write_text("patient;date;itch;food.dairy;env.humidity\r\n"
                    + "".join(f"p1;{d};{i};{f};{40 + k},5\r\n" for k, (d, i, f) in enumerate(days)))
    comma.write_text("patient,date,itch,food.dairy,env.humidity\n"
                     + "".join(f"p1,{d},{i},{f},{40 + k}.5\n" for k, (d, i, f) in enumerate(days)))
    for cmd in (["triggers"], ["forecast"], ["evaluate", "forecast"]):
        a, b = run(*cmd, semi, "--json"), run(*cmd, comma, "--json")
        assert a.returncode == b.returncode == 0, a.stderr + b.stderr
        assert a.stdout == b.stdout and json.loads(a.stdout), cmd


def test_semicolon_diary_with_a_decimal_point_is_one_line(tmp_path):
    """A point in a number of a semicolon file is ambiguous (1.200: 1200 or 1.2) and refused in
    one line naming where, with nothing on stdout."""
    path = tmp_path / "excel.csv"
    path.write_text("patient;date;itch;env.humidity\r\np1;2025-01-01;3;1.200\r\n")
    for cmd in (["triggers"], ["forecast"], ["evaluate", "forecast"]):
        p = run(*cmd, path, "--json")
        assert p.returncode == 2 and p.stdout == ""
        lines = p.stderr.strip().splitlines()
        assert len(lines) == 1 and "line 2" in lines[0] and "env.humidity" in lines[0], p.stderr


@pytest.mark.parametrize("horizon", [1, 7, 28])
def test_forecast_past_the_calendar_end_is_one_line(tmp_path, horizon):
    last = dt.date.max - dt.timedelta(days=horizon - 1)  # one forecast day too many
    rows = [{"patient": "p1", "date": (last - dt.timedelta(days=k)).isoformat(), "itch": 3 + k % 4,
             "food.dairy": k % 2, "env.pollen": "", "food.never": 0, "treat.unrecorded": ""} for k in range(10)]
    path = _write(tmp_path / "end.csv", sorted(rows, key=lambda r: r["date"]))
    p = run("forecast", path, "--horizon", horizon, "--json")
    assert p.returncode == 2 and p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "p1" in lines[0] and "9999-12-31" in lines[0] and last.isoformat() in lines[0]
    ok = _write(tmp_path / "ok.csv", [r for r in sorted(rows, key=lambda r: r["date"])][:-1])  # ends a day earlier
    p = run("forecast", ok, "--horizon", horizon, "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["p1"][-1]["date"] == dt.date.max.isoformat()


def test_plan_for_a_factor_blank_in_the_whole_diary_is_refused(tmp_path):
    rows = DIARIES["several_patients"]
    path = _write(tmp_path / "d.csv", rows)
    last = max(r["date"] for r in rows if r["patient"] == "a")
    day = (dt.date.fromisoformat(last) + dt.timedelta(days=1)).isoformat()
    plan = tmp_path / "plan.csv"
    plan.write_text(f"patient,date,treat.unrecorded\na,{day},1\n")
    p = run("forecast", path, "--plan", plan, "--json")
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.strip().splitlines() == [
        f"error: {plan}: line 1, column treat.unrecorded: factor 'treat.unrecorded' has no value in the diary, "
        "so its effect is unknown"]
    plan.write_text(f"patient,date,food.dairy\na,{day},1\n")  # a logged factor is fine
    assert run("forecast", path, "--plan", plan, "--json").returncode == 0
