"""Mixed load (issue 9, item 8): 100 simulated users, 70 % reads and 30 % diary writes, against
uvicorn with 2 workers on PostgreSQL for 60 s.

Each simulated user is a closed loop with its own account and bearer token: think (exponential,
mean ``--think`` seconds), then one request — a read (70 %: its diary of the last 30 days, its
trends chart data for 4 weeks, or its account, in equal parts) or a diary write (30 %: PUT of
one of the last 365 days, so both new days and replaced ones). Printed: throughput, p50/p99
latency of reads, writes and all requests, errors (must be 0: the run exits 1 otherwise), and
the peak resident memory of the server's processes and of this client. The baseline, measured
in the same run on the same server, is the same users asking ``GET /healthz`` (no database, no
token) for a few seconds; latencies are also printed as ratios to it.

Bounded: users, seconds and requests are capped (``--max-requests``); traffic goes only to
127.0.0.1. Not part of the test suite (``make bench`` runs ``--quick``: 20 users for 10 s).

    python -m bench.load [--quick] [--users 100] [--seconds 60] [--workers 2] [--database postgresql|sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

PASSWORD = "bench load password 1"


def pct(xs: list[float], q: float) -> float:
    """The q-quantile of latencies in seconds, as milliseconds (nearest rank)."""
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] * 1000


def tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants (Linux /proc), in MiB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            ppid, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = pages
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total * os.sysconf("SC_PAGE_SIZE") / 2**20


class PeakMemory:
    """Samples the server's process tree every 0.25 s in a thread; ``peak`` in MiB."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_mib(self.pid))
            self._stop.wait(0.25)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join(5)
        return self.peak


async def make_users(client: httpx.AsyncClient, n: int) -> list[dict[str, str]]:
    """n patient accounts (the API's own registration), each with a bearer token."""
    sem = asyncio.Semaphore(4)  # password hashing is the slow part; the server hashes two at a time
    run = random.randrange(10**9)

    async def one(k: int) -> dict[str, str]:
        email = f"load{k}-{run}@example.org"
        async with sem:
            r = await client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
            if r.status_code != 201:
                raise RuntimeError(f"register: {r.status_code} {r.text[:200]}")
            r = await client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
            if r.status_code != 200:
                raise RuntimeError(f"token: {r.status_code} {r.text[:200]}")
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    return list(await asyncio.gather(*(one(k) for k in range(n))))


async def drive(client: httpx.AsyncClient, tokens: list[dict[str, str]], seconds: float, think: float,
                max_requests: int, read_share: float, healthz_only: bool = False, seed: int = 0) -> dict:
    """Every user loops until the time or the request cap is used up; returns latencies and errors."""
    lat: dict[str, list[float]] = {"diary": [], "trends": [], "me": [], "write": [], "healthz": []}
    errors: list[str] = []
    sent = [0]
    today = dt.date.today()
    deadline = time.perf_counter() + seconds

    async def user(u: int) -> None:
        rng = random.Random(seed * 100_003 + u)
        headers = tokens[u]
        while True:
            await asyncio.sleep(rng.expovariate(1 / think) if think > 0 else 0)
            if time.perf_counter() >= deadline or sent[0] >= max_requests:
                return
            sent[0] += 1
            if healthz_only:
                kind, call = "healthz", client.get("/healthz")
            elif rng.random() < read_share:
                kind = ("diary", "trends", "me")[rng.randrange(3)]
                if kind == "diary":
                    call = client.get("/api/v1/me/diary", headers=headers,
                                      params={"start": str(today - dt.timedelta(days=29)), "end": str(today)})
                elif kind == "trends":
                    call = client.get("/api/v1/me/trends", params={"weeks": 4}, headers=headers)
                else:
                    call = client.get("/api/v1/me", headers=headers)
            else:
                kind = "write"
                day = today - dt.timedelta(days=rng.randrange(365))
                body = {"itch": rng.randrange(11), "sleep_loss": rng.randrange(11), "flare": rng.random() < 0.1,
                        "factors": {"food.dairy": rng.randrange(2), "env.pollen": float(rng.randrange(200))}}
                call = client.put(f"/api/v1/me/diary/{day}", json=body, headers=headers)
            t = time.perf_counter()
            try:
                r = await call
                if r.status_code >= 400:
                    errors.append(f"{kind} {r.status_code} {r.text[:120]}")
            except httpx.HTTPError as exc:
                errors.append(f"{kind} {type(exc).__name__}")
            lat[kind].append(time.perf_counter() - t)

    t0 = time.perf_counter()
    await asyncio.gather(*(user(u) for u in range(len(tokens))))
    return {"lat": lat, "errors": errors, "elapsed": time.perf_counter() - t0}


async def run(base: str, server_pid: int, args: argparse.Namespace) -> bool:
    limits = httpx.Limits(max_connections=args.users, max_keepalive_connections=args.users)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        t = time.perf_counter()
        tokens = await make_users(client, args.users)
        print(f"  {args.users} users registered and signed in in {time.perf_counter() - t:.1f} s")
        base_secs = min(10.0, args.seconds / 4)
        hz = await drive(client, tokens, base_secs, args.think, args.max_requests, 1.0, healthz_only=True, seed=1)
        hz_lat = hz["lat"]["healthz"]
        mem = PeakMemory(server_pid)
        res = await drive(client, tokens, args.seconds, args.think, args.max_requests, args.read_share, seed=2)
        peak = mem.stop()
    reads = res["lat"]["diary"] + res["lat"]["trends"] + res["lat"]["me"]
    writes = res["lat"]["write"]
    both = reads + writes
    hz50, hz99 = pct(hz_lat, .5), pct(hz_lat, .99)
    print(f"  baseline GET /healthz, same users, {base_secs:.0f} s: {len(hz_lat) / hz['elapsed']:.0f} req/s, "
          f"p50 {hz50:.1f} ms p99 {hz99:.1f} ms; errors {len(hz['errors'])}")
    print(f"  mixed load, {args.seconds:.0f} s: {len(both)} requests ({len(reads)} reads, {len(writes)} writes: "
          f"{100 * len(reads) / max(1, len(both)):.0f} % reads), {len(both) / res['elapsed']:.0f} req/s")
    parts = [("reads", reads), ("  GET /me/diary", res["lat"]["diary"]), ("  GET /me/trends", res["lat"]["trends"]),
             ("  GET /me", res["lat"]["me"]), ("writes", writes), ("all", both)]
    for name, xs in parts:
        print(f"    {name:16s} p50 {pct(xs, .5):6.1f} ms  p99 {pct(xs, .99):6.1f} ms   "
              f"(x {pct(xs, .5) / hz50:.1f} / x {pct(xs, .99) / hz99:.1f} the healthz p50 / p99)")
    client_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  errors: {len(res['errors'])} (must be 0); peak memory: server processes {peak:.0f} MiB, "
          f"this client {client_mib:.0f} MiB")
    for e in res["errors"][:5]:
        print(f"    {e}")
    return not res["errors"] and not hz["errors"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="20 users for 10 s (a smoke run)")
    ap.add_argument("--users", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--think", type=float, default=1.0, help="mean think time between a user's requests (s)")
    ap.add_argument("--read-share", type=float, default=0.7)
    ap.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    ap.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    ap.add_argument("--max-requests", type=int, default=100_000, help="hard cap on requests per phase")
    args = ap.parse_args()
    if args.quick:
        args.users, args.seconds = 20, 10.0
    if not (1 <= args.users <= 500 and 1 <= args.seconds <= 600 and 0 <= args.read_share <= 1):
        ap.error("--users 1-500, --seconds 1-600, --read-share 0-1")
    workers = 1 if args.database == "sqlite" else args.workers  # SQLite: one writer process (README)
    from e2e.conftest import Server  # the same server harness as the end-to-end tests

    from bench.import_diary import fresh_db

    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}; {args.database}, uvicorn workers "
          f"{workers}; {args.users} users, think time mean {args.think} s, {args.read_share:.0%} reads; "
          "client and server share the machine")
    with tempfile.TemporaryDirectory() as d:
        url, drop = fresh_db(args.database, Path(d))
        srv = Server(url, workers=workers)
        try:
            ok = asyncio.run(run(srv.base, srv.proc.pid, args))
        finally:
            srv.stop()
            drop()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
