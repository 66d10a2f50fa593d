"""Identifiers in URLs beyond the database's integer range are answered 404 before any query.

Row ids are 32-bit integers in PostgreSQL and 64-bit in SQLite; a larger (or more negative:
``-2147483649``, ``+99999999999999999999``, ``%2B3000000000``) number in a path
segment or an ``*_id`` / ``patient`` query parameter cannot name a row, so it is "not found"
(found by API fuzzing: SQLite raised OverflowError on such ids).

Ids inside request bodies are checked where they are read: JSON bodies type them as
:data:`BodyId` (pydantic answers 422 naming the field), page forms read them with
:func:`form_id` (``InvalidInput``, 422). Neither reaches the database out of range.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import parse_qsl

from pydantic import Field

from gutskin.clinic.errors import InvalidInput

from starlette.responses import JSONResponse, PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

MAX_ID = 2**31 - 1
MIN_ID = -(2**31)

BodyId = Annotated[int, Field(ge=1, le=MAX_ID, description="a row id (1 to 2147483647)")]
"""An id field of a JSON request body: ids are positive 32-bit integers (PostgreSQL ``integer``)."""


def form_id(text: str | None, field: str) -> int | None:
    """An id posted in a form field: blank is ``None``; anything but ASCII digits naming a value
    in 1 … 2³¹−1 is ``InvalidInput`` (422) before any query (``"²"`` passes ``str.isdigit`` and
    made ``int()`` raise; a 20-digit number overflowed the database driver)."""
    value = (text or "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 10 and 1 <= int(value) <= MAX_ID):
        raise InvalidInput(f"{field}: expected an id (a whole number from 1 to {MAX_ID})")
    return int(value)

# What pydantic reads as an int from a string: surrounding whitespace, a sign, underscores
# between digits and a zero fraction ("+3000000000", " -12 ", "1_000", "7.0"). ASCII digits
# only ("²".isdigit() is True too, and pydantic refuses it).
_INTLIKE = re.compile(r"\s*([+-]?)([0-9][0-9_]*)(?:\.0*)?\s*")  # \s: Unicode spaces, which pydantic strips too


def _too_big(text: str) -> bool:
    """True when ``text`` reads as an integer outside the database's (PostgreSQL's 32-bit) range."""
    m = _INTLIKE.fullmatch(text)
    if m is None:
        return False
    digits = m.group(2).replace("_", "").lstrip("0")
    if len(digits) > 10:  # beyond 32 bits whatever the sign; no int() of a 10,000-digit string
        return True
    value = int(digits or "0")
    value = -value if m.group(1) == "-" else value
    return not MIN_ID <= value <= MAX_ID


class IdRangeMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope.get("path", "")
            query = scope.get("query_string", b"").decode("latin-1")
            bad = any(_too_big(seg) for seg in path.split("/")) or any(
                (k == "patient" or k.endswith("_id")) and _too_big(v) for k, v in parse_qsl(query)
            )
            if bad:
                resp = (JSONResponse({"detail": "not found"}, status_code=404) if path.startswith("/api/")
                        else PlainTextResponse("Not found", status_code=404))
                await resp(scope, receive, send)
                return
        await self.app(scope, receive, send)
