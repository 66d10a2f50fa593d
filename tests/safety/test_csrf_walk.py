"""Cross-site requests with the victim's cookie change nothing, on every page form (security walk
of 2026-12-06).

``test_attacks.py::test_csrf_token_required_on_every_form`` posts five forms by hand; this walks
every unsafe page route of the authorization matrix (so a new form is walked as soon as it has its
matrix row) as each persona allowed to use it, with the body the matrix sends but the CSRF token
left out, then replaced by a wrong one in the form and in htmx's ``X-CSRF-Token`` header, the way
a page on another site would post it (``Origin`` of that site). Every answer must be the 403 "the
form expired or did not come from this site", and no table may change -- not even the audit log.
Passed on the code of 2026-12-06 (no fix needed): kept as the guard for forms added later.
The API takes bearer tokens only (a browser sends none cross-site), so it is not walked here.
"""

from __future__ import annotations

from sqlalchemy import select

from gutskin.store.db import transaction
from gutskin.store.models import Base
from tests.safety.test_authz_matrix import OK, PASS, ROWS, matrix_world, route_url

ANONYMOUS_FORMS = {("POST", "/login"), ("POST", "/register")}  # the matrix's rows: 403 without the form's cookie
PAGE_WRITES = sorted(r for r in ROWS if r[0] != "GET" and not r[1].startswith("/api/") and r not in ANONYMOUS_FORMS)
CROSS_SITE = {"origin": "https://evil.example", "sec-fetch-site": "cross-site"}


def snapshot(engine) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return {t.name: sorted(map(repr, s.execute(select(t)).all())) for t in Base.metadata.sorted_tables}


def test_every_page_form_refuses_a_cross_site_post_and_changes_nothing(db_url) -> None:
    from fastapi.testclient import TestClient

    from gutskin.web import create_app

    settings, engine, people, world = matrix_world(db_url)
    app = create_app(settings)
    assert len(PAGE_WRITES) > 30  # the walk sees the matrix's forms
    failures = []
    for route in PAGE_WRITES:
        method, path = route
        row = ROWS[route]
        url = route_url(world, row, path)
        allowed = [p for p, want in row.expect.items() if want in (OK, PASS)] or ["patient_a"]  # /logout: any session
        for persona in allowed:
            kwargs = row.body(world, persona) if row.body else {}  # may itself write (a fresh invite code)
            before = snapshot(engine)
            for variant in ("missing", "wrong", "wrong header"):
                data = {k: v for k, v in kwargs.get("data", {}).items() if k != "csrf_token"}
                headers = dict(CROSS_SITE)
                if variant == "wrong":
                    data["csrf_token"] = world.csrf[persona][:-2] + "xx"
                elif variant == "wrong header":
                    headers["x-csrf-token"] = "x" * len(world.csrf[persona])
                with TestClient(app, follow_redirects=False) as client:
                    client.cookies.set("gutskin_session", world.cookies[persona])
                    resp = client.request(method, url, headers=headers, **{**kwargs, "data": data})
                if resp.status_code != 403 or "did not come from this site" not in resp.text:
                    failures.append(f"{method} {path} as {persona}, token {variant}: {resp.status_code} "
                                    f"{resp.headers.get('location')}")
            after = snapshot(engine)
            changed = [t for t in before if before[t] != after[t]]
            if changed:
                failures.append(f"{method} {path} as {persona}: tables changed without a CSRF token: {changed}")
    assert not failures, "\n".join(failures)
