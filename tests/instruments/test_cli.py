"""`gutskin score`: the JSON contract, stdin, and one-line errors naming the field."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from gutskin.commands import score as score_cmd
from gutskin.instruments import INSTRUMENTS

ROOT = Path(__file__).resolve().parents[2]
GUTSKIN = ROOT / ".venv" / "bin" / "gutskin"
if not GUTSKIN.exists():  # e.g. a venv elsewhere: use the interpreter running the tests
    GUTSKIN = Path(sys.executable).with_name("gutskin")

INTENSITY = {"erythema": 2, "oedema_papulation": 1, "oozing_crusting": 1, "excoriation": 2,
             "lichenification": 0, "dryness": 1}
EASI_REGIONS = {
    "head_neck": {"area_percent": 20, "erythema": 2, "induration": 1, "excoriation": 1, "lichenification": 0},
    "upper_limbs": {"area_percent": 40, "erythema": 2, "induration": 2, "excoriation": 1.5, "lichenification": 1},
    "trunk": {"area_percent": 5, "erythema": 1, "induration": 1, "excoriation": 0, "lichenification": 0},
    "lower_limbs": {"area_percent": 60, "erythema": 2.5, "induration": 2, "excoriation": 2, "lichenification": 1.5},
}

# instrument, payload, expected total, expected band, extra expected fields
CASES = [
    ("poem", {"answers": [4, 2, 0, 1, 3, 2, 4]}, 16, "moderate", {}),
    ("poem", {"answers": [4, None, None, 1, 3, 2, 4]}, None, None, {"missing": 2}),
    ("recap", {"answers": [1, 1, 1, 1, 1, 1, 2]}, 8, "moderately controlled", {"controlled": False}),
    ("adct", {"answers": [1, 1, 1, 1, 1, 1]}, 6, "in control", {"controlled": True}),
    ("adct", {"answers": [1, 1, 1, 1, 1, 2]}, 7, "not in control", {"controlled": False}),
    ("dlqi", {"answers": [3, 2, 1, 0, 3, 2, 3, 1, 0, 2]}, 17, "very large effect", {}),
    ("cdlqi", {"answers": [3, 2, 1, 0, 3, 2, 3, 1, 0, None]}, 15, "very large effect", {"missing": 1}),
    ("scorad", {"extent_percent": 30, "intensity": INTENSITY, "itch": 6, "sleep_loss": 4}, 40.5, "moderate",
     {"objective": 30.5, "objective_band": "moderate"}),
    ("poscorad", {"extent_percent": 30, "intensity": INTENSITY, "itch": 6, "sleep_loss": 4}, 40.5, "moderate",
     {"objective": 30.5, "band_set": "four_strata"}),
    ("easi", {"age_years": 40, "regions": EASI_REGIONS}, 18.1, "moderate", {"weights": "adult"}),
    ("easi", {"age_years": 5, "regions": EASI_REGIONS}, 15.7, "moderate", {"weights": "child"}),
    ("nrs", {"score": 7}, 7, "severe", {}),
    ("bristol", {"type": 6}, None, "diarrhoea", {"type": 6}),
    ("gsrs", {"answers": [2] * 15}, 2, None, {"syndromes": {"reflux": 2, "abdominal_pain": 2, "indigestion": 2,
                                                            "diarrhoea": 2, "constipation": 2}}),
]


@pytest.fixture(scope="module")
def app():
    a = typer.Typer()

    @a.callback()
    def _root() -> None:
        """Test root."""

    score_cmd.register(a)
    return a


runner = CliRunner()


@pytest.mark.parametrize("instrument,payload,total,band,extra", CASES, ids=[c[0] for c in CASES])
def test_scores_from_file(app, tmp_path, instrument, payload, total, band, extra):
    f = tmp_path / "in.json"
    f.write_text(json.dumps(payload))
    res = runner.invoke(app, ["score", instrument, "--input", str(f)])
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    assert list(out)[:3] == ["instrument", "total", "band"]
    assert (out["instrument"], out["total"], out["band"]) == (instrument, total, band)
    for k, v in extra.items():
        assert out[k] == v
    assert res.stderr == ""


def test_every_registered_instrument_has_a_cli_case():
    assert {c[0] for c in CASES} == set(INSTRUMENTS)


def test_stdin_and_bands_option(app):
    res = runner.invoke(app, ["score", "poem", "--input", "-", "--bands", "silverberg2018"],
                        input=json.dumps({"answers": [3, 3, 3, 3, 3, 3, 2]}))
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    assert (out["total"], out["band"], out["band_set"]) == (20, "severe", "silverberg2018")


def test_bands_in_payload(app):
    payload = {"extent_percent": 0, "intensity": INTENSITY, "itch": 0, "sleep_loss": 0, "bands": "four_strata"}
    res = runner.invoke(app, ["score", "scorad", "--input", "-"], input=json.dumps(payload))
    out = json.loads(res.stdout)
    assert (out["total"], out["band"]) == (24.5, "mild")


@pytest.mark.parametrize(
    "args,stdin,field",
    [
        (["score", "poem", "--input", "-"], '{"answers": [1, 2, 0, 5, 1, 3, 4]}',
         "answers[3]: expected an integer 0-4 or null, got 5"),
        (["score", "poem", "--input", "-"], '{"answers": [1, 2, 0,', "input: invalid JSON"),
        (["score", "poem", "--input", "-"], "[1, 2, 3]", "input: expected a JSON object"),
        (["score", "poem", "--input", "-"], "{}", "answers: required field is missing"),
        (["score", "adct", "--input", "-"], '{"answers": [1, 2, 3]}', "answers: expected 6 items, got 3"),
        (["score", "dlqi", "--input", "-"], '{"answers": [0,0,0,0,0,0,4,0,0,0]}', "answers[6]: expected an integer 0-3"),
        (["score", "scorad", "--input", "-"],
         json.dumps({"extent_percent": 30, "intensity": {**INTENSITY, "dryness": 7}, "itch": 1, "sleep_loss": 1}),
         "intensity.dryness: expected an integer 0-3"),
        (["score", "scorad", "--input", "-"],
         json.dumps({"extent_percent": 30, "intensity": INTENSITY, "itch": 1}), "sleep_loss: required field is missing"),
        (["score", "easi", "--input", "-"],
         json.dumps({"age_years": 30, "regions": {**EASI_REGIONS, "trunk": {**EASI_REGIONS["trunk"], "induration": 0.5}}}),
         "regions.trunk.induration: expected 0, 1, 1.5, 2, 2.5 or 3, got 0.5"),
        (["score", "nrs", "--input", "-"], '{"score": 11}', "score: expected an integer 0-10"),
        (["score", "bristol", "--input", "-"], '{"type": 8}', "type: expected an integer 1-7, got 8"),
        (["score", "gsrs", "--input", "-"], '{"answers": [0]}', "answers: expected 15 items"),
        (["score", "poem", "--input", "-", "--bands", "nope"], '{"answers": [0,0,0,0,0,0,0]}', "bands: expected one of"),
        (["score", "nope", "--input", "-"], "{}", "INSTRUMENT: unknown instrument 'nope'"),
        (["score", "poem"], "", "--input: required"),
        (["score", "poem", "--input", "/nonexistent/x.json"], "", "--input: cannot read"),
    ],
)
def test_bad_input_one_line_naming_the_field(app, args, stdin, field):
    res = runner.invoke(app, args, input=stdin)
    assert res.exit_code == 2
    assert res.stdout == ""
    lines = res.stderr.splitlines()
    assert len(lines) == 1, res.stderr
    assert field in lines[0]


# --- the real console script -------------------------------------------------------------

def run(*args, stdin=None):
    return subprocess.run([str(GUTSKIN), *args], input=stdin, capture_output=True, text=True, timeout=60)


def test_real_cli_file_and_stdin(tmp_path):
    f = tmp_path / "poem.json"
    f.write_text(json.dumps({"answers": [4, 2, 0, 1, 3, 2, 4]}))
    p = run("score", "poem", "--input", str(f))
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["total"] == 16
    payload = {"extent_percent": 100, "intensity": {k: 3 for k in INTENSITY}, "itch": 10, "sleep_loss": 10}
    p = run("score", "scorad", "--input", "-", stdin=json.dumps(payload))
    out = json.loads(p.stdout)
    assert (out["total"], out["objective"], out["band"]) == (103, 83, "severe")


def test_real_cli_error_is_one_line_on_stderr():
    p = run("score", "recap", "--input", "-", stdin='{"answers": [0, 0, 0, 0, 0, 0, "x"]}')
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.strip().splitlines() == ["error: answers[6]: expected an integer 0-4 or null, got 'x'"]
