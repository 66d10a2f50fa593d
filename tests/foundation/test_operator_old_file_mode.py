"""A SQLite database other accounts of the machine can read is named with a warning.

Found by the IT-operator review: since 2026-12-05 a new database file is made 0600, but a file
made by an older gutskin (0644 under the usual umask; the first release's, upgraded to today's
revision) kept its mode through ``gutskin db upgrade`` and ``serve`` without a word.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from gutskin.store.db import dispose_engines
from gutskin.store.migrate import upgrade
from tests.e2e.conftest import GUTSKIN


def _db_upgrade(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GUTSKIN, "db", "upgrade"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "GUTSKIN_DATABASE_URL": f"sqlite:///{path}"})


def test_db_upgrade_warns_about_a_database_file_others_can_read(tmp_path: Path) -> None:
    path = tmp_path / "gutskin.db"
    upgrade(f"sqlite:///{path}")
    dispose_engines()
    os.chmod(path, 0o644)
    r = _db_upgrade(path)
    assert r.returncode == 0, r.stderr
    assert (f"warning: {path} can be read by other accounts of this machine (mode 0644): it holds everyone's "
            f"health data; chmod 600 {path}") in r.stderr.splitlines(), r.stderr
    os.chmod(path, 0o600)
    r = _db_upgrade(path)
    assert r.returncode == 0 and "warning" not in r.stderr, r.stderr
