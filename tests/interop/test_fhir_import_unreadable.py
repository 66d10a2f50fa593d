"""``gutskin import fhir`` on a path that is not a readable bundle file: one line on stderr,
exit 2, nothing imported, as ``import diary`` and ``restore`` do (contract walk of 2026-12-06).
Before, a folder was "no such file", and a file the account may not read ended in a
``PermissionError`` traceback (exit 1); a read error (EIO) likewise."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from gutskin.cli import app
from gutskin.settings import get_settings

GUTSKIN = str(Path(sys.executable).with_name("gutskin"))


def _invoke(monkeypatch, db_url: str, *args: str):
    monkeypatch.setenv("GUTSKIN_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, list(args))
    finally:
        get_settings.cache_clear()


def test_a_folder_is_named_as_a_folder(tmp_path, monkeypatch) -> None:
    folder = tmp_path / "bundles"
    folder.mkdir()
    r = _invoke(monkeypatch, f"sqlite:///{tmp_path / 'db.sqlite'}", "import", "fhir", str(folder))
    assert r.exit_code == 2, r.output
    assert r.stderr.splitlines() == [f"error: {folder}: is a directory, expected a FHIR Bundle (JSON) file"]
    assert r.stdout == ""


def test_a_read_error_is_one_line(tmp_path, monkeypatch) -> None:
    # /proc/self/mem opens, and reading its first page (never mapped) fails with EIO
    r = _invoke(monkeypatch, f"sqlite:///{tmp_path / 'db.sqlite'}", "import", "fhir", "/proc/self/mem")
    assert r.exit_code == 2, (r.output, r.exception)
    assert r.stderr.splitlines() == ["error: /proc/self/mem: cannot read the file: Input/output error"]
    assert r.stdout == ""


def test_a_file_the_account_may_not_read_is_one_line(tmp_path) -> None:
    bundle = tmp_path / "bundle.json"
    bundle.write_text('{"resourceType": "Bundle", "type": "collection", "entry": []}')
    bundle.chmod(0)
    command = [GUTSKIN, "import", "fhir", str(bundle)]
    if os.geteuid() == 0:  # root reads any file; without these capabilities it is refused like anyone
        assert shutil.which("setpriv"), "util-linux setpriv is needed to run this test as root"
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]
    env = {**os.environ, "GUTSKIN_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    r = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2, r.stderr
    assert r.stderr.splitlines() == [f"error: {bundle}: cannot read the file: Permission denied"]
    assert r.stdout == ""
