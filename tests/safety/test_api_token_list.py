"""An app lists and revokes the account's API tokens through the API (2026-12-07).

Before, only the account page listed the tokens ("Apps signed in") and signed one out; an app could
end only its own token (``DELETE /api/v1/auth/token``). ``GET /api/v1/auth/tokens`` lists the
calling account's working tokens (row id, never the secret; label, created, last used, expires,
``current``) and ``DELETE /api/v1/auth/tokens/{id}`` revokes one, audited like the page's form;
another account's id is 404, the same answer as an id naming nothing. Both databases."""

from __future__ import annotations

from sqlalchemy import select

from gutskin.store.db import transaction
from gutskin.store.models import ApiToken, AuditEvent, User
from tests.conftest import People

A = "owner@example.org"
B = "stranger@example.org"


def _token(client, email: str, agent: str) -> tuple[dict[str, str], str]:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/auth/token", json={"email": email, "password": People.password},
                    headers={"User-Agent": agent})
    assert r.status_code == 200, r.text
    raw = r.json()["access_token"]
    return {"Authorization": f"Bearer {raw}"}, raw


def _ids(engine, email: str) -> list[int]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        uid = s.scalar(select(User.id).where(User.email == email))
        return list(s.scalars(select(ApiToken.id).where(ApiToken.user_id == uid).order_by(ApiToken.id)).all())


def test_an_app_lists_the_accounts_tokens_and_knows_its_own(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    phone, phone_raw = _token(client, A, "GutskinApp/2.1 (phone)")
    laptop, _ = _token(client, A, "curl/8.5")
    _token(client, B, "B's app")
    phone_id, laptop_id = _ids(engine, A)
    listed = client.get("/api/v1/auth/tokens", headers=phone)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert [t["id"] for t in body] == [laptop_id, phone_id]  # newest first, B's not among them
    assert [t["label"] for t in body] == ["curl/8.5", "GutskinApp/2.1 (phone)"]
    assert [t["current"] for t in body] == [False, True]
    for t in body:
        assert set(t) == {"id", "label", "created_at", "last_used_at", "expires_at", "current"}
        assert t["created_at"].endswith("Z") and t["expires_at"] > t["created_at"]
    assert phone_raw not in listed.text  # the list never holds a token
    # the same list seen from the other app marks that one
    assert [t["current"] for t in client.get("/api/v1/auth/tokens", headers=laptop).json()] == [True, False]
    assert client.get("/api/v1/auth/tokens").status_code == 401


def test_an_app_revokes_another_of_the_accounts_tokens_audited(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    phone, _ = _token(client, A, "GutskinApp/2.1 (lost phone)")
    laptop, _ = _token(client, A, "curl/8.5")
    phone_id, laptop_id = _ids(engine, A)
    out = client.delete(f"/api/v1/auth/tokens/{phone_id}", headers=laptop)
    assert out.status_code == 204, out.text
    assert client.get("/api/v1/me/diary", headers=phone).status_code == 401  # the lost phone is out
    assert client.get("/api/v1/me/diary", headers=laptop).status_code == 200  # the app that did it goes on
    assert [t["id"] for t in client.get("/api/v1/auth/tokens", headers=laptop).json()] == [laptop_id]
    assert client.delete(f"/api/v1/auth/tokens/{phone_id}", headers=laptop).status_code == 404  # once is all
    with transaction(engine) as s:  # the same audit row as the account page's "Sign this app out"
        audit = s.execute(select(AuditEvent.actor_user_id, AuditEvent.patient_id, AuditEvent.action,
                                 AuditEvent.object_type, AuditEvent.object_id)
                          .where(AuditEvent.object_type == "api_token")).all()
    assert audit == [(people.owner.user_id, people.owner_pid, "revoke", "api_token", str(phone_id))]


def test_a_stranger_cannot_revoke_anothers_token_and_learns_nothing(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    a_headers, _ = _token(client, A, "GutskinApp/2.1 (Ottoline's phone)")
    b_headers, _ = _token(client, B, "curl/8.5")
    (a_id,) = _ids(engine, A)
    (b_id,) = _ids(engine, B)
    theirs = client.delete(f"/api/v1/auth/tokens/{a_id}", headers=b_headers)
    nothing = client.delete(f"/api/v1/auth/tokens/{max(a_id, b_id) + 1000}", headers=b_headers)
    assert theirs.status_code == nothing.status_code == 404
    assert theirs.json() == nothing.json()  # the same answer as an id naming nothing
    assert "Ottoline" not in client.get("/api/v1/auth/tokens", headers=b_headers).text
    assert client.get("/api/v1/me/diary", headers=a_headers).status_code == 200  # A's token still works
    with transaction(engine) as s:
        assert s.scalar(select(AuditEvent.id).where(AuditEvent.object_type == "api_token")) is None
        assert s.get(ApiToken, a_id).revoked_at is None
