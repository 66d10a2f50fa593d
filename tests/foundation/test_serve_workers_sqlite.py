"""``gutskin serve --workers N`` (N > 1) on SQLite is refused in one line, exit 2, before the
database is touched (2026-12-06): it was accepted, and several processes writing one SQLite file
answer "database is locked" under load while each keeps its own caches. PostgreSQL still takes
any number of workers (docs/operations.md, "Workers and machines")."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

GUTSKIN = str(Path(sys.executable).with_name("gutskin"))
SECRET = "serve-workers-test-secret-" + "x" * 32


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(env: dict[str, str], *args: str) -> tuple[int | None, str, str, int]:
    """Start ``gutskin serve``; return (exit status or None if it kept serving, stdout, stderr, port).
    A server that keeps running is asked /healthz, then stopped (SIGTERM lets uvicorn stop its workers)."""
    port = _free_port()
    proc = subprocess.Popen([GUTSKIN, "serve", "--port", str(port), *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    try:
        while time.time() < deadline and proc.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
    finally:
        code = proc.poll()
        if code is None:
            proc.terminate()
        out, err = proc.communicate(timeout=30)
    return code, out, err, port


@pytest.mark.parametrize("default", [False, True], ids=["sqlite-url", "default-file"])
def test_several_workers_on_sqlite_are_refused_before_serving(tmp_path: Path, default: bool) -> None:
    env = {**os.environ, "GUTSKIN_SECRET_KEY": SECRET, "GUTSKIN_ENV": "test", "XDG_DATA_HOME": str(tmp_path / "data")}
    env.pop("GUTSKIN_DATABASE_URL_FILE", None)
    if default:  # the embedded default: ~/.local/share/gutskin/gutskin.db
        env.pop("GUTSKIN_DATABASE_URL", None)
        path = tmp_path / "data" / "gutskin" / "gutskin.db"
    else:
        path = tmp_path / "db.sqlite"
        env["GUTSKIN_DATABASE_URL"] = f"sqlite:///{path}"
    code, out, err, _ = _serve(env, "--workers", "2")
    assert code == 2, (out, err)
    assert err.splitlines() == [
        f"error: --workers 2: the database is SQLite ({path}), one writer process at a time; serve it with "
        "--workers 1, or set GUTSKIN_DATABASE_URL=postgresql://... for more workers"]
    assert "serving on" not in out
    assert not path.exists()  # refused before the database is made or migrated


def test_several_workers_serve_on_postgresql_and_one_on_sqlite(db_url: str, tmp_path: Path) -> None:
    """What stays allowed: --workers 2 on PostgreSQL, --workers 1 on SQLite; both answer /healthz."""
    env = {**os.environ, "GUTSKIN_DATABASE_URL": db_url, "GUTSKIN_SECRET_KEY": SECRET, "GUTSKIN_ENV": "test",
           "XDG_DATA_HOME": str(tmp_path / "data")}
    workers = "1" if db_url.startswith("sqlite") else "2"
    code, out, err, port = _serve(env, "--workers", workers)
    assert code is None, (out, err)  # it was still serving when /healthz answered
    assert f"serving on http://127.0.0.1:{port}" in out
    assert "error" not in err
