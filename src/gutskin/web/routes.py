"""The app's route table as (method, path) pairs, for the authorization matrix and docs.

FastAPI ≥ 0.160 keeps included routers as nested objects; older versions flatten them. Both
are handled here so the matrix test sees every route either way.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.routing import Mount


def route_table(app: FastAPI) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for route in app.routes:
        if isinstance(route, Mount):
            continue
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:
            for ctx in contexts():
                methods = getattr(ctx.original_route, "methods", None) or set()
                out.extend((m, ctx.path) for m in methods if m != "HEAD")
            continue
        methods = getattr(route, "methods", None) or set()
        out.extend((m, route.path) for m in methods if m != "HEAD")  # type: ignore[attr-defined]
    return sorted(set(out), key=lambda mp: (mp[1], mp[0]))
