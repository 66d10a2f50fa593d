"""A real server (uvicorn in a subprocess) on a fresh database, and Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]
GUTSKIN = str(Path(sys.executable).with_name("gutskin"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, db_url: str, workers: int = 1) -> None:
        self.db_url = db_url
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "GUTSKIN_DATABASE_URL": db_url, "GUTSKIN_SECRET_KEY": "e2e-secret-" + "x" * 32,
                    "GUTSKIN_ENV": "test",
                    # serve's start-up warm-up (gutskin.web.warmup) off: each test's server would load the
                    # report and microbiome libraries in the background, CPU the suite's other workers need
                    "GUTSKIN_WARM_UP": "0"}
        self.proc = subprocess.Popen([GUTSKIN, "serve", "--port", str(self.port), "--workers", str(workers)], env=self.env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.proc.stdout.read() if self.proc.stdout else ''}")
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("server did not start")

    def cli(self, *args: str, first_sign_in_done: bool = True) -> subprocess.CompletedProcess[str]:
        """``gutskin ARGS`` against this server's database. An account made or given a password with
        ``users create`` / ``users set-password`` must choose its own at its first sign-in (0020):
        these journeys start after that, so the flag is cleared here unless ``first_sign_in_done`` is
        false; the first sign-in itself is walked in tests/safety/test_operator_set_password.py."""
        done = subprocess.run([GUTSKIN, *args], env=self.env, capture_output=True, text=True, timeout=120)
        if first_sign_in_done and done.returncode == 0 and args[:2] in (("users", "create"), ("users", "set-password")):
            from sqlalchemy import create_engine, text

            email = args[args.index("--email") + 1].strip().lower()
            engine = create_engine(self.db_url)
            try:
                with engine.begin() as c:
                    c.execute(text("UPDATE users SET must_change_password = false WHERE lower(email) = :e"), {"e": email})
            finally:
                engine.dispose()
        return done

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture
def server(db_url: str) -> Iterator[Server]:
    srv = Server(db_url)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()
