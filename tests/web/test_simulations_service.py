"""Simulator jobs: validation, ownership, results in the trial contract's shape."""

from __future__ import annotations

import time

import pytest

from gutskin.clinic import simulations
from gutskin.clinic.errors import Forbidden, InvalidInput, NotFound
from gutskin.store.db import transaction


def test_trial_job_lifecycle_and_ownership(engine, people) -> None:
    with pytest.raises(InvalidInput, match="unknown arm 'magic'"), transaction(engine) as s:
        simulations.start_trial(s, people.clinician, ["placebo", "magic"], 5, 8, 1)
    with pytest.raises(InvalidInput, match="patients"), transaction(engine) as s:
        simulations.start_trial(s, people.clinician, ["placebo"], 0, 8, 1)
    with pytest.raises(Forbidden), transaction(engine) as s:
        simulations.start_trial(s, people.owner, ["placebo"], 5, 8, 1)
    with transaction(engine) as s:
        job = simulations.start_trial(s, people.clinician, ["placebo", "dupilumab"], 4, 8, 3)
    with pytest.raises(NotFound):
        simulations.trial_status(people.unlinked, job)
    deadline = time.time() + 120
    while (st := simulations.trial_status(people.clinician, job))["status"] == "running":
        assert time.time() < deadline
        time.sleep(0.2)
    assert st["status"] == "done"
    arms = st["result"]["arms"]
    assert set(arms) == {"placebo", "dupilumab"}
    assert len(arms["dupilumab"]["easi_by_week_median"]) == 9
    assert arms["dupilumab"]["easi_by_week_median"][-1] < arms["placebo"]["easi_by_week_median"][-1]
