"""Landing, register, log in, log out."""

from __future__ import annotations

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from gutskin.clinic import accounts
from gutskin.clinic.errors import AuthenticationFailed, ClinicError, RateLimited
from gutskin.clinic.passwords import weakness
from gutskin.web import hashgate, security
from gutskin.web.deps import page_user, settings_of, unit_of_work
from gutskin.web.pages.common import cookie_secure, redirect, render

router = APIRouter(include_in_schema=False)


def _home_for(role: str) -> str:
    return "/clinic" if role == "clinician" else "/today" if role == "patient" else "/account"


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
def landing(request: Request, deleted: int = 0) -> Response:
    with unit_of_work(request) as s:
        u = page_user(request, s)
        if u is not None:  # an operator-set password is replaced first (users.must_change_password)
            return redirect("/account" if u.user.must_change_password else _home_for(u.actor.role))
    return render(request, "landing.html", {"deleted": bool(deleted)})


HTTPS_ONLY = ("this server runs in production mode and signs in only over HTTPS: open it with https:// "
              "(the browser does not send the sign-in form's Secure cookie back over http)")


def _plain_http_in_production(request: Request) -> bool:
    """Production cookies are ``Secure``; over plain http the browser keeps them, so every sign-in
    failed with "the form expired" (found by the IT-operator review). The scheme is uvicorn's,
    which follows ``X-Forwarded-Proto`` from a trusted proxy."""
    return settings_of(request).is_production and request.url.scheme != "https"


def _anon_form(request: Request, name: str, ctx: dict, status: int = 200) -> Response:
    cookie, token = security.anon_csrf_pair(settings_of(request).secret_key, request.cookies.get(security.ANON_CSRF_COOKIE))
    if _plain_http_in_production(request):
        ctx = {**ctx, "needs_https": HTTPS_ONLY}
    resp = render(request, name, {**ctx, "anon_csrf": token}, status=status)
    resp.set_cookie(security.ANON_CSRF_COOKIE, cookie, httponly=True, samesite="strict", secure=cookie_secure(request))
    return resp


def _refused(request: Request, name: str, ctx: dict, exc: RateLimited) -> Response:
    """A limit's 429 form: its words say the wait ("try again in about 5 minutes") and ``Retry-After``
    says it in seconds, as the API's 429 does (2026-12-07: the page said "a few minutes", no header)."""
    resp = _anon_form(request, name, {**ctx, "error": str(exc)}, status=429)
    if exc.retry_after:
        resp.headers["Retry-After"] = str(exc.retry_after)
    return resp


def _check_anon_csrf(request: Request, token: str) -> None:
    if not security.check_anon_csrf(settings_of(request).secret_key, request.cookies.get(security.ANON_CSRF_COOKIE), token):
        if _plain_http_in_production(request) and not request.cookies.get(security.ANON_CSRF_COOKIE):
            raise HTTPException(403, HTTPS_ONLY)
        raise HTTPException(403, "the form expired or did not come from this site; reload the page and try again")


def _signed_in(request: Request, user_id: int, target: str, email: str) -> Response:
    s = settings_of(request)
    with unit_of_work(request) as session:
        from gutskin.store.models import User

        user = session.get(User, user_id)
        assert user is not None
        raw = security.start_session(session, user, s.session_minutes, request.cookies.get(security.SESSION_COOKIE))
    resp = redirect(target)
    resp.set_cookie(security.SESSION_COOKIE, raw, httponly=True, samesite="lax", secure=cookie_secure(request),
                    max_age=s.session_minutes * 60)
    resp.delete_cookie(security.ANON_CSRF_COOKIE)
    # this browser is now known for this address: its sign-ins are limited per device, not by the
    # address's cap that others' guessing can use up (security.issue_device); a new nonce each time
    resp.set_cookie(security.DEVICE_COOKIE, security.issue_device(s.secret_key, email), httponly=True,
                    samesite="strict", secure=cookie_secure(request), max_age=security.DEVICE_DAYS * 86400,
                    path="/login")
    return resp


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, changed: int = 0, everywhere: int = 0, unsaved: int = 0) -> Response:
    return _anon_form(request, "login.html", {"changed": bool(changed), "everywhere": bool(everywhere),
                                              "unsaved": bool(unsaved)})


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, email: str = Form(""), password: str = Form(""), csrf_token: str = Form("")) -> Response:
    _check_anon_csrf(request, csrf_token)
    try:  # waits for a password-hash slot in the event loop, not in a worker thread (web.hashgate)
        return await hashgate.run(_login, request, email, password)
    except RateLimited as exc:
        return _refused(request, "login.html", {"email": email}, exc)


def _login(request: Request, email: str, password: str) -> Response:
    s = settings_of(request)
    net = security.client_network(request)
    # a browser that signed in to this address before is limited on its own (accounts.admit_login_attempt)
    device = security.device_nonce(s.secret_key, request.cookies.get(security.DEVICE_COOKIE), email)
    with unit_of_work(request) as session:  # three commits: see accounts.authenticate
        attempt = accounts.record_login_attempt(session, email, net,
                                               keep_seconds=s.attempt_keep_seconds, device=device)
    try:
        with unit_of_work(request) as session:
            accounts.admit_login_attempt(session, email, net, s.login_max_failures, s.login_window_seconds,
                                         device=device, max_failures_per_email=s.login_max_failures_per_email)
        with unit_of_work(request) as session:
            check = accounts.check_sign_in(session, email, s.login_max_failures, s.login_window_seconds, net,
                                           s.login_max_failures_per_email, device=device)
        accounts.verify_sign_in(check, password)  # argon2 outside any transaction (no lock, no connection held)
        with unit_of_work(request) as session:
            user = accounts.finish_sign_in(session, check, net, attempt, device=device)
            uid, role = user.id, user.role
            # a password set before today's rule (passwords.check_policy) still signs in, and asks for a new one
            weak = weakness(password, user.email, user.display_name)
            # the operator set it (gutskin users create / set-password): the account page asks for their own
            must_change = user.must_change_password
    except RateLimited as exc:
        return _refused(request, "login.html", {"email": email}, exc)
    except AuthenticationFailed as exc:  # wrong: both fields are marked invalid and described by the message
        return _anon_form(request, "login.html", {"error": str(exc), "email": email, "wrong": True}, status=401)
    if weak is not None:  # signed in all the same: the account page names why and leads on (account.html)
        return _signed_in(request, uid, f"/account?weak={weak}", email)
    if must_change:  # the account page's banner comes from the account row; nothing else is served until then
        return _signed_in(request, uid, "/account", email)
    return _signed_in(request, uid, _home_for(role), email)


@router.get("/register", response_class=HTMLResponse)
def register_form(request: Request) -> Response:
    return _anon_form(request, "register.html", {})


@router.post("/register", response_class=HTMLResponse)
async def register(request: Request, email: str = Form(""), password: str = Form(""), display_name: str = Form(""),
                   csrf_token: str = Form("")) -> Response:
    _check_anon_csrf(request, csrf_token)
    try:  # hashing the new password waits for a slot like a sign-in (web.hashgate)
        return await hashgate.run(_register, request, email, password, display_name)
    except RateLimited as exc:
        return _refused(request, "register.html", {"email": email, "display_name": display_name}, exc)


def _register(request: Request, email: str, password: str, display_name: str) -> Response:
    s = settings_of(request)
    with unit_of_work(request) as session:  # counted and committed before anything is checked
        accounts.admit_registration(session, security.client_network(request), s.register_max_per_network,
                                    s.register_window_seconds, s.attempt_keep_seconds)
    try:
        hashed = accounts.hash_new_password(email, password)  # argon2 before the transaction, not in it
        with unit_of_work(request) as session:
            user = accounts.register_patient(session, email, password, display_name, password_hash=hashed)
            uid = user.id
    except ClinicError as exc:
        return _anon_form(request, "register.html", {"error": str(exc), "email": email, "display_name": display_name},
                          status=422)
    return _signed_in(request, uid, "/today", email)


@router.post("/logout")
def logout(request: Request, csrf_token: str = Form("")) -> Response:
    with unit_of_work(request) as session:
        u = page_user(request, session)
        if u is not None:
            from gutskin.web.pages.common import verify_csrf

            verify_csrf(request, u, csrf_token)
            security.end_session(session, request.cookies.get(security.SESSION_COOKIE))
    resp = redirect("/login")
    resp.delete_cookie(security.SESSION_COOKIE)
    resp.headers["Clear-Site-Data"] = security.CLEAR_SITE_DATA  # drafts in every tab (security.CLEAR_SITE_DATA)
    return resp
