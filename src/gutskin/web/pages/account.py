"""The account page, for every role: who is signed in, and a password change.

Admins land here (they manage accounts on the server with ``gutskin users …`` and never see
health data); patients and clinicians reach it from the header.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from gutskin.clinic import accounts
from gutskin.clinic.errors import AuthenticationFailed, ClinicError
from gutskin.web import security
from gutskin.web.errors import status_for
from gutskin.web.pages.common import redirect, render, require_user, verify_csrf

router = APIRouter(include_in_schema=False)


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, weak: str = "") -> Response:
    """``weak``: the sign-in's code (passwords.WEAK_REASONS) for a password that still signs in but
    is refused for new ones today; the page names why above the change form. An unknown code
    shows nothing (the words are fixed: a link cannot make the page say anything else)."""
    from gutskin.clinic.passwords import WEAK_REASONS
    from gutskin.web.deps import unit_of_work
    from gutskin.web.pages.public import _home_for

    with unit_of_work(request) as s:
        u = require_user(request, s)
        return render(request, "account.html", {"weak_reason": WEAK_REASONS.get(weak),
                                                "home": _home_for(u.actor.role)}, user=u)


@router.post("/account/password", response_class=HTMLResponse)
def change_password(request: Request, current_password: str = Form(""), new_password: str = Form(""),
                    csrf_token: str = Form("")) -> Response:
    """Change the password; every session and token ends, this one too: log in again."""
    from gutskin.web.deps import unit_of_work

    with unit_of_work(request) as s:  # counted first, in its own transaction (a failed check rolls back)
        u = require_user(request, s)
        verify_csrf(request, u, csrf_token)
        accounts.record_password_recheck(s, u.actor)
    try:
        with unit_of_work(request) as s:
            check = accounts.check_password_recheck(s, require_user(request, s).actor)
        new_hash = accounts.hash_changed_password(check, current_password, new_password)  # argon2 in no transaction
        with unit_of_work(request) as s:
            accounts.finish_password_change(s, require_user(request, s).actor, check, new_hash)
    except ClinicError as exc:
        with unit_of_work(request) as s:
            u = require_user(request, s)
            # the field the message is about is marked invalid and described by it (account.html)
            field = ("current_password" if isinstance(exc, AuthenticationFailed)
                     else "new_password" if str(exc).startswith("password:") else None)
            return render(request, "account.html", {"error": str(exc), "error_field": field}, status=status_for(exc),
                          user=u)
    resp = redirect("/login?changed=1")
    resp.delete_cookie(security.SESSION_COOKIE)
    resp.headers["Clear-Site-Data"] = security.CLEAR_SITE_DATA  # drafts in every tab (security.CLEAR_SITE_DATA)
    return resp


@router.post("/account/sign-out-everywhere", response_class=HTMLResponse)
def sign_out_everywhere(request: Request, csrf_token: str = Form("")) -> Response:
    """End every session and API token of the account (a lost phone), this one too."""
    from gutskin.web.deps import unit_of_work

    with unit_of_work(request) as s:
        u = require_user(request, s)
        verify_csrf(request, u, csrf_token)
        accounts.sign_out_everywhere(s, u.actor)
    resp = redirect("/login?everywhere=1")
    resp.delete_cookie(security.SESSION_COOKIE)
    resp.headers["Clear-Site-Data"] = security.CLEAR_SITE_DATA  # drafts in every tab (security.CLEAR_SITE_DATA)
    return resp
