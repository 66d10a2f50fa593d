"""A run too big for the machine's memory is one line on stderr, exit 2, nothing written (contract
walk of 2026-12-06: `gutskin simulate trial --patients 1000000000` and `simulate cohort
--patients 100000000 --days 100000` ended in a 40-line numpy MemoryError traceback). The child
process gets a 3 GiB address-space limit, so the allocation fails at once whatever the
machine's overcommit setting."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

GUTSKIN = str(Path(sys.executable).with_name("gutskin"))
LIMIT = 3 * 1024**3


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


@pytest.mark.parametrize("args", [
    ["simulate", "trial", "--patients", "1000000000", "--weeks", "24", "--json"],
    ["simulate", "cohort", "--patients", "100000000", "--days", "100000", "--out", "{tmp}/cohort"],
], ids=["trial", "cohort"])
def test_a_run_too_big_for_memory_is_one_line(tmp_path, args) -> None:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    r = subprocess.run([GUTSKIN, *[a.format(tmp=tmp_path) for a in args]], env=env, capture_output=True,
                       text=True, timeout=120, preexec_fn=_limited)
    assert r.returncode == 2, r.stderr[-2000:]
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: not enough memory for this run (Unable to allocate ")
    assert lines[0].endswith("; give smaller sizes or a smaller file")
    assert r.stdout == ""
    assert not (tmp_path / "cohort").exists()
