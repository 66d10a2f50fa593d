"""The gutskin command line: a thin Typer shell over the library.

Each area registers its commands from ``gutskin.commands.<area>``; heavy imports happen
inside the command functions so that ``gutskin --help`` stays fast.
"""

from __future__ import annotations

import sys

import typer

from gutskin.commands import (
    backup,
    challenge,
    db,
    diary_io,
    insights,
    interop,
    microbiome,
    score,
    serve,
    simulate,
    users,
)

app = typer.Typer(
    name="gutskin",
    help="gutskin: eczema diaries, scores, triggers, forecasts, microbiome and the gut–skin simulator.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _module in (db, backup, serve, diary_io, users, score, simulate, microbiome, insights, challenge, interop):
    _module.register(app)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: a usage mistake is one line on stderr with exit code 2.

    Typer would draw a boxed panel over several lines; every other gutskin error is one line
    (``command: what was wrong``), so scripts and people read usage errors the same way.
    """
    try:  # Typer >= 0.26 vendors its own Click; its exceptions are not Click's
        from typer import _click as click
    except ImportError:  # pragma: no cover - older Typer uses Click itself
        import click  # type: ignore[no-redef]

    try:  # Typer's own Abort (a prompt given no input) is not in its vendored Click's exceptions
        from typer.exceptions import Abort
    except ImportError:  # pragma: no cover - older Typer raises Click's
        Abort = click.exceptions.Abort  # type: ignore[assignment,misc]

    command = typer.main.get_command(app)
    try:
        code = command.main(args=argv, prog_name="gutskin", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:  # bare `gutskin` or a bare group: the help, once
        # the exception made its message with ctx.get_help(), which Rich prints itself (returning ""):
        # asking for the help again here printed it a second time (new-user walk, 2026-12-07)
        text = exc.format_message()
        if text:
            typer.echo(text, err=True)
        raise SystemExit(2) from None
    except click.exceptions.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "gutskin"
        message = " ".join(exc.format_message().split())
        typer.echo(f"{where}: {message} (see '{where} --help')", err=True)
        raise SystemExit(2) from None
    except click.exceptions.ClickException as exc:
        typer.echo(f"gutskin: {' '.join(exc.format_message().split())}", err=True)
        raise SystemExit(exc.exit_code) from None
    except Abort:
        typer.echo("gutskin: aborted", err=True)
        raise SystemExit(1) from None
    except Exception as exc:  # the database or its migrations, not a gutskin bug: one line, no traceback
        settings = sys.modules.get("gutskin.settings")  # a bad GUTSKIN_* variable: named in one line
        if settings is not None and isinstance(exc, settings.SettingsError):
            typer.echo(f"error: {exc}", err=True)
            raise SystemExit(2) from None
        if isinstance(exc, MemoryError):  # numpy: "Unable to allocate 380. GiB for an array ..." was a traceback
            detail = " ".join(str(exc).split()) or "the machine has no memory left"
            typer.echo(f"error: not enough memory for this run ({detail}); give smaller sizes or a smaller file",
                       err=True)
            raise SystemExit(2) from None
        message = _database_trouble(exc)
        if message is None:
            raise
        typer.echo(f"error: {message}", err=True)
        raise SystemExit(2) from None
    raise SystemExit(code if isinstance(code, int) else 0)


def _database_trouble(exc: BaseException) -> str | None:
    """One line for a database that cannot be used as it is: PostgreSQL unreachable, no such
    role or database, a SQLite file that is not a database or is locked, a database at a
    migration this gutskin does not know (migrated by a newer version). ``None`` for anything
    else. The URL is never repeated (it may hold a password); PostgreSQL's own text is already
    cleared of row values by the engine (gutskin.store.db.postgres_error_text)."""
    import sys

    sa_exc = sys.modules.get("sqlalchemy.exc")  # not imported at all: the error is not the database's
    if sa_exc is not None and isinstance(exc, sa_exc.DBAPIError):
        text = str(exc.orig if exc.orig is not None else exc)
        first = next((line.strip() for line in text.splitlines() if line.strip()), type(exc).__name__)
        return f"the database (GUTSKIN_DATABASE_URL) cannot be used: {first}"
    alembic_exc = sys.modules.get("alembic.util.exc")
    if alembic_exc is not None and isinstance(exc, alembic_exc.CommandError):
        first = " ".join(str(exc).split())
        hint = (" (a mistyped revision, or a database migrated by a newer gutskin: `gutskin db current` "
                "shows the database's)") if "Can't locate revision" in first else ""
        return f"migrations: {first}{hint}"
    return None


if __name__ == "__main__":
    main()
