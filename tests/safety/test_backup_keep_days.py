"""`gutskin backup --keep-days N` deletes the folder's gutskin backups taken more than N days ago
(2026-12-06). There was no retention rule: every backup stayed until the operator deleted it, and
with it every account deleted since (a restore brings them back; docs/operations.md, "Backups").
The age is the time in the backup's header, not the file's date; files that are not gutskin
backups, a ``.part`` being written and the backup just written are never touched; bad input is
refused before anything is written or deleted. SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import People
from tests.safety.test_backup_restore import GUTSKIN, populate


def _run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GUTSKIN_DATABASE_URL": url}
    return subprocess.run([GUTSKIN, "backup", *args], env=env, capture_output=True, text=True, timeout=120)


def _aged(src: Path, dst: Path, days: float, mtime_days: float = 0.0) -> Path:
    """A copy of the backup ``src`` whose header says it was taken ``days`` ago, its file dated
    ``mtime_days`` ago."""
    with gzip.open(src, "rt", encoding="utf-8") as fh:
        lines = fh.readlines()
    header = json.loads(lines[0])
    header["created_at"] = (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).isoformat(timespec="seconds")
    with gzip.open(dst, "wt", encoding="utf-8") as fh:
        fh.writelines([json.dumps(header) + "\n", *lines[1:]])
    stamp = (dt.datetime.now() - dt.timedelta(days=mtime_days)).timestamp()
    os.utime(dst, (stamp, stamp))
    return dst


def _folder(url: str, tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    populate(url, People)
    folder = tmp_path / "backups"
    folder.mkdir()
    first = tmp_path / "first.jsonl.gz"
    assert _run(url, "--out", str(first)).returncode == 0
    files = {
        "old": _aged(first, folder / "gutskin-old.jsonl.gz", days=40),
        "old_but_touched": _aged(first, folder / "gutskin-copied.jsonl.gz", days=45, mtime_days=0),  # mtime: today
        "recent_but_old_file": _aged(first, folder / "gutskin-recent.jsonl.gz", days=5, mtime_days=400),
        "part": _aged(first, folder / "gutskin-next.jsonl.gz.part", days=90),
        "not_a_backup": folder / "notes.txt",
        "other_gzip": folder / "other.json.gz",
    }
    files["not_a_backup"].write_text("keep me\n")
    with gzip.open(files["other_gzip"], "wt") as fh:
        fh.write(json.dumps({"format": "something-else", "created_at": "2000-01-01T00:00:00+00:00"}) + "\n")
    for name in ("not_a_backup", "other_gzip"):
        os.utime(files[name], (0, 0))  # 1970: as old as can be
    return folder, files


def test_keep_days_deletes_only_old_gutskin_backups(db_url: str, tmp_path: Path) -> None:
    folder, files = _folder(db_url, tmp_path)
    new = folder / "gutskin-today.jsonl.gz"
    r = _run(db_url, "--out", str(new), "--keep-days", "30")
    assert r.returncode == 0, r.stderr
    left = {p.name for p in folder.iterdir()}
    assert left == {new.name, files["recent_but_old_file"].name, files["part"].name, files["not_a_backup"].name,
                    files["other_gzip"].name}, left
    assert "deleted 2 backups taken more than 30 days ago" in r.stderr, r.stderr
    assert "gutskin-copied.jsonl.gz" in r.stderr and "gutskin-old.jsonl.gz" in r.stderr
    # what is left is still a whole backup: the next run with a shorter window takes the 5-day-old one
    r = _run(db_url, "--out", str(new), "--keep-days", "3")
    assert r.returncode == 0, r.stderr
    assert files["recent_but_old_file"].name not in {p.name for p in folder.iterdir()}
    assert new.exists()


@pytest.mark.parametrize("bad", ["0", "-3", "1.5", "thirty", "36501"])
def test_bad_keep_days_is_refused_before_anything_is_written(db_url: str, tmp_path: Path, bad: str) -> None:
    folder, files = _folder(db_url, tmp_path)
    before = sorted(p.name for p in folder.iterdir())
    new = folder / "gutskin-today.jsonl.gz"
    r = _run(db_url, "--out", str(new), f"--keep-days={bad}")
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "--keep-days" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing written, nothing deleted


def test_prune_backups_refuses_a_bad_window(tmp_path: Path) -> None:
    from gutskin.store.backup import BackupError, prune_backups

    for bad in (0, -1, True, 36501):
        with pytest.raises(BackupError, match="--keep-days"):
            prune_backups(tmp_path, bad)  # type: ignore[arg-type]
