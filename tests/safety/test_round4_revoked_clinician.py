"""A clinician whose access was revoked is a stranger to the record on every route (fourth
security review).

The authorization matrix has a linked and a never-linked clinician, but no clinician who *was*
linked: a rule that looks for a consent row and forgets ``revoked_at`` would pass it. Here the
patient revokes the linked clinician's access in the matrix's world (through the use case the
Sharing page calls), then every route the linked clinician could use is called again with the
same session and token: the answer must be the never-linked clinician's, and no audit row for
the patient may be written (a route that links with a new invite code is the one exception: that
is a new consent).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gutskin.clinic import sharing
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent, Consent
from tests.safety.test_authz_matrix import OK, PASS, ROWS, answer_passes, matrix_world, route_url

#: the linked clinician's own objects, not the patient's: revoking access does not take them away
OWN_OBJECTS = {("GET", "/clinic/simulator/{job}")}
LINKED_ROUTES = sorted(r for r, row in ROWS.items()
                       if row.expect["clinician_linked"] in (OK, PASS) and r not in OWN_OBJECTS
                       and "clinician_unlinked" not in (row.audit or {}))  # linking anew is a new consent


@pytest.mark.parametrize("route", LINKED_ROUTES, ids=lambda r: f"{r[0]} {r[1]}")
def test_after_revocation_the_clinician_is_a_stranger(route: tuple[str, str], sqlite_url: str) -> None:
    from gutskin.web import create_app

    method, path = route
    row = ROWS[route]
    settings, engine, people, world = matrix_world(sqlite_url)
    with transaction(engine) as s:
        consent = s.scalar(select(Consent.id).where(Consent.patient_id == people.owner_pid,
                                                    Consent.clinician_user_id == people.clinician.user_id))
        sharing.revoke(s, people.owner, people.owner_pid, consent)
    url = route_url(world, row, path)
    with transaction(engine) as s:
        last = s.scalar(select(func.max(AuditEvent.id))) or 0
    with TestClient(create_app(settings), follow_redirects=False) as client:
        headers = {}
        if path.startswith("/api/"):
            headers = world.tokens["clinician_linked"]
        else:
            client.cookies.set("gutskin_session", world.cookies["clinician_linked"])
        resp = client.request(method, url, headers=headers, **(row.body(world, "clinician_linked") if row.body else {}))
    want = row.expect["clinician_unlinked"]
    assert answer_passes(want, resp), f"expected {want} (a never-linked clinician's answer), got {resp.status_code} {resp.text[:150]!r}"
    with transaction(engine) as s:
        rows = s.execute(select(AuditEvent.action, AuditEvent.object_type)
                         .where(AuditEvent.id > last, AuditEvent.patient_id == people.owner_pid)).all()
    assert not rows, f"a revoked clinician's call was recorded as access to the record: {rows}"
