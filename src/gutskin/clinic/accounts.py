"""Accounts: registration, sign-in (rate limited), clinician creation, child profiles, deletion."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, event, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gutskin.clinic import audit
from gutskin.clinic.actors import ROLES, SYSTEM, Actor
from gutskin.clinic.errors import (
    AuthenticationFailed,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    try_again_in,
)
from gutskin.clinic.passwords import burn_time, check_policy, hash_password, verify_password
from gutskin.diary.names import NameRefused, clean_name
from gutskin.store.models import Factor, FactorValue, LoginAttempt, Patient, User, utcnow

def checked_name(field: str, value: str) -> str:
    """A person-chosen name as stored: NFC, no blanks around it, or a 422 naming the field, the
    character's position and code point (text-direction controls and other invisible or control
    characters are refused: :mod:`gutskin.diary.names`, docs/security.md)."""
    try:
        return clean_name(field, value)
    except NameRefused as exc:
        raise InvalidInput(str(exc)) from None


EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def normalize_email(email: str) -> str:
    """One spelling per address, so lookalikes cannot register as separate accounts: NFKC
    (fullwidth ``ｒ`` and ``ⅼ`` U+217C become ``r`` and ``l``), lower case, one trailing dot
    of the domain dropped (``x.org.`` is ``x.org``); invisible format or control characters
    (zero-width space, bidi marks) are refused rather than silently removed."""
    import unicodedata

    email = unicodedata.normalize("NFKC", (email or "").strip()).lower()
    if any(unicodedata.category(ch) in ("Cf", "Cc") for ch in email):
        raise InvalidInput("email: contains invisible or control characters")
    if email.endswith(".") and not email.endswith(".."):
        email = email[:-1]
    if not EMAIL_RE.match(email) or len(email) > 320:
        raise InvalidInput("email: expected an email address like name@example.org")
    return email


def actor_for(user: User, default_patient_id: int | None = None) -> Actor:
    return Actor(user_id=user.id, role=user.role, label=user.email, default_patient_id=default_patient_id)


def new_external_id(session: Session) -> str:
    while True:
        candidate = "p-" + secrets.token_hex(5)
        if session.scalar(select(Patient.id).where(Patient.external_id == candidate)) is None:
            return candidate


def hash_new_password(email: str, password: str) -> str:
    """The address and password checked, and the password's argon2 hash, with no transaction open:
    the web app hashes before it writes, so the hash's tens of milliseconds hold neither the app's
    SQLite lock nor a PostgreSQL connection (fourth security review). Pass the result to
    :func:`create_user` as ``password_hash``."""
    check_policy(password, normalize_email(email))
    return hash_password(password)


def prehash_password(password: str) -> str | None:
    """The password's argon2 hash, to make before the transaction of :func:`create_user` or
    :func:`set_password_by_operator` (``password_hash=``); None when the password breaks the
    policy, which the use case then refuses in its own order (an unknown address first)."""
    try:
        check_policy(password)
    except InvalidInput:
        return None
    return hash_password(password)


def create_user(session: Session, email: str, password: str, role: str, display_name: str = "",
                password_hash: str | None = None, by_operator: bool = False) -> User:
    """Create an account. Patients get their own patient profile. ``password_hash``: the
    password's hash made beforehand by :func:`hash_new_password` (else it is made here).
    ``by_operator``: the server's operator chose the password (``gutskin users create``), so the
    account must change it at its first sign-in (``users.must_change_password``, 0020)."""
    if role not in ROLES:
        raise InvalidInput(f"role: expected one of {', '.join(ROLES)}")
    email = normalize_email(email)
    display_name = checked_name("display_name", display_name)
    check_policy(password, email, display_name)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict("email: an account with this email already exists")
    user = User(email=email, password_hash=password_hash or hash_password(password), role=role,
                display_name=display_name.strip()[:120], must_change_password=by_operator)
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # the same address registered a moment ago (a double-clicked form): 409, not a 500
        raise Conflict("email: an account with this email already exists") from None
    if role == "patient":
        patient = Patient(external_id=new_external_id(session), owner_user_id=user.id, relationship="self",
                          display_name=user.display_name)
        session.add(patient)
        session.flush()
        audit.record(session, actor_for(user), patient.id, "create", "patient", patient.id)
    return user


def register_patient(session: Session, email: str, password: str, display_name: str = "",
                     password_hash: str | None = None) -> User:
    return create_user(session, email, password, "patient", display_name, password_hash)


def add_child_profile(session: Session, actor: Actor, display_name: str, birth_year: int | None = None) -> Patient:
    """A caregiver adds a child's profile that their account manages."""
    if actor.role != "patient" or actor.user_id is None:
        raise Forbidden("only patient/caregiver accounts manage profiles")
    name = checked_name("display_name", display_name)
    if not name:
        raise InvalidInput("display_name: give the child's name or initials")
    if birth_year is not None and not 1900 <= birth_year <= dt.date.today().year:
        raise InvalidInput("birth_year: expected a year between 1900 and this year")
    same = session.scalar(select(Patient.id).where(Patient.owner_user_id == actor.user_id,
                                                   func.lower(Patient.display_name) == name[:120].lower()))
    if same is not None:  # a double-clicked form made two identical profiles
        raise Conflict(f"display_name: you already manage a profile called {name[:120]!r}")
    patient = Patient(external_id=new_external_id(session), owner_user_id=actor.user_id, relationship="child",
                      display_name=name[:120], birth_year=birth_year)
    session.add(patient)
    session.flush()
    audit.record(session, actor, patient.id, "create", "patient", patient.id)
    return patient


def set_birth_year(session: Session, actor: Actor, patient_id: int, birth_year: int) -> int:
    """The managing account corrects a profile's birth year (a co-caregiver, anyone else: ``NotFound``).

    Which questionnaires fit (CDLQI 4-16, DLQI 16+, ADCT 12+: ``instruments.ages``) and the EASI
    weights go by it, and a year mistyped when the child was added (2016 for a baby born in 2026)
    could only be mended by deleting the profile with its whole record (family walk, 2026-12-06).
    A change is audited."""
    from gutskin.clinic import access

    patient = access.patient_for_write(session, actor, patient_id)
    if not 1900 <= birth_year <= dt.date.today().year:
        raise InvalidInput("birth_year: expected a year between 1900 and this year")
    if patient.birth_year != birth_year:
        patient.birth_year = birth_year
        audit.record(session, actor, patient.id, "update", "patient_birth_year", str(birth_year))
    return birth_year


def set_display_name(session: Session, actor: Actor, display_name: str) -> str:
    """The caller sets their own account's name (``users.display_name``; the account page, any role).

    Others see it instead of the bare email address: a clinician's patients on Sharing, Appointments
    and in their access list ("Dr Ana Ruiz (ruiz@clinic.example)"); a clinician made with
    ``gutskin users create`` without ``--name`` was shown by the address alone, with no way to change
    it (clinic walk on a fresh server, 2026-12-07). A patient's own profile (``relationship ==
    "self"``) takes the same name, the one their clinic's panel shows; a child's profile keeps its
    own. Blank clears it (the email is shown again). Checked as at registration (no control or
    text-direction characters, :func:`checked_name`), at most 120 characters. A change is audited:
    on the patient's own profile, else one row without a profile (as a revoked API token)."""
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None:
        raise NotFound("account not found")
    name = checked_name("display_name", display_name)
    if len(name) > 120:
        raise InvalidInput(f"display_name: at most 120 characters (this one has {len(name)})")
    own = (session.scalar(select(Patient).where(Patient.owner_user_id == user.id, Patient.relationship == "self")
                          .order_by(Patient.id).limit(1)) if user.role == "patient" else None)
    if name == user.display_name and (own is None or own.display_name == name):
        return name
    user.display_name = name
    if own is not None:
        own.display_name = name
    audit.record(session, actor, own.id if own is not None else None, "update", "account_name")
    return name


def _sign_in_email(email: str) -> str:
    """The address as registration stored it (:func:`normalize_email`); an address that would not
    register (invisible characters...) is only stripped and lower-cased: it matches no account,
    and still counts against its own sign-in limit."""
    try:
        return normalize_email(email)
    except InvalidInput:
        return (email or "").strip().lower()


def _attempt_key(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()


def _network_key(email: str, network: str) -> str:
    return _attempt_key(f"net\x00{network}\x00{email}")


PER_EMAIL_FACTOR = 4  # the per-email cap is this many networks' worth of guesses (see authenticate)


PRUNE_BATCH = 1000


PER_NETWORK_FACTOR = 10
"""Sign-in attempts one network may make in the window, whatever the addresses: this many times
``max_failures`` (50 by default). A successful sign-in gives its attempt back."""


def _network_all_key(network: str) -> str:
    return _attempt_key(f"net-all\x00{network}")


def _device_key(device: str) -> str:
    return _attempt_key(f"device\x00{device}")


def device_email_tag(email: str) -> str:
    """The address as sign-in reads it, hashed; ``web.security`` keys this with the server's secret
    before a device cookie (``issue_device``) keeps it, so the cookie names no address and no
    address can be tried against it without the key (a plain hash could be: 2026-12-06)."""
    return _attempt_key(f"device-email\x00{_sign_in_email(email)}")[:32]


def _prune_attempts(session: Session, keep_seconds: int) -> None:
    """Delete up to :data:`PRUNE_BATCH` of the oldest counted attempts older than ``keep_seconds``
    (see :func:`record_login_attempt`)."""
    cutoff = utcnow() - dt.timedelta(seconds=keep_seconds)
    oldest = session.scalar(select(LoginAttempt.at).order_by(LoginAttempt.id).limit(1))
    if oldest is not None and oldest < cutoff:
        session.execute(delete(LoginAttempt).where(
            LoginAttempt.id.in_(select(LoginAttempt.id).order_by(LoginAttempt.id).limit(PRUNE_BATCH)),
            LoginAttempt.at < cutoff))


def _seconds_until_fewer(session: Session, key: str, allowed: int, window_seconds: int) -> int:
    """Seconds until fewer than ``allowed`` counted attempts of ``key`` are inside the window, so
    that one more attempt (which counts itself) is within a limit of ``allowed``; 0 if already so.

    The ``allowed``-th newest attempt leaves the window ``window_seconds`` after it was made
    (a row is in while ``at >= now - window``), so the answer is the whole second just past
    that instant. Nothing counted meanwhile is assumed: every attempt counts, refused ones too,
    so an attempt made while waiting moves it on (2026-12-07)."""
    if allowed <= 0:
        return window_seconds
    nth = session.scalar(select(LoginAttempt.at).where(LoginAttempt.key == key)
                         .order_by(LoginAttempt.at.desc(), LoginAttempt.id.desc()).offset(allowed - 1).limit(1))
    if nth is None:
        return 0
    left = (nth + dt.timedelta(seconds=window_seconds) - utcnow()).total_seconds()
    return int(left) + 1 if left >= 0 else 0


def sign_in_wait(session: Session, email: str, network: str = "", max_failures: int = 5, window_seconds: int = 300,
                 max_failures_per_email: int | None = None, device: str | None = None) -> int:
    """Seconds until the next sign-in attempt for ``email`` from ``network`` (or from the browser
    whose device cookie is ``device``) passes every limit it meets -- per address and network (or
    per device), per network for any address, per address from all networks -- if no attempt is
    made meanwhile; at least 1. The sign-in 429's ``Retry-After`` and its "try again in about N
    minutes" (2026-12-07: the page said "a few minutes" and sent no header; the API sent the
    whole window). It reads only counted attempts, which are the same for an address with an
    account and one without, so it tells nobody whether an account exists."""
    email = _sign_in_email(email)
    waits = [
        _seconds_until_fewer(session, _device_key(device) if device else _network_key(email, network),
                             max_failures, window_seconds),
        _seconds_until_fewer(session, _network_all_key(network), PER_NETWORK_FACTOR * max_failures, window_seconds),
    ]
    if not device:  # a device's attempts are not limited by the address's cap (admit_login_attempt)
        cap = max_failures_per_email if max_failures_per_email is not None else PER_EMAIL_FACTOR * max_failures
        waits.append(_seconds_until_fewer(session, _attempt_key(email), cap, window_seconds))
    return max(1, *waits)


def _limited(session: Session, reason: str, email: str, network: str, max_failures: int, window_seconds: int,
             max_failures_per_email: int | None, device: str | None) -> RateLimited:
    wait = sign_in_wait(session, email, network, max_failures, window_seconds, max_failures_per_email, device)
    return RateLimited(f"{reason}; {try_again_in(wait)}", retry_after=wait)


def _register_key(network: str) -> str:
    return _attempt_key(f"register\x00{network}")


def admit_registration(session: Session, network: str = "", max_per_network: int = 20,
                       window_seconds: int = 3600, keep_seconds: int = 3600) -> None:
    """Count a new-account attempt from ``network`` and refuse it (``RateLimited``) beyond
    ``max_per_network`` in the window; commit it before the password is hashed.

    Every attempt counts, also one refused for its address or password: registering is the one
    place that must say "an account with this email already exists", so without a cap anyone
    could test a list of addresses for accounts at the price of one request each, and fill the
    database with accounts. Trade-off, as for sign-in: people behind one address (a clinic's
    waiting-room Wi-Fi) share the allowance, 20 an hour by default
    (``GUTSKIN_REGISTER_MAX_PER_NETWORK``, ``GUTSKIN_REGISTER_WINDOW_SECONDS``)."""
    _prune_attempts(session, max(keep_seconds, window_seconds))
    since = utcnow() - dt.timedelta(seconds=window_seconds)
    made = session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.key == _register_key(network), LoginAttempt.at >= since))
    if made is not None and made >= max_per_network:  # refused: not counted, so the wait is the oldest's
        wait = max(1, _seconds_until_fewer(session, _register_key(network), max_per_network, window_seconds))
        raise RateLimited(f"too many new accounts from your network; {try_again_in(wait)} or ask your clinic",
                          retry_after=wait)
    session.add(LoginAttempt(key=_register_key(network)))


def record_login_attempt(session: Session, email: str, network: str = "", keep_seconds: int = 3600,
                         device: str | None = None) -> int:
    """Step 1 of a sign-in: count the attempt for (email, network), and for the network whatever
    the address, before anything is checked; commit it before :func:`admit_login_attempt`.
    Returns the network count's row id, for :func:`finish_sign_in` to give back on success.

    Counted attempts older than ``keep_seconds`` (longer than any limit's window) are deleted
    here, up to :data:`PRUNE_BATCH` of the oldest per attempt: anyone could post sign-ins with
    made-up addresses, and every one stayed in ``login_attempts`` for ever. The oldest row is
    found by id (ids grow with time), so a sign-in with nothing stale costs one indexed lookup.

    ``device``: the browser's device cookie for this address (:func:`admit_login_attempt`); the
    attempt is counted for it instead of for (email, network)."""
    _prune_attempts(session, keep_seconds)
    session.add(LoginAttempt(key=_device_key(device) if device else _network_key(_sign_in_email(email), network)))
    anywhere = LoginAttempt(key=_network_all_key(network))
    session.add(anywhere)
    session.flush()
    return anywhere.id


def admit_login_attempt(session: Session, email: str, network: str = "", max_failures: int = 5,
                        window_seconds: int = 300, device: str | None = None,
                        max_failures_per_email: int | None = None) -> None:
    """Step 2: more than ``max_failures`` attempts for this email from this network in the window,
    or more than ``PER_NETWORK_FACTOR × max_failures`` from this network for any addresses
    → ``RateLimited``. An admitted attempt is counted for the email (any network); commit it
    before :func:`authenticate`. Refused attempts never reach the per-email count, so one network
    alone cannot lock an account for everyone.

    The per-network count (fourth security review): every attempt with a new made-up address
    passed the per-(email, network) limit and cost a real argon2 check, so one client could keep
    the server's two hash slots busy for everyone's sign-in for as long as it liked. Trade-off:
    many people behind one address (a carrier's NAT) share 50 attempts per 5 minutes; their
    successful sign-ins do not use it up.

    ``device`` (security walk, 2026-12-06): the nonce of a device cookie this browser got when it
    last signed in to this address (OWASP, "slow down online guessing attacks with device
    cookies"). Its attempts are limited per device -- ``max_failures`` in the window, like one
    network -- and are neither limited by nor counted towards the per-email cap: anyone guessing
    from five networks (an IPv6 /56 holds 256) kept the owner out for as long as they guessed;
    now the owner's own browser still signs in. A guesser has no such cookie (it is HttpOnly,
    signed, bound to the address and sent only to /login), so the per-email cap still holds them.

    A refusal carries the seconds until an attempt can pass (:func:`sign_in_wait`; the per-email
    cap is ``max_failures_per_email``, as :func:`check_sign_in` is given it)."""
    email = _sign_in_email(email)
    since = utcnow() - dt.timedelta(seconds=window_seconds)
    attempts = session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.key == (_device_key(device) if device else _network_key(email, network)),
        LoginAttempt.at >= since))
    if attempts is not None and attempts > max_failures:
        raise _limited(session, "too many attempts", email, network, max_failures, window_seconds,
                       max_failures_per_email, device)
    from_network = session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.key == _network_all_key(network), LoginAttempt.at >= since))
    if from_network is not None and from_network > PER_NETWORK_FACTOR * max_failures:
        raise _limited(session, "too many attempts from your network", email, network, max_failures,
                       window_seconds, max_failures_per_email, device)
    if not device:
        session.add(LoginAttempt(key=_attempt_key(email)))


@dataclass(frozen=True)
class SignInCheck:
    """What :func:`check_sign_in` read in its transaction, for the password check that follows
    outside any transaction (:func:`verify_sign_in`)."""

    email: str
    user_id: int | None
    password_hash: str | None
    limited: bool
    retry_after: int | None = None  # when limited: seconds until an attempt can pass (sign_in_wait)


def check_sign_in(session: Session, email: str, max_failures: int = 5, window_seconds: int = 300,
                  network: str = "", max_failures_per_email: int | None = None,
                  device: str | None = None) -> SignInCheck:
    """Step 3a, in a transaction: the per-email count and the account's password hash; no argon2.

    The password check itself (:func:`verify_sign_in`) runs after this transaction has ended: an
    argon2 check takes tens of milliseconds and a core, and inside the transaction it held the
    app's SQLite lock (every other request of the process waited) or a PostgreSQL connection of
    the pool for as long -- a flood of sign-ins starved the whole app (fourth security review).
    """
    email = _sign_in_email(email)
    cap = max_failures_per_email if max_failures_per_email is not None else PER_EMAIL_FACTOR * max_failures
    if device:  # a device cookie's attempts are its own (admit_login_attempt), not the address's
        cap = max_failures  # as admitted in step 2, the current attempt included
    since = utcnow() - dt.timedelta(seconds=window_seconds)
    attempts = session.scalar(
        select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.key == (_device_key(device) if device else _attempt_key(email)), LoginAttempt.at >= since)
    )
    if not attempts or attempts > cap:  # no admitted attempt counted: step 2 was skipped
        return SignInCheck(email, None, None, limited=True,
                           retry_after=sign_in_wait(session, email, network, max_failures, window_seconds,
                                                    max_failures_per_email, device))
    row = session.execute(select(User.id, User.password_hash).where(User.email == email)).first()
    return SignInCheck(email, row[0] if row else None, row[1] if row else None, limited=False)


def verify_sign_in(check: SignInCheck, password: str) -> None:
    """Step 3b, outside any transaction: the argon2 check (the same work for an unknown email)."""
    if check.limited:
        burn_time(password or "")
        wait = check.retry_after or 1
        raise RateLimited(f"too many attempts; {try_again_in(wait)}", retry_after=wait)
    if check.password_hash is None:
        burn_time(password or "")
        ok = False
    else:
        ok = verify_password(password or "", check.password_hash)
    if not ok:
        raise AuthenticationFailed("wrong email or password")


def finish_sign_in(session: Session, check: SignInCheck, network: str = "", attempt_id: int | None = None,
                   device: str | None = None) -> User:
    """Step 3c, in a transaction: the account (unless its password changed meanwhile), its
    network's attempts for the address cleared, and ``attempt_id`` (the network count's row of
    :func:`record_login_attempt`) given back."""
    user = session.get(User, check.user_id) if check.user_id is not None else None
    if user is None or user.password_hash != check.password_hash:
        raise AuthenticationFailed("wrong email or password")
    session.execute(delete(LoginAttempt).where(LoginAttempt.key == _network_key(check.email, network)))
    if device:
        session.execute(delete(LoginAttempt).where(LoginAttempt.key == _device_key(device)))
    if attempt_id is not None:
        session.execute(delete(LoginAttempt).where(LoginAttempt.id == attempt_id,
                                                   LoginAttempt.key == _network_all_key(network)))
    return user


def authenticate(session: Session, email: str, password: str, max_failures: int = 5, window_seconds: int = 300,
                 network: str = "", max_failures_per_email: int | None = None) -> User:
    """Step 3: check the credentials.

    Three transactions, each committed before the next (``record_login_attempt``,
    ``admit_login_attempt``, this): concurrent attempts all see each other's counts, so a burst
    of 40 parallel guesses from one network gets at most ``max_failures`` password checks
    (counting only after a failed check let 22 of 40 through), and all networks together at most
    ``max_failures_per_email`` (default ``PER_EMAIL_FACTOR × max_failures``) per window.

    Why two limits: a per-email limit alone let anyone who knows an address keep its owner
    locked out. Now one network (an IPv4 address, an IPv6 /64) exhausts only its own allowance;
    locking the owner out needs more than ``PER_EMAIL_FACTOR`` networks guessing at once, and a
    distributed guesser gets at most ``max_failures_per_email`` checks per window.

    A successful sign-in clears its network's attempts (not the per-email count). An unknown
    email costs the same argon2 work as a wrong password, and both give the same error.

    The web app runs the three parts of this step in their own places: :func:`check_sign_in`
    and :func:`finish_sign_in` in two transactions, :func:`verify_sign_in` between them, in none.
    """
    check = check_sign_in(session, email, max_failures, window_seconds, network, max_failures_per_email)
    verify_sign_in(check, password)
    return finish_sign_in(session, check, network)


RECHECK_MAX, RECHECK_WINDOW_SECONDS = 5, 300  # password re-checks (change, delete) per account


def _recheck_key(user_id: int) -> str:
    return _attempt_key(f"recheck:{user_id}")


def record_password_recheck(session: Session, actor: Actor) -> None:
    """Count a password re-check (change or delete) before it happens, in its own committed
    transaction, as sign-ins are: someone holding a stolen session must not guess the password
    without limit (the security review found no limit)."""
    if actor.user_id is not None:
        session.add(LoginAttempt(key=_recheck_key(actor.user_id)))


@dataclass(frozen=True)
class PasswordRecheck:
    """What :func:`check_password_recheck` read in its transaction, for the password check that
    follows outside any transaction (:func:`verify_password_recheck`)."""

    user_id: int
    password_hash: str
    limited: bool
    email: str = ""  # for the new password's check (passwords.guessable): not the address itself
    display_name: str = ""
    must_change: bool = False  # the operator set the current password (0020): the new one must differ


def check_password_recheck(session: Session, actor: Actor) -> PasswordRecheck:
    """In a transaction, after :func:`record_password_recheck` committed: the account's re-check
    count and its password hash; no argon2.

    Password change, account and profile deletion run in three parts, like a sign-in: this, then
    :func:`verify_password_recheck` (and, for a change, :func:`hash_changed_password`) in no
    transaction, then the write (:func:`finish_password_change`, :func:`finish_delete_account`,
    :func:`finish_delete_child_profile`), which refuses if the password changed in between. The
    argon2 work (tens of milliseconds and a core) ran inside the write transaction until
    2026-12-06, holding the app's SQLite write lock (every other writer waited) or a PostgreSQL
    connection for as long."""
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None:
        raise NotFound("account not found")
    since = utcnow() - dt.timedelta(seconds=RECHECK_WINDOW_SECONDS)
    attempts = session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.key == _recheck_key(user.id), LoginAttempt.at >= since))
    return PasswordRecheck(user.id, user.password_hash, limited=attempts is not None and attempts > RECHECK_MAX,
                           email=user.email, display_name=user.display_name, must_change=user.must_change_password)


def verify_password_recheck(check: PasswordRecheck, password: str, wrong: str = "password is wrong") -> None:
    """Outside any transaction: too many re-checks → ``RateLimited``; a wrong password →
    ``AuthenticationFailed(wrong)``."""
    if check.limited:
        raise RateLimited("too many attempts; try again in a few minutes")
    if not verify_password(password or "", check.password_hash):
        raise AuthenticationFailed(wrong)


def _finish_recheck(session: Session, check: PasswordRecheck, wrong: str) -> User:
    """In the write transaction: the account, unless its password changed since the check (then
    the checked password is no longer the account's: refused like a wrong one); the account's
    re-check count cleared."""
    user = session.get(User, check.user_id)
    if user is None:
        raise NotFound("account not found")
    if user.password_hash != check.password_hash:
        raise AuthenticationFailed(wrong)
    session.execute(delete(LoginAttempt).where(LoginAttempt.key == _recheck_key(user.id)))
    return user


CHANGE_WRONG = "current password is wrong"


def hash_changed_password(check: PasswordRecheck, old: str, new: str) -> str:
    """Outside any transaction: the current password checked, then the new one's policy, then
    its argon2 hash for :func:`finish_password_change`."""
    verify_password_recheck(check, old, CHANGE_WRONG)
    if check.must_change and new == old:
        raise InvalidInput(OPERATOR_KNOWS)
    check_policy(new, check.email, check.display_name)
    return hash_password(new)


OPERATOR_KNOWS = "new_password: the server's administrator set the current password and knows it; choose a different one"


def finish_password_change(session: Session, actor: Actor, check: PasswordRecheck, new_hash: str) -> None:
    """In the write transaction: the new hash stored (made by :func:`hash_changed_password`), and
    every other session and token ended."""
    if actor.user_id != check.user_id:
        raise NotFound("account not found")
    user = _finish_recheck(session, check, CHANGE_WRONG)
    user.password_hash = new_hash
    user.must_change_password = False  # their own now: an operator-set password no longer holds them (0020)
    user.session_version += 1  # ends every other session and token
    _delete_web_sessions(session, user.id)


def change_password(session: Session, actor: Actor, old: str, new: str) -> None:
    """The three parts of a password change in the caller's one transaction (library and tests;
    the web app runs :func:`check_password_recheck`, :func:`hash_changed_password` and
    :func:`finish_password_change` in their own places, the argon2 work in no transaction)."""
    check = check_password_recheck(session, actor)
    finish_password_change(session, actor, check, hash_changed_password(check, old, new))


def sign_out_everywhere(session: Session, actor: Actor) -> None:
    """End every session and API token of the caller's account (a lost phone, a shared
    computer), this one included; the password stays. Tokens carry the account's session
    version, so raising it ends them; their rows go too (``api_tokens``, 0020)."""
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None:
        raise NotFound("account not found")
    user.session_version += 1
    _delete_web_sessions(session, user.id)


def _delete_web_sessions(session: Session, user_id: int) -> None:
    """The account's browser sessions, ended by a raised session version, leave the database at once
    (they were kept, dead, for ever: account walk, 2026-12-07); so do its API tokens' rows (0020),
    which the raised version has ended too."""
    from gutskin.store.models import ApiToken
    from gutskin.store.models import Session as WebSession

    session.execute(delete(WebSession).where(WebSession.user_id == user_id))
    session.execute(delete(ApiToken).where(ApiToken.user_id == user_id))


def list_api_tokens(session: Session, actor: Actor, current_id_hash: str | None = None) -> list[dict]:
    """The caller's own API tokens that still work (not revoked, not expired), newest first: id,
    label (the app's User-Agent at sign-in), created, last used (to the minute), expires, and
    ``current``: whether it is the token whose id hashes to ``current_id_hash`` (the one an API
    call carries; ``GET /api/v1/auth/tokens``). Never the token itself: the row keeps only a hash."""
    from gutskin.store.models import ApiToken

    if actor.user_id is None:
        return []
    rows = session.scalars(select(ApiToken).where(
        ApiToken.user_id == actor.user_id, ApiToken.revoked_at.is_(None), ApiToken.expires_at >= utcnow())
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).all()
    return [{"id": r.id, "label": r.label, "created_at": r.created_at, "last_used_at": r.last_used_at,
             "expires_at": r.expires_at, "current": current_id_hash is not None and r.id_hash == current_id_hash}
            for r in rows]


def revoke_api_token(session: Session, actor: Actor, token_id: int | None = None, id_hash: str | None = None) -> None:
    """Revoke one of the caller's own API tokens, by its row id (the account page) or by the hash
    of the id the bearer token carries (``DELETE /api/v1/auth/token``: the app's own). Someone
    else's token, one already revoked or expired, or no such row: ``NotFound`` (a stranger learns
    nothing). Audited on each of the account's own profiles (none: one row without a profile),
    as the operator's password reset is, so the person's access list shows it."""
    from gutskin.store.models import ApiToken

    if actor.user_id is None or (token_id is None) == (id_hash is None):
        raise NotFound("token: not found")
    row = session.scalar(select(ApiToken).where(
        ApiToken.user_id == actor.user_id,
        ApiToken.id == token_id if token_id is not None else ApiToken.id_hash == id_hash,
        ApiToken.revoked_at.is_(None), ApiToken.expires_at >= utcnow()).with_for_update())
    if row is None:
        raise NotFound("token: not found (already revoked or expired, or not this account's)")
    row.revoked_at = utcnow()
    pids = session.scalars(select(Patient.id).where(Patient.owner_user_id == actor.user_id).order_by(Patient.id)).all()
    for pid in pids or [None]:
        audit.record(session, actor, pid, "revoke", "api_token", row.id)


def set_password_by_operator(session: Session, email: str, new: str, password_hash: str | None = None) -> User:
    """The server's operator sets a new password for someone who forgot theirs (there is no
    e-mail reset): ``gutskin users set-password``. Every session and API token of the account
    ends, and each of its patient profiles gets an audit row, so the person sees on their
    access list that the operator changed the password. The operator knows the new password, so
    the account must choose its own at sign-in (``users.must_change_password``, 0020). ``password_hash``: the new password's
    hash made beforehand by :func:`hash_new_password`, in no transaction (else it is made here)."""
    user = session.scalar(select(User).where(User.email == _sign_in_email(email)))
    if user is None:
        raise NotFound("email: no account with this email")
    check_policy(new, user.email, user.display_name)
    user.password_hash = password_hash or hash_password(new)
    user.must_change_password = True  # the operator knows it: the person chooses their own at sign-in (0020)
    user.session_version += 1  # ends every session and token
    _delete_web_sessions(session, user.id)
    for pid in session.scalars(select(Patient.id).where(Patient.owner_user_id == user.id)).all():
        audit.record(session, SYSTEM, pid, "update", "password")
    return user


def remove_by_operator(session: Session, email: str) -> tuple[User, int]:
    """The server's operator removes a clinician or admin account (``gutskin users remove``): a
    clinician who left the clinic. A clinician's sharings end first as a revocation would
    (:func:`gutskin.clinic.sharing.end_for_closed_account`, audited as the operator's): their
    running challenges stop, their bookings are cancelled. A patient's account is refused: it holds
    health records, and people delete their own (*My data*). Returns the account (deleted) and how
    many sharings ended."""
    user = session.scalar(select(User).where(User.email == _sign_in_email(email)))
    if user is None:
        raise NotFound("email: no account with this email")
    if user.role == "patient":
        raise InvalidInput("email: this is a patient's account; people delete their own account on My data "
                           "(it deletes their health records), the operator does not")
    ended = 0
    if user.role == "clinician":
        from gutskin.clinic.sharing import end_for_closed_account

        ended = end_for_closed_account(session, SYSTEM, user.id)
    _forget_sign_in_counts(session, user.email)
    session.delete(user)
    return user, ended


def check_delete_child_profile(session: Session, actor: Actor, patient_id: int) -> PasswordRecheck:
    """In a transaction: the profile is one the account manages and a child's (someone else's:
    404; the account's own: refused), then :func:`check_password_recheck`."""
    from gutskin.clinic.access import patient_for_write

    patient = patient_for_write(session, actor, patient_id)  # someone else's: 404
    if patient.relationship != "child":
        raise InvalidInput("patient: this is your own profile; it is deleted with your account (Delete my account)")
    return check_password_recheck(session, actor)


def finish_delete_child_profile(session: Session, actor: Actor, patient_id: int, check: PasswordRecheck) -> str:
    """In the write transaction, after :func:`verify_password_recheck`: the profile and all its
    records deleted; its name returned."""
    from gutskin.clinic.access import patient_for_write

    # the profile's row locked and read again first (PostgreSQL): a handover to the grown-up child
    # committing meanwhile made it theirs, and the DELETE, waiting for the handover's lock, then
    # erased the young person's record (attack walk, 2026-12-07); now it is no longer ours: 404
    _lock_profiles(session, Patient.id == patient_id)
    patient = patient_for_write(session, actor, patient_id)
    if patient.relationship != "child":
        raise InvalidInput("patient: this is your own profile; it is deleted with your account (Delete my account)")
    if actor.user_id != check.user_id:
        raise NotFound("account not found")
    _finish_recheck(session, check, "password is wrong")
    name = patient.display_name or patient.external_id
    _erase_profiles(session, actor, [patient])
    return name


def delete_child_profile(session: Session, actor: Actor, patient_id: int, password: str) -> str:
    """Delete one profile the account manages (a child's, or one added by mistake) with all its
    records, after re-checking the password; return its name. The account's own profile goes
    only with the account (:func:`delete_account`). Audit rows stay, as for an account.

    In the caller's one transaction (library and tests); the web app runs
    :func:`check_delete_child_profile`, :func:`verify_password_recheck` (in no transaction) and
    :func:`finish_delete_child_profile` in their own places."""
    check = check_delete_child_profile(session, actor, patient_id)
    verify_password_recheck(check, password)
    return finish_delete_child_profile(session, actor, patient_id, check)


def _lock_profiles(session: Session, where) -> list[Patient]:  # type: ignore[no-untyped-def]
    """The profiles matching ``where``, their rows locked (``FOR UPDATE``) and read again. On
    PostgreSQL a row another transaction holds (a handover, :mod:`gutskin.clinic.handover`) is
    waited for, and ``where`` is checked again on the row as that transaction left it."""
    return list(session.scalars(select(Patient).where(where).order_by(Patient.id).with_for_update()
                                .execution_options(populate_existing=True)).all())


def _erase_profiles(session: Session, actor: Actor, patients: list[Patient]) -> None:
    """Delete profiles with every record in them (database cascades: diary days, factor values,
    questionnaires, consents, invites, appointments, samples, challenges with doses, adherence and
    alerts, allergy records), audited; then what is left elsewhere about them:

    - custom factors only these profiles used: a custom factor's name is typed by the person
      (``food.grandmas_cake``) and stayed in the shared vocabulary after them;
    - once the deletion commits, their insights cached in this process (:func:`gutskin.clinic.insights.forget`).
    """
    ids = [p.id for p in patients]
    if not ids:
        return
    custom = set(session.scalars(
        select(FactorValue.factor_id).distinct().join(Factor, Factor.id == FactorValue.factor_id)
        .where(FactorValue.patient_id.in_(ids), Factor.custom.is_(True))).all())
    for patient in patients:
        audit.record(session, actor, patient.id, "delete", "patient", patient.id)
        session.delete(patient)
    session.flush()
    if custom:
        unused = ~exists().where(FactorValue.factor_id == Factor.id)
        try:
            with session.begin_nested():  # another person logging the same name right now keeps it
                session.execute(delete(Factor).where(Factor.id.in_(custom), Factor.custom.is_(True), unused))
        except IntegrityError:
            pass
    event.listen(session, "after_commit", lambda _s: _forget_insights(ids), once=True)


def _forget_insights(patient_ids: list[int]) -> None:
    import sys

    insights = sys.modules.get("gutskin.clinic.insights")  # not loaded in this process: nothing cached
    if insights is not None:
        insights.forget(patient_ids)


def finish_delete_account(session: Session, actor: Actor, check: PasswordRecheck) -> None:
    """In the write transaction, after :func:`verify_password_recheck`: the account and every
    profile it manages deleted (see :func:`delete_account`)."""
    if actor.user_id != check.user_id:
        raise NotFound("account not found")
    user = _finish_recheck(session, check, "password is wrong")
    if user.role == "clinician":  # what revoking does, before the cascade takes the consents away
        from gutskin.clinic.sharing import end_for_closed_account

        end_for_closed_account(session, actor, user.id)
    # locked and read again (PostgreSQL): a profile handed over to the grown-up child while this
    # runs is theirs, not erased with the parent's account (attack walk, 2026-12-07)
    _erase_profiles(session, actor, _lock_profiles(session, Patient.owner_user_id == user.id))
    if user.role == "patient":  # a clinician's or admin's address stays (delete_account)
        audit.pseudonymise_actor(session, user.id)
    _forget_sign_in_counts(session, user.email)
    session.delete(user)


def _forget_sign_in_counts(session: Session, email: str) -> None:
    """The account's per-address sign-in count (a hash of the address anyone who knows the address
    can recompute) goes with the account. The per-(address, network) counts cannot be found without
    the network; they are deleted once older than their window by the next sign-in's pruning."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.key == _attempt_key(_sign_in_email(email))))


def delete_account(session: Session, actor: Actor, password: str) -> None:
    """Delete the account after re-checking the password; every personal record goes with it.

    Every profile goes as :func:`delete_child_profile`'s does (:func:`_erase_profiles`); sessions go
    by cascade and API tokens stop at once (their account is gone); audit rows stay (they hold no
    health values), and a patient account's address leaves them in the same transaction: its rows
    name ``deleted-account-<id>`` (:func:`gutskin.clinic.audit.pseudonymise_actor`). A clinician's
    or admin's rows keep the address: who read a patient's record stays answerable after the
    professional's account closes (docs/security.md, "What deletion keeps").

    In the caller's one transaction (library and tests); the web app runs
    :func:`check_password_recheck`, :func:`verify_password_recheck` (in no transaction) and
    :func:`finish_delete_account` in their own places.
    """
    check = check_password_recheck(session, actor)
    verify_password_recheck(check, password)
    finish_delete_account(session, actor, check)
