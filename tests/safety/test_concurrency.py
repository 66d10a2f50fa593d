"""Concurrent requests against a real server: no 5xx, no lost or duplicated rows (SQLite and PostgreSQL)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.e2e.conftest import Server


def test_concurrent_writes_to_the_same_and_different_days(db_url: str) -> None:
    srv = Server(db_url)
    try:
        base = srv.base
        httpx.post(base + "/api/v1/auth/register", json={"email": "c@example.org", "password": "concurrency pw 1"})
        tok = httpx.post(base + "/api/v1/auth/token", json={"email": "c@example.org", "password": "concurrency pw 1"}).json()
        h = {"Authorization": f"Bearer {tok['access_token']}"}

        def put(i: int) -> int:
            day = "2026-03-01" if i % 2 else f"2026-04-{1 + i // 2:02d}"
            body = {"itch": i % 11, "factors": {"food.egg": i % 2, f"food.custom_{i % 3}": 1}}
            return httpx.put(f"{base}/api/v1/me/diary/{day}", json=body, headers=h, timeout=30).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(put, range(40)))
        assert statuses == [200] * 40
        days = httpx.get(base + "/api/v1/me/diary", headers=h).json()
        assert len(days) == 21  # 20 distinct April days + the contested March day, once
        march = next(d for d in days if d["date"] == "2026-03-01")
        writers = {(i % 11, f"food.custom_{i % 3}") for i in range(1, 40, 2)}
        custom = [k for k in march["factors"] if k.startswith("food.custom")]
        assert len(custom) == 1 and (march["itch"], custom[0]) in writers
        assert march["factors"]["food.egg"] == 1.0 and len(march["factors"]) == 2  # one writer won, whole
    finally:
        srv.stop()


def test_server_logs_carry_no_health_values(sqlite_url: str) -> None:
    """Diary values, notes and emails never reach the server's log output."""
    srv = Server(sqlite_url)
    try:
        base = srv.base
        httpx.post(base + "/api/v1/auth/register", json={"email": "logs@example.org", "password": "log test pw 12"})
        tok = httpx.post(base + "/api/v1/auth/token", json={"email": "logs@example.org", "password": "log test pw 12"}).json()
        h = {"Authorization": f"Bearer {tok['access_token']}"}
        body = {"itch": 9, "notes": "SECRET-NOTE-4711", "factors": {"food.secret_food": 3}}
        assert httpx.put(base + "/api/v1/me/diary/2026-05-05", json=body, headers=h).status_code == 200
        assert httpx.put(base + "/api/v1/me/diary/2026-05-06", json={"itch": 987654}, headers=h).status_code == 422
    finally:
        srv.stop()
    output = srv.proc.stdout.read() if srv.proc.stdout else ""
    # 987654 cannot be part of a port number (<= 65535), so a hit means the rejected value leaked.
    for secret in ("SECRET-NOTE-4711", "secret_food", "logs@example.org", '"itch": 9', "987654"):
        assert secret not in output, secret
