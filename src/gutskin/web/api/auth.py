"""Registration and bearer tokens."""

from __future__ import annotations

import json

from fastapi import APIRouter, HTTPException, Path, Request, Response
from pydantic import ValidationError

from gutskin.clinic import accounts
from gutskin.clinic.access import owned_patients
from gutskin.clinic.accounts import actor_for
from gutskin.clinic.errors import RateLimited
from gutskin.clinic.passwords import WEAK_REASONS, weakness
from gutskin.web import hashgate, security
from gutskin.web.api.schemas import AccountOut, ApiTokenOut, Credentials, RegisterIn, TokenOut
from gutskin.web.deps import api_actor, settings_of, unit_of_work
from gutskin.web.errors import unreadable_body

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/register", status_code=201, response_model=AccountOut, summary="Create a patient account",
             responses={409: {"description": "an account with this email already exists"},
                        429: {"description": "too many new accounts from this network"}})
async def register(body: RegisterIn, request: Request) -> AccountOut:
    return await hashgate.run(_register, body, request)  # waits for a hash slot without a thread (web.hashgate)


def _limited(exc: RateLimited, window_seconds: int) -> HTTPException:
    """A limit's 429 with ``Retry-After``: the seconds until the next attempt can pass (the limit's
    own count, ``exc.retry_after``; 2026-12-07), else the window, which is never too short. Every
    attempt is counted, refused ones too, so an app that retried on its own schedule kept its count
    up and stayed refused; waiting this long with no attempt lets the next one through (stranger walk,
    2026-12-07)."""
    return HTTPException(429, str(exc), headers={"Retry-After": str(exc.retry_after or window_seconds)})


def _register(body: RegisterIn, request: Request) -> AccountOut:
    s = settings_of(request)
    try:
        with unit_of_work(request) as session:  # counted and committed before anything is checked
            accounts.admit_registration(session, security.client_network(request), s.register_max_per_network,
                                        s.register_window_seconds, s.attempt_keep_seconds)
    except RateLimited as exc:
        raise _limited(exc, s.register_window_seconds) from None
    hashed = accounts.hash_new_password(body.email, body.password)  # argon2 before the transaction, not in it
    with unit_of_work(request) as s:
        user = accounts.register_patient(s, body.email, body.password, body.display_name, password_hash=hashed)
        patients = owned_patients(s, actor_for(user))
        return AccountOut(id=user.id, email=user.email, display_name=user.display_name or None, role=user.role,
                          patient_id=patients[0].id,
                          patients=[{"patient_id": p.id, "name": p.display_name, "relationship": p.relationship,
                                     "external_id": p.external_id, "time_zone": p.time_zone} for p in patients])


_TOKEN_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": Credentials.model_json_schema()},
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
                    "required": ["username", "password"],
                }
            },
        },
    }
}


@router.post("/token", response_model=TokenOut, summary="Get a bearer token", openapi_extra=_TOKEN_BODY,
             responses={401: {"description": "wrong email or password"},
                        409: {"description": "the account already has GUTSKIN_API_TOKENS_MAX (20) working tokens: "
                              "sign one out first (DELETE /auth/tokens/{id}); nothing was made"},
                        429: {"description": "too many attempts (Retry-After: seconds until an attempt can pass)"}})
async def token(request: Request) -> TokenOut:
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        try:
            creds = Credentials.model_validate(json.loads(await request.body() or b"null"))
        except (ValueError, ValidationError, RecursionError) as exc:  # RecursionError: [[[… was a 500
            why = unreadable_body(exc)
            raise HTTPException(422, why or "body: expected {\"email\": ..., \"password\": ...}") from None
        email, password = creds.email, creds.password
    else:
        form = await request.form()
        email = str(form.get("username") or form.get("email") or "")
        password = str(form.get("password") or "")
        if not email or not password:
            raise HTTPException(422, "username and password are required")
    return await hashgate.run(_issue, request, email, password)  # a hash slot first, then a thread (web.hashgate)


def _issue(request: Request, email: str, password: str) -> TokenOut:
    s = settings_of(request)
    net = security.client_network(request)
    with unit_of_work(request) as session:  # three commits: see accounts.authenticate
        attempt = accounts.record_login_attempt(session, email, net,
                                               keep_seconds=s.attempt_keep_seconds)
    try:
        with unit_of_work(request) as session:
            accounts.admit_login_attempt(session, email, net, s.login_max_failures, s.login_window_seconds,
                                         max_failures_per_email=s.login_max_failures_per_email)
        with unit_of_work(request) as session:
            check = accounts.check_sign_in(session, email, s.login_max_failures, s.login_window_seconds, net,
                                           s.login_max_failures_per_email)
        accounts.verify_sign_in(check, password)  # argon2 outside any transaction (no lock, no connection held)
    except RateLimited as exc:
        raise _limited(exc, s.login_window_seconds) from None
    with unit_of_work(request) as session:
        user = accounts.finish_sign_in(session, check, net, attempt)
        # a password set before today's rule still signs in; the answer says it must be changed, and why;
        # so does a password the operator set (users.must_change_password): until then only the account's
        # own routes answer (web.deps.api_actor)
        weak = weakness(password, user.email, user.display_name)
        reason = (OPERATOR_SET_REASON if user.must_change_password
                  else WEAK_REASONS[weak] if weak is not None else None)
        try:
            token = security.issue_token(s.secret_key, user, session, s.token_minutes,
                                         request.headers.get("user-agent", ""), max_live=s.api_tokens_max)
        except security.TokenLimitReached as exc:
            full = exc  # the sign-in itself stands (its attempts given back, committed); no token written
        else:
            return TokenOut(access_token=token, password_change_required=reason is not None,
                            password_change_reason=reason)
    raise HTTPException(409, str(full))


OPERATOR_SET_REASON = ("the server's operator set this password, so someone else knows it; until you choose your "
                       "own, this token only changes the password")


@router.delete("/token", status_code=204, summary="Revoke this bearer token (sign this app out)",
               responses={401: {"description": "no token, or one already revoked or expired"}})
def revoke_token(request: Request) -> Response:
    """Revoke the token this request carries: the app signs out on its own; the account's other
    tokens and browser sessions go on (``POST /me/sign-out-everywhere`` ends them all). Audited."""
    s = settings_of(request)
    with unit_of_work(request) as session:
        actor = api_actor(request, session, allow_must_change=True)  # 401 unless a working token
        scheme, _, raw = request.headers.get("authorization", "").partition(" ")
        id_hash = security.token_row_hash(s.secret_key, raw.strip(), s.token_minutes * 60)
        accounts.revoke_api_token(session, actor, id_hash=id_hash)
    return Response(status_code=204)


def _current_id_hash(request: Request) -> str | None:
    """The ``api_tokens.id_hash`` of the bearer token this request carries (checked by ``api_actor`` first)."""
    s = settings_of(request)
    scheme, _, raw = request.headers.get("authorization", "").partition(" ")
    return security.token_row_hash(s.secret_key, raw.strip(), s.token_minutes * 60)


def _stamp(value) -> str:  # type: ignore[no-untyped-def]
    return value.isoformat(timespec="seconds") + "Z"


@router.get("/tokens", response_model=list[ApiTokenOut], summary="List this account's signed-in apps (API tokens)",
            responses={401: {"description": "no token, or one revoked or expired"}})
def list_tokens(request: Request) -> list[ApiTokenOut]:
    """The calling account's API tokens that still work, newest first: each one's row id (never the
    token), label (the app's User-Agent at sign-in), created, last used, expires, and ``current``
    (the token of this request). The account page's "Apps signed in" lists the same tokens."""
    with unit_of_work(request) as session:
        actor = api_actor(request, session)
        rows = accounts.list_api_tokens(session, actor, _current_id_hash(request))
        return [ApiTokenOut(id=r["id"], label=r["label"], created_at=_stamp(r["created_at"]),
                            last_used_at=_stamp(r["last_used_at"]), expires_at=_stamp(r["expires_at"]),
                            current=r["current"]) for r in rows]


@router.delete("/tokens/{token_id}", status_code=204, summary="Revoke one of this account's API tokens",
               responses={401: {"description": "no token, or one revoked or expired"},
                          404: {"description": "no working token of this account has this id (another account's "
                                "token, one already revoked or expired, or none: the same answer)"}})
def revoke_one_token(request: Request, token_id: int = Path(..., description="an id from GET /auth/tokens")) -> Response:
    """Revoke one API token of the calling account by its id (an app on a lost phone); the others go
    on. The token of this request may be named too (then it ends, as ``DELETE /auth/token``).
    Another account's token id is 404, as an id naming nothing. Audited like the account page's
    "Sign this app out" (``revoke`` ``api_token`` on each of the account's own profiles)."""
    with unit_of_work(request) as session:
        actor = api_actor(request, session)
        accounts.revoke_api_token(session, actor, token_id=token_id)
    return Response(status_code=204)
