"""patient identifiers and account emails stored in the one form every way in now reads them

Since 2026-12-06 (dba25df) a patient identifier is read in composed Unicode (NFC) without
surrounding spaces (``gutskin.diary.csvio.canonical_identifier``) by the diary CSV reader, the
FHIR import and the CLI ``--patient`` lookups; since 2026-12-02 (895df3a) an account email is
stored and signed in with as NFKC, lower case, one trailing dot of the domain dropped
(``gutskin.clinic.accounts.normalize_email``). Rows stored before kept the form they were typed
in: a profile imported from a Mac file as "Zoe" + U+0308 was not found by a later import of
the same name from a Windows file ("Zoë", U+00EB), which made a second profile; an account
registered as "zoë@x.org" typed on a Mac could no longer sign in.

Upgrade: each ``patients.external_id`` becomes its canonical form (NFC, surrounding spaces
removed) and each ``users.email`` its normalised form, one audit row per changed profile
(``update patient``; for an account ``update user`` with no patient), actor "migration 0010".

Collisions are never merged: identifiers are unique across the whole database, so when two
stored identifiers (of the same owner or of different owners) are equal once canonical, every
profile of that group keeps its identifier unchanged and the upgrade logs a warning naming the
profiles' numeric ids (never the identifiers: logs carry no personal data); the rest of the
upgrade goes on. The same for two accounts whose emails normalise to one address, and for a
value whose canonical form the column cannot hold (empty, or longer than the column). An email
that ``normalize_email`` would refuse (invisible characters) is left as it is: sign-in finds it
stripped and lower-cased, as stored. docs/operations.md ("Upgrading") says what the operator
does with a reported collision.

Downgrade: nothing is changed back. Which rows were decomposed is not recorded, and the code
of the earlier revisions (since 2026-12-06) reads identifiers in composed form and looks an
identifier up as typed, then composed, so it finds every row as it is.

Needs a live connection (the data step reads rows); offline SQL generation is not supported.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 10:45:00
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
# collisions are warnings the operator must see: alembic's loggers end in a NullHandler (silent
# unless an alembic.ini configures logging), gutskin's reach stderr (`db upgrade`, `serve`'s log)
report = logging.getLogger("gutskin.store.migrate")
ACTOR = "migration 0010"

patients = sa.table("patients", sa.column("id", sa.Integer), sa.column("external_id", sa.String))
users = sa.table("users", sa.column("id", sa.Integer), sa.column("email", sa.String))
audit_events = sa.table(
    "audit_events",
    sa.column("at", sa.DateTime),
    sa.column("actor_user_id", sa.Integer),
    sa.column("actor_label", sa.String),
    sa.column("patient_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("object_type", sa.String),
    sa.column("object_id", sa.String),
)

# The rules as of this revision, copied rather than imported: a migration must do the same thing
# whatever the application code later becomes.
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def canonical_identifier(value: str) -> str:
    """csvio.canonical_identifier of 2026-12-06."""
    return unicodedata.normalize("NFC", value.strip())


def identifier_fits(value: str) -> bool:
    return 0 < len(value) <= 64  # patients.external_id is String(64), and never blank


def canonical_email(value: str) -> str | None:
    """accounts.normalize_email of 2026-12-06; None where it refuses the address (sign-in then
    looks it up stripped and lower-cased, the form it was stored in)."""
    email = unicodedata.normalize("NFKC", value.strip()).lower()
    if any(unicodedata.category(ch) in ("Cf", "Cc") for ch in email):
        return None
    if email.endswith(".") and not email.endswith(".."):
        email = email[:-1]
    if not EMAIL_RE.match(email) or len(email) > 320:
        return None
    return email


def _canonicalise(bind, table, column: str, rule, fits) -> tuple[list[int], list[list[int]], list[int]]:  # type: ignore[no-untyped-def]
    """Store each row's ``rule(value)`` (None: keep the value) where it is new to the table and
    ``fits``; returns (ids changed, groups of ids that collide, ids whose form does not fit)."""
    col = table.c[column]
    rows = bind.execute(sa.select(table.c.id, col).order_by(table.c.id)).all()
    holder = {value: row_id for row_id, value in rows}  # who holds each stored value now
    groups: dict[str, list[tuple[int, str]]] = {}
    for row_id, value in rows:
        new = rule(value)
        groups.setdefault(value if new is None else new, []).append((row_id, value))
    changed: list[int] = []
    collisions: list[list[int]] = []
    unfit: list[int] = []
    for new, members in groups.items():
        if all(old == new for _, old in members):
            continue
        ids = sorted({i for i, _ in members} | ({holder[new]} if new in holder else set()))
        if len(ids) > 1:  # equal once canonical, or the form is another row's value: never merged
            collisions.append(ids)
            continue
        if not fits(new):
            unfit.extend(ids)
            continue
        # no other row holds ``new``: the unique constraint holds after each single update
        bind.execute(table.update().where(table.c.id == ids[0]).values({column: new}))
        changed.append(ids[0])
    return changed, collisions, unfit


def upgrade() -> None:
    bind = op.get_bind()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)  # naive UTC, as models.utcnow stores
    changed, collisions, unfit = _canonicalise(bind, patients, "external_id", canonical_identifier, identifier_fits)
    for pid in changed:
        bind.execute(audit_events.insert().values(at=now, actor_user_id=None, actor_label=ACTOR, patient_id=pid,
                                                  action="update", object_type="patient", object_id=str(pid)))
    log.info("0010: %d patient identifier(s) stored in composed Unicode (NFC)", len(changed))
    for ids in collisions:
        report.warning(
            "0010: patients %s have identifiers that are one identifier in composed Unicode (NFC); "
            "left unchanged, nothing merged: decide which profile is the person's and give the other "
            "a different identifier (docs/operations.md, Upgrading)", ", ".join(map(str, ids)))
    if unfit:
        report.warning("0010: patients %s have an identifier that is blank or longer than 64 characters in "
                    "composed Unicode; left unchanged", ", ".join(map(str, unfit)))
    e_changed, e_collisions, _ = _canonicalise(bind, users, "email", canonical_email, lambda _e: True)
    for uid in e_changed:
        bind.execute(audit_events.insert().values(at=now, actor_user_id=None, actor_label=ACTOR, patient_id=None,
                                                  action="update", object_type="user", object_id=str(uid)))
    log.info("0010: %d account email(s) stored in their normalised form", len(e_changed))
    for ids in e_collisions:
        report.warning(
            "0010: accounts %s have emails that are one address once normalised (NFKC, lower case); "
            "left unchanged, nothing merged: sign-in finds only the one already in that form "
            "(docs/operations.md, Upgrading)", ", ".join(map(str, ids)))


def downgrade() -> None:
    # nothing to undo: which rows were stored decomposed is not recorded, and the earlier
    # revisions' code reads and finds identifiers in composed form (see the module docstring)
    pass
