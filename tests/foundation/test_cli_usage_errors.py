"""Usage mistakes on the installed ``gutskin`` command are one line on stderr with exit code 2.

Typer alone draws a boxed, multi-line panel; every other gutskin error is one line, so a script
(or a person) reads a wrong option the same way as a wrong file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

GUTSKIN = str(Path(sys.executable).with_name("gutskin"))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GUTSKIN, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("args", "where", "says"),
    [
        (("forecast", "diary.csv", "--horizon", "abc"), "gutskin forecast", "'--horizon'"),
        (("forecast",), "gutskin forecast", "Missing argument 'diary'"),
        (("evaluate", "forecast", "--bogus"), "gutskin evaluate forecast", "--bogus"),
        (("nosuchcommand",), "gutskin", "No such command 'nosuchcommand'"),
    ],
)
def test_a_usage_mistake_is_one_line_naming_the_command(args: tuple[str, ...], where: str, says: str) -> None:
    r = run(*args)
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(where + ": ") and says in lines[0] and f"'{where} --help'" in lines[0]
    assert "╭" not in r.stderr and "Traceback" not in r.stderr


def test_help_still_works_and_a_bare_group_shows_its_commands() -> None:
    r = run("--help")
    assert r.returncode == 0 and "forecast" in r.stdout and "microbiome" in r.stdout
    bare = run("microbiome")
    assert bare.returncode == 2 and "diversity" in bare.stdout + bare.stderr  # the group's commands, as help


def test_command_errors_keep_their_own_one_line_message(tmp_path: Path) -> None:
    r = run("score", "poem", "--input", str(tmp_path / "missing.json"))
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and "missing.json" in r.stderr
