"""Bearer tokens for the API, server-side cookie sessions and CSRF tokens for pages.

- API: ``Authorization: Bearer <token>``; the token is signed (itsdangerous, HMAC-SHA256 with
  ``GUTSKIN_SECRET_KEY``), expires, and carries the account's session version, so a password
  change ends every token at once, and a random id whose hash names its ``api_tokens`` row, so
  one token can be revoked alone (0020).
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
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from gutskin.clinic.errors import Conflict

from gutskin.store.models import Session as WebSession
from gutskin.store.models import Patient, User, utcnow

SESSION_COOKIE = "gutskin_session"
ANON_CSRF_COOKIE = "gutskin_csrf"
CLEAR_SITE_DATA = '"cache", "storage"'
"""``Clear-Site-Data`` of the answers that end a browser's session (sign out, sign out everywhere,
a password change, the account deleted): the browser drops this site's storage in every tab --
diary drafts kept in a tab's ``sessionStorage`` (static/app.js) -- and its cache. The page's own
script forgot the drafts of the tab whose form was sent only; a draft typed in another tab, or
left in the tab where the account was deleted, stayed on a shared computer with the health data
typed into it (account walk, 2026-12-07). Cookies are not cleared: the sign-in device cookie
stays (``DEVICE_COOKIE``)."""


SECRET_FILE = "secret_key"


def secret_is_unset(secret: str) -> bool:
    """The published development default, or nothing at all (``GUTSKIN_SECRET_KEY=`` in a
    shell or an env file)."""
    from gutskin.settings import DEV_SECRET

    return not (secret or "").strip() or secret == DEV_SECRET


def local_secret(directory: Path | None = None) -> str:
    """A random signing key of this installation, kept in ``secret_key`` (mode 0600) in the
    user's data directory (where the default SQLite database lives) and made on first use.

    Used outside production when ``GUTSKIN_SECRET_KEY`` is not set. Before, the development
    default (``"dev-insecure-secret-change-me"``, printed in the source) signed the API tokens:
    anyone who could reach a development server -- another user of the machine, the network
    with ``--host 0.0.0.0`` -- signed ``{"uid": 1, "sv": 1}`` and read account 1's record
    (fourth security review). Every worker process reads the same file, so a token issued by
    one is valid on the others and after a restart. If the file cannot be written, this process
    uses a random key of its own (tokens then end with it): never the published one."""
    import os
    import tempfile

    from platformdirs import user_data_dir

    folder = directory if directory is not None else Path(user_data_dir("gutskin", appauthor=False))
    path = folder / SECRET_FILE
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    except OSError:
        return secrets.token_urlsafe(48)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".secret-")  # mode 0600
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, path)  # atomic, and never replaces a key another worker made first
            except FileExistsError:
                pass
        finally:
            os.unlink(tmp)
        return _read_secret(path)
    except OSError:
        return secrets.token_urlsafe(48)


def _read_secret(path: Path) -> str:
    value = path.read_text(encoding="ascii").strip()
    if len(value) < 32:
        raise OSError(f"{path}: too short to be a signing key")
    return value


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="gutskin-api-token")


TOKEN_TOUCH_SECONDS = 60
"""``api_tokens.last_used_at`` is written at most once a minute per token: a write on every API
call would make every read a write (SQLite's one writer, a PostgreSQL row lock per request); the
account page shows the day and minute, so nothing is lost."""

TOKEN_LABEL_MAX = 200


class TokenLimitReached(Conflict):
    """The account already has ``limit`` working API tokens: no new one (:func:`issue_token`)."""

    def __init__(self, limit: int, oldest_expires: dt.datetime | None) -> None:
        self.limit = limit
        ends = (f" The oldest ends on its own at {oldest_expires.isoformat(timespec='seconds')}Z."
                if oldest_expires is not None else "")
        super().__init__(
            f"too many apps signed in: this account already has {limit} working API tokens, the most it may have, "
            "so no new token was made. Sign one out first: with one of them, GET /api/v1/auth/tokens lists them "
            "and DELETE /api/v1/auth/tokens/{id} revokes one (DELETE /api/v1/auth/token signs that app itself "
            "out); or in a browser, Account, Apps signed in, Sign this app out." + ends)


def issue_token(secret: str, user: User, session: Session, minutes: int, label: str = "",
                max_live: int | None = None) -> str:
    """A new bearer token of ``user``, recorded in ``api_tokens`` (0020): the signed string carries
    the account, its session version and a random token id; the row keeps only the id's SHA-256,
    so the database holds nothing that signs in. ``label``: what the account page names it by
    (the client's User-Agent at sign-in). Dead rows of the account (expired, revoked) go first.

    ``max_live`` (``GUTSKIN_API_TOKENS_MAX``, 2026-12-07): an account that already has this many
    working tokens (not revoked, not expired) gets :class:`TokenLimitReached` and nothing is
    written; there was no cap, and an app that signed in on every launch added a row each time.
    The account's row is locked first (``FOR UPDATE``; SQLite's write lock serializes anyway), so
    parallel sign-ins cannot both take the last place."""
    from gutskin.store.models import ApiToken

    now = utcnow()
    if max_live is not None:
        session.execute(select(User.id).where(User.id == user.id).with_for_update())
        live, oldest = session.execute(select(func.count(), func.min(ApiToken.expires_at)).where(
            ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at >= now)).one()
        if live >= max_live:
            raise TokenLimitReached(max_live, oldest)
    session.execute(delete(ApiToken).where(
        ApiToken.user_id == user.id, (ApiToken.expires_at < now) | ApiToken.revoked_at.is_not(None)))
    tid = secrets.token_urlsafe(18)
    session.add(ApiToken(id_hash=_h(tid), user_id=user.id, label=" ".join((label or "").split())[:TOKEN_LABEL_MAX],
                         created_at=now, last_used_at=now, expires_at=now + dt.timedelta(minutes=minutes)))
    session.flush()
    return _serializer(secret).dumps({"uid": user.id, "sv": user.session_version, "tid": tid})


def token_row_hash(secret: str, token: str, max_age_seconds: int) -> str | None:
    """The ``api_tokens.id_hash`` a valid signed token names, else ``None``."""
    try:
        data = _serializer(secret).loads(token, max_age=max_age_seconds)
    except (BadSignature, SignatureExpired):
        return None
    tid = data.get("tid") if isinstance(data, dict) else None
    return _h(tid) if isinstance(tid, str) and 10 <= len(tid) <= 64 else None


def account_from_token(session: Session, secret: str, token: str, max_age_seconds: int) -> tuple[User, list[Patient]] | None:
    """The token's account and the patient profiles it owns (one query), or ``None``.

    The profiles come with the account because nearly every API request acts on one of them.
    The token must name its ``api_tokens`` row (0020), unrevoked and unexpired; a token issued
    before 0020 has no id and is refused (docs/security.md, "API tokens one by one"). The row's
    ``last_used_at`` is moved on at most every :data:`TOKEN_TOUCH_SECONDS`.
    """
    from gutskin.store.models import ApiToken

    try:
        data = _serializer(secret).loads(token, max_age=max_age_seconds)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        return None
    tid = data.get("tid")
    if not isinstance(tid, str) or not 10 <= len(tid) <= 64:
        return None
    rows = session.execute(
        select(User, ApiToken, Patient)
        .join(ApiToken, (ApiToken.user_id == User.id) & (ApiToken.id_hash == _h(tid)))
        .outerjoin(Patient, Patient.owner_user_id == User.id)
        .where(User.id == data["uid"]).order_by(Patient.id)
    ).all()
    if not rows:
        return None
    user, row = rows[0][0], rows[0][1]
    now = utcnow()
    if user.session_version != data.get("sv") or row.revoked_at is not None or row.expires_at < now:
        return None
    if (now - row.last_used_at).total_seconds() >= TOKEN_TOUCH_SECONDS:
        # a guarded UPDATE: of two calls in the same minute only one writes
        session.execute(update(ApiToken).where(
            ApiToken.id == row.id, ApiToken.last_used_at <= now - dt.timedelta(seconds=TOKEN_TOUCH_SECONDS))
            .values(last_used_at=now).execution_options(synchronize_session=False))
    patients = [p for _, _, p in rows if p is not None]
    # the session's identity map holds rows weakly: keep these for the transaction, so the
    # authorization checks that follow read them from memory instead of querying again
    session.info.setdefault("gutskin_account_rows", []).extend([user, *patients])
    return user, patients


def _h(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


SESSION_PRUNE_BATCH = 200


def start_session(session: Session, user: User, minutes: int, old_raw: str | None = None) -> str:
    """Create a new session (rotating away any old one); return the raw cookie value.

    Dead rows go first (account walk, 2026-12-07): this account's sessions that have expired or
    were ended by a password change or "sign out everywhere" (an older session version), and up
    to :data:`SESSION_PRUNE_BATCH` expired sessions of anyone. A browser closed without signing
    out left its row for ever: ``web_sessions`` kept every sign-in's account and time (a sign-in
    history nobody could see or use) and grew with every sign-in."""
    if old_raw:
        session.execute(delete(WebSession).where(WebSession.id_hash == _h(old_raw)))
    now = utcnow()
    session.execute(delete(WebSession).where(
        WebSession.user_id == user.id,
        (WebSession.expires_at < now) | (WebSession.session_version != user.session_version)))
    session.execute(delete(WebSession).where(WebSession.id_hash.in_(
        select(WebSession.id_hash).where(WebSession.expires_at < now).limit(SESSION_PRUNE_BATCH)
        .scalar_subquery())))
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


DEVICE_COOKIE = "gutskin_device"
DEVICE_DAYS = 180


def _device_serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="gutskin-device")


def _device_tag(secret: str, email: str) -> str:
    """What a device cookie keeps of its address: a hash keyed with the server's secret. The
    cookie is signed, not encrypted, and stays in the browser for 180 days after signing out: a
    plain hash (``accounts.device_email_tag``) let the next person at a shared computer try
    addresses against it and learn who had used gutskin there (stranger walk, 2026-12-06)."""
    from gutskin.clinic.accounts import device_email_tag

    return hmac.new(secret.encode(), device_email_tag(email).encode(), hashlib.sha256).hexdigest()[:32]


def issue_device(secret: str, email: str) -> str:
    """A device cookie for a browser that has just signed in to ``email``: signed, naming only a
    keyed hash of the address (:func:`_device_tag`) and a random nonce. Sign-in attempts from it
    are limited per device instead of by the address's cap (``accounts.admit_login_attempt``), so
    people guessing one person's password from many networks no longer keep that person out of
    their own browser."""
    return _device_serializer(secret).dumps([_device_tag(secret, email), secrets.token_urlsafe(18)])


def device_nonce(secret: str, cookie: str | None, email: str) -> str | None:
    """The nonce of a valid device cookie issued for ``email`` (within :data:`DEVICE_DAYS`), else None."""
    if not cookie or len(cookie) > 300:
        return None
    try:
        value = _device_serializer(secret).loads(cookie, max_age=DEVICE_DAYS * 86400)
    except BadSignature:  # also expired
        return None
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        return None
    tag, nonce = value
    return nonce if hmac.compare_digest(tag, _device_tag(secret, email)) and nonce else None


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
