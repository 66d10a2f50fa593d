"""``gutskin serve --port`` outside 1-65535 and ``--workers`` below 1 are one line, exit 2, before
anything starts (contract walk of 2026-12-06): --port 70000 printed "serving on
http://127.0.0.1:70000" and served on port 4464 (70000 - 65536: the number wrapped), --port 0 on
a port chosen by the system, and --workers 0 started one worker without a word."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

GUTSKIN = str(Path(sys.executable).with_name("gutskin"))


@pytest.mark.parametrize(("args", "expected"), [
    (["--port", "70000"], "--port must be between 1 and 65535, got 70000"),
    (["--port", "0"], "--port must be between 1 and 65535, got 0"),
    (["--port", "-1"], "--port must be between 1 and 65535, got -1"),
    (["--port", "8731", "--workers", "0"], "--workers must be at least 1, got 0"),
], ids=["70000", "0", "-1", "workers-0"])
def test_out_of_range_is_one_line_before_serving(tmp_path, args, expected) -> None:
    env = {**os.environ, "GUTSKIN_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    r = subprocess.run([GUTSKIN, "serve", *args], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.splitlines() == [f"error: {expected}"]
    assert "serving on" not in r.stdout
    assert not (tmp_path / "db.sqlite").exists()  # refused before the database is touched
