"""Security headers on every response (OWASP secure headers; ASVS V14.4).

CSP allows only this origin's scripts and styles (pages load nothing from a CDN) and no
framing; COOP and CORP ``same-origin`` keep other sites' windows and pages away from gutskin's;
personal pages and API answers get ``Cache-Control: no-store``; HSTS is sent when the
request came over TLS, and on every answer in production (stranger walk, 2026-12-07): behind a
TLS proxy that uvicorn does not trust (``FORWARDED_ALLOW_IPS`` left at 127.0.0.1 with the proxy in
another container or host) every request looked like plain HTTP, so a production server never
sent it while its cookies were ``Secure`` (``pages.common.cookie_secure``). A browser ignores the
header on an answer that did not come over TLS (RFC 6797, section 8.1), so it is harmless there.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def _production(scope: Scope) -> bool:
    from gutskin.web.cookieprefix import _production as production

    return production(scope)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        from gutskin.web.cookieprefix import HostPrefixCookies

        # inside these headers and around everything else: __Host- session cookies on HTTPS
        self.app = HostPrefixCookies(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        tls = scope.get("scheme") == "https" or _production(scope)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}

                def add(name: str, value: str) -> None:
                    if name.encode() not in names:
                        headers.append((name.encode(), value.encode()))

                add("content-security-policy", CSP)
                add("x-content-type-options", "nosniff")
                add("referrer-policy", "no-referrer")
                add("x-frame-options", "DENY")
                add("permissions-policy", "camera=(), microphone=(), geolocation=()")
                # another site's window that opened (or was opened by) a gutskin page keeps no handle
                # on it, and no other site may load an answer as a script, image or style (no-cors):
                # the cross-site leaks of the "XS-Leaks" family (counting a page's frames, watching it
                # navigate, reading an answer's size) had only frame-ancestors against them
                # (account walk, 2026-12-07). Nothing of gutskin's is meant for another origin.
                add("cross-origin-opener-policy", "same-origin")
                add("cross-origin-resource-policy", "same-origin")
                if tls:
                    add("strict-transport-security", "max-age=63072000; includeSubDomains")
                if path.startswith("/static/"):
                    add("cache-control", "public, max-age=3600")
                else:
                    add("cache-control", "no-store")
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_wrapper)
