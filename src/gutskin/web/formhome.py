"""Where a form's address leads when it is opened, not posted.

A page a form answers with (an invite code, a refused import, a wrong password) keeps the form's
POST address in the address bar: reloading it from there, or a phone restoring the tab after the
browser was closed in the background, asks for it with GET. That was the site's "Something went
wrong: Method Not Allowed" (a patient who went to their messages to send an invite code came back
to it). The page the form belongs to is the nearest address above it that a GET opens
(``/sharing/invite`` -> ``/sharing``, ``/challenges/3/dose/4`` -> ``/challenges/3``); a profile's
forms live on My data. Only ``?patient=N`` is kept, so a child's record stays a child's record.
"""

from __future__ import annotations

import re

from starlette.routing import Match
from starlette.types import Scope

OWN_PAGE = {"/profiles": "/data"}  # the profile forms are on My data


def _opens(routes, path: str, scope: Scope) -> bool:  # type: ignore[no-untyped-def]
    probe = {**scope, "path": path, "method": "GET"}
    return any(route.matches(probe)[0] is Match.FULL for route in routes)


def form_home(routes, scope: Scope) -> str | None:  # type: ignore[no-untyped-def]
    """The page for a GET of a POST-only page address, with its ``patient`` query; None for the
    API and anything that is no form's address."""
    path: str = scope.get("path", "")
    if path.startswith(("/api/", "/static/")) or path == "/":
        return None
    parts = path.rstrip("/").split("/")
    target = None
    while len(parts) > 1:
        parts.pop()
        candidate = "/".join(parts) or "/"
        if candidate in OWN_PAGE:
            target = OWN_PAGE[candidate]
            break
        if _opens(routes, candidate, scope):
            target = candidate
            break
    if target is None:
        return None
    m = re.search(r"(?:^|&)patient=(\d{1,12})(?:&|$)", scope.get("query_string", b"").decode("latin-1"))
    return target + (f"?patient={m.group(1)}" if m else "")
