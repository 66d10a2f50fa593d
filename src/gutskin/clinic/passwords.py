"""Password hashing with argon2id (pwdlib), and the policy for new passwords."""

from __future__ import annotations

import threading
from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from gutskin.clinic.errors import InvalidInput

MIN_LENGTH = 10


@lru_cache
def _hasher() -> PasswordHash:
    return PasswordHash((Argon2Hasher(),))


HASH_SLOTS = 2
"""Password hashes computed at once per process. argon2id takes ~64 MiB and a core for tens of
milliseconds by design; 40 parallel sign-ins stalled every other request for 25 s. Beyond the
slots, sign-ins queue while diary writes keep going."""
_slots = threading.BoundedSemaphore(HASH_SLOTS)


def hash_password(password: str) -> str:
    with _slots:
        return _hasher().hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    with _slots:
        return _hasher().verify(password, password_hash)


_DUMMY_HASH: str | None = None


def burn_time(password: str) -> None:
    """Verify against a dummy hash so an unknown email costs as much time as a wrong password."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password("dummy-password-for-timing")
    verify_password(password, _DUMMY_HASH)


def check_policy(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise InvalidInput(f"password: must be at least {MIN_LENGTH} characters")
    if len(password) > 1024:
        raise InvalidInput("password: must be at most 1024 characters")
