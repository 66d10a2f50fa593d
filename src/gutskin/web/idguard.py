"""Identifiers in URLs beyond the database's integer range are answered 404 before any query.

Row ids are 32-bit integers in PostgreSQL and 64-bit in SQLite; a larger number in a path
segment or an ``*_id`` / ``patient`` query parameter cannot name a row, so it is "not found"
(found by API fuzzing: SQLite raised OverflowError on such ids).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.responses import JSONResponse, PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

MAX_ID = 2**31 - 1


def _too_big(text: str) -> bool:
    return text.isascii() and text.isdigit() and int(text) > MAX_ID  # "²".isdigit() is True too


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
