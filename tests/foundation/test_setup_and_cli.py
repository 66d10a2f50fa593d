"""Set-up contract: `gutskin db upgrade`, `gutskin serve`, settings, and the import-linter layering."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from gutskin.settings import DEV_SECRET, Settings

BIN = Path(sys.executable).parent


def test_db_upgrade_prints_the_sqlite_path_and_is_idempotent(tmp_path: Path) -> None:
    db = tmp_path / "nested" / "g.db"
    env = {**os.environ, "GUTSKIN_DATABASE_URL": f"sqlite:///{db}"}
    # an explicit path in a folder that does not exist is a typo, not a request for a new database
    r = subprocess.run([BIN / "gutskin", "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stderr == f"error: GUTSKIN_DATABASE_URL: folder {db.parent} does not exist\n"
    assert not db.parent.exists()
    db.parent.mkdir()
    for _ in range(2):
        r = subprocess.run([BIN / "gutskin", "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        assert f"database: {db}" in r.stderr
    assert db.exists()
    cur = subprocess.run([BIN / "gutskin", "db", "current"], env=env, capture_output=True, text=True, timeout=60)
    assert cur.stdout.strip() != "base"


def test_default_database_is_in_the_user_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GUTSKIN_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert Settings().database_url == f"sqlite:///{tmp_path / 'gutskin' / 'gutskin.db'}"


def test_serve_answers_healthz_and_landing(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "GUTSKIN_DATABASE_URL": f"sqlite:///{tmp_path / 's.db'}"}
    proc = subprocess.Popen([BIN / "gutskin", "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        import time

        deadline = time.time() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                assert proc.poll() is None and time.time() < deadline, "server did not start"
                time.sleep(0.2)
        assert r.json()["status"] == "ok"
        page = httpx.get(f"http://127.0.0.1:{port}/")
        assert page.status_code == 200 and "gutskin" in page.text
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.headers["x-content-type-options"] == "nosniff"
        assert "cdn" not in page.text.lower()
    finally:
        proc.terminate()
        out = proc.communicate(timeout=10)[0]
    assert f"database: {tmp_path / 's.db'}" in out


def test_production_refuses_default_or_short_secret() -> None:
    with pytest.raises(RuntimeError, match="GUTSKIN_SECRET_KEY"):
        Settings(env="production", secret_key=DEV_SECRET).check_secrets()
    with pytest.raises(RuntimeError):
        Settings(env="production", secret_key="short").check_secrets()
    Settings(env="production", secret_key="k3Jd-9xQ_vT2mW8pLr4Zs6Yb1Nc7Hf0Ga5Ue").check_secrets()
    from gutskin.web import create_app

    with pytest.raises(RuntimeError):
        create_app(Settings(env="production", secret_key=DEV_SECRET, database_url="sqlite://"))


def test_import_linter_contracts_hold() -> None:
    r = subprocess.run([BIN / "lint-imports", "--no-cache"], capture_output=True, text=True, timeout=300,
                       cwd=Path(__file__).resolve().parents[2])
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Science packages are pure" in r.stdout and "KEPT" in r.stdout


def test_import_linter_catches_a_violation(tmp_path: Path) -> None:
    """The contract is live: a science module importing the store breaks it."""
    root = Path(__file__).resolve().parents[2]
    bad = root / "src" / "gutskin" / "axis" / "_contract_probe.py"
    bad.write_text("import gutskin.store.models  # deliberate violation for the test\n")
    try:
        r = subprocess.run([BIN / "lint-imports", "--no-cache"], capture_output=True, text=True, timeout=300, cwd=root)
    finally:
        bad.unlink()
    assert r.returncode != 0 and "BROKEN" in r.stdout
