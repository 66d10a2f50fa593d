"""Deterministic interleavings for race tests: wait until a racing thread is blocked on a lock."""

from __future__ import annotations

import threading
import time

from sqlalchemy import text


def until_waiting_or_done(engine, racer: threading.Thread) -> None:  # type: ignore[no-untyped-def]
    """Until the racer waits on a row lock (PostgreSQL) or has finished without waiting (the old
    code, which took no lock); SQLite's racer waits at BEGIN IMMEDIATE whenever it starts, so the
    interleaving holds by itself there."""
    if engine.dialect.name != "postgresql":
        return
    end = time.monotonic() + 15
    with engine.connect() as conn:
        while time.monotonic() < end and racer.is_alive():
            if conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                 "AND datname = current_database()")).scalar_one():
                return
            conn.rollback()
            time.sleep(0.02)
