"""GUTSKIN_ENV as an operator types it.

Found by following README's "Running it for real": ``GUTSKIN_ENV=Production`` (or ``prod``)
silently ran as development: the development secret accepted, cookies without ``Secure``, and
``gutskin serve --demo`` loaded the demo clinic with its published password into the database.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gutskin.settings import DEV_SECRET, Settings
from gutskin.store.db import get_engine, transaction
from gutskin.store.models import User

GUTSKIN = str(Path(sys.executable).with_name("gutskin"))


@pytest.mark.parametrize("spelling", ["Production", "PRODUCTION", " production "])
def test_production_in_any_case_is_production(spelling: str) -> None:
    settings = Settings(env=spelling, secret_key=DEV_SECRET, database_url="sqlite://")
    assert settings.is_production
    with pytest.raises(RuntimeError, match="GUTSKIN_SECRET_KEY"):
        settings.check_secrets()


def test_an_unknown_environment_is_refused() -> None:
    with pytest.raises(RuntimeError, match="GUTSKIN_ENV must be one of development, production, test, not 'prod'"):
        Settings(env="prod", secret_key="x" * 40, database_url="sqlite://").check_secrets()


def test_serve_demo_with_a_misspelt_production_loads_nothing(sqlite_url: str) -> None:
    for env_value, message in [("Production", "error: GUTSKIN_SECRET_KEY must be set"),
                               ("prod", "error: GUTSKIN_ENV must be one of development, production, test, not 'prod'")]:
        env = {**os.environ, "GUTSKIN_DATABASE_URL": sqlite_url, "GUTSKIN_ENV": env_value}
        env.pop("GUTSKIN_SECRET_KEY", None)
        r = subprocess.run([GUTSKIN, "serve", "--demo", "--port", "1"], env=env, capture_output=True, text=True, timeout=60)
        assert r.returncode == 2, (r.stdout, r.stderr)
        assert r.stderr.startswith(message) and len(r.stderr.splitlines()) == 1, r.stderr
    with transaction(get_engine(sqlite_url)) as s:  # was: the demo clinic's five accounts
        assert s.scalar(select(func.count()).select_from(User)) == 0
