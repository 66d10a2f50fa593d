"""Invite codes made before a patient ends access (the consent walk of 2026-12-06), on SQLite and
PostgreSQL. A patient who stops sharing expects nobody to get in afterwards with an old code they
forgot about; a parent who removes a co-caregiver expects the same of caregiver codes. Also the
code's other edges: expiry, reuse, the same clinician twice, a code claimed by the wrong kind of
account.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select, update

from gutskin.clinic import accounts, caregivers, sharing
from gutskin.clinic.errors import Forbidden, NotFound
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent, Consent, Invite
from tests.conftest import People, bearer
from tests.safety.test_attacks import login_page


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_stopping_sharing_cancels_the_records_unused_clinician_codes(client, people: People, engine) -> None:  # type: ignore[no-untyped-def]
    """The patient made a code they never gave (or gave and forgot), then stopped sharing with the
    clinic: the old code still linked any clinician who had it for its 14 days. Revoking now
    cancels every unused clinician code of the record (audited one by one), the Sharing page says so
    by the Revoke button, another patient's codes are untouched, and a code made afterwards works."""
    owner = bearer(client, "owner@example.org")
    spare = client.post("/api/v1/me/invites", headers=owner).json()
    with transaction(engine) as s:
        theirs = sharing.create_invite(s, people.stranger, people.stranger_pid)["code"]
    login_page(client, "owner@example.org")
    page = client.get("/sharing").text
    said = page.split('id="revoke-cancels-codes">', 1)[1].split("</p>", 1)[0]
    assert "also cancels every unused invite code" in said and "(the 1 listed above)" in said
    consent = client.get("/api/v1/me/access", headers=owner).json()[0]["consent_id"]
    assert client.post(f"/sharing/revoke/{consent}", data={"csrf_token": _csrf(page)}).status_code == 200

    assert client.get("/api/v1/me/invites", headers=owner).json() == []
    doctor = bearer(client, "unlinked@clinic.example.org")
    late = client.post("/api/v1/clinician/links", json={"code": spare["code"]}, headers=doctor)
    assert late.status_code == 404, late.text
    assert "unknown, used or expired" in late.json()["detail"]
    log = client.get("/api/v1/me/audit", headers=owner).json()
    assert {(e["action"], e["object"]) for e in log} >= {("revoke", "consent"), ("cancel", "invite")}
    with transaction(engine) as s:
        cancelled = s.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "cancel",
                                                                 AuditEvent.object_type == "invite")).all()
        assert [str(x) for x in cancelled] == [str(spare["id"])]
        assert sharing.accept_invite(s, people.clinician, theirs) == people.stranger_pid  # not the owner's code
    fresh = client.post("/api/v1/me/invites", headers=owner).json()["code"]  # sharing again takes a new code
    assert client.post("/api/v1/clinician/links", json={"code": fresh}, headers=doctor).status_code == 201


def test_removing_a_co_caregiver_cancels_the_childs_unused_caregiver_codes(people: People, engine) -> None:  # type: ignore[no-untyped-def]
    """The parent made two caregiver codes and gave both to the other caregiver (or one was sent
    twice); after removing that caregiver, the second code let them straight back in. Removing now
    cancels the child's unused caregiver codes; the child's clinician codes are another matter
    (kept); a caregiver who leaves cancels nothing."""
    with transaction(engine) as s:
        mia = accounts.add_child_profile(s, people.owner, "Mia", 2019).id
        first = caregivers.create_code(s, people.owner, mia)["code"]
        second = caregivers.create_code(s, people.owner, mia)["code"]
        clinic_code = sharing.create_invite(s, people.owner, mia)["code"]
        caregivers.redeem(s, people.stranger, first)
    with transaction(engine) as s:
        row = caregivers.list_caregivers(s, people.owner, mia)[0]["id"]
        caregivers.remove(s, people.owner, mia, row)
    with pytest.raises(NotFound), transaction(engine) as s:
        caregivers.redeem(s, people.stranger, second)
    with transaction(engine) as s:
        assert caregivers.list_codes(s, people.owner, mia) == []
        assert s.scalar(select(AuditEvent.id).where(AuditEvent.patient_id == mia, AuditEvent.action == "cancel",
                                                    AuditEvent.object_type == "caregiver_invite")) is not None
        assert sharing.accept_invite(s, people.clinician, clinic_code) == mia
    # leaving is the caregiver's own choice: the parent's spare code stays
    with transaction(engine) as s:
        again = caregivers.create_code(s, people.owner, mia)["code"]
        spare = caregivers.create_code(s, people.owner, mia)
        caregivers.redeem(s, people.stranger, again)
    with transaction(engine) as s:
        caregivers.leave(s, people.stranger, mia)
    with transaction(engine) as s:
        assert [c["id"] for c in caregivers.list_codes(s, people.owner, mia)] == [spare["id"]]


def test_the_caregivers_page_says_removing_cancels_codes(settings, people: People, engine) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from gutskin.web import create_app

    with transaction(engine) as s:
        mia = accounts.add_child_profile(s, people.owner, "Mia", 2019).id
        caregivers.redeem(s, people.stranger, caregivers.create_code(s, people.owner, mia)["code"])
    c = TestClient(create_app(settings), follow_redirects=False)
    assert login_page(c, "owner@example.org").status_code == 303
    page = c.get("/caregivers").text
    assert f'id="remove-cancels-codes-{mia}"' in page and "cancels every unused caregiver code of\n    Mia" in page


def test_code_edges_expiry_reuse_same_clinician_wrong_account(client, people: People, engine) -> None:  # type: ignore[no-untyped-def]
    """Checked in the same walk (these held before): an expired code, a used one (by another
    clinician, or the same one again) are one 404; a clinician already linked who redeems a second
    code keeps one sharing; a patient account presenting a clinician code is refused (403) without
    using it up, as is a caregiver redemption of it (404: a clinician code is not a caregiver code)."""
    with transaction(engine) as s:
        old = sharing.create_invite(s, people.stranger, people.stranger_pid)
        s.execute(update(Invite).where(Invite.id == old["id"]).values(expires_at=dt.datetime.utcnow() - dt.timedelta(minutes=1)))
        code = sharing.create_invite(s, people.stranger, people.stranger_pid)["code"]
        second = sharing.create_invite(s, people.stranger, people.stranger_pid)["code"]
    with pytest.raises(NotFound), transaction(engine) as s:
        sharing.accept_invite(s, people.clinician, old["code"])
    patient = bearer(client, "owner@example.org")
    r = client.post("/api/v1/clinician/links", json={"code": code}, headers=patient)
    assert r.status_code == 403, r.text
    with pytest.raises(NotFound), transaction(engine) as s:
        caregivers.redeem(s, people.owner, code)
    with pytest.raises(Forbidden), transaction(engine) as s:
        sharing.accept_invite(s, people.owner, code)
    with transaction(engine) as s:  # not used up by any of those
        assert sharing.accept_invite(s, people.clinician, code) == people.stranger_pid
    for who in (people.clinician, people.unlinked):  # used: the same clinician again, or another one
        with pytest.raises(NotFound), transaction(engine) as s:
            sharing.accept_invite(s, who, code)
    with transaction(engine) as s:  # a caregiver code presented at the clinician's link: unknown, not used up
        mia = accounts.add_child_profile(s, people.stranger, "Mia", 2019).id
        kid_code = caregivers.create_code(s, people.stranger, mia)["code"]
    with pytest.raises(NotFound), transaction(engine) as s:
        sharing.accept_invite(s, people.unlinked, kid_code)
    with transaction(engine) as s:
        assert caregivers.redeem(s, people.owner, kid_code) == mia
    with transaction(engine) as s:
        assert sharing.accept_invite(s, people.clinician, second) == people.stranger_pid
        active = s.scalars(select(Consent.id).where(Consent.patient_id == people.stranger_pid,
                                                    Consent.revoked_at.is_(None))).all()
        assert len(active) == 1
