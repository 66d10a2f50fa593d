"""The profiles whose diary drafts a signed-in page lets the tab keep (``<body data-draft-profiles>``).

static/app.js keeps an unsaved diary day in the tab's storage under account, profile and day. A
child's profile deleted by its managing parent, or a co-caregiver's access ended, left that
child's draft (health data of a record the account can no longer open) on the phone for up to
72 h, linked from /today to a page that answers 404. Each signed-in page now names the profiles
the account may still enter days for (``access.profiles``), and the script drops the others
(docs/web.md, 2026-12-06)."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import object_session

from gutskin.clinic import access
from gutskin.web.deps import PageUser


def draft_profiles(user: PageUser | None) -> str | None:
    """Space-separated ids of the profiles ``user`` may keep drafts for ("" for a clinician: no
    diary of their own); None when not known (no open session at render time), and then the
    script drops nothing on that page rather than everything."""
    if user is None:
        return None
    if user.actor.role != "patient":
        return ""
    session = object_session(user.user)
    if session is None:
        return None
    try:
        with session.no_autoflush:  # a read for the page: it must not flush the handler's writes early
            return " ".join(str(p.id) for p in access.profiles(session, user.actor))
    except SQLAlchemyError:  # a session already failed (an error page): say nothing, drop nothing
        return None
