"""`gutskin score INSTRUMENT --input FILE.json`: score a clinical instrument from JSON.

Prints one JSON object on stdout: ``{"instrument", "total", "band", ...}`` plus the
instrument's own fields (see docs/instruments.md). Bad input prints exactly one line on
stderr naming the field and exits with status 2. The scoring itself lives in
``gutskin.instruments`` (imported lazily, so the CLI starts fast).
"""

from __future__ import annotations

import json
import sys
from typing import Any, Optional

import typer

EXIT_BAD_INPUT = 2


def _fail(message: str) -> None:
    """One line on stderr, exit 2."""
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _read_payload(source: str) -> Any:
    if source == "-":
        text = sys.stdin.read()
        where = "stdin"
    else:
        try:
            with open(source, encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError) as e:
            _fail(f"--input: cannot read {source!r}: {getattr(e, 'strerror', None) or e}")
        where = source
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        _fail(f"input: invalid JSON in {where} at line {e.lineno} column {e.colno}: {e.msg}")


def score(
    instrument: str = typer.Argument(
        ...,
        metavar="INSTRUMENT",
        help="One of: adct, bristol, cdlqi, dlqi, easi, gsrs, nrs, poem, poscorad, recap, scorad.",
        show_default=False,
    ),
    input: Optional[str] = typer.Option(
        None, "--input", "-i", metavar="FILE.json", help="JSON input file; '-' reads standard input."
    ),
    bands: Optional[str] = typer.Option(
        None, "--bands", help="Alternative band set (e.g. silverberg2018 for POEM, four_strata for SCORAD)."
    ),
) -> None:
    """Score a clinical instrument from a JSON answer file and print the result as JSON."""
    from gutskin.instruments import INSTRUMENTS, score as score_payload

    name = instrument.strip().lower()
    if name not in INSTRUMENTS:
        _fail(f"INSTRUMENT: unknown instrument {instrument!r}; expected one of {', '.join(INSTRUMENTS)}")
    if input is None:
        _fail("--input: required (a JSON file, or '-' for standard input)")
    payload = _read_payload(input)
    if bands is not None:
        if not isinstance(payload, dict):
            _fail(f"input: expected a JSON object, got {type(payload).__name__}")
        payload = {**payload, "bands": bands}
    try:
        result = score_payload(name, payload)
    except ValueError as e:
        _fail(str(e))
    print(json.dumps(result))


def register(app: typer.Typer) -> None:
    """Add the ``score`` command to the root app."""
    app.command("score")(score)
