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
