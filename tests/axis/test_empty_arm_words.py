"""An arm with no patient left after the EASI ≥ 72 exclusion says so: "no patients left in this arm
after exclusion" in the summary (JSON null, never NaN), the CLI's text and (tests/web/test_simulator_empty_arm.py) the simulator page. Its
median of nothing was NaN: 'nan%' on the page, 'nan' in the CLI and NaN (not JSON) in --json
(found by reading in the wording review of 2026-12-06; the exclusion rarely bites, so the run
below uses the pipeline's own exclusion threshold with a patient near EASI's ceiling, as
test_skin.test_exclusion_drops_patients_in_the_pipeline does)."""

from __future__ import annotations

import json

import numpy as np

from gutskin.axis import protocol, skin

NOTE = "no patients left in this arm after exclusion"


def _everyone_excluded() -> protocol.ProtocolResult:
    params = skin.sample_parameters(1, np.random.default_rng(5))
    # barrier destroyed almost at once, pathogens cleared slowly: EASI near its ceiling of 72
    params[0, skin.PARAM_NAMES.index("d1")] = 1e4
    params[0, skin.PARAM_NAMES.index("d8")] = 50.0
    params[0, skin.PARAM_NAMES.index("d4")] = 1e-6
    res = protocol.run_protocol(params, ["placebo", "dupilumab"], weeks=2, exclusion_easi=71.5)
    assert res.n_sampled == 1 and res.n_kept == 0
    return res


def test_the_summary_names_an_empty_arm_and_its_json_has_no_nan() -> None:
    summary = _everyone_excluded().summary(week=2)
    text = json.dumps({"arms": summary}, allow_nan=False)  # ValueError on NaN
    for arm in ("placebo", "dupilumab"):
        row = summary[arm]
        assert row["patients"] == 0 and row["patients_sampled"] == 1
        assert row["note"] == NOTE
        assert row["percent_improvement_week16_median"] is None and row["easi75_percent_week16"] is None
        assert row["easi_by_week_median"] == [None, None, None]
    assert "NaN" not in text
    # none sampled at all (the library allows 0): the same words, no NaN
    empty = protocol.simulate_trial(["placebo"], 0, weeks=1).summary(week=1)
    json.dumps(empty, allow_nan=False)
    assert empty["placebo"]["note"] == NOTE


def test_an_arm_with_patients_has_figures_and_no_note() -> None:
    summary = protocol.simulate_trial(["placebo"], 2, weeks=1, seed=3).summary(week=1)
    row = summary["placebo"]
    assert "note" not in row and row["patients"] == 2
    assert isinstance(row["percent_improvement_week16_median"], float)


def test_the_cli_text_says_no_patients_left() -> None:
    from gutskin.commands.simulate import trial_lines

    res = _everyone_excluded()
    lines = trial_lines(res.summary(week=2), res.n_kept, res.n_sampled, 2)
    assert lines[0] == "0 of 1 virtual patients kept (EASI < 72 throughout)"
    assert [line.split(None, 1) for line in lines[1:]] == [["placebo", NOTE], ["dupilumab", NOTE]]
    assert "nan" not in "\n".join(lines).lower()


def test_the_plot_data_and_picture_of_an_empty_arm(tmp_path) -> None:
    """`gutskin simulate plot --data-json` writes arm_curves: an empty arm's quartiles were NaN."""
    from gutskin.axis.cohort import simulate_cohort
    from gutskin.axis.plots import arm_curves, patient_series, plot_trajectories

    curves = arm_curves(_everyone_excluded())
    text = json.dumps(curves, allow_nan=False)  # ValueError on NaN
    assert "NaN" not in text
    for arm in ("placebo", "dupilumab"):
        c = curves["arms"][arm]
        assert c["note"] == NOTE and c["patients"] == 0
        assert c["median"] == c["q25"] == c["q75"] == [None, None, None]
    data = {"arm_curves": curves, "patient": patient_series(simulate_cohort(1, 5, seed=1), 0)}
    back = json.loads(json.dumps(data, allow_nan=False))  # the data as read back from --data-json
    out = plot_trajectories(back, tmp_path / "empty.png")  # nulls draw as a gap
    assert (tmp_path / "empty.png").stat().st_size > 1000 and out.endswith("empty.png")
