"""API tokens revocable one by one (0020; docs/security.md, "API tokens one by one").

A lost phone used to mean "sign out everywhere": tokens were stateless and ended only all together.
Each token now names its ``api_tokens`` row (the row keeps only a hash of the token's random id);
the account page lists the account's apps and signs one out (CSRF form, audited), and an app can
sign itself out (``DELETE /api/v1/auth/token``). Both databases."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select, update

from gutskin.store.db import transaction
from gutskin.store.models import ApiToken, AuditEvent, User
from tests.conftest import TEST_SECRET, People
from tests.safety.test_attacks import login_page

A = "owner@example.org"
B = "stranger@example.org"


def _token(client, email: str, agent: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/auth/token", json={"email": email, "password": People.password},
                    headers={"User-Agent": agent})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _rows(engine, email: str) -> list[ApiToken]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        uid = s.scalar(select(User.id).where(User.email == email))
        rows = s.scalars(select(ApiToken).where(ApiToken.user_id == uid).order_by(ApiToken.id)).all()
        s.expunge_all()
        return list(rows)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_an_app_signs_itself_out_and_the_others_go_on(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    phone = _token(client, A, "GutskinApp/2.1 (lost phone)")
    laptop = _token(client, A, "curl/8.5")
    assert client.get("/api/v1/me/diary", headers=phone).status_code == 200
    assert client.delete("/api/v1/auth/token", headers=phone).status_code == 204
    again = client.get("/api/v1/me/diary", headers=phone)
    assert again.status_code == 401 and again.json()["detail"] == "invalid or expired token"
    assert client.delete("/api/v1/auth/token", headers=phone).status_code == 401  # once is all
    assert client.get("/api/v1/me/diary", headers=laptop).status_code == 200
    rows = _rows(engine, A)
    assert [r.label for r in rows] == ["GutskinApp/2.1 (lost phone)", "curl/8.5"]
    assert rows[0].revoked_at is not None and rows[1].revoked_at is None
    with transaction(engine) as s:  # audited on the account's profile, as the person's own act
        audit = s.execute(select(AuditEvent.actor_user_id, AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id)
                          .where(AuditEvent.patient_id == people.owner_pid, AuditEvent.object_type == "api_token")).all()
    assert audit == [(people.owner.user_id, "revoke", "api_token", str(rows[0].id))]


def test_the_account_page_lists_the_apps_and_signs_one_out(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    phone = _token(client, A, "GutskinApp/2.1 (lost phone)")
    laptop = _token(client, A, "curl/8.5")
    login_page(client, A)
    page = client.get("/account")
    assert page.status_code == 200
    assert "GutskinApp/2.1 (lost phone)" in page.text and "curl/8.5" in page.text
    phone_row, laptop_row = _rows(engine, A)
    no_csrf = client.post("/account/tokens/revoke", data={"api_token": str(phone_row.id)}, follow_redirects=False)
    assert no_csrf.status_code == 403
    assert client.get("/api/v1/me/diary", headers=phone).status_code == 200  # nothing revoked without the form's token
    out = client.post("/account/tokens/revoke", data={"api_token": str(phone_row.id), "csrf_token": _csrf(page.text)},
                      follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/account?revoked=1#apps"
    assert client.get("/api/v1/me/diary", headers=phone).status_code == 401  # the next call is refused
    assert client.get("/api/v1/me/diary", headers=laptop).status_code == 200  # the other app goes on
    after = client.get("/account?revoked=1")
    assert after.status_code == 200 and 'id="token-revoked"' in after.text  # this browser session goes on too
    assert "GutskinApp/2.1 (lost phone)" not in after.text and "curl/8.5" in after.text
    bad = client.post("/account/tokens/revoke", data={"api_token": "phone", "csrf_token": _csrf(page.text)})
    assert bad.status_code == 422 and "number of a token listed under" in bad.text, bad.text[-800:]


def test_a_stranger_can_neither_list_nor_revoke_anothers_token(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    phone = _token(client, A, "GutskinApp/2.1 (Ottoline's phone)")
    (row,) = _rows(engine, A)
    login_page(client, B)
    page = client.get("/account")
    assert "Ottoline's phone" not in page.text and 'id="no-api-tokens"' in page.text
    csrf = _csrf(page.text)
    theirs = client.post("/account/tokens/revoke", data={"api_token": str(row.id), "csrf_token": csrf})
    nothing = client.post("/account/tokens/revoke", data={"api_token": "987654", "csrf_token": csrf})
    assert theirs.status_code == nothing.status_code == 404
    assert theirs.text == nothing.text  # the same answer as an id naming nothing
    assert client.get("/api/v1/me/diary", headers=phone).status_code == 200
    assert _rows(engine, A)[0].revoked_at is None
    with transaction(engine) as s:
        assert s.scalar(select(AuditEvent.id).where(AuditEvent.object_type == "api_token")) is None


def test_the_database_keeps_no_usable_token_and_old_tokens_without_an_id_are_refused(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    headers = _token(client, A, "curl/8.5")
    raw = headers["Authorization"].split(" ", 1)[1]
    serializer = URLSafeTimedSerializer(TEST_SECRET, salt="gutskin-api-token")
    tid = serializer.loads(raw)["tid"]
    (row,) = _rows(engine, A)
    assert row.id_hash == hashlib.sha256(tid.encode()).hexdigest()
    assert tid not in repr([getattr(row, c.key) for c in ApiToken.__table__.columns])
    # a token made before 0020 (the same signed account and session version, no id) is refused
    with transaction(engine) as s:
        sv = s.get(User, people.owner.user_id).session_version
    old = serializer.dumps({"uid": people.owner.user_id, "sv": sv})
    assert client.get("/api/v1/me/diary", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    # a signed token naming another account's row is refused too
    b_token = _token(client, B, "curl/8.5")["Authorization"].split(" ", 1)[1]
    forged = serializer.dumps({"uid": people.owner.user_id, "sv": sv, "tid": serializer.loads(b_token)["tid"]})
    assert client.get("/api/v1/me/diary", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_last_used_is_written_at_most_once_a_minute(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    headers = _token(client, A, "curl/8.5")
    (row,) = _rows(engine, A)
    assert row.last_used_at == row.created_at
    assert client.get("/api/v1/me/diary", headers=headers).status_code == 200
    assert _rows(engine, A)[0].last_used_at == row.created_at  # within the minute: not written
    earlier = row.created_at - dt.timedelta(minutes=5)
    with transaction(engine) as s:
        s.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=earlier, created_at=earlier))
    assert client.get("/api/v1/me/diary", headers=headers).status_code == 200
    touched = _rows(engine, A)[0].last_used_at
    assert touched > earlier + dt.timedelta(minutes=4)
    assert client.get("/api/v1/me/diary", headers=headers).status_code == 200
    assert _rows(engine, A)[0].last_used_at == touched


def test_sign_out_everywhere_and_a_password_change_still_end_every_token(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    one, two = _token(client, A, "app one"), _token(client, A, "app two")
    assert client.post("/api/v1/me/sign-out-everywhere", headers=one).status_code == 204
    assert client.get("/api/v1/me/diary", headers=one).status_code == 401
    assert client.get("/api/v1/me/diary", headers=two).status_code == 401
    assert _rows(engine, A) == []  # and the account page lists none
    three, four = _token(client, A, "app three"), _token(client, A, "app four")
    changed = client.post("/api/v1/me/password", headers=three,
                          json={"old_password": People.password, "new_password": "another quiet lantern 9"})
    assert changed.status_code == 204
    assert client.get("/api/v1/me/diary", headers=three).status_code == 401
    assert client.get("/api/v1/me/diary", headers=four).status_code == 401
    assert _rows(engine, A) == []
