"""Crash safety: SIGKILL the server mid-load; after a restart every acknowledged write is there."""

from __future__ import annotations

import datetime as dt
import os
import signal
import threading
import time

import httpx

from tests.e2e.conftest import Server

PASSWORD = "crash test password"


def test_acknowledged_writes_survive_sigkill(db_url: str) -> None:
    srv = Server(db_url)
    tokens = []
    for k in range(4):
        email = f"crash{k}@example.org"
        assert httpx.post(srv.base + "/api/v1/auth/register", json={"email": email, "password": PASSWORD}).status_code == 201
        tok = httpx.post(srv.base + "/api/v1/auth/token", json={"email": email, "password": PASSWORD}).json()
        tokens.append({"Authorization": f"Bearer {tok['access_token']}"})
    acked: list[tuple[int, str, int]] = []
    refused: list[int] = []
    lock = threading.Lock()
    stop = threading.Event()
    start = dt.date(2020, 1, 1)

    def writer(k: int) -> None:
        with httpx.Client(base_url=srv.base, headers=tokens[k], timeout=5) as c:
            for i in range(2000):  # bounded
                if stop.is_set():
                    return
                day = (start + dt.timedelta(days=i)).isoformat()
                itch = (i * 7 + k) % 11
                try:
                    r = c.put(f"/api/v1/me/diary/{day}", json={"itch": itch, "factors": {"food.egg": i % 2}})
                except httpx.HTTPError:
                    return  # the server died under us: this write was not acknowledged
                with lock:
                    if r.status_code == 200:
                        acked.append((k, day, itch))
                    else:
                        refused.append(r.status_code)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    deadline = time.time() + 30
    while len(acked) < 40 and time.time() < deadline:
        time.sleep(0.05)
    os.kill(srv.proc.pid, signal.SIGKILL)
    srv.proc.wait(10)
    stop.set()
    for t in threads:
        t.join(10)
    assert len(acked) >= 40, "the load did not get going before the kill"
    assert not refused, f"concurrent writes were refused before the kill: {refused[:10]}"

    restarted = Server(db_url)
    try:
        for k in range(4):
            days = httpx.get(restarted.base + "/api/v1/me/diary", headers=tokens[k]).json()
            stored = {d["date"]: d["itch"] for d in days}
            mine = [(day, itch) for kk, day, itch in acked if kk == k]
            missing = [(day, itch) for day, itch in mine if stored.get(day) != itch]
            assert not missing, f"acknowledged writes lost for writer {k}: {missing[:5]}"
    finally:
        restarted.stop()
