"""Request helpers: the unit of work, the acting user (bearer for the API, cookie for pages)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi import HTTPException, Request
from sqlalchemy.orm import Session

from gutskin.clinic.access import choose_default
from gutskin.clinic.accounts import actor_for
from gutskin.clinic.actors import Actor
from gutskin.settings import Settings
from gutskin.store.db import session_factory
from gutskin.store.models import Session as WebSession
from gutskin.store.models import User
from gutskin.web import security


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


_SQLITE_LOCK = threading.Lock()


@contextmanager
def unit_of_work(request: Request) -> Iterator[Session]:
    """One transaction per use case, committed before the response is built.

    On SQLite the requests of this process take turns through a lock held for the whole
    transaction: SQLite has a single writer, and waiting on a Python lock wakes the next
    request at once, where SQLite's own busy handler sleeps in growing steps (the long tail
    of concurrent writes). Other processes (a second worker, the CLI) still wait through the
    busy handler. PostgreSQL needs no such lock.
    """
    engine = request.app.state.engine
    if engine.dialect.name == "sqlite":
        with _SQLITE_LOCK, session_factory(engine).begin() as session:
            yield session
        return
    with session_factory(engine).begin() as session:
        yield session


PASSWORD_CHANGE_FIRST = ("password_change_required: the server's operator set this account's password; choose your "
                         "own first (POST /api/v1/me/password), then sign in again")


def api_actor(request: Request, session: Session, allow_must_change: bool = False) -> Actor:
    """The bearer token's account, or 401. An account whose password the operator set
    (``users.must_change_password``, 0020) gets 403 :data:`PASSWORD_CHANGE_FIRST` everywhere but
    the routes that pass ``allow_must_change`` (its own account, the password change, signing out)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(401, "not authenticated", headers={"WWW-Authenticate": "Bearer"})
    s = settings_of(request)
    account = security.account_from_token(session, s.secret_key, token.strip(), s.token_minutes * 60)
    if account is None:
        raise HTTPException(401, "invalid or expired token", headers={"WWW-Authenticate": "Bearer"})
    user, patients = account
    if user.must_change_password and not allow_must_change:
        raise HTTPException(403, PASSWORD_CHANGE_FIRST)
    chosen = choose_default(patients)
    return actor_for(user, chosen.id if chosen is not None else None)


@dataclass
class PageUser:
    actor: Actor
    user: User
    web_session: WebSession

    @property
    def csrf(self) -> str:
        return self.web_session.csrf_token


def page_user(request: Request, session: Session) -> PageUser | None:
    loaded = security.load_session(session, request.cookies.get(security.SESSION_COOKIE))
    if loaded is None:
        return None
    ws, user = loaded
    return PageUser(actor_for(user), user, ws)
