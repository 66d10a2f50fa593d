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


def check_policy(password: str, email: str = "", display_name: str = "") -> None:
    """At least :data:`MIN_LENGTH` characters, at most 1024, and not one of the passwords guessed
    first (:func:`guessable`), the account's own address or name included when given."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise InvalidInput(f"password: must be at least {MIN_LENGTH} characters")
    if len(password) > 1024:
        raise InvalidInput("password: must be at most 1024 characters")
    why = guessable(password, email, display_name)
    if why is not None:
        raise InvalidInput(f"password: too easy to guess ({why}); choose another, for example three or four "
                           "unrelated words")


#: the words under the most common passwords of 10 or more characters once digits and symbols around
#: them are taken off ("Password123!", "iloveyou2024", "qwerty12345"), and this site's own words
COMMON_WORDS = frozenset("""
password passwort wachtwoord motdepasse contrasena contrasenya salasana haslo senha parola
iloveyou loveyou welcome letmein changeme default secret admin administrator login user guest
qwerty azerty qwertz abc abcd abcde abcdef abcdefg football baseball soccer hockey basketball
sunshine princess dragon monkey shadow master superman batman spiderman starwars pokemon
trustno trustnoone michael jennifer jessica charlie thomas daniel robert jordan hunter ashley
computer internet hello helloworld freedom whatsup flower cookie summer winter chocolate
mypassword yourpassword thepassword newpassword oldpassword mypass pass passw passwd access
gutskin eczema myeczema allergy allergies skin itch clinic doctor patient health
""".split())

#: rows of a keyboard, the alphabet and the digits, forwards and (checked as well) backwards
WALKS = ("01234567890", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm", "qwertzuiopasdfghjklyxcvbnm",
         "azertyuiopqsdfghjklmwxcvbn", "1q2w3e4r5t6y7u8i9o0p", "q1w2e3r4t5y6u7i8o9p0", "1qaz2wsx3edc4rfv5tgb6yhn",
         "qazwsxedcrfvtgbyhnujmikolp", "zaq1xsw2cde3vfr4bgt5", "qweasdzxc", "!@#$%^&*()")

_LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s", "5": "s", "7": "t",
                       "+": "t", "8": "b", "9": "g"})


def _plain(text: str) -> str:
    """Case-folded NFKC without spaces, punctuation and symbols, except those standing for letters
    ('P@ss word' -> 'p@ssword')."""
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum() or ch in "@$!+")


def _core(text: str) -> str:
    """The word under a password: digits and symbols at both ends taken off, then leet undone
    ('P@ssw0rd123!' -> 'password', '2024iloveyou' -> 'iloveyou')."""
    import re

    return re.sub(r"^[^a-z]+|[^a-z]+$", "", _plain(text)).translate(_LEET)


def _on_a_walk(text: str) -> bool:
    return any(text in w or text in w[::-1] for w in WALKS)


def guessable(password: str, email: str = "", display_name: str = "") -> str | None:
    """Why ``password`` is among the first an online guesser tries, or ``None``.

    Length alone let "1234567890", "aaaaaaaaaa", "Password123" and "qwertyuiop" through, each in
    the first few hundred guesses of every published list; the per-address sign-in cap
    (``GUTSKIN_LOGIN_MAX_FAILURES_PER_EMAIL``, 20 per 5 minutes from all networks) lets a guesser
    try some 5,700 a day. Refused, as NIST SP 800-63B 5.1.1.2 and OWASP ASVS 2.1.7 ask (passwords
    "commonly used, expected or compromised": dictionary words, repetitive or sequential
    characters, context-specific words such as the service's or the user's name): fewer than 5
    different characters; a run along the digits, the alphabet or a keyboard row (either way);
    one of :data:`COMMON_WORDS`, the address's name before the @, the address itself or the
    account's name, with digits and symbols around it or letters swapped for look-alike digits.
    A long passphrase that contains such a word ("my dog hates the rain, password 7") is kept:
    only the whole password is compared. At sign-in a correct password is never refused; one that
    this rule would refuse now signs in and asks for a new password (:func:`weakness`)."""
    plain = _plain(password)
    if len(set(plain)) < 5:
        return "too few different characters"
    if len(plain) >= 6 and _on_a_walk(plain):
        return "a run of the digits, the alphabet or a keyboard row"
    core = _core(password)
    if not core:
        return None  # digits (and symbols) only: long enough, and no walk or repetition above
    if core in COMMON_WORDS or (len(core) >= 3 and _on_a_walk(core)):
        return "a common password with digits or symbols around it"
    own = set()
    if email:
        local, _, domain = email.strip().casefold().partition("@")
        own |= {_core(email), _core(local), _core(domain.split(".")[0])}
    if display_name.strip():
        own |= {_core(display_name), *(_core(w) for w in display_name.split())}
    if core in {w for w in own if len(w) >= 3}:
        return "your e-mail address or name with digits or symbols around it"
    return None


#: why a password that still signs you in is no longer accepted as a new one, by the short code
#: the sign-in passes to the account page (``/account?weak=CODE``): fixed words, so a link cannot
#: make the page say anything else
WEAK_REASONS = {
    "short": f"it is shorter than {MIN_LENGTH} characters",
    "long": "it is longer than 1024 characters",
    "few": "it has too few different characters",
    "walk": "it is a run of the digits, the alphabet or a keyboard row",
    "common": "it is a common password with digits or symbols around it",
    "own": "it is your e-mail address or name with digits or symbols around it",
}
_GUESSABLE_CODES = {"too few different characters": "few",
                    "a run of the digits, the alphabet or a keyboard row": "walk",
                    "a common password with digits or symbols around it": "common",
                    "your e-mail address or name with digits or symbols around it": "own"}


def weakness(password: str, email: str = "", display_name: str = "") -> str | None:
    """The code in :data:`WEAK_REASONS` for why :func:`check_policy` would refuse ``password`` as a
    new password today, or ``None``. At sign-in a correct password is never refused (passwords set
    before the guessable-password rule, 2026-12-07, still open the account); the person is asked
    to choose a new one instead."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        return "short"
    if len(password) > 1024:
        return "long"
    why = guessable(password, email, display_name)
    return None if why is None else _GUESSABLE_CODES.get(why, "common")
