"""One clinician cannot fill the simulator's queue (fourth security review).

Simulations run on one worker thread shared by every clinician (a 300-patient, 52-week run of
every arm takes ~8 s on this machine). Found by attacking the page: a clinician posting the
simulator form in a loop queued as many runs as they liked, and every other clinician's run
waited behind all of them. Now a clinician has at most
``simulations.MAX_UNFINISHED_PER_CLINICIAN`` runs queued or running; the next is a 429 naming why,
and other clinicians still start theirs.

The worker is held busy by a task of the test's own on the simulator's pool (a gate it opens at
the end), so the runs stay queued for as long as the test needs, whatever the machine's speed.
"""

from __future__ import annotations

import threading
import time

from fastapi.testclient import TestClient

from gutskin.clinic import simulations
from gutskin.settings import Settings
from gutskin.store.db import get_engine
from tests.conftest import TEST_SECRET, People
from tests.safety.matrix_setup import build_world

FORM = {"arm": "placebo", "patients": "2", "weeks": "1"}


def _start(c: TestClient, world, persona: str):  # type: ignore[no-untyped-def]
    c.cookies.clear()
    c.cookies.set("gutskin_session", world.cookies[persona])
    return c.post("/clinic/simulator", data={**FORM, "csrf_token": world.csrf[persona]})


def test_a_clinician_has_at_most_two_runs_waiting(sqlite_url: str) -> None:
    from gutskin.web import create_app

    settings = Settings(database_url=sqlite_url, secret_key=TEST_SECRET, env="test")
    engine = get_engine(sqlite_url)
    world = build_world(engine, People(engine), settings, with_challenge=False)
    deadline = time.time() + 60
    while simulations.trial_status(world.actor("clinician_linked"), world.ids["job"])["status"] == "running":
        assert time.time() < deadline  # the world's own run (matrix_setup) ends first
        time.sleep(0.05)
    gate = threading.Event()
    busy = simulations._pool.submit(gate.wait, 60)  # the one worker is taken until the gate opens
    try:
        with TestClient(create_app(settings), follow_redirects=False) as c:
            first = [_start(c, world, "clinician_linked") for _ in range(2)]  # MAX_UNFINISHED_PER_CLINICIAN
            assert [r.status_code for r in first] == [303] * len(first), [r.text[:200] for r in first]
            refused = [_start(c, world, "clinician_linked") for _ in range(5)]
            assert {r.status_code for r in refused} == {429}
            assert "still running" in refused[0].text and 'role="alert"' in refused[0].text
            # another clinician's run is still taken
            assert _start(c, world, "clinician_unlinked").status_code == 303
            gate.set()
            busy.result(timeout=60)
            deadline = time.time() + 60
            for r in first:  # the queued runs finish, and then the clinician may start again
                job = r.headers["location"].rsplit("/", 1)[1]
                while simulations.trial_status(world.actor("clinician_linked"), job)["status"] == "running":
                    assert time.time() < deadline
                    time.sleep(0.05)
            assert _start(c, world, "clinician_linked").status_code == 303
    finally:
        gate.set()
