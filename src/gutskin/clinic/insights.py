"""A patient's triggers and 7-day forecast, computed off the request path and cached.

The result is cached per patient and keyed by the diary's version (number of days and the
latest change), so any write invalidates it. A computation that fails (a bug) is logged and
cached as ``{"status": "failed"}`` for that version, so the page stops polling and says so;
the next diary write tries again. On a miss the caller gets ``{"status": "computing"}`` at
once and the patient's job is queued on a pool of :data:`WORKERS` threads
(``GUTSKIN_INSIGHTS_WORKERS``, default 2); the page polls until the result is there (DESIGN:
no heavy work on the request path). The cache lives in the web process; with several
processes each warms its own (documented limit).

Fairness (docs/insights.md, "In the product"): a patient has at most one job, queued or
running, so one patient holds at most one worker and one place in the queue, however often
they write or poll; a job reads the diary when it starts (a write while it is queued is in its
result), in its own short read-only transaction (on SQLite a deferred snapshot that never
blocks a writer), and only the last :data:`MAX_DAYS` days before the last entry
(``GUTSKIN_INSIGHTS_MAX_DAYS``, default 5 years), so one job's cost is bounded. A write while
the job runs (seen by a read of the insights meanwhile) makes the job run exactly once more,
at the back of the queue, when it ends; a result is always filed under the version it was
computed from, so an older one is never served as the current one.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from gutskin.clinic import audit
from gutskin.clinic.access import patient_for_read
from gutskin.clinic.actors import Actor
from gutskin.clinic.frames import diary_frame
from gutskin.settings import get_settings
from gutskin.store.models import DiaryDay, Patient

MIN_DAYS = 14
FAILED = {"status": "failed", "reason": "the insights could not be computed for this diary"}
WORKERS = max(1, get_settings().insights_workers)
"""Threads computing insights; one patient's job occupies at most one of them."""
MAX_DAYS = get_settings().insights_max_days
"""A job reads the days from ``last entry - MAX_DAYS + 1`` on (0 or less: the whole diary)."""
_log = logging.getLogger(__name__)

_lock = threading.RLock()
_changed = threading.Condition(_lock)  # notified when a job has read its diary version and when it ends
_cache: dict[int, tuple[tuple, dict[str, Any]]] = {}
_computed: Counter[int] = Counter()  # results computed per patient (monitoring, tests)


class _Job:
    """One patient's queued or running computation: at most one per patient (:data:`_jobs`)."""

    __slots__ = ("again", "dropped", "engine", "patient_id", "started", "version")

    def __init__(self, patient_id: int, engine: Engine) -> None:
        self.patient_id = patient_id
        self.engine = engine
        self.started = False  # taken by a worker (its snapshot is read after this is set)
        self.version: tuple | None = None  # the version it read
        self.again = False  # a newer version was asked for while it ran: run once more
        self.dropped = False  # the profile was deleted (:func:`forget`): its result is not filed


#: execution options of a job's read: a snapshot that blocks no writer (SQLite: deferred BEGIN in
#: WAL mode, gutskin.store.db; PostgreSQL: one snapshot for the whole transaction)
_SNAPSHOT = {"sqlite": {"snapshot_read": True}, "postgresql": {"isolation_level": "REPEATABLE READ"}}

_jobs: dict[int, _Job] = {}
_active: set[_Job] = set()  # queued or running, including jobs forgotten by clear_cache
_pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="gutskin-insights")


def _version(session: Session, patient_id: int) -> tuple:
    n, last = session.execute(
        select(func.count(), func.max(DiaryDay.updated_at)).where(DiaryDay.patient_id == patient_id)
    ).one()
    return (int(n or 0), str(last))


def _window_start(session: Session, patient_id: int) -> dt.date | None:
    last = session.scalar(select(func.max(DiaryDay.day)).where(DiaryDay.patient_id == patient_id))
    if last is None or MAX_DAYS <= 0:
        return None
    return last - dt.timedelta(days=MAX_DAYS - 1)


def _run(job: _Job) -> None:
    """A worker: read the diary in a short read-only transaction, compute outside it, file the
    result under the version read; then run once more if asked to, else end the job."""
    pid = job.patient_id
    with _lock:
        if job.dropped:  # queued for a profile deleted since (:func:`forget`)
            _active.discard(job)
            _changed.notify_all()
            return
        job.started, job.again, job.version = True, False, None
    version: tuple | None = None
    result: dict[str, Any] | None = None
    fresh = False
    try:
        with Session(job.engine.execution_options(**_SNAPSHOT.get(job.engine.dialect.name, {}))) as s, s.begin():
            version = _version(s, pid)
            with _lock:
                job.version = version
                hit = _cache.get(pid)
                fresh = hit is not None and hit[0] == version  # a repeat run after no change
                _changed.notify_all()
            if not fresh:
                frame = diary_frame(s, [pid], since=_window_start(s, pid))
                external_id = s.scalar(select(Patient.external_id).where(Patient.id == pid))
    except Exception:  # the database (not this diary): nothing is filed, the next read tries again
        _log.error("insights for patient %s: the diary could not be read", pid, exc_info=True)
        version, result = None, FAILED
    else:
        if not fresh:
            try:
                result = _compute(frame, str(external_id))
            except Exception:  # a bug, not bad data: logged, and the page says so instead of polling on
                _log.error("insights for patient %s failed", pid, exc_info=True)
                result = FAILED
    with _lock:
        if job.dropped:  # the profile was deleted meanwhile: nothing of it is kept, no run again
            result, job.again = None, False
        if result is not None:
            if version is not None:
                _cache[pid] = (version, result)
                _computed[pid] += 1
            else:  # the diary could not be read: no answer is kept, the next read queues a job again
                _cache.pop(pid, None)
        if job.again and _jobs.get(pid) is job:
            job.started, job.version = False, None
            try:
                _pool.submit(_run, job)  # at the back of the queue: the others waiting go first
                return
            except RuntimeError:  # the pool is shutting down
                pass
        if _jobs.get(pid) is job:
            del _jobs[pid]
        _active.discard(job)
        _changed.notify_all()


def _compute(frame, external_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from gutskin.insights import patient_insights

    try:
        result = {"status": "ready", **patient_insights(frame, external_id, horizon=7)}
    except ValueError as exc:
        return {"status": "not_enough_data", "reason": str(exc)}
    # the last day with an itch score: a forecast runs from the last diary row, which can hold foods
    # only; after months without a score it shows the diary's usual itch, not today's (the pages say so)
    for column, key in (("itch", "last_itch_day"), ("sleep_loss", "last_sleep_day")):
        scored = frame.loc[frame[column].notna(), "date"] if column in frame else []
        result[key] = str(scored.max())[:10] if len(scored) else None
    return result


def insights_for(session: Session, actor: Actor, patient_id: int, *, audit_pending: bool = True) -> dict[str, Any]:
    """Triggers and forecast for a patient the actor may read; ``{"status": "computing"}`` while queued.

    Never waits: a caller that wants to wait for a queued result calls :func:`settle` after
    its transaction ended (on SQLite a transaction holds the database's only write lock, so
    waiting inside one would stall every diary write meanwhile).

    Every answer that shows something is audited. ``audit_pending=False`` leaves out the audit row
    of a "computing" answer, which shows nothing: for the page's panel, which asks again every
    second until the result is there (a clinician's one look read "viewed triggers and forecast
    (24 times)" in the patient's access log; clinician walk, 2026-12-06). Callers that go on to
    :func:`settle` must keep the default: their "computing" may become the result.
    """
    patient_for_read(session, actor, patient_id)
    result = cached_or_queued(session, patient_id)
    if audit_pending or result.get("status") != "computing":
        audit.record(session, actor, patient_id, "read", "insights")
    return result


def cached_or_queued(session: Session, patient_id: int) -> dict[str, Any]:
    """The cached result, "not enough data", or "computing" with the job queued.

    Neither authorized nor audited: only for :func:`insights_for`, which does both, and for
    warming the cache without anyone reading (tests that must not leave audit rows)."""
    version = _version(session, patient_id)
    # days with an itch score, not diary rows: both models read itch, and a day of foods only
    # (the diary's slider records nothing unless touched) gave a forecast fitted to a few scores
    scored = int(session.scalar(select(func.count(DiaryDay.itch)).where(DiaryDay.patient_id == patient_id)) or 0)
    if scored < MIN_DAYS:
        return {"status": "not_enough_data", "days": scored, "logged_days": version[0], "needed_days": MIN_DAYS,
                "reason": f"{MIN_DAYS} days with an itch score are needed before triggers and forecasts make sense"}
    with _lock:
        hit = _cache.get(patient_id)
        if hit is not None and hit[0] == version:
            return hit[1]
        job = _jobs.get(patient_id)
        if job is None:  # queue it; it reads the diary when a worker takes it
            job = _jobs[patient_id] = _Job(patient_id, session.get_bind().engine)
            _active.add(job)
            try:
                _pool.submit(_run, job)
            except RuntimeError:  # the pool is shutting down
                del _jobs[patient_id]
                _active.discard(job)
                raise
        elif job.started and job.version != version:
            job.again = True  # it runs on older days (or has not read them yet): once more after it
        # else: queued (it will read this version) or running on it
    return {"status": "computing"}


def forecast_is_past(origin: object, today: dt.date) -> bool:
    """The forecast runs from the last diary day (``origin``): when its first day is before
    ``today``, "the next 7 days" names days already past (the page, the API and their what-if)."""
    return bool(origin) and dt.date.fromisoformat(str(origin)[:10]) + dt.timedelta(days=1) < today


_NEXT_DAYS = re.compile(r"every day of the next (\d+) days: chance of a bad day")


def worded_for(result: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """``result`` with its what-if sentences true on ``today``: after a diary gap "every day of
    the next 7 days" becomes "every day of the 7 days after the last entry" (the cached result is
    per diary version, not per day, so the words are chosen when it is served; the cache is not
    changed). The one rule for the insights page and the API (2026-12-06: the API said "the next
    7 days" for a diary last written months ago, the page already did not)."""
    if not result.get("what_if") or not forecast_is_past((result.get("forecast") or {}).get("origin"), today):
        return result
    after = r"every day of the \1 days after the last entry: chance of a bad day"
    return {**result, "what_if": [{**w, "sentence": _NEXT_DAYS.sub(after, str(w.get("sentence", "")), count=1)}
                                  for w in result["what_if"]]}


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
        job = _jobs.get(patient_id)
        if job is None:  # finished meanwhile
            hit = _cache.get(patient_id)
            return hit[1] if hit is not None else result
    if not _waiters.acquire(blocking=False):
        return result
    try:
        with _changed:  # until the job (and its one repeat, if asked for) has ended
            if not _changed.wait_for(lambda: _jobs.get(patient_id) is not job, timeout=wait):
                return result
            hit = _cache.get(patient_id)
            return hit[1] if hit is not None else result
    finally:
        _waiters.release()


def jobs() -> dict[int, str]:
    """The patients with a job now: patient id -> "queued", or "running" once the job has read
    which diary version it computes (monitoring, tests)."""
    with _lock:
        return {pid: "running" if job.version is not None else "queued" for pid, job in _jobs.items()}


def computed(patient_id: int) -> int:
    """How many results were computed for the patient in this process (monitoring, tests)."""
    with _lock:
        return _computed[patient_id]


def idle(timeout: float) -> bool:
    """Wait up to ``timeout`` s until no job is queued or running; True if none is."""
    with _changed:
        return _changed.wait_for(lambda: not _active, timeout=timeout)


def forget(patient_ids: list[int] | set[int]) -> None:
    """A deleted profile's results, counts and job are dropped from this process at once (the
    results are health data derived from a diary that no longer exists); a job already running
    files nothing when it ends. Called after the deletion commits (``gutskin.clinic.accounts``).
    Other web processes keep theirs until they restart, unreachable: every read is authorized
    against the database first (a deleted profile is a 404), and ids are never reused."""
    with _lock:
        for pid in patient_ids:
            _cache.pop(pid, None)
            _computed.pop(pid, None)
            job = _jobs.pop(pid, None)
            if job is not None:
                job.dropped = True  # a worker that takes it later skips it
        _changed.notify_all()


def cached_patients() -> set[int]:
    """Patients with a result kept in this process (monitoring, tests)."""
    with _lock:
        return set(_cache)


def clear_cache() -> None:
    """Forget results and jobs (a job already running still files its result when it ends)."""
    with _lock:
        _cache.clear()
        _jobs.clear()
        _computed.clear()
        _changed.notify_all()
