"""``gutskin forecast --jobs`` (2026-12-07): worker processes as ``evaluate forecast`` has them
(0 = every core, 1 = none, negative refused), the same answer in the same order with any number
of workers, progress on standard error only, an error of a patient named as without workers,
and Ctrl-C: exit 130, nothing on standard output, no worker left."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from gutskin.insights.forecast import forecast_frame
from gutskin.insights.pool import POOL_MIN_TASKS
from gutskin.insights.synthetic import simulate_cohort, write_diary

ROOT = Path(__file__).resolve().parents[2]
GUTSKIN = ROOT / ".venv" / "bin" / "gutskin"
if not GUTSKIN.exists():
    GUTSKIN = Path(sys.executable).with_name("gutskin")


def run(*args):
    return subprocess.run([str(GUTSKIN), *map(str, args)], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def cohort():
    return simulate_cohort(10, 60, seed=3)


@pytest.fixture(scope="module")
def cohort_csv(cohort, tmp_path_factory):
    path = tmp_path_factory.mktemp("d") / "diary.csv"
    write_diary(cohort, path)
    return path


def test_cohort_is_big_enough_for_the_workers(cohort):
    assert cohort.frame["patient"].nunique() >= POOL_MIN_TASKS


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "text"])
def test_same_answer_with_one_or_two_processes(cohort_csv, as_json):
    flag = ["--json"] if as_json else []
    one = run("forecast", cohort_csv, "--horizon", "7", *flag, "--jobs", "1")
    two = run("forecast", cohort_csv, "--horizon", "7", *flag, "--jobs", "2")
    assert one.returncode == 0 and two.returncode == 0, (one.stderr, two.stderr)
    assert one.stderr == two.stderr == ""
    assert two.stdout == one.stdout
    if as_json:
        out = json.loads(two.stdout)
        assert list(out) == sorted(out) and len(out) == 10  # the patients' order
    else:
        assert two.stdout.count("\npatient ") + two.stdout.startswith("patient ") == 10


def test_forecast_frame_with_workers_is_the_same_forecast(cohort):
    one = forecast_frame(cohort.frame, 5, jobs=1)
    seen = []
    two = forecast_frame(cohort.frame, 5, jobs=2, progress=lambda d, n: seen.append((d, n)))
    assert list(two) == list(one)
    assert [f.to_dict() for f in two.values()] == [f.to_dict() for f in one.values()]
    assert seen[-1] == (10, 10) and [d for d, _ in seen] == sorted(set(d for d, _ in seen))


def test_progress_on_stderr_only_with_workers(cohort_csv):
    out = run("forecast", cohort_csv, "--json", "--progress", "--jobs", "2")
    assert out.returncode == 0, out.stderr
    assert len(json.loads(out.stdout)) == 10
    assert out.stderr.strip().splitlines()[-1].startswith("forecast: 10 of 10 patients (100%), "), out.stderr


def test_negative_jobs_is_refused(cohort_csv):
    out = run("forecast", cohort_csv, "--jobs", "-1")
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip() == "error: --jobs must be 0 (every core) or more, got -1"


def test_a_patients_error_is_the_same_with_workers(tmp_path, cohort):
    # the 9th patient's forecast would run past 9999-12-31: the error names it, with or without workers
    frame = cohort.frame
    last = dt.date.max - dt.timedelta(days=3)
    rows = "".join(f"zz,{(last - dt.timedelta(days=k)).isoformat()},{3 + k % 4}\n" for k in reversed(range(10)))
    path = tmp_path / "end.csv"
    write_diary(cohort, path)
    text = path.read_text()
    header = text.splitlines()[0]
    extra = len(header.split(",")) - 3
    path.write_text(text + "".join(r.rstrip("\n") + "," * extra + "\n" for r in rows.splitlines(True)))
    assert frame["patient"].astype(str).max() < "zz"
    one = run("forecast", path, "--json", "--jobs", "1")
    two = run("forecast", path, "--json", "--jobs", "2")
    assert one.returncode == two.returncode == 2
    assert one.stdout == two.stdout == ""
    assert two.stderr == one.stderr and "patient zz" in one.stderr and "9999-12-31" in one.stderr


def test_ctrl_c_exits_130_with_nothing_on_stdout(tmp_path):
    path = tmp_path / "diary.csv"
    write_diary(simulate_cohort(500, 120, seed=4), path)  # a run of several seconds even on a fast machine
    proc = subprocess.Popen([str(GUTSKIN), "forecast", str(path), "--json", "--progress", "--jobs", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stderr.readline()  # the first progress line: the workers are busy
    assert line.startswith("forecast: ") and "of 500 patients" in line, line
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert out == ""
    assert "forecast: interrupted; nothing was printed" in err and "Traceback" not in err
