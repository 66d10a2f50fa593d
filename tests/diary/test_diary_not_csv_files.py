"""Files that are not CSV at all, as people pick them (the walk of 2026-12-07; docs/diary-csv.md).

Until 2026-12-07 an Excel workbook (.xlsx, a ZIP) given to ``gutskin triggers``/``forecast``/
``evaluate forecast`` or uploaded was called "UTF-16 text" or had its binary first line read as a
header ("column PK\\x03\\x04...: expected a core column ..."); an old .xls, a PDF, a SQLite database
or any binary file was also refused with its bytes shown as an unknown column. Now the error names
what the file is and how to save a diary CSV, still one line naming the file and line 1, exit 2,
nothing written and nothing imported.
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile

import pytest
from sqlalchemy import func, select

from gutskin.store.db import transaction
from gutskin.store.models import DiaryDay


def _xlsx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:  # the parts of a minimal workbook
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("xl/worksheets/sheet1.xml",
                   "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>patient</t></is></c></row>"
                   "</sheetData></worksheet>")
    return buf.getvalue()


FILES = {
    "diary.xlsx": (_xlsx(), "a ZIP archive, as an Excel (.xlsx) or LibreOffice (.ods) workbook is"),
    "diary.xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "an old Excel workbook (.xls)"),
    "diary.pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "a PDF document"),
    "diary.db": (b"SQLite format 3\x00\x10\x00\x01\x01" + bytes(100), "a SQLite database"),
    "diary.bin": (bytes(range(256)) * 4, "not text (a NUL byte at character 1 of line 1)"),
}
SAVE_AS = 'a diary CSV is UTF-8 text separated by commas (in a spreadsheet, save as "CSV UTF-8 (Comma delimited)")'


COMMANDS = [["triggers", "{f}", "--json"], ["forecast", "{f}", "--horizon", "7", "--json"],
            ["evaluate", "forecast", "{f}", "--horizon", "1", "--json"]]


@pytest.mark.parametrize(("name", "command"), [("diary.xlsx", c) for c in COMMANDS]
                         + [(n, COMMANDS[0]) for n in FILES if n != "diary.xlsx"])
def test_cli_names_what_the_file_is(name, command, tmp_path) -> None:
    data, what = FILES[name]
    path = tmp_path / name
    path.write_bytes(data)
    args = [str(path) if a == "{f}" else a for a in command]
    r = subprocess.run([sys.executable, "-m", "gutskin.cli", *args], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r
    assert r.stdout == ""
    assert r.stderr.splitlines() == [f"error: {path}: line 1: this file is {what}, not a CSV; {SAVE_AS}"], r.stderr


@pytest.mark.parametrize("name", ["diary.xlsx", "diary.bin"])
def test_upload_names_what_the_file_is_and_imports_nothing(name, client, people, engine) -> None:
    from tests.conftest import bearer

    data, what = FILES[name]
    h = bearer(client, "owner@example.org")
    r = client.post("/api/v1/me/diary/import", files={"file": (name, data, "text/csv")}, headers=h)
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == f"{name}: line 1: this file is {what}, not a CSV; {SAVE_AS}"
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(DiaryDay)) == 0
