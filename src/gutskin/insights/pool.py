"""Worker processes for the per-patient runs of the CLI (``gutskin forecast``, ``gutskin
evaluate forecast``): one task per patient, results in the tasks' order, so a run with worker
processes prints what a run without them prints (2026-12-07, docs/insights.md "Forward
chaining on a big file" and "Worker processes").

Tasks are read lazily (a chunk at a time): a run holds the tasks and results of the chunks in
flight, not of every patient.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

POOL_MIN_TASKS = 8  # fewer tasks than this are run in the calling process


def default_jobs() -> int:
    """The cores this process may use (``os.sched_getaffinity``, else ``os.cpu_count``)."""
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def ordered_map(
    fn: Callable[[Any], Any],
    tasks: Iterable[Any],
    n: int,
    jobs: int,
    progress=None,
    warm: Callable[[], None] | None = None,
) -> Iterator[Any]:
    """``fn(task)`` of each of the ``n`` tasks, yielded in the tasks' order. ``jobs`` > 1 (and at
    least :data:`POOL_MIN_TASKS` tasks) shares them out to that many forked worker processes in
    chunks (a chunk is one pickled message; ``fn`` must be a module-level function). ``warm``:
    called in this process before the workers are forked (compiled kernels loaded once).
    ``progress``: called as ``progress(done, n)`` as tasks finish. Errors of ``fn`` are raised
    here, in order; Ctrl-C (workers ignore it) and errors stop every worker at once."""
    if jobs <= 1 or n < POOL_MIN_TASKS:
        for i, task in enumerate(tasks):
            yield fn(task)
            if progress is not None:
                progress(i + 1, n)
        return
    import multiprocessing as mp

    size = max(1, min(50, n // (jobs * 8)))  # several chunks per worker: even finish, steady progress
    n_chunks = -(-n // size)
    it = iter(tasks)
    chunks = iter(lambda: list(itertools.islice(it, size)), [])
    if warm is not None:
        warm()
    # fork where it exists: the workers start with the compiled kernels and the tables already
    # in memory (spawn re-imports everything); the parent holds no threads or locks here
    methods = mp.get_all_start_methods()
    ctx = mp.get_context("fork" if "fork" in methods else None)
    done = 0
    pool = ctx.Pool(processes=min(jobs, n_chunks), initializer=_ignore_sigint)
    try:
        for results in pool.imap(functools.partial(_map_chunk, fn), chunks):
            for r in results:
                yield r
                done += 1
            if progress is not None:
                progress(done, n)
        pool.close()
    finally:  # done, an error or Ctrl-C: no worker outlives the run
        pool.terminate()
        pool.join()


def _map_chunk(fn, tasks) -> list:
    return [fn(task) for task in tasks]


def _ignore_sigint() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
