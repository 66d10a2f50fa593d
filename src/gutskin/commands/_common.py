"""Shared helpers of the CLI commands: database URL, errors as one line on stderr."""

from __future__ import annotations

import sys
from typing import NoReturn

import typer


def database_url() -> str:
    from gutskin.settings import get_settings

    return get_settings().database_url


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one line to stderr and exit non-zero."""
    print(f"error: {message}".replace("\n", " "), file=sys.stderr)
    raise typer.Exit(code)


def ensure_schema(url: str) -> None:
    """Apply migrations (idempotent) so every command works on a fresh database."""
    from gutskin.store.migrate import upgrade

    upgrade(url)
