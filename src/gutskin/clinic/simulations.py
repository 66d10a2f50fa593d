"""In-silico treatment arms for clinicians and researchers (the gut–skin axis simulator).

Runs ``gutskin.axis`` trials as background jobs (never on the request path) and keeps the
results in memory of the web process for an hour; no patient data is involved.
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy.orm import Session

from gutskin.clinic import audit
from gutskin.clinic.access import require_role
from gutskin.clinic.actors import Actor
from gutskin.clinic.errors import InvalidInput, NotFound, RateLimited

MAX_PATIENTS = 300
MAX_WEEKS = 52
MAX_SEED = 2**63 - 1
KEEP_SECONDS = 3600
MAX_UNFINISHED_PER_CLINICIAN = 2
"""Simulations one clinician may have queued or running at once. They all share one worker
thread (a 300-patient, 52-week run of every arm takes ~8 s): before the fourth security review
one clinician could queue a hundred and every other clinician's run waited behind them."""

_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gutskin-sim")
_jobs: dict[str, tuple[int | None, float, dict[str, Any], Future]] = {}
_databases: dict[str, str] = {}  # job -> the database its clinician's account is in (ids repeat across databases)
_lock = threading.Lock()


def available_arms() -> list[str]:
    from gutskin.axis.skin import ARMS

    return list(ARMS)


def _run(arms: list[str], patients: int, weeks: int, seed: int) -> dict[str, Any]:
    from gutskin.axis.protocol import simulate_trial

    result = simulate_trial(arms, patients, weeks=weeks, seed=seed)
    return {"arms": result.summary(week=min(16, weeks)), "weeks": list(range(weeks + 1)),
            "patients": patients, "kept": result.n_kept, "seed": seed}


def start_trial(session: Session, actor: Actor, arms: list[str], patients: int, weeks: int, seed: int) -> str:
    require_role(actor, "clinician")
    known = available_arms()
    arms = [a.strip() for a in arms if a.strip()]
    if not arms:
        raise InvalidInput("arms: choose at least one arm")
    for a in arms:
        if a not in known:
            raise InvalidInput(f"arms: unknown arm {a!r}; expected one of {', '.join(known)}")
    if not 1 <= patients <= MAX_PATIENTS:
        raise InvalidInput(f"patients: expected 1-{MAX_PATIENTS}")
    if not 1 <= weeks <= MAX_WEEKS:
        raise InvalidInput(f"weeks: expected 1-{MAX_WEEKS}")
    if not 0 <= seed <= MAX_SEED:
        # a negative seed was queued, audited and held a rate-limit slot, then failed in the
        # worker with numpy's "expected non-negative integer" (2026-12-07)
        raise InvalidInput(f"seed: expected a whole number from 0 to {MAX_SEED}")
    job = uuid.uuid4().hex
    with _lock:
        now = time.time()
        for k in [k for k, v in _jobs.items() if now - v[1] > KEEP_SECONDS]:
            _jobs.pop(k, None)
        for k in [k for k in _databases if k not in _jobs]:
            _databases.pop(k, None)
        database = str(session.get_bind().engine.url)
        unfinished = sum(1 for k, (owner, _, _, fut) in _jobs.items()
                         if owner == actor.user_id and _databases.get(k) == database and not fut.done())
        if unfinished >= MAX_UNFINISHED_PER_CLINICIAN:
            raise RateLimited(f"simulations: {unfinished} of yours are still running; start another when one has finished")
        _databases[job] = database
        _jobs[job] = (actor.user_id, now, {"arms": arms, "patients": patients, "weeks": weeks, "seed": seed},
                      _pool.submit(_run, arms, patients, weeks, seed))
    audit.record(session, actor, None, "run", "simulation", job)
    return job


def trial_status(actor: Actor, job: str) -> dict[str, Any]:
    """``{"status": "running"|"done"|"failed", ...}``; another user's job is not found."""
    require_role(actor, "clinician")
    with _lock:
        entry = _jobs.get(job)
    if entry is None or entry[0] != actor.user_id:
        raise NotFound("simulation not found")
    _, _, request, fut = entry
    if not fut.done():
        return {"status": "running", "request": request}
    if fut.exception() is not None:
        return {"status": "failed", "request": request, "error": str(fut.exception())}
    return {"status": "done", "request": request, "result": fut.result()}
