"""A deleted clinician's sharing history stays in the patient's record (migration 0011).

Found in the consent-lifecycle walk (2026-12-06, docs/security.md): when a clinician deleted
their account (or the operator ran ``gutskin users remove``) the database deleted their consent
rows with the account (ON DELETE CASCADE), so the patient's Sharing page ("Sharing that ended")
and JSON archive lost who had had access and when. Now the consent stays, its clinician
reference NULL and the clinician's name and address kept on it; such a consent grants nothing.
"""

from __future__ import annotations

import html

from sqlalchemy import select, text

from gutskin.clinic import access, accounts, sharing
from gutskin.clinic.actors import Actor
from gutskin.clinic.errors import NotFound
from gutskin.store.db import transaction
from gutskin.store.models import Consent
from tests.conftest import People, bearer
from tests.safety.test_consent_lifecycle import _signed_in


def _consent_id(engine, people: People) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return s.scalar(select(Consent.id).where(Consent.patient_id == people.owner_pid,
                                                 Consent.clinician_user_id == people.clinician.user_id))


def test_the_sharing_page_and_archive_keep_a_deleted_clinician(people: People, engine, settings, client) -> None:  # type: ignore[no-untyped-def]
    consent = _consent_id(engine, people)
    doctor = bearer(client, "linked@clinic.example.org")
    assert client.post("/api/v1/me/delete", json={"password": People.password}, headers=doctor).status_code == 204

    page = html.unescape(_signed_in(settings, "owner@example.org").get("/sharing").text)
    assert 'id="ended-access"' in page, page[:2000]
    ended = page.split('id="ended-access"', 1)[1].split("</ul>", 1)[0]
    assert "Dr Linked (account closed)" in ended
    day = __import__("datetime").datetime.utcnow().date().isoformat()
    assert f"{day} – {day}" in ended  # from – until (the test's clinic shared and closed today)
    assert "Nobody else can see your record." in page  # it grants nothing any more
    log = page.split("Recent access", 1)[1]  # the access log's line names whose sharing ended, as the list does
    assert "ended sharing of your record with Dr Linked (account closed)" in log, log[:1500]

    owner = bearer(client, "owner@example.org")
    archive = client.get("/api/v1/me/export.json", headers=owner).json()
    [mine] = [p for p in archive["patients"] if p["patient_id"] == people.owner_pid]
    [row] = [c for c in mine["sharing"] if c["id"] == consent]
    assert row["clinician"] == {"user_id": None, "name": "Dr Linked", "email": "linked@clinic.example.org"}
    assert row["clinician_account_closed"] is True and row["clinician_user_id"] is None
    assert row["since"] and row["revoked_at"]

    # the operator's `users remove` of a clinician keeps the history the same way
    with transaction(engine) as s:
        code = sharing.create_invite(s, people.owner, people.owner_pid)["code"]
        sharing.accept_invite(s, people.unlinked, code)
    with transaction(engine) as s:
        accounts.remove_by_operator(s, "unlinked@clinic.example.org")
    page = html.unescape(_signed_in(settings, "owner@example.org").get("/sharing").text)
    ended = page.split('id="ended-access"', 1)[1].split("</ul>", 1)[0]
    assert "Dr Unlinked (account closed)" in ended and "Dr Linked (account closed)" in ended


def test_a_consent_without_a_clinician_grants_nothing(people: People, engine, client) -> None:  # type: ignore[no-untyped-def]
    """A clinician account deleted without its sharing being ended first (straight in the
    database): the consent stays active-looking with a NULL clinician. It must open nothing:
    not to the id's guesser, not in any panel, not as "shared" to the patient."""
    consent = _consent_id(engine, people)
    with engine.begin() as c:
        c.execute(text("DELETE FROM users WHERE id = :id"), {"id": people.clinician.user_id})
    with transaction(engine) as s:
        row = s.get(Consent, consent)
        assert row is not None and row.clinician_user_id is None and row.revoked_at is None
        assert not access.has_active_consent(s, people.owner_pid, None)  # type: ignore[arg-type]
        assert not sharing.is_shared(s, people.owner, people.owner_pid)
        assert sharing.list_access(s, people.owner, people.owner_pid) == []
        ghost = Actor(user_id=None, role="clinician", label="ghost")  # no account: not a clinician of anything
        assert sharing.linked_patients(s, ghost) == []
        try:
            access.patient_for_read(s, ghost, people.owner_pid)
            raise AssertionError("a clinician without an account read the record")
        except NotFound:
            pass
    owner = bearer(client, "owner@example.org")
    assert client.get("/api/v1/me/access", headers=owner).json() == []
    assert client.delete(f"/api/v1/me/access/{consent}", headers=owner).status_code == 404  # nothing to revoke
    other = bearer(client, "unlinked@clinic.example.org")  # another clinician guessing ids
    assert client.get(f"/api/v1/patients/{people.owner_pid}/diary", headers=other).status_code == 404
    assert people.owner_pid not in {p["patient_id"] for p in client.get("/api/v1/clinician/patients", headers=other).json()}
    # a clinician registered afterwards is not handed the deleted one's id, so not its consent
    with transaction(engine) as s:
        new = accounts.create_user(s, "new@clinic.example.org", People.password, "clinician", "Dr New")
        assert new.id != people.clinician.user_id
    fresh = bearer(client, "new@clinic.example.org")
    assert client.get(f"/api/v1/patients/{people.owner_pid}/diary", headers=fresh).status_code == 404
    assert client.get("/api/v1/clinician/patients", headers=fresh).json() == []
