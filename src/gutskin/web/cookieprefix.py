"""``__Host-`` names for the session and sign-in form cookies on HTTPS (account walk, 2026-12-07).

A cookie named ``__Host-…`` is kept by a browser only when it is ``Secure``, has ``Path=/`` and
no ``Domain`` (RFC 6265bis, "cookie prefixes"; OWASP session management cheat sheet): no other
host can set one. Without the prefix, a site on a sibling host (``blog.clinic.example`` next to
``gutskin.clinic.example``: a hospital's many sub-domains) could set ``gutskin_session`` for
``.clinic.example`` holding a session of its own account ("cookie tossing"); the browser then
sent it to gutskin, and a person who had not signed in was using someone else's account, their
diary going into it. The same for the sign-in form's ``gutskin_csrf``: its token is the HMAC of
the cookie's value, which any visitor can learn for a value of their choice, so a tossed value
and its token signed a person in to another account (login CSRF).

The rest of the app keeps the plain names (``security.SESSION_COOKIE``...): on a secure request
(HTTPS, or any request in production, where these cookies are ``Secure`` already) this
middleware reads only the ``__Host-`` cookie under the plain name -- a plain-named cookie sent by
the browser is dropped, whoever set it -- and renames the plain names in ``Set-Cookie`` (adding
``Secure`` to a deletion, which a browser needs to accept it). Plain HTTP outside production
(development, tests) is unchanged: a browser would not keep a ``__Host-`` cookie there.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFIX = "__Host-"
NAMES = ("gutskin_session", "gutskin_csrf")


def _cookie_header(raw: str) -> str:
    """The request's Cookie header with plain-named session cookies dropped and the ``__Host-``
    ones renamed to the plain names the app reads."""
    kept = []
    for part in raw.split(";"):
        name, sep, value = part.strip().partition("=")
        if not sep:
            kept.append(part.strip())
            continue
        if name in NAMES:
            continue  # not ours on a secure request: set by another host, or left from plain http
        if name.startswith(PREFIX) and name[len(PREFIX):] in NAMES:
            name = name[len(PREFIX):]
        kept.append(f"{name}={value}")
    return "; ".join(p for p in kept if p)


def _set_cookie(value: bytes) -> bytes:
    text = value.decode("latin-1")
    name, sep, rest = text.partition("=")
    if not sep or name.strip() not in NAMES:
        return value
    attrs = [a.strip().lower() for a in rest.split(";")[1:]]
    if "secure" not in attrs:
        rest += "; Secure"
    return (PREFIX + name.strip() + "=" + rest).encode("latin-1")


def _production(scope: Scope) -> bool:
    app = scope.get("app")  # set by Starlette before the middleware stack runs
    settings = getattr(getattr(app, "state", None), "settings", None)
    return bool(getattr(settings, "is_production", False))


class HostPrefixCookies:
    """Wrapped around the whole stack by ``web.headers.SecurityHeadersMiddleware``, so every part
    of the app (error pages included) reads the same cookies."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not (scope.get("scheme") == "https" or _production(scope)):
            await self.app(scope, receive, send)
            return
        headers = []
        for k, v in scope.get("headers", []):
            if k == b"cookie":
                v = _cookie_header(v.decode("latin-1")).encode("latin-1")
            headers.append((k, v))
        scope = {**scope, "headers": headers}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [(k, _set_cookie(v) if k.lower() == b"set-cookie" else v)
                                      for k, v in message.get("headers", [])]
            await send(message)

        await self.app(scope, receive, send_wrapper)
