"""Production does not serve a database holding the demo clinic's accounts with their published
password.

Found by the IT-operator review: ``--demo`` is refused in production, but a database that once
ran ``make run`` or ``gutskin serve --demo`` (before GUTSKIN_ENV was set) kept
``clinician@demo.gutskin.org`` with the password printed in README, and production served it: anyone
could sign in as a clinician. Now ``gutskin serve`` says which accounts and what to do, and starts
once each has a new password.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from gutskin.clinic import accounts, demo
from gutskin.store.db import dispose_engines, get_engine, transaction
from tests.e2e.conftest import GUTSKIN, free_port


def _serve(url: str, home: Path) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    env = {**os.environ, "GUTSKIN_DATABASE_URL": url, "GUTSKIN_ENV": "production",
           "GUTSKIN_SECRET_KEY": secrets.token_urlsafe(48), "HOME": str(home)}
    proc = subprocess.Popen([GUTSKIN, "serve", "--port", str(port)], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return proc, f"http://127.0.0.1:{port}"


def test_production_refuses_the_demo_accounts_until_they_have_new_passwords(sqlite_url: str, tmp_path: Path) -> None:
    demo.load_demo(sqlite_url)  # development, as `make run` does
    with transaction(get_engine(sqlite_url)) as s:  # one of them already changed: not listed
        accounts.set_password_by_operator(s, "dev@demo.gutskin.org", "a-new-password-for-dev")
    dispose_engines()

    proc, _ = _serve(sqlite_url, tmp_path)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("production served the demo clinic's accounts with their published password")
    assert proc.returncode == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the database holds demo accounts"), err
    for email in ["ana@demo.gutskin.org", "ben@demo.gutskin.org", "chloe@demo.gutskin.org", "clinician@demo.gutskin.org"]:
        assert email in lines[0]
    assert "dev@demo.gutskin.org" not in lines[0] and "gutskin users set-password --email EMAIL" in lines[0]

    with transaction(get_engine(sqlite_url)) as s:
        for name in ("ana", "ben", "chloe", "clinician"):
            accounts.set_password_by_operator(s, f"{name}@demo.gutskin.org", f"new-password-of-{name}")
    dispose_engines()
    proc, base = _serve(sqlite_url, tmp_path)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and proc.poll() is None:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert proc.poll() is None, proc.communicate()[1]
        assert httpx.get(base + "/healthz", timeout=5).status_code == 200
    finally:
        proc.terminate()
        proc.wait(15)
