"""Waiting for insights cannot take every worker thread (third security review).

``GET /api/v1/me/insights?wait=10`` holds one of the server's worker threads until the result
is computed; a patient firing 40 of them at once (while a big diary computes) left no thread for
anybody else for 10 s. At most ``MAX_WAITERS`` requests wait; the rest answer "computing" at
once."""

from __future__ import annotations

import threading
import time

from gutskin.clinic import insights
from gutskin.clinic.insights import MAX_WAITERS
from tests.conftest import bearer


def test_only_a_few_requests_wait_for_insights_at_once(client, people) -> None:
    h = bearer(client, "owner@example.org")
    for day in range(1, 15):
        client.put(f"/api/v1/me/diary/2026-10-{day:02d}", json={"itch": day % 10, "factors": {"food.egg": day % 2}}, headers=h)
    busy = threading.Event()
    for _ in range(insights.WORKERS):  # every insights worker is busy: the owner's result stays "computing"
        insights._pool.submit(busy.wait, 30)
    try:
        assert client.get("/api/v1/me/insights", headers=h).json()["status"] == "computing"
        n = MAX_WAITERS + 8
        answers: list[str] = []
        start = threading.Barrier(n)

        def ask() -> None:
            start.wait()
            answers.append(client.get("/api/v1/me/insights?wait=10", headers=h).json()["status"])

        threads = [threading.Thread(target=ask) for _ in range(n)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 8
        while len(answers) < n - MAX_WAITERS and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)
        # before: all of them were still waiting here
        assert sorted(answers) == ["computing"] * (n - MAX_WAITERS), answers
        assert sum(t.is_alive() for t in threads) == MAX_WAITERS
    finally:
        busy.set()
    for t in threads:
        t.join(30)
    assert len(answers) == n and answers.count("computing") == n - MAX_WAITERS, answers  # the waiters got the result
