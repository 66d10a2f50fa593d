"""Every answer tells the browser that no other site may keep a window handle on a gutskin page or
load one of its answers (account walk, 2026-12-07): ``Cross-Origin-Opener-Policy: same-origin``
and ``Cross-Origin-Resource-Policy: same-origin``, next to the CSP's ``frame-ancestors 'none'``.

A site that opened a signed-in clinician's ``/clinic/patients/<id>`` in a window kept a handle on
it (frames counted, navigation watched: the XS-Leaks family); with COOP the opener's handle is
cut. Pages, API answers, static files, errors and redirects all carry both."""

from __future__ import annotations

from tests.conftest import bearer
from tests.safety.test_attacks import login_page


def _isolated(r) -> None:  # type: ignore[no-untyped-def]
    assert r.headers.get("cross-origin-opener-policy") == "same-origin", (r.request.url, dict(r.headers))
    assert r.headers.get("cross-origin-resource-policy") == "same-origin", (r.request.url, dict(r.headers))


def test_pages_api_files_errors_and_redirects_are_same_origin_only(client, people) -> None:
    h = bearer(client, "linked@clinic.example.org")
    answers = [client.get("/"), client.get("/login"), client.get("/static/app.js"), client.get("/no-such-page"),
               client.get("/api/v1/clinician/patients", headers=h), client.get("/api/v1/me"),
               client.get("/today", follow_redirects=False)]
    assert [r.status_code for r in answers] == [200, 200, 200, 404, 200, 401, 303]
    login_page(client, "linked@clinic.example.org")
    answers.append(client.get(f"/clinic/patients/{people.owner_pid}"))
    assert answers[-1].status_code == 200
    for r in answers:
        _isolated(r)
