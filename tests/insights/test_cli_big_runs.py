"""The insights CLI on long runs and small counts (2026-12-07): ``evaluate forecast`` reports its
progress on standard error only (standard output stays one JSON document), stops cleanly on
Ctrl-C with nothing on standard output, and the text outputs count in the singular for one
("1 patient, 1 test point, block 1 day"; a trigger's "1 day with an itch score")."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gutskin.insights.synthetic import simulate_cohort, write_diary

ROOT = Path(__file__).resolve().parents[2]
GUTSKIN = ROOT / ".venv" / "bin" / "gutskin"
if not GUTSKIN.exists():
    GUTSKIN = Path(sys.executable).with_name("gutskin")

HEADER = "patient,date,itch,sleep_loss,poscorad,poem,flare,food.dairy,treat.tcs,env.pollen\n"


def run(*args):
    return subprocess.run([str(GUTSKIN), *map(str, args)], capture_output=True, text=True, timeout=600)


def test_evaluate_text_counts_one_patient_point_and_day(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text(HEADER + "p1,2026-01-01,4,,,,,1,0,3\np1,2026-01-02,5,,,,,0,0,\n")
    out = run("evaluate", "forecast", p, "--horizon", "1")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == "1 patient, 1 test point, block 1 day"


def test_evaluate_text_counts_many_in_the_plural(tmp_path):
    p = tmp_path / "d.csv"
    rows = [f"{pid},2026-01-{d:02d},{(d * 3 + i) % 11},,,,,{d % 2},0,{d}\n" for i, pid in enumerate(("a", "b"))
            for d in range(1, 13)]
    p.write_text(HEADER + "".join(rows))
    out = run("evaluate", "forecast", p, "--horizon", "2")
    assert out.returncode == 0, out.stderr
    n = json.loads(run("evaluate", "forecast", p, "--horizon", "2", "--json").stdout)["n_points"]
    assert out.stdout.splitlines()[0] == f"2 patients, {n} test points, block 2 days"


def test_trigger_sentences_of_a_one_day_diary_are_singular(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text(HEADER + "p1,2026-01-01,4,,,,,1,0,\n")
    out = run("triggers", p)
    assert out.returncode == 0, out.stderr
    assert "Dairy: not judged — it was on every day it was recorded (1 day with an itch score)" in out.stdout
    assert "Topical steroid: not judged — the one day with an itch score did not have it" in out.stdout
    p.write_text(HEADER + "p1,2026-01-01,4,,,,,1,0,3\np1,2026-01-02,5,,,,,0,0,\n")
    out = run("triggers", p)
    assert "More pollen: not judged — it was recorded on only one day with an itch score" in out.stdout
    assert "1 days" not in out.stdout


@pytest.fixture(scope="module")
def cohort_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("d") / "diary.csv"
    write_diary(simulate_cohort(10, 60, seed=3), path)
    return path


def test_progress_goes_to_stderr_and_json_stays_whole(cohort_csv):
    out = run("evaluate", "forecast", cohort_csv, "--json", "--progress", "--jobs", "2")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)  # nothing but the JSON document on standard output
    assert result["n_patients"] == 10
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("evaluate forecast: 10 of 10 patients (100%), "), out.stderr
    quiet = run("evaluate", "forecast", cohort_csv, "--json", "--no-progress", "--jobs", "1")
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert json.loads(quiet.stdout) == result  # one process or two: the same figures


def test_jobs_must_not_be_negative(cohort_csv):
    out = run("evaluate", "forecast", cohort_csv, "--jobs", "-1")
    assert out.returncode == 2 and out.stderr.strip() == "error: --jobs must be 0 (every core) or more, got -1"


def test_ctrl_c_prints_nothing_on_stdout_and_stops_the_workers(tmp_path):
    path = tmp_path / "diary.csv"
    write_diary(simulate_cohort(120, 180, seed=4), path)  # a run of several seconds even on a fast machine
    proc = subprocess.Popen([str(GUTSKIN), "evaluate", "forecast", str(path), "--json", "--progress", "--jobs", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stderr.readline()  # the first progress line: the workers are busy
    assert line.startswith("evaluate forecast: "), line
    proc.send_signal(signal.SIGINT)
    started = time.monotonic()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert out == ""
    assert "interrupted; nothing was printed" in err and "Traceback" not in err
    assert time.monotonic() - started < 60


def test_forecast_progress_goes_to_stderr_only(cohort_csv):
    out = run("forecast", cohort_csv, "--horizon", "7", "--json", "--progress")
    assert out.returncode == 0, out.stderr
    assert len(json.loads(out.stdout)) == 10
    assert out.stderr.strip().splitlines()[-1].startswith("forecast: 10 of 10 patients (100%), "), out.stderr
    quiet = run("forecast", cohort_csv, "--horizon", "7", "--json")  # not a terminal: no progress by default
    assert quiet.returncode == 0 and quiet.stderr == "" and quiet.stdout == out.stdout
