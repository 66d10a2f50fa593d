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
    """Too many failed attempts; try again later."""
