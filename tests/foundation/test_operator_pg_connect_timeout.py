"""A PostgreSQL server that accepts the connection and never answers (a host going down, a
firewall, a stuck server) costs a request at most the connect timeout, not for ever.

Found by the IT-operator review: libpq's default connect timeout is none, so with the database
host unreachable each request waited on its connection attempt indefinitely and took a worker
thread with it. Engines now pass ``connect_timeout`` (``gutskin.store.db.PG_CONNECT_TIMEOUT_SECONDS``,
10 s) unless the URL gives one; the request then fails as "database unavailable" (503).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time

CONNECT = """
import sys, time
from sqlalchemy.exc import OperationalError
from gutskin.store.db import get_engine
t0 = time.monotonic()
try:
    with get_engine(sys.argv[1]).connect():
        pass
except OperationalError as exc:
    print(f"{time.monotonic() - t0:.1f}", type(exc.orig).__name__)
"""


def _silent_server() -> socket.socket:
    """A listening socket nobody ever reads: the kernel completes the TCP handshake, the
    PostgreSQL start-up message is never answered."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    return srv


def _connect(url: str) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run([sys.executable, "-c", CONNECT, url], capture_output=True, text=True, timeout=45)
    except subprocess.TimeoutExpired:
        return None


def test_a_silent_postgresql_server_fails_within_the_connect_timeout() -> None:
    srv = _silent_server()
    try:
        port = srv.getsockname()[1]
        t0 = time.monotonic()
        r = _connect(f"postgresql://gutskin@127.0.0.1:{port}/gutskin")
        assert r is not None, f"still waiting for the database after {time.monotonic() - t0:.0f} s"
        seconds, error = r.stdout.split()
        assert 5 <= float(seconds) <= 25 and error in ("OperationalError", "ConnectionTimeout"), r.stdout + r.stderr
        quick = _connect(f"postgresql://gutskin@127.0.0.1:{port}/gutskin?connect_timeout=2")  # the URL's own wins
        assert quick is not None and float(quick.stdout.split()[0]) <= 5, quick
    finally:
        srv.close()
