"""Memory of `simulate trial` (2026-12-07): the arms kept every patient's 14 states on the
0.1-week grid to read EASI from them (10,000 patients × 10 arms × 520 weeks: 58 GB); now EASI
only, and a run beyond ``protocol.MAX_GRID_VALUES`` EASI values is refused before it starts."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tracemalloc

import numpy as np

from gutskin.axis import protocol, skin


def _patients(n: int) -> np.ndarray:
    return skin.sample_parameters(n, np.random.default_rng(11), skin.MU, skin.SIGMA)


def test_arms_keep_easi_not_whole_states() -> None:
    params = _patients(300)
    base = protocol.settle(params)
    states_bytes = 300 * 241 * skin.N_STATES * 8  # 8.1 MB: what the old code held on the grid
    tracemalloc.start()
    try:
        easi = protocol.run_arms(params, base, ["placebo"], weeks=24)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert easi["placebo"].shape == (300, 241)
    assert peak < 0.6 * states_bytes, peak


def test_easi_only_is_the_easi_of_the_whole_states() -> None:
    params = _patients(5)
    base = protocol.settle(params)
    easi = protocol.run_arms(params, base, ["placebo", "dupilumab"], weeks=3)
    easi2, states = protocol.run_arms(params, base, ["placebo", "dupilumab"], weeks=3, return_states=True)
    for arm in ("placebo", "dupilumab"):
        np.testing.assert_array_equal(easi[arm], skin.easi(states[arm]))
        np.testing.assert_array_equal(easi[arm], easi2[arm])


def _limit_memory() -> None:  # the old code must fail this test without taking the machine down
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def test_a_trial_too_big_for_memory_is_refused_at_once() -> None:
    all_arms = ",".join(skin.ARMS)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    r = subprocess.run([sys.executable, "-m", "gutskin.cli", "simulate", "trial", "--patients", "10000",
                        "--weeks", "520", "--arms", all_arms, "--json"], capture_output=True, text=True, timeout=120,
                       preexec_fn=_limit_memory, env=env)
    assert r.returncode == 2, (r.returncode, r.stderr[-500:])
    assert r.stderr.strip() == ("error: 10,000 patients × 10 arms × 520 weeks is more than one trial may hold in "
                                "memory (520,100,000 EASI values on the 0.1-week grid, at most 200,000,000, about "
                                "1.6 GB); run fewer patients, arms or weeks")
    assert r.stdout == ""
