"""``gutskin db upgrade|downgrade|current``: Alembic migrations on ``GUTSKIN_DATABASE_URL``."""

from __future__ import annotations

import typer

from gutskin.commands._common import database_label, database_url, warn_if_readable_by_others

db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: newest)."""
    from gutskin.store import migrate

    url = database_url()
    typer.echo(f"database: {database_label(url)}", err=True)
    migrate.upgrade(url, revision)
    typer.echo(f"at revision {migrate.current_revision(url)}", err=True)
    warn_if_readable_by_others(url)


@db_app.command("downgrade", context_settings={"ignore_unknown_options": True})  # '-1' is a revision, not an option
def downgrade(revision: str = typer.Argument(..., help="Target revision, e.g. base or -1.")) -> None:
    """Revert migrations down to REVISION."""
    from gutskin.commands._common import fail
    from gutskin.store import migrate

    url = database_url()
    try:
        migrate.downgrade(url, revision)
    except migrate.MigrationRefused as exc:  # data the earlier schema cannot hold: one line, nothing changed
        fail(str(exc))
    # as `db upgrade` says where it left the database (a downgrade said nothing until 2026-12-07, so
    # the operator could not see which database went back, nor to which revision, without `db current`)
    typer.echo(f"database: {database_label(url)}", err=True)
    typer.echo(f"at revision {migrate.current_revision(url) or 'base'}", err=True)


@db_app.command("current")
def current() -> None:
    """Print the database's revision."""
    from gutskin.store import migrate

    typer.echo(migrate.current_revision(database_url()) or "base")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
