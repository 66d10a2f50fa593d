"""An app built by ``create_app()`` is freed once nothing holds it any more.

FastAPI keeps every endpoint callable in module-level caches (``fastapi.dependencies.models``,
4096 entries each). ``/healthz`` was a closure inside ``create_app`` that read ``app.state``, so
those caches kept every app ever built in the process alive, with its engine, routes and
templates (~5 MB each). The suite builds one per test: the pytest process ended at ~4.8 GB and
took minutes to exit after its summary line (docs/testing.md, 2026-12-07).
"""

from __future__ import annotations

import gc
import weakref

from fastapi.testclient import TestClient

from gutskin.web import create_app
from tests.conftest import bearer


def test_an_app_that_served_requests_is_freed_when_dropped(settings, people) -> None:  # type: ignore[no-untyped-def]
    app = create_app(settings)
    with TestClient(app) as c:
        health = c.get("/healthz")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert c.get("/login").status_code == 200
        assert c.get("/api/v1/me/diary", headers=bearer(c, "owner@example.org")).status_code == 200
        assert c.get("/openapi.json").json()["paths"]["/healthz"]["get"]["summary"] == "Liveness and database check"
    app_ref = weakref.ref(app)
    del app, c, health
    gc.collect()
    assert app_ref() is None, "something outside the app still holds it (see the module docstring)"
