"""Usage mistakes on the installed ``gutskin`` command are one line on stderr with exit code 2.

Typer alone draws a boxed, multi-line panel; every other gutskin error is one line, so a script
(or a person) reads a wrong option the same way as a wrong file."""

from __future__ import annotations

import os
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


def test_users_create_without_a_password_or_terminal_says_how_to_give_one(tmp_path: Path) -> None:
    env = {**os.environ, "GUTSKIN_DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}"}
    env.pop("GUTSKIN_NEW_PASSWORD", None)
    r = subprocess.run(
        [GUTSKIN, "users", "create", "--email", "doc@example.org"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, env=env,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert len(r.stderr.splitlines()) == 1 and "--password" in r.stderr and "GUTSKIN_NEW_PASSWORD" in r.stderr


def test_a_prompt_ended_with_ctrl_d_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    """At a terminal, Ctrl-D at the password prompt raised Typer's Abort, which main() looked up
    under a name its vendored Click does not have: an AttributeError traceback."""
    import pty
    import select
    import signal
    import time

    env = {**os.environ, "GUTSKIN_DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}"}
    env.pop("GUTSKIN_NEW_PASSWORD", None)
    pid, controller = pty.fork()  # the child's controlling terminal, where getpass asks
    if pid == 0:  # pragma: no cover - the child
        os.execve(GUTSKIN, [GUTSKIN, "users", "create", "--email", "doc@example.org"], env)
    out = b""
    deadline = time.monotonic() + 60

    def read() -> bytes:
        ready, _, _ = select.select([controller], [], [], max(deadline - time.monotonic(), 0))
        if not ready:
            os.kill(pid, signal.SIGKILL)
            raise AssertionError(f"no answer from the command: {out!r}")
        try:
            return os.read(controller, 1024)
        except OSError:  # the child closed the terminal
            return b""

    while b"Password: " not in out:  # getpass writes the space after it flushed the terminal's input
        chunk = read()
        assert chunk, f"the command ended before it asked for a password: {out!r}"  # EOF: no endless loop
        out += chunk
    os.write(controller, b"\x04")  # Ctrl-D: end of input at the prompt
    while chunk := read():
        out += chunk
    os.close(controller)
    _, status = os.waitpid(pid, 0)
    text = out.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 1, text
    assert "Traceback" not in text and text.strip().endswith("gutskin: aborted"), text


@pytest.mark.parametrize(
    ("secret", "demo", "says"),
    [("", False, "GUTSKIN_SECRET_KEY"), ("short", False, "GUTSKIN_SECRET_KEY"), ("k3Jd-9xQ_vT2mW8pLr4Zs6Yb1Nc7Hf0Ga5Ue", True, "--demo")],
)
def test_serve_refusing_production_set_up_is_one_line(tmp_path: Path, secret: str, demo: bool, says: str) -> None:
    """A new operator's first production start: the refusals were RuntimeError tracebacks."""
    db = tmp_path / "g.db"
    env = {**os.environ, "GUTSKIN_DATABASE_URL": f"sqlite:///{db}", "GUTSKIN_ENV": "production", "GUTSKIN_SECRET_KEY": secret}
    if not secret:
        env.pop("GUTSKIN_SECRET_KEY")
    r = subprocess.run([GUTSKIN, "serve", "--port", "1", *(["--demo"] if demo else [])],
                       capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.splitlines()) == 1 and says in r.stderr, r.stderr
    assert not db.exists()  # refused before the database is touched
