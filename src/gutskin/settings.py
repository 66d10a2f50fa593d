"""Runtime settings from the environment (prefix ``GUTSKIN_``), via pydantic-settings.

``GUTSKIN_DATABASE_URL`` picks the database (default: a SQLite file in the user's data
directory); ``GUTSKIN_SECRET_KEY`` signs sessions and tokens. In production
(``GUTSKIN_ENV=production``) the app refuses to start with the development secret.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-insecure-secret-change-me"
ENVIRONMENTS = ("development", "production", "test")


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
    session_minutes: int = 60 * 12
    login_max_failures: int = 5  # per email and network (IPv4 address, IPv6 /64) in the window
    login_window_seconds: int = 300
    login_max_failures_per_email: int = 20  # all networks together (see clinic.accounts.authenticate)
    upload_max_bytes: int = 20 * 1024 * 1024
    insights_workers: int = 2  # threads computing insights (clinic.insights); one patient uses at most one
    insights_max_days: int = 1826  # insights fit the last 5 years of a diary (docs/insights.md)

    @field_validator("env")
    @classmethod
    def _env_spelling(cls, value: str) -> str:
        return value.strip().lower()  # 'Production' is production (it ran as development, dev secret and all)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def check_secrets(self) -> None:
        """Refuse an unknown ``GUTSKIN_ENV`` (``prod`` would run as development) and, in production,
        the development secret or a short one."""
        if self.env not in ENVIRONMENTS:
            raise RuntimeError(f"GUTSKIN_ENV must be one of {', '.join(ENVIRONMENTS)}, not {self.env!r}")
        if self.is_production and (self.secret_key == DEV_SECRET or len(self.secret_key) < 32):
            raise RuntimeError(
                "GUTSKIN_SECRET_KEY must be set to a random value of at least 32 characters in production"
            )


@lru_cache
def get_settings() -> Settings:
    return Settings()
