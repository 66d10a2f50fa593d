"""Edge inputs of `gutskin simulate` (2026-12-07 science check): absurd parameters, a cohort too
big for memory, ten years of one patient. Each either runs sanely or stops with one `error:` line
on stderr, exit code 2 and nothing written."""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from gutskin.axis import skin
from gutskin.cli import app
from gutskin.diary.csvio import iter_diary_csv

runner = CliRunner()


def _params_file(tmp_path, mu, sigma):
    path = tmp_path / "params.json"
    path.write_text(json.dumps({"mu": [float(v) for v in mu], "sigma": [float(v) for v in sigma]}))
    return str(path)


ABSURD = {
    # finite numbers the file check accepts, but no model can be integrated with them:
    "every parameter e^50": (np.full(skin.N_PARAMS, 50.0), skin.SIGMA),
    "k1 = e^30": (np.where(np.arange(skin.N_PARAMS) == 0, 30.0, skin.MU), skin.SIGMA),
    "log-sd 20": (skin.MU, np.full(skin.N_PARAMS, 20.0)),
}


CASES = [(case, command) for case in sorted(ABSURD) for command in ("trial", "median", "cohort")
         if (case, command) != ("log-sd 20", "median")]  # the median patient ignores sigma (next test)


@pytest.mark.parametrize(("case", "command"), CASES)
def test_absurd_parameters_give_one_error_line_and_write_nothing(tmp_path, case, command) -> None:
    """They raised the integrator's RuntimeError as a traceback (exit 1) before 2026-12-07."""
    params = _params_file(tmp_path, *ABSURD[case])
    out = tmp_path / "out"
    args = {"trial": ["trial", "--patients", "5", "--weeks", "2", "--json"],
            "median": ["trial", "--median-patient", "--weeks", "2", "--json"],
            "cohort": ["cohort", "--patients", "5", "--days", "3", "--out", str(out)]}[command]
    r = runner.invoke(app, ["simulate", *args, "--params", params])
    assert r.exit_code == 2, (r.exit_code, r.output)
    assert r.exception is None or isinstance(r.exception, SystemExit)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the skin model could not be integrated"), r.stderr
    assert f"--params {params}" in lines[0]
    assert r.stdout == "" and not out.exists()


def test_the_median_patient_ignores_sigma(tmp_path) -> None:
    params = _params_file(tmp_path, *ABSURD["log-sd 20"])
    r = runner.invoke(app, ["simulate", "trial", "--median-patient", "--weeks", "2", "--json", "--params", params])
    assert r.exit_code == 0, r.output
    plain = runner.invoke(app, ["simulate", "trial", "--median-patient", "--weeks", "2", "--json"])
    assert json.loads(r.stdout) == json.loads(plain.stdout)


def _limit_memory() -> None:  # runs in the child: an old build must not take the machine down
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


@pytest.mark.parametrize(("patients", "days", "said"), [
    (10_000, 3_650, "10,000 patients × 3,650 days = 36,500,000"),
    (2_001, 2_000, "2,001 patients × 2,000 days = 4,002,000"),
])
def test_a_cohort_too_big_for_memory_is_refused_at_once(tmp_path, patients, days, said) -> None:
    """10,000 patients × 10 years (36.5 M patient-days, ~73 GB at ~2 KB each) started allocating
    and was OOM-killed on a 23 GB machine; now refused before anything is allocated (the child
    runs under a 3 GB address-space limit so that the old code fails this test without harm)."""
    out = tmp_path / "big"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    r = subprocess.run([sys.executable, "-m", "gutskin.cli", "simulate", "cohort", "--patients", str(patients),
                        "--days", str(days), "--out", str(out)], capture_output=True, text=True, timeout=120,
                       preexec_fn=_limit_memory, env=env)
    assert r.returncode == 2, (r.returncode, r.stderr[-500:])
    assert r.stderr.strip() == (f"error: {said} patient-days is more than one cohort may hold in memory "
                                "(4,000,000, about 8 GB); run fewer patients or fewer days")
    assert r.stdout == "" and not out.exists()


def test_ten_years_of_one_patient_is_a_sane_diary(tmp_path) -> None:
    days = 3653
    r = runner.invoke(app, ["simulate", "cohort", "--patients", "1", "--days", str(days), "--seed", "4",
                            "--start", "2020-01-01", "--out", str(tmp_path / "c")])
    assert r.exit_code == 0, r.output
    rows = list(iter_diary_csv(str(tmp_path / "c" / "diary.csv")))
    dates = [row.date for row in rows]
    assert dates == sorted(set(dates))
    assert dates[0] >= dt.date(2020, 1, 1) and dates[-1] <= dt.date(2029, 12, 31)
    assert 0.6 * days < len(rows) <= days  # some days unlogged, as people do
    itch = np.array([row.itch for row in rows if row.itch is not None], dtype=float)
    assert np.all((itch >= 0) & (itch <= 10)) and itch.std() > 0.5
    # still itching in the tenth year: no drift to a constant or to nonsense
    tenth = itch[-300:]
    assert tenth.std() > 0.3 and 0 < tenth.mean() < 10
