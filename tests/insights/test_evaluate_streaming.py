"""``evaluate forecast`` sums its test points as they come (2026-12-07): the summary is
:class:`~gutskin.insights.evaluation.ChainSummary` fed one patient at a time instead of every
point's pmfs held to the end (1.08 GiB on 5,000 patients x 180 days). The figures are the held
summary's (``bench.evaluate.old_summarize``, the code of commit 92d7d78) to the last digit, and
the memory a run needs no longer grows with the points."""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.evaluate import old_summarize
from gutskin.insights import evaluation as ev
from gutskin.insights.synthetic import simulate_cohort

M = 10


def _points(rng, patients: int, horizon: int, per: int = 40, other: bool = True) -> ev.ChainPoints:
    """Random points: pmfs from a Dirichlet (some nearly certain), horizons 1..horizon (a few
    beyond, as a gap gives), outcomes 0..10; patients' points interleaved as forward chaining
    lists them (origin by origin)."""
    pts = ev.ChainPoints(forecasts={"model": [], "uniform": [], "historical": []})
    uniform = np.full(M + 1, 1 / (M + 1))
    rows = []
    for k in range(patients):
        n = int(rng.integers(0, per + 1))
        hist = rng.dirichlet(np.ones(M + 1))
        for i in range(n):
            alpha = rng.choice([0.05, 1.0, 20.0])
            h = int(rng.integers(1, horizon + 1)) if not other or rng.random() > 0.05 else horizon + int(rng.integers(1, 4))
            rows.append((i, k, h, int(rng.integers(0, M + 1)), rng.dirichlet(np.full(M + 1, alpha)), hist))
    rows.sort(key=lambda r: (r[0], r[1]))
    for i, k, h, y, p, hist in rows:
        pts.patient.append(f"p{k:04d}")
        pts.day.append(i)
        pts.origin.append(i)
        pts.horizon.append(h)
        pts.y.append(y)
        pts.forecasts["model"].append(p)
        pts.forecasts["uniform"].append(uniform)
        pts.forecasts["historical"].append(hist)
    return pts


def _streamed(pts: ev.ChainPoints, horizon: int, order) -> dict:
    """ChainSummary fed patient by patient, in the given patient order."""
    s = ev.ChainSummary(horizon)
    pid, hz, y = np.asarray(pts.patient), np.asarray(pts.horizon), np.asarray(pts.y)
    P = {m: np.asarray(pts.forecasts[m]).reshape(len(pts.y), M + 1) for m in pts.forecasts}
    at = _index(pid)
    for p in order:
        sel = at[p]
        s.add(p, hz[sel], y[sel], {m: P[m][sel] for m in P})
    return s.result()


def _index(pid) -> dict:
    order = np.argsort(pid, kind="stable")
    keys, start = np.unique(pid[order], return_index=True)
    return {k: order[a:b] for k, a, b in zip(keys, start, list(start[1:]) + [len(pid)])}


def test_many_points_summed_patient_by_patient_give_the_held_figures():
    rng = np.random.default_rng(20261207)
    pts = _points(rng, 1500, 7, per=60)
    assert len(pts.y) > 40_000
    held = json.dumps(old_summarize(pts, 7))
    patients = sorted(set(pts.patient))
    assert json.dumps(_streamed(pts, 7, patients)) == held
    assert json.dumps(_streamed(pts, 7, rng.permutation(patients))) == held  # any order
    assert json.dumps(ev.summarize(pts, 7)) == held


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), patients=st.integers(0, 6), horizon=st.integers(1, 9))
def test_small_and_empty_summaries_are_the_held_ones(seed, patients, horizon):
    rng = np.random.default_rng(seed)
    pts = _points(rng, patients, horizon, per=12)
    held = json.dumps(old_summarize(pts, horizon))
    assert json.dumps(_streamed(pts, horizon, sorted(set(pts.patient)))) == held
    assert json.dumps(ev.summarize(pts, horizon)) == held


@pytest.mark.parametrize("factors", [True, False], ids=["BinAR1-X", "BinAR1"])
def test_evaluate_forecast_gives_the_held_summary_of_the_same_points(factors):
    frame = simulate_cohort(9, 70, seed=12).frame
    rng = np.random.default_rng(3)
    frame = frame[rng.random(len(frame)) > 0.1].reset_index(drop=True)  # some days not logged
    if not factors:
        frame = frame[["patient", "date", "itch", "sleep_loss", "poscorad", "poem", "flare"]]
    for horizon in (7, 3):
        held = old_summarize(ev.forward_chain(frame, horizon), horizon)
        for jobs in (1, 2):
            got = ev.evaluate_forecast(frame, horizon, jobs=jobs)
            for key in ("score", "block", "model"):
                got.pop(key)
            assert json.dumps(got) == json.dumps(held), (horizon, jobs)
        assert held["n_points"] > 100


def _peak(frame) -> tuple[int, int]:
    """Peak bytes allocated by a one-process evaluation of ``frame`` (tracemalloc), and its points."""
    tracemalloc.start()
    try:
        out = ev.evaluate_forecast(frame, 7, jobs=1)
        return tracemalloc.get_traced_memory()[1], out["n_points"]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_points():
    # the held summary needed 300-550 bytes per test point (pmfs and their lists, then copies for
    # the means: 1.08 GiB on 5,000 patients x 180 days; 317 here on 92d7d78); summed as they come,
    # a patient more costs only its share of the frame's copies (57 bytes per point of it here)
    cohort = simulate_cohort(24, 100, seed=6).frame
    small = cohort[cohort["patient"].isin(sorted(cohort["patient"].unique())[:8])]
    ev.evaluate_forecast(small.head(300), 7)  # kernels and caches loaded before measuring
    p_small, n_small = _peak(small)
    p_big, n_big = _peak(cohort)
    assert n_big - n_small > 1000
    per_point = (p_big - p_small) / (n_big - n_small)
    assert per_point < 150, f"{per_point:.0f} bytes more per test point"
