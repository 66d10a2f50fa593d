"""The clinician simulator refuses a negative seed when it is asked, naming the field.

Before 2026-12-07 ``simulations.start_trial`` queued a run with seed −1 (audited, holding one of
the clinician's two unfinished slots) and the worker then failed with numpy's "expected
non-negative integer"; the page showed "The simulation failed: expected non-negative integer".
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gutskin.clinic import simulations
from gutskin.clinic.errors import InvalidInput
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent


def _audit_rows(engine) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return int(s.scalar(select(func.count()).select_from(AuditEvent)) or 0)


@pytest.mark.parametrize("seed", [-1, -(2**40), 2**64])
def test_a_seed_out_of_range_is_refused_before_anything_is_queued(engine, people, seed) -> None:  # type: ignore[no-untyped-def]
    before = _audit_rows(engine)
    with transaction(engine) as s, pytest.raises(InvalidInput, match=r"^seed: expected a whole number from 0"):
        simulations.start_trial(s, people.clinician, ["placebo"], 2, 1, seed)
    assert _audit_rows(engine) == before  # nothing queued, nothing audited


def test_seed_zero_and_the_largest_seed_run(engine, people) -> None:  # type: ignore[no-untyped-def]
    for seed in (0, simulations.MAX_SEED):
        with transaction(engine) as s:
            job = simulations.start_trial(s, people.clinician, ["placebo"], 2, 1, seed)
        simulations._jobs[job][3].result(timeout=120)
        st = simulations.trial_status(people.clinician, job)
        assert st["status"] == "done", st
        assert st["result"]["seed"] == seed and st["result"]["kept"] == 2


def test_the_page_refuses_a_negative_seed_and_marks_the_field(client, people) -> None:  # type: ignore[no-untyped-def]
    from tests.safety.test_attacks import login_page
    from tests.web.test_refused_form_fields import _csrf, marked

    login_page(client, "linked@clinic.example.org")
    page = client.get("/clinic/simulator")
    assert 'name="seed" value="1" min="0"' in page.text
    r = client.post("/clinic/simulator", data={"csrf_token": _csrf(page.text), "arm": "placebo", "patients": "2",
                                               "weeks": "1", "seed": "-1"}, follow_redirects=False)
    assert r.status_code == 422, (r.status_code, r.headers.get("location"))
    assert "Seed: expected a whole number from 0 to" in r.text
    assert marked(r.text, "/clinic/simulator") == {"seed": "simulator-error"}
