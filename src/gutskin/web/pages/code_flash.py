"""Show a one-time code once, after a redirect (Post/Redirect/Get).

The sharing page answered "Create an invite code" with the code on the POST's own page: a reload
(or Back and resubmit) made a second live code (2026-12-06). Now the POST redirects, and the code
rides to the next GET in a short-lived cookie: never in the URL (history, Referer, access log),
encrypted and authenticated with Fernet (the ``cryptography`` package: AES-128-CBC + HMAC-SHA256,
https://github.com/fernet/spec), its key derived from the server secret with HKDF (RFC 5869), bound
to this browser session, the page path and the record, and deleted by the page that shows it, so
it is shown once.
"""

from __future__ import annotations

import base64
import json

from fastapi import Request, Response

from gutskin.web.deps import settings_of
from gutskin.web.pages.common import NOTE_SECONDS, _note_key, cookie_secure

FLASH_COOKIE = "gutskin_code"


def _fernet(request: Request):  # type: ignore[no-untyped-def]
    """Fernet under a key of its own, derived from the server secret (never the secret itself)."""
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"gutskin code-flash").derive(
        settings_of(request).secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def put_code(request: Request, response: Response, path: str, patient_id: int, invite_id: int, code: str) -> None:
    """Hand ``code`` to the next GET of ``path`` in this session only."""
    token = _fernet(request).encrypt(json.dumps([path, patient_id, invite_id, _note_key(request), code]).encode())
    response.set_cookie(FLASH_COOKIE, token.decode(), max_age=NOTE_SECONDS, path=path, httponly=True,
                        samesite="strict", secure=cookie_secure(request))


def take_code(request: Request, patient_id: int) -> tuple[int, str] | None:
    """``(invite id, code)`` handed to this page, session and record, or None. The page must
    :func:`forget_code` in its answer, so a reload does not show the code again."""
    found = take_code_of_any(request)
    return (found[1], found[2]) if found and found[0] == patient_id else None


def take_code_of_any(request: Request) -> tuple[int, int, str] | None:
    """``(record id, invite id, code)`` handed to this page and session (a page of several
    records: the caller checks that the record is one of its own and the code still unused)."""
    from cryptography.fernet import InvalidToken

    token = request.cookies.get(FLASH_COOKIE)
    if not token:
        return None
    try:
        value = json.loads(_fernet(request).decrypt(token.encode(), ttl=NOTE_SECONDS))
    except (InvalidToken, ValueError):
        return None
    if not (isinstance(value, list) and len(value) == 5):
        return None
    target, pid, invite_id, key, code = value
    if (target != request.url.path or key != _note_key(request) or not isinstance(invite_id, int)
            or not isinstance(pid, int) or not isinstance(code, str)):
        return None
    return pid, invite_id, code


def forget_code(request: Request, response: Response) -> None:
    """Delete the cookie of :func:`put_code` (when the browser sent one)."""
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path=request.url.path, httponly=True, samesite="strict",
                               secure=cookie_secure(request))
