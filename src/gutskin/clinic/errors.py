"""Errors the use cases raise; the web and CLI layers map them to statuses and exit codes."""

from __future__ import annotations


class ClinicError(Exception):
    """Base class; ``str(err)`` is safe to show to the acting user."""


class NotFound(ClinicError):
    """Missing, or not yours: the two are deliberately indistinguishable."""


class Forbidden(ClinicError):
    """Known to exist for this user but the role does not allow the action (e.g. a patient on a clinician route)."""


class Conflict(ClinicError):
    """The request clashes with stored state (duplicate email, day already imported ...)."""


class InvalidInput(ClinicError):
    """Input that fails validation; the message names the field."""


class InputProblems(InvalidInput):
    """Every problem of a refused input at once, each ``"field: what is wrong"`` (a form lists them
    all, _field_error.html's summary); ``str()`` joins them with "; " (the API's one ``detail``)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class AuthenticationFailed(ClinicError):
    """Wrong email or password (never says which)."""


class RateLimited(ClinicError):
    """Too many failed attempts; try again later.

    ``retry_after``: the seconds until a try can succeed, when the limit knows them (the web layer
    sends them as ``Retry-After``; the message says them in words, :func:`try_again_in`)."""

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def try_again_in(seconds: int) -> str:
    """``"try again in about 5 minutes"``: a wait in words, rounded up (a person told "about 4
    minutes" who comes back after 4 would be refused again). Under a minute in seconds, up to an
    hour and a half in minutes (60: "an hour"), beyond in whole hours (2026-12-07)."""
    seconds = max(1, int(seconds))
    if seconds < 60:
        return f"try again in about {seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    if minutes == 60:
        return "try again in about an hour"
    if minutes <= 90:
        return f"try again in about {'a minute' if minutes == 1 else f'{minutes} minutes'}"
    return f"try again in about {-(-minutes // 60)} hours"
