"""Settings from files: ``GUTSKIN_SECRET_KEY_FILE`` and ``GUTSKIN_DATABASE_URL_FILE`` (issue 9, item 7:
"settings from environment (and ``*_FILE`` secrets)"), and a bad variable named in one line.

Found by the contract review (session 8): no ``*_FILE`` variable was read, so a production
server given its key as a Docker/systemd secret file refused to start ("GUTSKIN_SECRET_KEY must be
set"), and ``GUTSKIN_TOKEN_MINUTES=abc`` printed a 46-line traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gutskin.settings import SettingsError, load_settings

GUTSKIN = str(Path(sys.executable).with_name("gutskin"))
KEY = "k" * 20 + "-from-a-file-" + "k" * 20


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUTSKIN_")}
    env.update(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"), **extra)  # never the user's own database
    return env


def test_the_secret_key_comes_from_its_file(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")  # `echo ... > file` ends in a line break: not part of the key
    s = load_settings({"GUTSKIN_SECRET_KEY_FILE": str(key_file)})
    # load_settings reads the other variables from the process environment; the key is the file's
    assert s.secret_key == KEY
    s.model_copy(update={"env": "production"}).check_secrets()  # production accepts it


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "GUTSKIN_SECRET_KEY_FILE: cannot read {dir}/nope: No such file or directory"),
        ("empty", "GUTSKIN_SECRET_KEY_FILE: {dir}/key is empty"),
        ("both", "GUTSKIN_SECRET_KEY and GUTSKIN_SECRET_KEY_FILE are both set; set one of them"),
    ],
)
def test_a_secret_file_that_cannot_be_used_is_named(tmp_path: Path, setup: str, message: str) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("" if setup == "empty" else KEY)
    environ = {"GUTSKIN_SECRET_KEY_FILE": str(tmp_path / "nope" if setup == "missing" else key_file)}
    if setup == "both":
        environ["GUTSKIN_SECRET_KEY"] = "y" * 40
    with pytest.raises(SettingsError) as e:
        load_settings(environ)
    assert str(e.value) == message.format(dir=tmp_path)


def test_the_cli_reads_the_database_url_from_its_file(tmp_path: Path) -> None:
    db = tmp_path / "from-file.db"
    url_file = tmp_path / "url"
    url_file.write_text(f"sqlite:///{db}\n")
    r = subprocess.run([GUTSKIN, "db", "upgrade"], env=_env(tmp_path, GUTSKIN_DATABASE_URL_FILE=str(url_file)),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert f"database: {db}" in r.stderr + r.stdout and db.exists()


def test_production_serve_starts_with_the_key_in_a_file(tmp_path: Path) -> None:
    """The secret check passes; the port is taken on purpose, so the command stops at the port
    check that follows it, before anything is written or served."""
    import socket

    key_file = tmp_path / "key"
    key_file.write_text(KEY)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = _env(tmp_path, GUTSKIN_ENV="production", GUTSKIN_SECRET_KEY_FILE=str(key_file),
                   GUTSKIN_DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}")
        r = subprocess.run([GUTSKIN, "serve", "--port", str(port)], env=env, capture_output=True, text=True, timeout=60)
    assert "GUTSKIN_SECRET_KEY must be set" not in r.stderr  # before: refused, the file was not read
    assert r.returncode == 2 and f"{port}" in r.stderr and "in use" in r.stderr, r.stderr


@pytest.mark.parametrize(
    ("var", "value", "message"),
    [
        ("GUTSKIN_TOKEN_MINUTES", "abc", "error: GUTSKIN_TOKEN_MINUTES: Input should be a valid integer"),
        ("GUTSKIN_SECRET_KEY_FILE", "/nonexistent/key", "error: GUTSKIN_SECRET_KEY_FILE: cannot read /nonexistent/key"),
    ],
)
def test_a_bad_variable_is_one_line_naming_it(tmp_path: Path, var: str, value: str, message: str) -> None:
    env = _env(tmp_path, **{var: value, "GUTSKIN_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    r = subprocess.run([GUTSKIN, "db", "current"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and r.stderr.startswith(message) and len(r.stderr.splitlines()) == 1, r.stderr
