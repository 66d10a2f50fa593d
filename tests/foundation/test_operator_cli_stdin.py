"""Commands an operator runs from scripts with standard input closed (``<&-``, some service
managers): one line, exit 2, never a traceback or a hang.

Found by following README's "Running it for real": ``gutskin users create`` without a password
and ``gutskin import diary -`` crashed with AttributeError ('NoneType' object has no attribute
'isatty' / 'buffer') when started with standard input closed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

GUTSKIN = str(Path(sys.executable).with_name("gutskin"))


def run_stdin_closed(url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "GUTSKIN_NEW_PASSWORD"}
    environ.update(GUTSKIN_DATABASE_URL=url, **env)
    return subprocess.run([GUTSKIN, *args], env=environ, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=60, preexec_fn=lambda: os.close(0))


def test_users_commands_without_a_password_and_no_stdin_say_how_to_pass_it(sqlite_url: str) -> None:
    for args in (("users", "create", "--email", "doc@clinic.example"),
                 ("users", "set-password", "--email", "doc@clinic.example")):
        r = run_stdin_closed(sqlite_url, *args)
        assert r.returncode == 2, r.stderr
        assert r.stderr.splitlines() == [f"error: users {args[1]}: no password given; pass --password or set GUTSKIN_NEW_PASSWORD"]
    r = run_stdin_closed(sqlite_url, "users", "create", "--email", "doc@clinic.example", GUTSKIN_NEW_PASSWORD="correct horse battery")
    assert r.returncode == 0 and "created clinician doc@clinic.example" in r.stdout, r.stderr


def test_import_from_a_closed_stdin_is_one_line(sqlite_url: str) -> None:
    r = run_stdin_closed(sqlite_url, "import", "diary", "-")
    assert r.returncode == 2, r.stderr
    assert r.stderr.splitlines() == ["error: -: standard input is closed; give the CSV file's path instead of '-'"]
