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


# (arguments, the one line's start): since 2026-12-07 (docs/axis.md) sizes that cannot fit are
# refused before anything is allocated; a trial under that cap but over the child's 3 GiB still
# meets numpy's MemoryError, which the CLI's handler turns into its one line
CASES = {
    "trial-refused-up-front": (["simulate", "trial", "--patients", "1000000000", "--weeks", "24", "--json"],
                               "error: 1,000,000,000 patients × 2 arms × 24 weeks is more than one trial may hold"),
    "cohort-refused-up-front": (["simulate", "cohort", "--patients", "100000000", "--days", "100000", "--out",
                                 "{tmp}/cohort"], "error: 100,000,000 patients × 100,000 days = "),
    "trial-out-of-memory": (["simulate", "trial", "--patients", "400000", "--weeks", "24", "--json"],
                            "error: not enough memory for this run (Unable to allocate "),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_run_too_big_for_memory_is_one_line(tmp_path, case) -> None:
    args, start = CASES[case]
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    r = subprocess.run([GUTSKIN, *[a.format(tmp=tmp_path) for a in args]], env=env, capture_output=True,
                       text=True, timeout=120, preexec_fn=_limited)
    assert r.returncode == 2, r.stderr[-2000:]
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(start), lines
    if case == "trial-out-of-memory":
        assert lines[0].endswith("; give smaller sizes or a smaller file")
    assert r.stdout == ""
    assert not (tmp_path / "cohort").exists()
