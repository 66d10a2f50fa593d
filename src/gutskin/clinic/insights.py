"""A patient's triggers and 7-day forecast, computed off the request path and cached.

The result is cached per patient and keyed by the diary's version (number of days and the
latest change), so any write invalidates it. A computation that fails (a bug) is logged and
cached as ``{"status": "failed"}`` for that version, so the page stops polling and says so;
the next diary write tries again. On a miss the computation is queued on a small
worker pool and the caller gets ``{"status": "computing"}`` at once; the page polls until the
result is there (DESIGN: no heavy work on the request path). The cache lives in the web
process; with several processes each warms its own (documented limit).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gutskin.clinic import audit
from gutskin.clinic.access import patient_for_read
from gutskin.clinic.actors import Actor
from gutskin.clinic.frames import diary_frame
from gutskin.store.models import DiaryDay, Patient

MIN_DAYS = 14
FAILED = {"status": "failed", "reason": "the insights could not be computed for this diary"}
_log = logging.getLogger(__name__)

# re-entrant: a computation that finished before add_done_callback runs its callback (which
# takes the lock) at once, in the thread that already holds it
_lock = threading.RLock()
_cache: dict[int, tuple[tuple, dict[str, Any]]] = {}
_pending: dict[int, tuple[tuple, Future]] = {}
_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gutskin-insights")


def _version(session: Session, patient_id: int) -> tuple:
    n, last = session.execute(
        select(func.count(), func.max(DiaryDay.updated_at)).where(DiaryDay.patient_id == patient_id)
    ).one()
    return (int(n or 0), str(last))


def _compute(frame, external_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from gutskin.insights import patient_insights

    try:
        return {"status": "ready", **patient_insights(frame, external_id, horizon=7)}
    except ValueError as exc:
        return {"status": "not_enough_data", "reason": str(exc)}


def insights_for(session: Session, actor: Actor, patient_id: int) -> dict[str, Any]:
    """Triggers and forecast for a patient the actor may read; ``{"status": "computing"}`` while queued.

    Never waits: a caller that wants to wait for a queued result calls :func:`settle` after
    its transaction ended (on SQLite a transaction holds the database's only write lock, so
    waiting inside one would stall every diary write meanwhile).
    """
    patient = patient_for_read(session, actor, patient_id)
    audit.record(session, actor, patient_id, "read", "insights")
    version = _version(session, patient_id)
    if version[0] < MIN_DAYS:
        return {"status": "not_enough_data", "days": version[0], "needed_days": MIN_DAYS,
                "reason": f"{MIN_DAYS} logged days are needed before triggers and forecasts make sense"}
    with _lock:
        hit = _cache.get(patient_id)
        if hit is not None and hit[0] == version:
            return hit[1]
        pend = _pending.get(patient_id)
        if pend is not None and pend[0] == version and pend[1].done() and not pend[1].cancelled():
            # finished, but its done-callback has not filed it yet
            return FAILED if pend[1].exception() is not None else pend[1].result()
        if pend is None or pend[0] != version:
            frame = diary_frame(session, [patient_id])
            fut = _pool.submit(_compute, frame, _external_id(patient))
            _pending[patient_id] = (version, fut)

            def done(f: Future, pid: int = patient_id, v: tuple = version) -> None:
                failed = None if f.cancelled() else f.exception()
                if failed is not None:  # a bug, not bad data: logged, and the page says so instead of polling on
                    _log.error("insights for patient %s failed", pid, exc_info=failed)
                with _lock:
                    if not f.cancelled():
                        _cache[pid] = (v, f.result() if failed is None else FAILED)
                    if _pending.get(pid, (None,))[0] == v:
                        _pending.pop(pid, None)

            fut.add_done_callback(done)
        hit = _cache.get(patient_id)
        if hit is not None and hit[0] == version:  # finished while we were queueing
            return hit[1]
    return {"status": "computing"}


MAX_WAITERS = 4
"""Requests that may wait for a result at once (each holds one of the server's worker threads:
40 parallel ``wait=10`` calls stalled every other request for 10 s). Others answer at once."""
_waiters = threading.BoundedSemaphore(MAX_WAITERS)


def settle(patient_id: int, result: dict[str, Any], wait: float) -> dict[str, Any]:
    """``result`` if it is final; if it says "computing", wait up to ``wait`` seconds for it
    (unless :data:`MAX_WAITERS` requests are waiting already: then ``result`` at once).

    Call only with the answer of :func:`insights_for` for the same patient in the same request
    (that call authorized the reader), and only after that request's transaction ended.
    Returns the patient's newest finished result, or ``result`` unchanged on time-out.
    """
    if result.get("status") != "computing" or not wait > 0:
        return result
    with _lock:
        pend = _pending.get(patient_id)
    if pend is not None:
        if not _waiters.acquire(blocking=False):
            return result
        # the future's own value: its done-callback (which fills the cache) may not have run yet
        try:
            return pend[1].result(timeout=wait)
        except TimeoutError:
            return result
        except Exception:  # noqa: BLE001 - a failed computation (logged by its callback)
            return FAILED
        finally:
            _waiters.release()
    with _lock:
        hit = _cache.get(patient_id)
    return hit[1] if hit is not None else result


def _external_id(patient: Patient) -> str:
    return patient.external_id


def clear_cache() -> None:
    with _lock:
        _cache.clear()
        _pending.clear()
