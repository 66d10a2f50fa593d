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


class _DuplicateKey(ValueError):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """JSON objects with a key given twice are refused (json would silently keep the last)."""
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKey(k)
        out[k] = v
    return out


def _read_payload(source: str) -> Any:
    """Read and parse the JSON input. Bytes are decoded as JSON's own rule says (UTF-8, UTF-16
    or UTF-32, with or without a byte-order mark, as Windows editors save); a key repeated in
    an object is an error naming it."""
    if source == "-":
        stream = getattr(sys.stdin, "buffer", None)
        data: bytes | str = stream.read() if stream is not None else sys.stdin.read()
        where = "stdin"
    else:
        try:
            with open(source, "rb") as fh:
                data = fh.read()
        except OSError as e:
            _fail(f"--input: cannot read {source!r}: {e.strerror or e}")
        where = source
    if not data.strip():
        _fail(f"input: {where} is empty; expected a JSON object")
    try:
        return json.loads(data, object_pairs_hook=_no_duplicate_keys)
    except _DuplicateKey as e:
        _fail(f"{e.args[0]}: the key appears twice in one JSON object in {where}; keep one")
    except UnicodeDecodeError as e:
        _fail(f"input: {where} is not UTF-8, UTF-16 or UTF-32 text (byte {e.start}: {e.reason})")
    except json.JSONDecodeError as e:
        _fail(f"input: invalid JSON in {where} at line {e.lineno} column {e.colno}: {e.msg}")
    except RecursionError:  # e.g. 100000 nested arrays: a traceback before (instrument walk, 2026-12-07)
        _fail(f"input: the JSON in {where} is nested too deeply; expected a JSON object of answers")
    except ValueError as e:  # Python refuses integers of more than 4300 digits: a traceback before
        if "digits" not in str(e):
            raise
        _fail(f"input: a number in {where} has too many digits; expected the instrument's item values")


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
