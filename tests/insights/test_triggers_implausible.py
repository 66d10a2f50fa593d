"""Trigger finder and absurd amounts: a diary cell of 1e308 (or 1e9) is left out of its factor's
regression, like an unlogged cell, with a note; no numpy warning, the other days still decide.

The cut is the forecast's cap (``code_limits``): |(x - median) / IQR| beyond
max(20, 3 x the 95th percentile) of the patient's own series."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gutskin.insights import triggers as tr

FIRST = dt.date(2026, 1, 1)


def _pollen_patient(seed: int, n: int = 120) -> tuple[list, np.ndarray]:
    """Itch rises the day after high pollen (0.03 itch points per grain), stress does nothing."""
    rng = np.random.default_rng(seed)
    pollen = rng.gamma(2, 20, n)
    stress = rng.integers(0, 10, n).astype(float)
    itch = np.clip(np.round(3 + rng.normal(0, 1.5, n) + 0.03 * np.r_[0, pollen[:-1]]), 0, 10)
    return [pollen, stress], itch


def _frame_via_csv(tmp_path, pollen, stress, itch) -> pd.DataFrame:
    """Through the diary CSV, as `gutskin triggers DIARY.csv` reads it."""
    from gutskin.diary.csvio import DiaryRow, read_diary_frame, write_diary_csv

    rows = [DiaryRow("p1", FIRST + dt.timedelta(days=i), int(itch[i]), None, None, None, None,
                     {"env.pollen": float(pollen[i]), "env.stress": float(stress[i])}) for i in range(len(itch))]
    p = tmp_path / "diary.csv"
    with open(p, "w", newline="") as f:
        write_diary_csv(rows, f)
    return read_diary_frame(p)


def _results(frame) -> dict[str, tr.TriggerResult]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pytest -W error: a RuntimeWarning (overflow) fails the test
        return {r.factor: r for r in tr.find_triggers(frame)}


@pytest.mark.parametrize("typo", [1e308, 1e9])
def test_one_absurd_amount_is_left_out_without_a_warning_and_the_trigger_stays(tmp_path, typo: float) -> None:
    (pollen, stress), itch = _pollen_patient(0)
    clean = _results(_frame_via_csv(tmp_path, pollen, stress, itch))
    assert clean["env.pollen"].verdict == "likely_trigger" and clean["env.pollen"].lag_days == 1
    assert clean["env.pollen"].notes == []

    bad = pollen.copy()
    bad[50] = typo
    res = _results(_frame_via_csv(tmp_path, bad, stress, itch))
    r = res["env.pollen"]
    assert r.verdict == "likely_trigger" and r.lag_days == 1  # old code: a warning, then not_enough_data / no_evidence
    assert r.effect == pytest.approx(clean["env.pollen"].effect, abs=0.1)
    assert r.exposed_days + r.unexposed_days == clean["env.pollen"].exposed_days + clean["env.pollen"].unexposed_days - 1
    assert any(n.startswith("1 day(s) with an implausible amount") for n in r.notes)
    assert res["env.stress"].verdict == clean["env.stress"].verdict and res["env.stress"].notes == []
    assert r.to_record()["verdict"] == "likely_trigger"  # the CLI record keeps its keys


def test_many_absurd_days_of_both_signs_are_left_out_without_a_warning() -> None:
    """More than 5 % absurd days (the percentile itself is absurd) and amounts of both signs at
    float's ends, whose differences overflow: still no warning, every absurd day left out."""
    (pollen, stress), itch = _pollen_patient(0)
    temp = np.random.default_rng(9).normal(12, 6, len(itch))

    def frame(t):  # type: ignore[no-untyped-def]
        return pd.DataFrame({"patient": "p1", "date": pd.date_range(FIRST, periods=len(itch)), "itch": itch,
                             "env.pollen": pollen, "env.temperature": t})

    assert _results(frame(temp))["env.pollen"].verdict == "likely_trigger"
    temp[[5, 20, 35, 50, 65, 80, 95, 110]] = [1e308, -1e308, 1.7e308, -1.7e308, 1e300, -1e300, 1e9, -1e9]
    res = _results(frame(temp))
    t = res["env.temperature"]
    assert t.verdict in tr.VERDICTS and t.kind == "continuous"
    assert any(n.startswith("8 day(s) with an implausible amount") for n in t.notes)
    assert t.exposed_days + t.unexposed_days == len(itch) - 8
    assert res["env.pollen"].verdict == "likely_trigger"


def test_ordinary_amounts_are_never_left_out() -> None:
    """A heavy-tailed but plausible series (log-normal pollen) keeps every day."""
    rng = np.random.default_rng(4)
    G = np.exp(rng.normal(3, 1, (365, 1)))
    covs, exposed, kinds, left_out = tr._factor_covariates(G)
    assert kinds == ["continuous"] and left_out.tolist() == [0] and not np.isnan(covs).any()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e5, 1e5), min_size=1, max_size=60))
def test_the_cut_is_the_forecasts_cap(values: list[float]) -> None:
    """Same rule and number as the forecast's code_limits (insights/forecast.py) on coded values."""
    from gutskin.insights.forecast import CODE_LIMIT, code_limits

    c = np.array(values)
    assert tr.CODE_LIMIT == CODE_LIMIT
    assert tr._code_limit(c) == pytest.approx(float(code_limits(c[:, None])[0]), rel=1e-12)
