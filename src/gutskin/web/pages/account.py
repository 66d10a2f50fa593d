"""The account page, for every role: who is signed in, their name, and a password change.

Admins land here (they manage accounts on the server with ``gutskin users …`` and never see
health data); patients and clinicians reach it from the header.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from gutskin.clinic import accounts
from gutskin.clinic.errors import AuthenticationFailed, ClinicError, InvalidInput
from gutskin.web import security
from gutskin.web.errors import status_for
from gutskin.web.pages.common import redirect, render, require_user, verify_csrf

router = APIRouter(include_in_schema=False)


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, weak: str = "", revoked: int = 0, named: int = 0) -> Response:
    """``weak``: the sign-in's code (passwords.WEAK_REASONS) for a password that still signs in but
    is refused for new ones today; the page names why above the change form. An unknown code
    shows nothing (the words are fixed: a link cannot make the page say anything else). An
    account whose password the operator set (``users.must_change_password``) gets its own banner
    from the account row, not from the address. The account's API tokens (apps signed in) are
    listed, each with a revoke button; ``revoked``: one was just revoked; ``named``: the account's
    name was just saved (``POST /account/name``)."""
    from gutskin.clinic.passwords import WEAK_REASONS
    from gutskin.web.deps import unit_of_work
    from gutskin.web.pages.public import _home_for

    with unit_of_work(request) as s:
        u = require_user(request, s, allow_must_change=True)
        return render(request, "account.html", {"weak_reason": WEAK_REASONS.get(weak),
                                                "must_change": u.user.must_change_password,
                                                "tokens": accounts.list_api_tokens(s, u.actor),
                                                "revoked": bool(revoked), "named": bool(named),
                                                "home": _home_for(u.actor.role)}, user=u)


@router.post("/account/name", response_class=HTMLResponse)
def set_name(request: Request, display_name: str = Form(""), csrf_token: str = Form("")) -> Response:
    """The account's own name, shown to others instead of the email address (a clinician's patients
    on Sharing, Appointments and their access list; a patient's clinic on its panel): clinic walk on
    a fresh server, 2026-12-07 (a clinician made without ``--name`` had no way to give one). Blank
    clears it. Refused (a control character, too long): the page again with the message and what
    was typed. An account that must first replace an operator-set password gets that page instead."""
    from gutskin.web.deps import unit_of_work
    from gutskin.web.pages.public import _home_for

    try:
        with unit_of_work(request) as s:
            u = require_user(request, s)
            verify_csrf(request, u, csrf_token)
            accounts.set_display_name(s, u.actor, display_name)
    except InvalidInput as exc:
        with unit_of_work(request) as s:
            u = require_user(request, s)
            return render(request, "account.html", {"name_error": str(exc), "name_typed": display_name,
                                                    "must_change": u.user.must_change_password,
                                                    "tokens": accounts.list_api_tokens(s, u.actor),
                                                    "home": _home_for(u.actor.role)},
                          status=status_for(exc), user=u)
    return redirect("/account?named=1#name")


@router.post("/account/password", response_class=HTMLResponse)
def change_password(request: Request, current_password: str = Form(""), new_password: str = Form(""),
                    csrf_token: str = Form("")) -> Response:
    """Change the password; every session and token ends, this one too: log in again."""
    from gutskin.web.deps import unit_of_work

    with unit_of_work(request) as s:  # counted first, in its own transaction (a failed check rolls back)
        u = require_user(request, s, allow_must_change=True)
        verify_csrf(request, u, csrf_token)
        accounts.record_password_recheck(s, u.actor)
    try:
        with unit_of_work(request) as s:
            check = accounts.check_password_recheck(s, require_user(request, s, allow_must_change=True).actor)
        new_hash = accounts.hash_changed_password(check, current_password, new_password)  # argon2 in no transaction
        with unit_of_work(request) as s:
            accounts.finish_password_change(s, require_user(request, s, allow_must_change=True).actor, check, new_hash)
    except ClinicError as exc:
        with unit_of_work(request) as s:
            u = require_user(request, s, allow_must_change=True)
            # the field the message is about is marked invalid and described by it (account.html)
            field = ("current_password" if isinstance(exc, AuthenticationFailed)
                     else "new_password" if str(exc).startswith("password:") else None)
            return render(request, "account.html", {"error": str(exc), "error_field": field,
                                                    "must_change": u.user.must_change_password,
                                                    "tokens": accounts.list_api_tokens(s, u.actor)},
                          status=status_for(exc), user=u)
    resp = redirect("/login?changed=1")
    resp.delete_cookie(security.SESSION_COOKIE)
    resp.headers["Clear-Site-Data"] = security.CLEAR_SITE_DATA  # drafts in every tab (security.CLEAR_SITE_DATA)
    return resp


@router.post("/account/sign-out-everywhere", response_class=HTMLResponse)
def sign_out_everywhere(request: Request, csrf_token: str = Form("")) -> Response:
    """End every session and API token of the account (a lost phone), this one too."""
    from gutskin.web.deps import unit_of_work

    with unit_of_work(request) as s:
        u = require_user(request, s, allow_must_change=True)
        verify_csrf(request, u, csrf_token)
        accounts.sign_out_everywhere(s, u.actor)
    resp = redirect("/login?everywhere=1")
    resp.delete_cookie(security.SESSION_COOKIE)
    resp.headers["Clear-Site-Data"] = security.CLEAR_SITE_DATA  # drafts in every tab (security.CLEAR_SITE_DATA)
    return resp


@router.post("/account/tokens/revoke", response_class=HTMLResponse)
def revoke_token(request: Request, api_token: str = Form(""), csrf_token: str = Form("")) -> Response:
    """Revoke one API token of the account (an app signed in on a lost phone); the others, and this
    browser session, go on. ``api_token``: the token's row id from the list on this page; another
    account's token, or one already revoked: 404, as an id naming nothing."""
    from gutskin.web.deps import unit_of_work

    with unit_of_work(request) as s:
        u = require_user(request, s, allow_must_change=True)
        verify_csrf(request, u, csrf_token)
        text = api_token.strip()
        if not text.isascii() or not text.isdigit() or len(text) > 12:
            raise InvalidInput("api_token: expected the number of a token listed under 'Apps signed in'")
        accounts.revoke_api_token(s, u.actor, token_id=int(text))  # not the account's, or gone: 404
    return redirect("/account?revoked=1#apps")
