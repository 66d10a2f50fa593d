"""docs/operations.md's one-line errors for a SQLite database in a folder gutskin may not write
in, or one that does not exist (docs walk, 2026-12-06).

A SQLite-file behaviour (a folder on this machine), so there is no PostgreSQL half. Root may
write anywhere, so as root the commands run without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH
(util-linux setpriv), refused like any other account.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUTSKIN = str(Path(sys.executable).with_name("gutskin"))


def _shown() -> dict[str, str]:
    text = " ".join((ROOT / "docs/operations.md").read_text(encoding="utf-8").split())
    section = text.split("- SQLite in a folder gutskin may not write in", 1)[1].split("(Docs walk", 1)[0]
    return {
        "new": re.search(r"A new file in a read-only folder: `([^`]+)`", section).group(1),
        "existing": re.search(r"an existing database in a read-only folder: `([^`]+)`", section).group(1),
        "missing": re.search(r"a folder that does not exist, before anything is made: `([^`]+)`", section).group(1),
    }


def _gutskin(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [GUTSKIN, *args]
    if os.geteuid() == 0:
        assert shutil.which("setpriv"), "util-linux setpriv is needed to run this test as root"
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("GUTSKIN_")},
           "GUTSKIN_DATABASE_URL": f"sqlite:///{db}", "HOME": str(db.parent.parent / "home")}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_a_new_database_in_a_read_only_folder_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        for args in (["db", "current"], ["import", "diary", str(ROOT / "docs/examples/diary.csv")]):
            r = _gutskin(folder / "g.db", *args)
            assert (r.returncode, r.stderr.splitlines()) == (2, [_shown()["new"]]), r.stderr[-2000:]
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def test_an_existing_database_in_a_read_only_folder_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    made = _gutskin(folder / "g.db", "db", "upgrade")
    assert made.returncode == 0, made.stderr
    folder.chmod(0o555)
    try:
        r = _gutskin(folder / "g.db", "export", "diary")
        assert (r.returncode, r.stderr.splitlines()) == (2, [_shown()["existing"]]), r.stderr[-2000:]
    finally:
        folder.chmod(0o755)


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "nowhere"
    r = _gutskin(folder / "g.db", "db", "current")
    assert (r.returncode, r.stderr.splitlines()) == (2, [_shown()["missing"].replace("DIR", str(folder))])
    assert not folder.exists()
