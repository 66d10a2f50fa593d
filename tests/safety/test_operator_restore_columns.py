"""A backup row with a column its table does not have at the backup's revision is refused, not
restored without it.

Found by the IT-operator review: a backup whose ``diary_days`` rows carried two columns the
revision it named did not have (a database migrated by a development build whose migration was
renumbered later) restored "90 rows" and dropped the two columns of every row without a word:
SQLAlchemy's many-row insert ignores keys that are not columns. The same happens to a backup
edited by hand or written by another gutskin. Now nothing is restored and the message names the
table and the column.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gutskin.store.backup import BackupError, backup, restore
from gutskin.store.db import dispose_engines, get_engine
from gutskin.store.models import DiaryDay
from tests.safety.test_backup_restore import GUTSKIN, populate


def _with_extra_column(src: Path, dst: Path) -> None:
    lines = gzip.open(src, "rt", encoding="utf-8").read().splitlines(keepends=True)
    for i, line in enumerate(lines):
        item = json.loads(line)
        if item.get("t") == "diary_days":
            item["r"]["entered_by_device"] = "phone"
            lines[i] = json.dumps(item) + "\n"
            break
    else:
        raise AssertionError("no diary row in the backup")
    with gzip.open(dst, "wt", encoding="utf-8") as fh:
        fh.write("".join(lines))


@pytest.mark.parametrize("target_kind", ["sqlite", "postgresql"])
def test_a_column_the_table_does_not_have_is_refused(sqlite_url: str, tmp_path: Path, target_kind: str,
                                                     request: pytest.FixtureRequest) -> None:
    from tests.conftest import People

    populate(sqlite_url, People)
    backup(sqlite_url, tmp_path / "b.jsonl.gz")
    _with_extra_column(tmp_path / "b.jsonl.gz", tmp_path / "extra.jsonl.gz")
    target = f"sqlite:///{tmp_path / 'restored.db'}" if target_kind == "sqlite" else _empty_pg(request)
    with pytest.raises(BackupError, match=r"table 'diary_days' has no column 'entered_by_device' at revision "):
        restore(target if target_kind == "postgresql" else f"sqlite:///{tmp_path / 'in-process.db'}",
                tmp_path / "extra.jsonl.gz", force=True)
    dispose_engines()
    r = subprocess.run([GUTSKIN, "restore", str(tmp_path / "extra.jsonl.gz"), "--force"], capture_output=True, text=True,
                       timeout=120, env={**os.environ, "GUTSKIN_DATABASE_URL": target})
    assert r.returncode == 2, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "has no column 'entered_by_device'" in r.stderr
    assert "nothing was restored" in r.stderr
    if target_kind == "sqlite":
        assert not (tmp_path / "restored.db").exists()
    else:
        with get_engine(target).connect() as conn:
            assert conn.scalar(select(func.count()).select_from(DiaryDay)) == 0


def _empty_pg(request: pytest.FixtureRequest) -> str:
    from tests.conftest import _truncate_pg

    url: str = request.getfixturevalue("pg_url")
    _truncate_pg(url)
    return url
