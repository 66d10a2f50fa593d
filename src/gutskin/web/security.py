"""Bearer tokens for the API, server-side cookie sessions and CSRF tokens for pages.

- API: ``Authorization: Bearer <token>``; the token is signed (itsdangerous, HMAC-SHA256 with
  ``GUTSKIN_SECRET_KEY``), expires, and carries the account's session version, so a password
  change ends every token at once.
- Pages: a random session id in an HttpOnly, SameSite=Lax cookie (Secure over TLS); the
  database keeps only its SHA-256. A new id is issued at every login (no fixation) and the
  row is deleted at logout. Each session has a CSRF token that every unsafe form or htmx
  request must echo (synchronizer-token pattern, OWASP CSRF cheat sheet); before login the
  login and register forms use a signed double-submit cookie.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import secrets

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gutskin.store.models import Session as WebSession
from gutskin.store.models import Patient, User, utcnow

SESSION_COOKIE = "gutskin_session"
ANON_CSRF_COOKIE = "gutskin_csrf"


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="gutskin-api-token")


def issue_token(secret: str, user: User) -> str:
    return _serializer(secret).dumps({"uid": user.id, "sv": user.session_version})


def account_from_token(session: Session, secret: str, token: str, max_age_seconds: int) -> tuple[User, list[Patient]] | None:
    """The token's account and the patient profiles it owns (one query), or ``None``.

    The profiles come with the account because nearly every API request acts on one of them.
    """
    try:
        data = _serializer(secret).loads(token, max_age=max_age_seconds)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        return None
    rows = session.execute(
        select(User, Patient).outerjoin(Patient, Patient.owner_user_id == User.id)
        .where(User.id == data["uid"]).order_by(Patient.id)
    ).all()
    if not rows:
        return None
    user = rows[0][0]
    if user.session_version != data.get("sv"):
        return None
    patients = [p for _, p in rows if p is not None]
    # the session's identity map holds rows weakly: keep these for the transaction, so the
    # authorization checks that follow read them from memory instead of querying again
    session.info.setdefault("gutskin_account_rows", []).extend([user, *patients])
    return user, patients


def _h(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def start_session(session: Session, user: User, minutes: int, old_raw: str | None = None) -> str:
    """Create a new session (rotating away any old one); return the raw cookie value."""
    if old_raw:
        session.execute(delete(WebSession).where(WebSession.id_hash == _h(old_raw)))
    raw = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id_hash=_h(raw),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            expires_at=utcnow() + dt.timedelta(minutes=minutes),
            session_version=user.session_version,
        )
    )
    return raw


def load_session(session: Session, raw: str | None) -> tuple[WebSession, User] | None:
    if not raw or len(raw) > 200:
        return None
    ws = session.get(WebSession, _h(raw))
    if ws is None or ws.expires_at < utcnow():
        return None
    user = session.get(User, ws.user_id)
    if user is None or user.session_version != ws.session_version:
        return None
    return ws, user


def end_session(session: Session, raw: str | None) -> None:
    if raw:
        session.execute(delete(WebSession).where(WebSession.id_hash == _h(raw)))


def end_all_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))


def anon_csrf_pair(secret: str, cookie_value: str | None) -> tuple[str, str]:
    """(cookie value, form token) for forms shown before login."""
    value = cookie_value if cookie_value and 20 <= len(cookie_value) <= 100 else secrets.token_urlsafe(24)
    token = hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()
    return value, token


def check_anon_csrf(secret: str, cookie_value: str | None, token: str | None) -> bool:
    if not cookie_value or not token:
        return False
    expected = hmac.new(secret.encode(), cookie_value.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, token)


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))




def client_network(request) -> str:  # type: ignore[no-untyped-def]
    """The network a request comes from, for the sign-in limit: the client's IPv4 address, or
    its IPv6 /64 (one host owns a whole /64 and could rotate addresses inside it).

    The address is the TCP peer, or — only when the peer is a proxy uvicorn trusts
    (``FORWARDED_ALLOW_IPS``, default 127.0.0.1 and ::1) — the client named in its
    ``X-Forwarded-For``. Anyone else's ``X-Forwarded-For`` is ignored.
    """
    host = request.client.host if request.client is not None else ""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host[:100] or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
