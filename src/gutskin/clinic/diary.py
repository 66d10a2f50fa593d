"""Diary use cases: log or edit a day, read days, import and export the CSV interchange format."""

from __future__ import annotations

import datetime as dt
import math
import pickle
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, TextIO

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from gutskin.clinic import audit, zones
from gutskin.clinic.access import patient_for_entry, patient_for_read, patient_for_write
from gutskin.clinic.actors import Actor
from gutskin.clinic.errors import ClinicError, Conflict, InvalidInput, NotFound
from gutskin.clinic.questionnaires import author_of
from gutskin.diary.csvio import DiaryCsvError, DiaryRow, iter_diary_csv_lines, write_diary_csv
from gutskin.diary.factors import VOCABULARY, known_factor, out_of_range, parse_factor_name
from gutskin.diary.names import NameRefused, clean_name
from gutskin.store.bulk import AUTHORED_DAY_COLUMNS, insert_diary_days, insert_factor_values
from gutskin.store.db import transaction
from gutskin.store.upsert import ensure_factors, insert_day_factor_values, upsert_diary_day
from gutskin.store.models import Caregiver, DiaryDay, Factor, FactorValue, Patient, User, utcnow

MAX_NOTES = 4000


@dataclass
class DayInput:
    """What a patient logs for one day (API body of ``PUT /me/diary/{date}``)."""

    itch: int | None = None
    sleep_loss: int | None = None
    flare: bool | None = None
    poscorad: float | None = None
    poem: int | None = None
    notes: str | None = None
    factors: dict[str, float] = field(default_factory=dict)


def _validate(day: DayInput) -> None:
    for name, lo, hi in (("itch", 0, 10), ("sleep_loss", 0, 10), ("poem", 0, 28)):
        v = getattr(day, name)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi):
            raise InvalidInput(f"{name}: expected an integer {lo}-{hi}, got {v!r}")
    if day.poscorad is not None and not (isinstance(day.poscorad, (int, float)) and 0 <= day.poscorad <= 103):
        raise InvalidInput(f"poscorad: expected a number 0-103, got {day.poscorad!r}")
    if day.notes is not None and len(day.notes) > MAX_NOTES:
        raise InvalidInput(f"notes: at most {MAX_NOTES} characters")
    for name, value in day.factors.items():
        try:
            parse_factor_name(name)
        except ValueError as exc:
            raise InvalidInput(f"factors.{name}: {exc}") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise InvalidInput(f"factors.{name}: expected a number, got {value!r}")
        problem = out_of_range(known_factor(name), value)
        if problem:
            raise InvalidInput(f"factors.{name}: {problem}, got {value:g}")


def factor_ids(session: Session, names: set[str] | list[str]) -> dict[str, int]:
    """Ids of factors by name, creating vocabulary or custom factors on first use."""
    names = set(names)
    if not names:
        return {}
    found = dict(session.execute(select(Factor.name, Factor.id).where(Factor.name.in_(names))).all())
    missing = names - found.keys()
    if missing:
        ensure_factors(session, [
            {"name": n, "kind": known_factor(n).kind.value, "unit": known_factor(n).unit, "custom": n not in VOCABULARY}
            for n in sorted(missing)
        ])
        found.update(session.execute(select(Factor.name, Factor.id).where(Factor.name.in_(missing))).all())
    return found


class DayChanged(Conflict):
    """A conditional write found the day changed since the writer read it (:func:`put_day`'s
    ``expect``): nothing was written. ``version`` is what is stored now (``"none"``: no entry);
    ``str()`` names the day and who saved it when (the API's 412, the page's 409 says it in words)."""

    def __init__(self, message: str, version: str) -> None:
        super().__init__(message)
        self.version = version


def _fingerprint(fields: list[object], values: Iterable[tuple[str, float]]) -> str:
    """The version of a day: a hash of its scores (itch, sleep loss, flare 0/1, POSCORAD, POEM),
    notes and factor values, nothing else (no time, no author, no id)."""
    import hashlib
    import json

    itch, sleep_loss, flare, poscorad, poem, notes = fields
    norm = [itch, sleep_loss, None if flare is None else int(bool(flare)),
            None if poscorad is None else float(poscorad), poem, notes or None]  # type: ignore[arg-type]
    text = json.dumps([norm, sorted((n, float(v)) for n, v in values)], default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _check_expected(session: Session, actor: Actor, patient_id: int, day: dt.date, entry: DayInput,
                    expect: str) -> None:
    """Raise :class:`DayChanged` unless the stored day is the one ``expect`` names (``"none"``: no
    entry, ``"*"``: any entry, else a version), or already holds ``entry`` (the same save sent
    twice: no conflict). The day's row is locked for the rest of the transaction
    (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite has one writer)."""
    now, poem = _stored_version(session, patient_id, day, lock=True)
    if expect == "*" and now != "none":
        return
    if now == expect or (now != "none" and now == _entry_version(entry, poem)):
        return
    raise DayChanged(_changed_words(session, actor, patient_id, day, now, expect), now)


def _changed_words(session: Session, actor: Actor, patient_id: int, day: dt.date, now: str, expect: str) -> str:
    """"date 2026-12-05: changed since you read it: saved by Ben at 2026-12-06 10:31 UTC"."""
    if now == "none":
        return (f"date {day.isoformat()}: no entry is stored for this day (deleted since you read it, or never "
                f"logged); send the day without If-Match to log it")
    at = session.scalar(select(DiaryDay.updated_at).where(DiaryDay.patient_id == patient_id, DiaryDay.day == day))
    by = day_authors(session, actor, patient_id, day, day).get(day)
    who = ("you" if by["you"] else by["name"] or {"co_caregiver": "another caregiver", "caregiver": "the parent",
                                                   "patient": "the patient"}.get(str(by["role"]), "someone")) if by else None
    saved = f"saved{(' by ' + str(who)) if who else ''}{(' at ' + at.strftime('%Y-%m-%d %H:%M') + ' UTC') if at else ''}"
    if expect == "none":
        return f"date {day.isoformat()}: already logged ({saved}); nothing was written"
    return f"date {day.isoformat()}: changed since you read it ({saved}); nothing was written"


def _stored_version(session: Session, patient_id: int, day: dt.date, lock: bool = False) -> tuple[str, int | None]:
    """The stored day's version (``"none"`` without an entry) and its POEM."""
    t = DiaryDay.__table__
    q = select(t.c.itch, t.c.sleep_loss, t.c.flare, t.c.poscorad, t.c.poem, t.c.notes).where(
        t.c.patient_id == patient_id, t.c.day == day)
    row = session.execute(q.with_for_update() if lock else q).first()
    if row is None:
        return "none", None
    values = session.execute(
        select(Factor.name, FactorValue.value).join(Factor, Factor.id == FactorValue.factor_id)
        .where(FactorValue.patient_id == patient_id, FactorValue.day == day)).all()
    return _fingerprint(list(row), values), row.poem


def _entry_version(entry: DayInput, stored_poem: int | None) -> str:
    """The version the day has once ``entry`` is saved (a POEM the entry does not give is kept)."""
    poem = entry.poem if entry.poem is not None else stored_poem
    return _fingerprint([entry.itch, entry.sleep_loss, entry.flare, entry.poscorad, poem, entry.notes],
                        entry.factors.items())


def put_day(session: Session, actor: Actor, patient_id: int, day: dt.date, entry: DayInput,
            expect: str | None = None, zone: str | None = None) -> dict[str, object]:
    """Create or replace one day of the diary (the day's factors are replaced as a whole).

    The write is a handful of statements (upsert of the day, delete of its old factors when it
    existed, one insert of the new ones, the audit row): a diary write is the app's hot path.

    ``expect``: a conditional write (the diary page's Save, the API's ``If-Match`` /
    ``If-None-Match: *``): the version the writer last read (:func:`day_version`), ``"none"``
    to create only, ``"*"`` for any stored entry. When the stored day is another, nothing is
    written and :class:`DayChanged` is raised -- unless the day already holds this very entry
    (a save sent again after a time-out). ``"none"`` is checked by the insert itself
    (``ON CONFLICT DO NOTHING``, which on PostgreSQL waits for a concurrent insert of the same
    day to end), so two first saves of a day at the same instant cannot both pass; a version is
    checked on the row locked before the write. The answer carries the new ``version``.

    ``zone``: where the writer is (the page's browser zone, the API's ``zone``): learnt as the
    profile's zone while it has none (:func:`gutskin.clinic.zones.remember`; a zone the profile has
    is changed on My data only), which gives the patient's "today" to reminders and the
    clinician's panel; an unknown name is ignored here (the API refuses it).
    """
    patient = patient_for_entry(session, actor, patient_id)  # authorization first: a stranger gets 404, never a conflict
    _validate(entry)
    if day > dt.date.today() + dt.timedelta(days=1):
        raise InvalidInput("date: cannot log a day in the future")
    if expect is not None and expect != "none":
        _check_expected(session, actor, patient_id, day, entry, expect)
    author_user_id, author_role = author_of(actor, patient)
    values_row = {
        "itch": entry.itch, "sleep_loss": entry.sleep_loss, "poscorad": entry.poscorad, "poem": entry.poem,
        "flare": None if entry.flare is None else int(bool(entry.flare)), "notes": entry.notes or None,
        "author_user_id": author_user_id, "author_role": author_role,
    }
    upserted = upsert_diary_day(session, patient_id, day, values_row, create_only=expect == "none")
    if upserted is None:  # create only, and the day exists (or a concurrent first save just stored it)
        _check_expected(session, actor, patient_id, day, entry, "none")  # raises unless it is this same entry
        upserted = upsert_diary_day(session, patient_id, day, values_row)
    stored, created = upserted
    if not created:
        session.execute(delete(FactorValue).where(FactorValue.patient_id == patient_id, FactorValue.day == day))
    values = {name: float(value) for name, value in entry.factors.items()}
    missing = insert_day_factor_values(session, patient_id, day, values)
    if missing:
        factor_ids(session, missing)  # define vocabulary or custom factors on first use
        insert_day_factor_values(session, patient_id, day, {n: values[n] for n in missing})
    audit.record(session, actor, patient_id, "create" if created else "update", "diary_day", day.isoformat())
    zones.remember(session, actor, patient, zone)
    return {
        "date": day.isoformat(), "itch": stored["itch"], "sleep_loss": stored["sleep_loss"],
        "flare": None if stored["flare"] is None else bool(stored["flare"]), "poscorad": stored["poscorad"],
        "poem": stored["poem"], "notes": stored["notes"], "factors": dict(sorted(values.items())),
        "version": _fingerprint([stored[k] for k in ("itch", "sleep_loss", "flare", "poscorad", "poem", "notes")],
                                values.items()),
    }


def _days(session: Session, patient_id: int, start: dt.date | None, end: dt.date | None,
          with_author: bool = False, versions: bool = False) -> list[dict[str, object]]:
    """The days as plain dicts; ``with_author`` adds ``author_role`` (who wrote the day:
    patient | caregiver | None = not recorded)."""
    conds = [DiaryDay.patient_id == patient_id]
    if start is not None:
        conds.append(DiaryDay.day >= start)
    if end is not None:
        conds.append(DiaryDay.day <= end)
    days = session.scalars(select(DiaryDay).where(*conds).order_by(DiaryDay.day)).all()
    vconds = [FactorValue.patient_id == patient_id]
    if start is not None:
        vconds.append(FactorValue.day >= start)
    if end is not None:
        vconds.append(FactorValue.day <= end)
    values: dict[dt.date, dict[str, float]] = {}
    for d, name, value in session.execute(
        select(FactorValue.day, Factor.name, FactorValue.value).join(Factor, Factor.id == FactorValue.factor_id).where(*vconds)
    ):
        values.setdefault(d, {})[name] = value
    return [
        {
            "date": d.day.isoformat(),
            "itch": d.itch,
            "sleep_loss": d.sleep_loss,
            "flare": None if d.flare is None else bool(d.flare),
            "poscorad": d.poscorad,
            "poem": d.poem,
            "notes": d.notes,
            "factors": dict(sorted(values.get(d.day, {}).items())),
            **({"author_role": d.author_role} if with_author else {}),
            **({"version": _fingerprint([d.itch, d.sleep_loss, d.flare, d.poscorad, d.poem, d.notes],
                                        values.get(d.day, {}).items())} if versions else {}),
        }
        for d in days
    ]


def list_days(
    session: Session, actor: Actor, patient_id: int, start: dt.date | None = None, end: dt.date | None = None,
    with_author: bool = False, logged_by: bool = False, versions: bool = False,
) -> list[dict[str, object]]:
    """Days of one patient's diary in [start, end], oldest first; audited as one read.
    ``with_author``: each day also says who wrote it (``author_role``); ``logged_by``: and, for a
    person who keeps the record, who that is (:func:`day_authors`); ``versions``: each day's
    ``version`` (:func:`day_version`, for a conditional :func:`put_day`)."""
    if start and end and start > end:
        raise InvalidInput("start: must not be after end")
    patient_for_read(session, actor, patient_id)
    audit.record(session, actor, patient_id, "read", "diary", f"{start or ''}..{end or ''}")
    days = _days(session, patient_id, start, end, with_author, versions)
    if logged_by:  # the people who keep the record only (patient_for_entry in day_authors)
        who = day_authors(session, actor, patient_id, start, end)
        for d in days:
            d["logged_by"] = who.get(dt.date.fromisoformat(str(d["date"])))
    return days


def day_authors(session: Session, actor: Actor, patient_id: int, start: dt.date | None = None,
                end: dt.date | None = None) -> dict[dt.date, dict[str, object] | None]:
    """Who last wrote each day in [start, end] (the one naming rule of the diary's pages and the
    API's ``logged_by``), for a person who keeps the record (the managing account or a
    co-caregiver: :func:`~gutskin.clinic.access.patient_for_entry`; anyone else gets ``NotFound``,
    and a clinician reads roles only, in the clinic's words).

    Each day maps to ``{"name", "role", "you"}``, or None when nothing is recorded (rows before
    0007, the operator's imports). ``role`` is the day's ``author_role``; ``you`` says the viewer
    wrote it; ``name`` is the account's name (else its address) when that person shares the
    child's record now (its managing account or a current co-caregiver), "a former caregiver"
    for a co-caregiver removed or gone since (a name is only ever shown to the people who share the
    record with its bearer), "an account deleted since", or None when only the role is known (a
    FHIR import). Read with the days (audited there)."""
    patient = patient_for_entry(session, actor, patient_id)
    conds = [DiaryDay.patient_id == patient_id]
    if start is not None:
        conds.append(DiaryDay.day >= start)
    if end is not None:
        conds.append(DiaryDay.day <= end)
    rows = session.execute(select(DiaryDay.day, DiaryDay.author_user_id, DiaryDay.author_role).where(*conds)).all()
    ids = {uid for _, uid, _ in rows if uid is not None}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    others = ids - {patient.owner_user_id}  # usually none: one's own diary, a child only its parent keeps
    sharing = {patient.owner_user_id} | (set(session.scalars(select(Caregiver.user_id).where(
        Caregiver.patient_id == patient_id, Caregiver.user_id.in_(others)))) if others else set())

    def who(uid: int | None, role: str | None) -> dict[str, object] | None:
        if uid is None and role is None:
            return None
        user = users.get(uid) if uid is not None else None
        if uid is None:
            name = None
        elif user is None:
            name = "an account deleted since"
        elif uid in sharing:
            name = user.display_name or user.email
        else:
            name = "a former caregiver"
        return {"name": name, "role": role, "you": uid is not None and uid == actor.user_id}

    return {day: who(uid, role) for day, uid, role in rows}


def shown_author(logged_by: dict[str, object] | None) -> str | None:
    """The name a page shows as "Logged by …" for one day of :func:`day_authors`: someone else's
    (a co-caregiver, or the managing parent for a co-caregiver); None when it is the viewer's own
    day or no name is recorded."""
    if logged_by is None or logged_by["you"] or logged_by["name"] is None:
        return None
    return str(logged_by["name"])


def day_author(session: Session, actor: Actor, patient_id: int, day: dt.date) -> str | None:
    """Who last wrote ``day``, for the person looking at it (/today): :func:`shown_author` of
    :func:`day_authors`; None when it is the viewer, nobody is recorded or there is no such day."""
    return shown_author(day_authors(session, actor, patient_id, day, day).get(day))


def day_version(session: Session, actor: Actor, patient_id: int, day: dt.date) -> str:
    """A short fingerprint of what is stored on ``day`` (its scores, flare, notes and factors), or
    ``"none"`` without an entry: the diary page sends the one it was shown with its Save, and an
    API client the one it read as ``If-Match`` (``version`` in ``GET /me/diary``), so a save made
    after someone else saved the day (the other parent's phone, another tab) is refused instead of
    silently replacing that entry (:func:`put_day`'s ``expect``). It changes with every write that
    changes the day (a factor alone included) and holds nothing but a hash of the values. Not
    audited: the values are not returned (the page that shows them reads them through
    :func:`list_days`)."""
    patient_for_entry(session, actor, patient_id)
    return _stored_version(session, patient_id, day)[0]


def last_logged_day(session: Session, actor: Actor, patient_id: int, before: dt.date | None = None) -> dict[str, object] | None:
    """The most recent logged day (to prefill today's entry)."""
    patient_for_read(session, actor, patient_id)
    q = select(DiaryDay.day).where(DiaryDay.patient_id == patient_id)
    if before is not None:
        q = q.where(DiaryDay.day < before)
    last = session.scalar(q.order_by(DiaryDay.day.desc()).limit(1))
    if last is None:
        return None
    return _days(session, patient_id, last, last)[0]


def delete_day(session: Session, actor: Actor, patient_id: int, day: dt.date, expect: str | None = None) -> None:
    """Delete one day's entry. ``expect``: a version (:func:`day_version`; the API's ``If-Match``)
    the day must still have, else :class:`DayChanged` and nothing is deleted (the row is locked
    for the check and the delete)."""
    patient_for_entry(session, actor, patient_id)
    if expect is not None:
        now, _ = _stored_version(session, patient_id, day, lock=True)
        if now != "none" and now != expect and expect != "*":
            raise DayChanged(_changed_words(session, actor, patient_id, day, now, expect), now)
    row = session.get(DiaryDay, (patient_id, day))
    if row is None:
        raise NotFound("no entry for that day")
    session.delete(row)
    audit.record(session, actor, patient_id, "delete", "diary_day", day.isoformat())


# --- CSV interchange -------------------------------------------------------------------------

BATCH = 5000


@dataclass
class ImportSummary:
    rows: int = 0
    patients: int = 0
    new_patients: int = 0


def import_diary_csv(engine: Engine, actor: Actor, source: str | IO[str], owner_user_id: int | None = None,
                     into: int | None = None) -> ImportSummary:
    """Import a diary CSV: all rows or none.

    The whole file is read and checked first with no transaction open (:func:`_checked_rows`),
    then written in one transaction in batches of ``BATCH`` rows: reading a big file inside the
    write transaction held SQLite's write lock, and every other writer waited, for as long as
    the parse took (third security review). Memory stays bounded: checked rows wait in an
    anonymous temporary file (:func:`_spool`), read back a batch at a time by the write.
    Unknown patient identifiers create clinic-side patient profiles (``owner_user_id`` sets
    their owner). With ``into`` (a patient the actor may write: a person importing their own
    diary, e.g. from another app) every row goes to that patient, whatever its ``patient``
    value, and the file must hold one person's diary (one identifier). A day that is already
    stored is an error, as is a duplicate row in the file. Raises :class:`DiaryCsvError` (file,
    line, column), :class:`Conflict` or, for ``into``, :class:`NotFound`.
    """
    if into is not None:
        return _import_own_diary(engine, actor, source, into)
    name = getattr(source, "name", str(source))
    with tempfile.TemporaryFile() as spool:
        count = _spool(_checked_rows(source, name), spool)
        summary = ImportSummary(rows=count)
        try:
            _import_rows(engine, actor, spool, owner_user_id, name, summary)
        except Exception as exc:  # a day stored by another write while the file was written: a clear 409
            if not _lost_race(exc):
                raise
            spool.seek(0)
            raise _raced(engine, actor, name, _unspool(spool), None) from None
    return summary


def _lost_race(exc: BaseException) -> bool:
    """The import's write broke on what another transaction wrote meanwhile: a unique key (the
    day a PUT stored after the import's check; PostgreSQL's COPY waits for that PUT, then fails)
    or a deadlock. SQLAlchemy's IntegrityError, or the driver's own error (the COPY of
    :mod:`gutskin.store.bulk` runs on the driver's connection): SQLSTATE 23505, 40P01, 40001."""
    import sqlite3

    from sqlalchemy.exc import DBAPIError, IntegrityError

    if isinstance(exc, IntegrityError) or isinstance(exc, sqlite3.IntegrityError):
        return True
    cause = exc.orig if isinstance(exc, DBAPIError) else exc
    return getattr(cause, "sqlstate", None) in ("23505", "40P01", "40001")


def _raced(engine: Engine, actor: Actor, name: str, rows: Iterable[tuple[int, DiaryRow]], into: int | None) -> Conflict:
    """The error for an import that lost a race (:func:`_lost_race`; its transaction is rolled
    back: nothing was imported): the first line of the file whose day is stored now, as the
    import's own check names it, else a sentence saying the diary changed meanwhile. Only the
    profiles ``actor`` may write are looked at (``into`` was authorized by the caller)."""
    with transaction(engine) as session:
        pids: dict[str, int | None] = {}
        chunk: list[tuple[int, DiaryRow]] = []

        def first_stored(chunk: list[tuple[int, DiaryRow]]) -> Conflict | None:
            wanted: dict[int, set[dt.date]] = {}
            for _, r in chunk:
                if r.patient not in pids:
                    pids[r.patient] = into if into is not None else _writable(session, actor, r.patient)
                pid = pids[r.patient]
                if pid is not None:
                    wanted.setdefault(pid, set()).add(r.date)
            stored = {(pid, d) for pid, days in wanted.items() for d in session.scalars(
                select(DiaryDay.day).where(DiaryDay.patient_id == pid, DiaryDay.day.in_(days)))}
            for line, r in chunk:
                if (pids[r.patient], r.date) in stored:
                    who = "this profile" if into is not None else f"patient {r.patient}"
                    return Conflict(f"{name}: line {line}, column date: {who} already has a diary entry on "
                                    f"{r.date.isoformat()} (saved while this file was being imported); "
                                    f"nothing was imported")
            return None

        for item in rows:
            chunk.append(item)
            if len(chunk) >= BATCH:
                if (found := first_stored(chunk)) is not None:
                    return found
                chunk = []
        if chunk and (found := first_stored(chunk)) is not None:
            return found
    return Conflict(f"{name}: another write changed the same diary while this file was being imported (a day "
                    f"saved, or a profile of the same identifier created); nothing was imported: import the file again")


def _writable(session: Session, actor: Actor, external_id: str) -> int | None:
    """The id of the patient ``external_id`` when ``actor`` may write its diary, else None."""
    pid = session.scalar(select(Patient.id).where(Patient.external_id == external_id))
    if pid is None:
        return None
    try:
        patient_for_write(session, actor, pid)
    except ClinicError:
        return None
    return pid


def _import_rows(engine: Engine, actor: Actor, spool: IO[bytes], owner_user_id: int | None, name: str,
                 summary: ImportSummary) -> None:
    """The write of :func:`import_diary_csv` (checked rows in ``spool``): one transaction."""
    with transaction(engine) as session:
        pids: dict[str, int] = {}
        fresh: set[int] = set()

        def pid_for(row: DiaryRow, line: int) -> int:
            pid = pids.get(row.patient)
            if pid is None:
                pid = pids[row.patient] = _patient_for_import(session, actor, row.patient, owner_user_id, fresh, name,
                                                              line)
            return pid

        _write_rows(session, _unspool(spool), pid_for, fresh, name, own=False,
                    author=_import_author(session, actor, pids))
        summary.patients = len(pids)
        summary.new_patients = len(fresh)
        for ext, pid in pids.items():
            audit.record(session, actor, pid, "import", "diary", "csv")


MAX_OWN_DAYS = 36_600  # one person's diary: a day per row, at most about 100 years of days
MAX_OWN_FACTOR_COLUMNS = 500  # factors one person tracks (a day holds at most 200, as in the API)


def _checked_rows(source: str | IO[str], name: str, one_person: bool = False) -> Iterator[tuple[int, DiaryRow]]:
    """The file's rows with their line numbers, each checked as it is read (no database).
    ``one_person``: a person's own diary, which holds one identifier, at most
    :data:`MAX_OWN_DAYS` rows and :data:`MAX_OWN_FACTOR_COLUMNS` factor columns."""
    first: str | None = None
    n = 0
    columns: list[str] = []
    for line_no, row in iter_diary_csv_lines(source, factor_columns=columns):
        if one_person:
            if len(columns) > MAX_OWN_FACTOR_COLUMNS:  # 50,000 columns made 50,000 factors in one write
                raise DiaryCsvError(name, 1, None, f"{len(columns):,} factor columns; one person's diary has at most "
                                    f"{MAX_OWN_FACTOR_COLUMNS}; nothing was imported")
            if first is None:
                first = row.patient
            elif row.patient != first:
                raise DiaryCsvError(name, line_no, "patient", f"this file holds more than one person's diary "
                                    f"({first!r} and {row.patient!r}); import one person's file at a time")
            if n >= MAX_OWN_DAYS:
                raise DiaryCsvError(name, line_no, None, f"more than {MAX_OWN_DAYS:,} days (about 100 years): "
                                    "not one person's diary; nothing was imported")
        n += 1
        yield line_no, row
    if one_person and len(columns) > MAX_OWN_FACTOR_COLUMNS:  # a header and no rows answered "0 rows"
        raise DiaryCsvError(name, 1, None, f"{len(columns):,} factor columns; one person's diary has at most "
                            f"{MAX_OWN_FACTOR_COLUMNS}; nothing was imported")


def _spool(rows: Iterator[tuple[int, DiaryRow]], spool: IO[bytes]) -> int:
    """Write checked rows to ``spool`` (this process's own anonymous temporary file) in pickled
    batches of ``BATCH``; return how many. Raises what the reading raises, before any write."""
    n = 0
    batch: list[tuple[int, DiaryRow]] = []
    for item in rows:
        batch.append(item)
        if len(batch) >= BATCH:
            pickle.dump(batch, spool, protocol=pickle.HIGHEST_PROTOCOL)
            n += len(batch)
            batch = []
    if batch:
        pickle.dump(batch, spool, protocol=pickle.HIGHEST_PROTOCOL)
        n += len(batch)
    spool.seek(0)
    return n


def _unspool(spool: IO[bytes]) -> Iterator[tuple[int, DiaryRow]]:
    while True:
        try:
            batch = pickle.load(spool)  # written by _spool in this call; no other input is unpickled
        except EOFError:
            return
        yield from batch


def _import_author(session: Session, actor: Actor, pids: dict[str, int]):  # type: ignore[no-untyped-def]
    """``author(pid)``: who wrote an imported day of patient ``pid``: the importing account with its
    role on that profile; nobody (None, None) when the CLI operator imports a file."""
    roles: dict[int, tuple[int | None, str | None]] = {}

    def author(pid: int) -> tuple[int | None, str | None]:
        if actor.is_system:
            return None, None
        if pid not in roles:
            roles[pid] = author_of(actor, session.get(Patient, pid))  # type: ignore[arg-type]
        return roles[pid]

    return author


def _write_rows(session: Session, rows: Iterable[tuple[int, DiaryRow]], pid_for, fresh: set[int], name: str,  # type: ignore[no-untyped-def]
                own: bool, author) -> None:  # type: ignore[no-untyped-def]
    """Write checked rows in batches of ``BATCH`` (``pid_for(row, line)`` names each row's patient,
    ``author(pid)`` who wrote its days: account id and role)."""
    fids: dict[str, int] = {}
    now = utcnow()
    days: list[tuple] = []
    values: list[tuple] = []
    lines: list[tuple[int, str, dt.date, int]] = []
    for line_no, r in rows:
        pid = pid_for(r, line_no)
        missing = [f for f in r.factors if f not in fids]
        if missing:
            fids.update(factor_ids(session, missing))
        days.append((pid, r.date, r.itch, r.sleep_loss, r.poscorad, r.poem, r.flare, None, now, *author(pid)))
        values.extend((pid, r.date, fids[f], v) for f, v in r.factors.items())
        lines.append((pid, r.patient, r.date, line_no))
        if len(days) >= BATCH:
            _flush(session, days, values, lines, fresh, name, own=own)
    _flush(session, days, values, lines, fresh, name, own=own)


def _import_own_diary(engine: Engine, actor: Actor, source: str | IO[str], into: int) -> ImportSummary:
    """A person's own diary file (``import_diary_csv(..., into=...)``): authorized, then read and
    checked whole with no transaction open, then written in one transaction.

    Reading a 20 MB file inside the write transaction held SQLite's write lock for over 10 s,
    so other people's writes failed with "database is locked" (third security review). A file
    of more than :data:`MAX_OWN_DAYS` rows cannot be one person's diary (no day twice) and is
    refused while it is read, which also bounds the memory of holding it; so is one of more
    than :data:`MAX_OWN_FACTOR_COLUMNS` factor columns (one row of 50,000 columns created 50,000
    factors and held the write lock for seconds).
    """
    with transaction(engine) as session:  # a stranger's profile: NotFound before the file is read
        patient_for_entry(session, actor, into)
    name = getattr(source, "name", str(source))
    rows = list(_checked_rows(source, name, one_person=True))
    summary = ImportSummary(rows=len(rows), patients=1 if rows else 0)
    try:
        with transaction(engine) as session:
            patient = patient_for_entry(session, actor, into)  # again: the account may be gone meanwhile
            pid, who = patient.id, author_of(actor, patient)
            _write_rows(session, rows, lambda _row, _line: pid, set(), name, own=True, author=lambda _pid: who)
            if rows:
                audit.record(session, actor, pid, "import", "diary", "csv")
    except Exception as exc:  # a day saved (the page, the API, another phone) after the check: 409, nothing imported
        if not _lost_race(exc):
            raise
        raise _raced(engine, actor, name, rows, into) from None
    return summary


def _patient_for_import(session: Session, actor: Actor, external_id: str, owner: int | None, fresh: set[int], file: str,
                        line: int | None = None) -> int:
    if len(external_id) > 64:
        raise Conflict(f"{file}: patient identifier {external_id[:20]!r}...: at most 64 characters")
    existing = session.scalar(select(Patient).where(Patient.external_id == external_id))
    if existing is not None:
        patient_for_write(session, actor, existing.id)
        if owner is not None and existing.owner_user_id != owner:
            # ``--owner``: the file is that account's diary; an identifier of a profile it does not
            # manage (another person's ``p-...``, printed in their download names) wrote the file's
            # rows into that person's record (stranger walk, 2026-12-06). Who manages it is not said.
            where = f"line {line}, " if line is not None else ""
            raise Conflict(f"{file}: {where}column patient: {external_id} is an existing profile that the --owner "
                           f"account does not manage; nothing was imported (import that profile's rows without "
                           f"--owner, or remove them from the file)")
        return existing.id
    # an owner (a patient or caregiver account) already has its own profile: the new ones are
    # profiles it manages for someone else, like a caregiver's child profile
    relationship = "self"
    if owner is not None and session.scalar(
        select(Patient.id).where(Patient.owner_user_id == owner, Patient.relationship == "self").limit(1)
    ) is not None:
        relationship = "child"
    try:  # a new profile's identifier is its name on the clinic's pages: no text-direction controls
        clean_name("patient", external_id)  # (docs/security.md); identifiers already stored still import
    except NameRefused as exc:
        raise InvalidInput(f"{file}: column {exc}") from None
    p = Patient(external_id=external_id, owner_user_id=owner, relationship=relationship, display_name=external_id)
    session.add(p)
    session.flush()
    fresh.add(p.id)
    audit.record(session, actor, p.id, "create", "patient", p.id)
    return p.id


def _flush(session: Session, days: list, values: list, lines: list, fresh: set[int], file: str, own: bool = False) -> None:
    if not days:
        return
    old = {pid for pid, _, _, _ in lines if pid not in fresh}
    stored: set[tuple[int, dt.date]] = set()
    for pid in old:
        ds = [d for p, _, d, _ in lines if p == pid]
        stored.update((pid, d) for d in session.scalars(
            select(DiaryDay.day).where(DiaryDay.patient_id == pid, DiaryDay.day.in_(ds))
        ))
    if stored:
        # the first row of the file (in this batch) whose day is already stored
        _, ext, day, line = min((r for r in lines if (r[0], r[2]) in stored), key=lambda r: r[3])
        who = "this profile" if own else f"patient {ext}"
        raise Conflict(f"{file}: line {line}, column date: {who} already has a diary entry on "
                       f"{day.isoformat()}; nothing was imported")
    insert_diary_days(session, days, AUTHORED_DAY_COLUMNS)
    insert_factor_values(session, values)
    days.clear()
    values.clear()
    lines.clear()


def iter_export_rows(session: Session, actor: Actor, patients: list[Patient], *, audited: bool = True) -> Iterator[DiaryRow]:
    """Diary rows of the given (already authorized) patients, by identifier then date, one patient in memory at a time.

    Each patient's export is recorded in the audit log in ``session`` unless ``audited=False``
    (the caller recorded it already, in its own transaction)."""
    for p in sorted(patients, key=lambda p: p.external_id):
        if audited:
            audit.record(session, actor, p.id, "export", "diary", "csv")
        vals: dict[dt.date, dict[str, float]] = {}
        for d, fname, v in session.execute(
            select(FactorValue.day, Factor.name, FactorValue.value)
            .join(Factor, Factor.id == FactorValue.factor_id)
            .where(FactorValue.patient_id == p.id)
        ):
            vals.setdefault(d, {})[fname] = v
        for d in session.scalars(select(DiaryDay).where(DiaryDay.patient_id == p.id).order_by(DiaryDay.day)):
            yield DiaryRow(p.external_id, d.day, d.itch, d.sleep_loss, d.poscorad, d.poem, d.flare, vals.get(d.day, {}))


def export_factor_names(session: Session, patients: list[Patient]) -> list[str]:
    ids = [p.id for p in patients]
    if not ids:
        return []
    return sorted(
        session.scalars(
            select(Factor.name).distinct().join(FactorValue, FactorValue.factor_id == Factor.id).where(FactorValue.patient_id.in_(ids))
        ).all()
    )


def export_diary_csv(engine: Engine, actor: Actor, out: TextIO, external_ids: list[str] | None = None) -> int:
    """Write the diary of the chosen patients (all the actor may read when ``None``) as CSV."""
    from gutskin.clinic.access import patient_by_external_id

    # Who is exported is decided, and recorded in the audit log, in a short write transaction;
    # the rows are then read in a snapshot that takes no lock (SQLite: a deferred BEGIN in WAL
    # mode; PostgreSQL: REPEATABLE READ), so writes of the running app go on however long the
    # reader of ``out`` (a pipe, a slow disk) takes. One transaction held SQLite's write lock
    # for the whole export, and the app's writes failed with "database is locked" after 10 s.
    with transaction(engine) as session:
        if external_ids:
            patients = [patient_by_external_id(session, actor, e) for e in external_ids]
        elif actor.is_system:
            patients = list(session.scalars(select(Patient)).all())
        else:
            from gutskin.clinic.access import owned_patients

            patients = owned_patients(session, actor)
        for p in sorted(patients, key=lambda p: p.external_id):
            audit.record(session, actor, p.id, "export", "diary", "csv")
        ids = {p.id for p in patients}
    snapshot = {"sqlite": {"snapshot_read": True}, "postgresql": {"isolation_level": "REPEATABLE READ"}}
    with transaction(engine.execution_options(**snapshot.get(engine.dialect.name, {}))) as session:
        # the same patients (one deleted meanwhile is left out: its rows are gone)
        query = select(Patient).where(Patient.id.in_(ids)) if len(ids) <= 500 else select(Patient)
        patients = [p for p in session.scalars(query) if p.id in ids]
        names = export_factor_names(session, patients)
        return write_diary_csv(iter_export_rows(session, actor, patients, audited=False), out, names)


__all__ = [
    "DayInput",
    "DiaryCsvError",
    "ImportSummary",
    "delete_day",
    "export_diary_csv",
    "import_diary_csv",
    "last_logged_day",
    "list_days",
    "put_day",
]

