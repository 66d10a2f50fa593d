"""No request body beyond a cap is read; the 413 is answered like every other error.

Starlette's own limit (FastAPI ``max_body_size``) answers a plain-text "Content Too Large" and
replaces whatever the app answered when the declared length is over the cap, so an API client
got text where every other error is ``{"detail": "..."}``. This middleware enforces the same cap
(a declared ``Content-Length`` over it is refused before anything is read; a body without one
is counted as it arrives) and hands the refusal to the app's ``HTTPException`` handler: JSON
under ``/api/``, the site's error page elsewhere.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"request body too large: at most {limit} bytes")


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_body_size: int,
                 answer: Callable[[Request, HTTPException], Awaitable[Response]]) -> None:
        self.app = app
        self.max_body_size = max_body_size
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_body_size
        try:
            declared: int | None = int(Headers(scope=scope).get("content-length", ""))
        except ValueError:
            declared = None
        if declared is not None and declared > limit:  # refused before a byte of it is read
            response = await self.answer(Request(scope), BodyTooLarge(limit))
            await response(scope, receive, send)
            return
        received = 0

        async def receive_limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:  # raised where the app reads; its HTTPException handler answers
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, receive_limited, send)
