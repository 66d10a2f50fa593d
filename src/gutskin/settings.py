"""Runtime settings from the environment (prefix ``GUTSKIN_``), via pydantic-settings.

``GUTSKIN_DATABASE_URL`` picks the database (default: a SQLite file in the user's data
directory); ``GUTSKIN_SECRET_KEY`` signs sessions and tokens. In production
(``GUTSKIN_ENV=production``) the app refuses to start with the development secret.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-insecure-secret-change-me"
ENVIRONMENTS = ("development", "production", "test")
MIN_SECRET_DISTINCT = 8  # different characters a production signing key must have (check_secrets)


def default_database_url() -> str:
    """A SQLite file in the user's data directory (created on first use)."""
    path = Path(user_data_dir("gutskin", appauthor=False)) / "gutskin.db"
    return f"sqlite:///{path}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GUTSKIN_", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    secret_key: str = DEV_SECRET
    env: str = "development"  # development | production | test
    token_minutes: int = 60 * 12
    api_tokens_max: int = 20  # working API tokens one account may hold; one more is refused (web.security.issue_token)
    session_minutes: int = 60 * 12
    login_max_failures: int = 5  # per email and network (IPv4 address, IPv6 /64) in the window
    login_window_seconds: int = 300
    login_max_failures_per_email: int = 20  # all networks together (see clinic.accounts.authenticate)
    register_max_per_network: int = 20  # new-account attempts per network in the window (clinic.accounts.admit_registration)
    register_window_seconds: int = 3600
    upload_max_bytes: int = 20 * 1024 * 1024
    insights_workers: int = 2  # threads computing insights (clinic.insights); one patient uses at most one
    insights_max_days: int = 1826  # insights fit the last 5 years of a diary (docs/insights.md)
    # load the visit report's and microbiome upload's libraries in a background thread at start-up
    # (gutskin.web.warmup); `gutskin serve` turns it on unless GUTSKIN_WARM_UP is set, tests leave it off
    warm_up: bool = False

    @field_validator("env")
    @classmethod
    def _env_spelling(cls, value: str) -> str:
        return value.strip().lower()  # 'Production' is production (it ran as development, dev secret and all)

    @property
    def attempt_keep_seconds(self) -> int:
        """How long counted sign-in and registration attempts are kept: longer than any limit's window."""
        return max(3600, 2 * self.login_window_seconds, self.register_window_seconds)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def check_secrets(self) -> None:
        """Refuse an unknown ``GUTSKIN_ENV`` (``prod`` would run as development) and, in production,
        a signing key that is not one: the development secret, fewer than 32 characters (spaces
        around it not counted), or fewer than 8 different characters (``"x" * 40``, ``"changeme" * 4``).

        Spaces only passed before (the operator review): the app then took them for "unset" and
        signed with a key of its own in the data directory, different on every machine, without
        a word; a repeated character passed as well. A random key (``secrets.token_urlsafe(48)``)
        has some 40 different characters."""
        if self.env not in ENVIRONMENTS:
            raise RuntimeError(f"GUTSKIN_ENV must be one of {', '.join(ENVIRONMENTS)}, not {self.env!r}")
        key = self.secret_key.strip()
        if self.is_production and (key == DEV_SECRET or len(key) < 32 or len(set(key)) < MIN_SECRET_DISTINCT):
            raise RuntimeError(
                "GUTSKIN_SECRET_KEY must be set to a random value of at least 32 characters in production "
                "(make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )


SECRET_FILE_SETTINGS = ("secret_key", "database_url")
"""Settings that may come from a file named by ``GUTSKIN_<NAME>_FILE`` (Docker / systemd secrets):
the key and a PostgreSQL URL holding a password stay out of the process environment."""


class SettingsError(ValueError):
    """A setting from the environment that cannot be used, in one line naming the variable."""


def _from_files(environ: Mapping[str, str]) -> dict[str, str]:
    """``GUTSKIN_SECRET_KEY_FILE=/run/secrets/key`` → ``{"secret_key": <the file's text>}``.

    The file's text is the value without its trailing line break; both the variable and its
    ``_FILE`` set, an unreadable file or an empty one are refused naming the variable."""
    values: dict[str, str] = {}
    for name in SECRET_FILE_SETTINGS:
        var = f"GUTSKIN_{name.upper()}"
        path = environ.get(f"{var}_FILE")
        if not path:
            continue
        if environ.get(var):
            raise SettingsError(f"{var} and {var}_FILE are both set; set one of them")
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text" \
                if isinstance(exc, UnicodeDecodeError) else str(exc)
            raise SettingsError(f"{var}_FILE: cannot read {path}: {why}") from None
        value = text.rstrip("\r\n")
        if not value.strip():
            raise SettingsError(f"{var}_FILE: {path} is empty")
        values[name] = value
    return values


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment (and ``*_FILE`` secrets); a bad value is a ``SettingsError``
    naming the variable (``GUTSKIN_TOKEN_MINUTES: expected an integer, got 'abc'``), not
    pydantic's report of several lines."""
    environ = os.environ if environ is None else environ
    try:
        return Settings(**_from_files(environ))
    except ValidationError as exc:
        first = exc.errors()[0]
        var = "GUTSKIN_" + "_".join(str(p) for p in first.get("loc", ())).upper()
        raise SettingsError(f"{var}: {first.get('msg', 'invalid value')}, got {first.get('input')!r}") from None


@lru_cache
def get_settings() -> Settings:
    return load_settings()
