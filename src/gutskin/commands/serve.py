"""``gutskin serve``: migrate, optionally load the demo clinic, and serve the web app with uvicorn."""

from __future__ import annotations

import typer

from gutskin.commands._common import database_label, database_url, fail, warn_if_readable_by_others


def _check_port_free(host: str, port: int) -> None:
    """Refuse at once, in one line, a port something else listens on (a second ``make run``):
    uvicorn found out only after the demo was loaded and "serving on" was printed."""
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OverflowError) as exc:
        fail(f"--host {host} --port {port}: cannot listen there ({exc})")
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: a port in TIME_WAIT is free
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:  # anything else (a privileged port) is uvicorn's to report
                fail(f"--port {port}: {host}:{port} is already in use (is gutskin already running?)")


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    demo: bool = typer.Option(False, "--demo", help="Load the demo clinic (idempotent) and print its logins."),
    workers: int = typer.Option(1, "--workers", help="Worker processes."),
) -> None:
    """Serve the web app (migrations are applied first)."""
    import os

    import uvicorn

    from gutskin.settings import get_settings
    from gutskin.store import migrate

    # the first visit report and microbiome upload do not wait for their libraries (gutskin.web.warmup):
    # on in the environment the app factory reads in each worker, unless GUTSKIN_WARM_UP says otherwise
    os.environ.setdefault("GUTSKIN_WARM_UP", "1")
    get_settings.cache_clear()
    settings = get_settings()
    try:
        settings.check_secrets()
    except RuntimeError as exc:  # one line, as every gutskin error, not a traceback
        fail(str(exc))
    if demo and settings.is_production:
        fail("--demo: demo data is not loaded in production (GUTSKIN_ENV=production); nothing was changed")
    if not 1 <= port <= 65535:  # 70000 served on 4464 (the port wrapped) while printing "serving on ...:70000"
        fail(f"--port must be between 1 and 65535, got {port}")
    if workers < 1:  # 0 or a negative number started one worker without a word
        fail(f"--workers must be at least 1, got {workers}")
    url = database_url()
    if workers > 1:
        from gutskin.store.db import is_sqlite, sqlite_path

        if is_sqlite(url):  # refused, not lowered to 1 (docs/operations.md, "Workers and machines")
            path = sqlite_path(url)
            fail(f"--workers {workers}: the database is SQLite{f' ({path})' if path else ''}, one writer process "
                 "at a time; serve it with --workers 1, or set GUTSKIN_DATABASE_URL=postgresql://... for more workers")
    _check_port_free(host, port)
    typer.echo(f"database: {database_label(url)}")
    migrate.upgrade(url)
    warn_if_readable_by_others(url)
    if settings.is_production:
        from gutskin.clinic.demo import accounts_with_the_published_password

        published = accounts_with_the_published_password(url)
        if published:
            fail(f"the database holds demo accounts that sign in with the published demo password ({', '.join(published)}); "
                 "production does not serve them: use a database without the demo (a new one, or a backup from "
                 "before), or give each a new password with `gutskin users set-password --email EMAIL`")
    if demo:
        from gutskin.clinic.demo import load_demo

        for line in load_demo(url):
            typer.echo(line)
    if settings.warm_up:
        typer.echo("loading the visit report and microbiome libraries in the background")
    typer.echo(f"serving on http://{host}:{port}")
    uvicorn.run("gutskin.web:create_serving_app", factory=True, host=host, port=port, workers=workers,
                log_level="warning", log_config=log_config())


def log_config() -> dict:
    """uvicorn's logging set-up with a time on every line (its default has none: a traceback in a
    log file could not be placed) and gutskin's own loggers (``gutskin.web``: one line per request
    the database could not serve, the route of each 500 before its traceback) on the same stderr.
    Still warnings and errors only: no access log (docs/security.md)."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["default"]["fmt"] = "%(asctime)s %(levelprefix)s %(message)s"
    config["formatters"]["default"]["datefmt"] = "%Y-%m-%dT%H:%M:%S%z"
    config["loggers"]["gutskin"] = {"handlers": ["default"], "level": "WARNING", "propagate": False}
    return config


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
