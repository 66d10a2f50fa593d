"""Mapping of use-case errors to HTTP statuses (one table for API and pages)."""

from __future__ import annotations

from gutskin.clinic.errors import (
    AuthenticationFailed,
    ClinicError,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
)

STATUS: dict[type[ClinicError], int] = {
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    InvalidInput: 422,
    AuthenticationFailed: 401,
    RateLimited: 429,
}


def status_for(exc: ClinicError) -> int:
    for cls, code in STATUS.items():
        if isinstance(exc, cls):
            return code
    return 400


def unreadable_body(cause: BaseException | None) -> str | None:
    """What was wrong with a JSON body that Python's ``json`` could not even decode, naming it
    (``"body: ..."``), or None for any other failure.

    FastAPI turns a ``JSONDecodeError`` into its 422, but any other exception of the decoder into
    a bare 400 "There was an error parsing the body", and a route reading its body itself got a
    500 from a ``RecursionError`` (2026-12-06 security walk: an anonymous
    ``POST /api/v1/auth/token`` of ``[[[[…`` 1,000 deep was an "internal error")."""
    import sys

    if isinstance(cause, RecursionError):
        return "body: JSON nested too deeply (arrays or objects inside each other several hundred levels deep)"
    if isinstance(cause, UnicodeDecodeError):
        return f"body: not valid UTF-8 (at byte {cause.start})"
    if type(cause) is ValueError and "digits" in str(cause):  # int('9' * 5000): Python's int size guard
        return f"body: a number has more than {sys.get_int_max_str_digits()} digits"
    return None
