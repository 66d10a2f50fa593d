"""What a diary CSV's own text can do to the error that names it.

Found by importing files an operator could be sent: a score cell of 5,000 digits crashed
``gutskin import diary`` with a bare ``ValueError: Exceeds the limit (4300 digits) for integer
string conversion`` (and the own-diary upload with a server error); a cell or header holding a
terminal escape sequence (``\\x1b]0;…\\x07`` sets the window title, ``\\x1b[31m`` colours) was
printed raw in the one-line error; a 100,000-character cell made a 100 kB error line.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from gutskin.store.db import get_engine, transaction
from gutskin.store.models import DiaryDay
from tests.conftest import bearer

GUTSKIN = str(Path(sys.executable).with_name("gutskin"))


def import_cli(url: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GUTSKIN, "import", "diary", str(path)], env={**os.environ, "GUTSKIN_DATABASE_URL": url},
                          capture_output=True, text=True, timeout=120)


def days(url: str) -> int:
    with transaction(get_engine(url)) as s:
        return int(s.scalar(select(func.count()).select_from(DiaryDay)) or 0)


def test_a_score_of_thousands_of_digits_is_a_cell_error_and_nothing_is_written(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("patient,date,itch,poem\np1,2025-01-01,3,4\np1,2025-01-02,5," + "9" * 5000 + "\n")
    r = import_cli(db_url, path)
    assert r.returncode == 2, r.stderr[-500:]
    assert r.stderr.splitlines() == [f'error: {path}: line 3, column poem: expected an integer 0-28, got "{"9" * 80}…"']
    assert days(db_url) == 0
    path.write_text("patient,date,itch\np1,2025-01-01," + "0" * 5000 + "3\n")  # leading zeros: still the number 3
    assert import_cli(db_url, path).returncode == 0
    assert days(db_url) == 1


def test_the_own_diary_upload_answers_422_for_it(client, people) -> None:  # type: ignore[no-untyped-def]
    h = bearer(client, "owner@example.org")
    body = "patient,date,itch\nme,2025-01-01," + "1" * 5000 + "\n"
    r = client.post("/api/v1/me/diary/import", content=body.encode(), headers={**h, "content-type": "text/csv"})
    assert r.status_code == 422, r.text  # was a server error
    assert "line 2, column itch" in r.json()["detail"] and len(r.json()["detail"]) < 300


def test_escape_sequences_in_a_file_reach_the_terminal_escaped(sqlite_url: str, tmp_path: Path) -> None:
    cell = tmp_path / "cell.csv"
    cell.write_text("patient,date,itch\np1,2025-01-01,\x1b[31mRED\x1b[0m\n")
    r = import_cli(sqlite_url, cell)
    assert r.stderr.splitlines() == [f'error: {cell}: line 2, column itch: expected an integer 0-10, got "\\x1b[31mRED\\x1b[0m"']
    header = tmp_path / "header.csv"
    header.write_text("patient,date,food.x\x1b]0;pwned\x07\np1,2025-01-01,1\n")
    r = import_cli(sqlite_url, header)
    assert r.returncode == 2
    assert "column food.x\\x1b]0;pwned\\x07: expected a core column" in r.stderr
    assert not any(ord(c) < 32 for c in r.stderr.rstrip("\n")), repr(r.stderr)
    assert days(sqlite_url) == 0
