"""Production refuses a signing key that is not a secret: spaces only, or a repeated character.

Found by the IT-operator review: ``GUTSKIN_SECRET_KEY`` of 33 spaces passed the production check
(32 characters), and the app then took it for "unset" and signed with a key of its own from the
data directory (``secret_key``), different on every machine of the clinic, without a word;
``"x" * 40`` passed too. Now ``gutskin serve`` says so in one line and starts nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gutskin.settings import Settings

GUTSKIN = str(Path(sys.executable).with_name("gutskin"))
NOT_SECRETS = [" " * 40, "\t" * 33, "x" * 40, "changeme" * 5, "  " + "ab" * 20]


@pytest.mark.parametrize("key", NOT_SECRETS)
def test_production_refuses_a_key_that_is_not_random(key: str) -> None:
    with pytest.raises(RuntimeError, match="GUTSKIN_SECRET_KEY must be set to a random value"):
        Settings(env="production", secret_key=key, database_url="sqlite://").check_secrets()


def test_a_random_key_passes_and_development_is_unchanged() -> None:
    import secrets

    for _ in range(200):  # a random key of the README's recipe always passes
        Settings(env="production", secret_key=secrets.token_urlsafe(48), database_url="sqlite://").check_secrets()
        Settings(env="production", secret_key=secrets.token_hex(16), database_url="sqlite://").check_secrets()
    Settings(env="development", secret_key=" " * 40, database_url="sqlite://").check_secrets()  # replaced by the local key


def test_serve_in_production_with_a_key_of_spaces_is_one_line_and_starts_nothing(tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    env = {**os.environ, "GUTSKIN_DATABASE_URL": f"sqlite:///{db}", "GUTSKIN_ENV": "production",
           "GUTSKIN_SECRET_KEY": " " * 40, "HOME": str(tmp_path)}
    try:
        r = subprocess.run([GUTSKIN, "serve", "--port", "1"], capture_output=True, text=True, timeout=30, env=env)
    except subprocess.TimeoutExpired as exc:  # the old code went on to serve
        pytest.fail(f"gutskin serve started with a key of spaces: {exc.stderr!r}")
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().splitlines() == [
        "error: GUTSKIN_SECRET_KEY must be set to a random value of at least 32 characters in production "
        "(make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"]
    assert not db.exists()
    assert not (tmp_path / ".local" / "share" / "gutskin" / "secret_key").exists()
