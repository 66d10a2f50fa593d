"""`gutskin backup` and `gutskin restore` of the same file report the same rows and tables (acceptance test,
2026-12-06): backup counted every table, empty ones too ("10494 rows in 18 tables"), restore only the
tables it filled ("10494 rows in 9 tables"), so an operator checking a restore read half the tables as lost."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tests.conftest import People
from tests.safety.test_backup_restore import GUTSKIN, populate


def test_backup_and_restore_print_the_same_counts(sqlite_url: str, tmp_path: Path) -> None:
    populate(sqlite_url, People)
    env = {**os.environ, "GUTSKIN_DATABASE_URL": sqlite_url}
    out = tmp_path / "b.jsonl.gz"
    wrote = subprocess.run([GUTSKIN, "backup", "--out", str(out)], env=env, capture_output=True, text=True, timeout=120)
    assert wrote.returncode == 0, wrote.stderr
    env["GUTSKIN_DATABASE_URL"] = f"sqlite:///{tmp_path / 'fresh.db'}"
    restored = subprocess.run([GUTSKIN, "restore", str(out)], env=env, capture_output=True, text=True, timeout=120)
    assert restored.returncode == 0, restored.stderr
    w = re.search(r"wrote .*: (\d+) rows in (\d+) tables", wrote.stderr)
    r = re.search(r"restored (\d+) rows in (\d+) tables", restored.stderr)
    assert w and r, (wrote.stderr, restored.stderr)
    assert w.groups() == r.groups() and int(w.group(1)) > 0
