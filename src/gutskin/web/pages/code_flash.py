"""Show a one-time code once, after a redirect (Post/Redirect/Get).

The sharing page answered "Create an invite code" with the code on the POST's own page: a reload
(or Back and resubmit) made a second live code (2026-12-06). Now the POST redirects, and the code
rides to the next GET in a short-lived cookie: never in the URL (history, Referer, access log),
encrypted (HMAC-SHA256 keystream with a random nonce, then signed), bound to this browser
session, the page path and the record, and deleted by the page that shows it, so it is shown once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response

from gutskin.web.deps import settings_of
from gutskin.web.pages.common import NOTE_SECONDS, _note_key, cookie_secure

FLASH_COOKIE = "gutskin_code"


def _pad(request: Request, nonce: str, size: int) -> bytes:
    key = settings_of(request).secret_key.encode()
    return hmac.new(key, f"code-flash|{nonce}".encode(), hashlib.sha256).digest()[:size]


def _serializer(request: Request):  # type: ignore[no-untyped-def]
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(settings_of(request).secret_key, salt="code-flash")


def put_code(request: Request, response: Response, path: str, patient_id: int, invite_id: int, code: str) -> None:
    """Hand ``code`` (at most 32 bytes) to the next GET of ``path`` in this session only."""
    nonce = secrets.token_hex(16)
    sealed = bytes(a ^ b for a, b in zip(code.encode(), _pad(request, nonce, len(code.encode())))).hex()
    token = _serializer(request).dumps([nonce, sealed, path, patient_id, invite_id, _note_key(request)])
    response.set_cookie(FLASH_COOKIE, token, max_age=NOTE_SECONDS, path=path, httponly=True,
                        samesite="strict", secure=cookie_secure(request))


def take_code(request: Request, patient_id: int) -> tuple[int, str] | None:
    """``(invite id, code)`` handed to this page, session and record, or None. The page must
    :func:`forget_code` in its answer, so a reload does not show the code again."""
    found = take_code_of_any(request)
    return (found[1], found[2]) if found and found[0] == patient_id else None


def take_code_of_any(request: Request) -> tuple[int, int, str] | None:
    """``(record id, invite id, code)`` handed to this page and session (a page of several
    records: the caller checks that the record is one of its own and the code still unused)."""
    from itsdangerous import BadSignature

    token = request.cookies.get(FLASH_COOKIE)
    if not token:
        return None
    try:
        value = _serializer(request).loads(token, max_age=NOTE_SECONDS)
    except BadSignature:
        return None
    if not (isinstance(value, list) and len(value) == 6):
        return None
    nonce, sealed, target, pid, invite_id, key = value
    if target != request.url.path or key != _note_key(request) or not isinstance(invite_id, int) or not isinstance(pid, int):
        return None
    raw = bytes.fromhex(sealed)
    return pid, invite_id, bytes(a ^ b for a, b in zip(raw, _pad(request, nonce, len(raw)))).decode()


def forget_code(request: Request, response: Response) -> None:
    """Delete the cookie of :func:`put_code` (when the browser sent one)."""
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path=request.url.path, httponly=True, samesite="strict",
                               secure=cookie_secure(request))
