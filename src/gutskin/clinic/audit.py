"""The audit trail: one append-only row per read or write of a patient's data.

Rows name the actor, the patient, the action and the object; never a health value. When a
patient's account is deleted its address leaves the trail (:func:`pseudonymise_actor`): the rows
stay, their actor becomes ``deleted-account-<id>`` (docs/security.md, "What deletion keeps").
"""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from gutskin.clinic.actors import Actor
from gutskin.store.models import AuditEvent, User, utcnow


def record(
    session: Session, actor: Actor, patient_id: int | None, action: str, object_type: str, object_id: str | int = ""
) -> None:
    """Add an audit row in the caller's transaction (so it commits or rolls back with the change).

    One request is one transaction, and it leaves exactly one row per patient it touched:
    a read is not recorded again when the same actor already has a row for that patient in
    this transaction (a page that shows the diary, the scores and the sharing list is one
    read); every write is recorded.
    """
    seen: set = session.info.setdefault("gutskin_audited", set())
    key = (actor.user_id, actor.label, patient_id)
    if action == "read" and key in seen:
        return
    seen.add(key)
    # a Core insert (no ORM object, no id read back): an audit row is never read in the request
    session.execute(
        insert(AuditEvent.__table__).values(
            at=utcnow(),
            actor_user_id=actor.user_id,
            actor_label=actor.label,
            patient_id=patient_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
        )
    )


def record_reads(session: Session, actor: Actor, patient_ids: list[int], object_type: str, object_id: str | int = "") -> None:
    """:func:`record` of a read for each of many patients, in one statement (a panel of 500
    patients made 500 round trips): the same rows, the same once-per-transaction rule."""
    seen: set = session.info.setdefault("gutskin_audited", set())
    rows = []
    for pid in patient_ids:
        key = (actor.user_id, actor.label, pid)
        if key in seen:
            continue
        seen.add(key)
        rows.append({"at": utcnow(), "actor_user_id": actor.user_id, "actor_label": actor.label, "patient_id": pid,
                     "action": "read", "object_type": object_type, "object_id": str(object_id)})
    if rows:
        session.execute(insert(AuditEvent.__table__), rows)


DELETED_ACCOUNT = "deleted-account-{}"


def deleted_account_tag(user_id: int) -> str:
    """What the trail keeps of a deleted patient account: ``deleted-account-<id>``. Stable (every
    row of the account gets the same tag, so the trail still shows that one account did X at T)
    and not reversible from the live database: account ids are never handed out again (0004) and
    the ``users`` row that tied the id to an address is gone."""
    return DELETED_ACCOUNT.format(int(user_id))


def pseudonymise_actor(session: Session, user_id: int) -> int:
    """In the deletion's transaction: every audit row the account made (``actor_user_id``) names
    :func:`deleted_account_tag` instead of the address. Returns how many rows changed. The rows
    themselves stay (who did what to which record when). The database's append-only guard lets
    this one change through and no other (migration 0014)."""
    table = AuditEvent.__table__
    result = session.execute(
        update(table)
        .where(table.c.actor_user_id == user_id, table.c.actor_label != deleted_account_tag(user_id))
        .values(actor_label=deleted_account_tag(user_id))
    )
    return int(result.rowcount or 0)


def events_for_patient(session: Session, patient_id: int, limit: int | None = 200,
                       with_object_id: bool = False, with_names: bool = False) -> list[dict[str, object]]:
    """Who accessed this record, newest first (for the patient's own view); ``limit=None``: all of
    them (the archive); ``with_object_id``: each entry also names the object (a day, a record's id);
    ``with_names``: each entry also gives the account's display name (``actor_name``, "" if none), so
    the access log names a clinician as "Who can see your record" does."""
    q = (select(AuditEvent, User.email, User.role, User.display_name)
         .outerjoin(User, User.id == AuditEvent.actor_user_id)
         .where(AuditEvent.patient_id == patient_id)
         .order_by(AuditEvent.id.desc()))
    rows = session.execute(q if limit is None else q.limit(limit)).all()
    return [
        {
            "at": ev.at.isoformat(timespec="seconds") + "Z",  # UTC, marked (as appointments)
            "actor": email or ev.actor_label or "system",
            # an account deleted since: "deleted" (it read "system", so the patient's list put a deleted
            # co-caregiver's or clinician's reads down to the server's operator)
            "actor_role": role or ("deleted" if ev.actor_user_id is not None else "system"),
            "action": ev.action,
            "object": ev.object_type,
            **({"object_id": ev.object_id} if with_object_id else {}),
            **({"actor_name": name or ""} if with_names else {}),
        }
        for ev, email, role, name in rows
    ]


def access_log(session: Session, actor: Actor, patient_id: int, limit: int = 200,
               with_object_id: bool = False) -> list[dict[str, object]]:
    """The patient's own view of who read or changed their record (only the owner may see it);
    ``with_object_id``: as :func:`events_for_patient` (the Sharing page names whose sharing ended)."""
    from gutskin.clinic.access import patient_for_write

    patient_for_write(session, actor, patient_id)
    record(session, actor, patient_id, "read", "access_log")
    return events_for_patient(session, patient_id, limit, with_object_id=with_object_id, with_names=True)
