"""The gutskin command line: a thin Typer shell over the library.

Each area registers its commands from ``gutskin.commands.<area>``; heavy imports happen
inside the command functions so that ``gutskin --help`` stays fast.
"""

from __future__ import annotations

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


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
