"""`gutskin simulate ...`: outputs, bad input (one-line error, non-zero exit, nothing written)."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from gutskin.axis import skin
from gutskin.cli import app

runner = CliRunner()


def _run(*args):
    return runner.invoke(app, ["simulate", *args])


def test_trial_json_shape_and_values():
    r = _run("trial", "--arms", "placebo,dupilumab", "--patients", "6", "--weeks", "16", "--seed", "3", "--json")
    assert r.exit_code == 0, r.output
    obj = json.loads(r.stdout)
    assert set(obj) == {"arms"} and set(obj["arms"]) == {"placebo", "dupilumab"}
    for v in obj["arms"].values():
        assert v["patients"] == 6
        assert len(v["easi_by_week_median"]) == 17
        assert 0 <= v["easi75_percent_week16"] <= 100
    d, p = obj["arms"]["dupilumab"], obj["arms"]["placebo"]
    assert d["percent_improvement_week16_median"] > p["percent_improvement_week16_median"]
    # same seed, same answer
    assert json.loads(_run("trial", "--arms", "placebo,dupilumab", "--patients", "6", "--weeks", "16",
                           "--seed", "3", "--json").stdout) == obj


def test_median_patient_json():
    r = _run("trial", "--arms", "placebo,nemolizumab", "--median-patient", "--weeks", "4", "--json")
    assert r.exit_code == 0, r.output
    obj = json.loads(r.stdout)["arms"]
    assert len(obj["nemolizumab"]["easi_by_week"]) == 5
    base, _ = skin.reference_protocol(skin.median_parameters()[0], {}, weeks=4)
    assert abs(obj["placebo"]["baseline_easi"] - skin.easi(base)) < 0.01
    assert obj["placebo"]["easi_by_week"][0] == obj["placebo"]["baseline_easi"]


def test_cohort_writes_diary_and_truth(tmp_path):
    out = tmp_path / "c"
    r = _run("cohort", "--patients", "3", "--days", "20", "--seed", "5", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert (out / "diary.csv").exists() and (out / "truth.json").exists()
    truth = json.loads((out / "truth.json").read_text())
    assert truth["n_patients"] == 3 and len(truth["patients"]) == 3


def test_plot_writes_png_and_svg_and_data(tmp_path):
    from gutskin.axis import plots

    f = tmp_path / "fig.png"
    r = _run("plot", "--out", str(f), "--arms", "placebo,dupilumab", "--patients", "3", "--weeks", "4",
             "--days", "20", "--data-json", str(tmp_path / "d.json"))
    assert r.exit_code == 0, r.output
    assert f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads((tmp_path / "d.json").read_text())
    assert len(data["arm_curves"]["weeks"]) == 5 and len(data["patient"]["barrier"]) == 20
    assert set(data["arm_curves"]["arms"]) == {"placebo", "dupilumab"}
    assert not np.isnan(data["patient"]["itch"]).any()
    svg = plots.plot_trajectories(data, tmp_path / "fig.svg")
    assert "<svg" in open(svg, encoding="utf-8").read(2000)


def _assert_clean_failure(r):
    assert r.exit_code != 0
    assert r.stderr.strip().startswith("error:") and len(r.stderr.strip().splitlines()) == 1
    assert r.stdout == ""


def test_unknown_arm(tmp_path):
    _assert_clean_failure(_run("trial", "--arms", "placebo,aspirin", "--patients", "2", "--json"))
    f = tmp_path / "x.png"
    _assert_clean_failure(_run("plot", "--out", str(f), "--arms", "nope"))
    assert not f.exists()


def test_negative_sizes_write_nothing(tmp_path):
    out = tmp_path / "neg"
    _assert_clean_failure(_run("cohort", "--patients", "-1", "--days", "10", "--out", str(out)))
    _assert_clean_failure(_run("cohort", "--patients", "2", "--days", "-10", "--out", str(out)))
    _assert_clean_failure(_run("trial", "--patients", "-5", "--json"))
    _assert_clean_failure(_run("trial", "--weeks", "-2", "--json"))
    assert not out.exists()


def test_unreadable_parameter_file(tmp_path):
    out = tmp_path / "p"
    _assert_clean_failure(_run("cohort", "--patients", "2", "--days", "5", "--out", str(out),
                               "--params", str(tmp_path / "missing.csv")))
    bad = tmp_path / "bad.csv"
    bad.write_text("mu,sigma\n1,2\nx,y\n")
    _assert_clean_failure(_run("trial", "--patients", "2", "--params", str(bad), "--json"))
    short = tmp_path / "short.csv"
    short.write_text("1,0.1\n2,0.2\n")
    _assert_clean_failure(_run("trial", "--patients", "2", "--params", str(short), "--json"))
    assert not out.exists()


def test_parameter_file_round_trip(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("mu,sigma\n" + "".join(f"{m},{s}\n" for m, s in zip(skin.MU, skin.SIGMA)))
    a = _run("trial", "--patients", "3", "--weeks", "2", "--params", str(f), "--json")
    b = _run("trial", "--patients", "3", "--weeks", "2", "--json")
    assert a.exit_code == 0 and json.loads(a.stdout) == json.loads(b.stdout)


def test_plot_failure_leaves_nothing(tmp_path):
    f = tmp_path / "fig.png"
    r = _run("plot", "--out", str(f), "--patients", "2", "--weeks", "2", "--days", "5",
             "--data-json", str(tmp_path / "missing_dir" / "d.json"))
    _assert_clean_failure(r)
    assert not f.exists()
