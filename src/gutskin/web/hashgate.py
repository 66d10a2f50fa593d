"""Sign-ins and registrations wait for a password-hash slot without holding a worker thread
(fourth security review).

A password check is argon2id: ~64 MiB and tens of milliseconds of a core, and at most
:data:`gutskin.clinic.passwords.HASH_SLOTS` run at once per process. The sign-in and register
handlers used to wait for that slot *inside* a worker thread of the server's one thread pool
(40 threads, shared by every request that touches the database). Found live: one anonymous
client sending 100 parallel sign-ins with made-up addresses (each costs a real argon2 check; the
per-(email, network) limit never counts two alike) held all 40 threads, and a patient's diary
read took 13 s instead of 14 ms.

Now those handlers first wait here, in the event loop, for one of ``HASH_SLOTS`` places; only
then do they take a thread. A waiting request costs a coroutine, not a thread, so the rest of the
app keeps its threads. Beyond :data:`MAX_QUEUED` waiting requests the next one is answered at
once with ``RateLimited`` (429, "busy"), so a flood cannot pile up memory either.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool

from gutskin.clinic.errors import RateLimited, try_again_in
from gutskin.clinic.passwords import HASH_SLOTS

T = TypeVar("T")

MAX_QUEUED = 200
"""Requests that may wait for a hash slot at once (per process); more are refused at once."""

BUSY_RETRY_SECONDS = 5
"""``Retry-After`` of the "busy" 429 (2026-12-07; it had none): a full queue of 200 checks at tens of
milliseconds each on 2 slots drains in a few seconds, so a short fixed wait is honest enough; no
count in the database stands behind this refusal, so nothing longer needs waiting out."""

_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[asyncio.Semaphore, list[int]]] = weakref.WeakKeyDictionary()


def _gate() -> tuple[asyncio.Semaphore, list[int]]:
    """The semaphore of the running event loop (a test client runs its own loop) and its queue length."""
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = (asyncio.Semaphore(HASH_SLOTS), [0])
    return gate


async def run(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a worker thread once a hash slot is free; ``RateLimited`` when too many wait."""
    sem, queued = _gate()
    if queued[0] >= MAX_QUEUED:
        raise RateLimited(f"the server is busy; {try_again_in(BUSY_RETRY_SECONDS)}", retry_after=BUSY_RETRY_SECONDS)
    queued[0] += 1
    try:
        await sem.acquire()
    finally:
        queued[0] -= 1
    try:
        return await run_in_threadpool(fn, *args)
    finally:
        sem.release()
