"""Data-rights review: the JSON archive ("download all my data") holds every column of every table
that can hold something about the person, or the column is listed here with the reason it is left
out -- walked over the SQLAlchemy metadata, so a new table or column cannot be forgotten (as
test_round4_audit_walk.py does for routes).

Every archived column is checked against the database: for each of the person's profiles, the
multiset of the column's values over the profile's rows equals the multiset found at its place in
the archive (instants compared to the minute and required to end in ``Z``, days as YYYY-MM-DD).
The world (tests/safety/datarights_world.py) puts rows into every such table, for the account's own
profile and a child's.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from sqlalchemy import select

from gutskin.clinic import accounts, caregivers, diary, export
from gutskin.store.db import transaction
from gutskin.store.models import (
    AuditEvent,
    Base,
    ChallengeAdherence,
    ChallengeAlert,
    ChallengeDose,
    Factor,
    FoodChallenge,
    Patient,
    User,
)
from tests.safety.datarights_world import seed_profile

#: tables that are not about a person, with the reason
NOT_PERSONAL = {
    "factors": "the shared vocabulary of daily inputs (a custom factor's name is in the diary's factor keys and "
               "in the profile's `factors` legend with its kind and unit)",
    "login_attempts": "rate-limit counters keyed by a SHA-256 of the address (and network): not readable back, "
                      "deleted within the hour",
}

#: where each column is in the archive: account-level paths start at the root (``account.``),
#: everything else is relative to the profile (``patients[]``) and taken over its rows
ARCHIVED: dict[str, dict[str, str]] = {
    "users": {"email": "account.email", "display_name": "account.name", "role": "account.role",
              "created_at": "account.created_at"},
    "patients": {"id": "patient_id", "external_id": "external_id", "relationship": "relationship",
                 "display_name": "name", "birth_year": "birth_year", "sex": "sex", "region": "region",
                 "time_zone": "time_zone", "share_identity": "share_identity", "created_at": "created_at"},
    "diary_days": {"day": "diary[].date", "itch": "diary[].itch", "sleep_loss": "diary[].sleep_loss",
                   "poscorad": "diary[].poscorad", "poem": "diary[].poem", "flare": "diary[].flare",
                   "notes": "diary[].notes", "updated_at": "diary[].updated_at", "author_role": "diary[].author_role",
                   "author_user_id": "diary[].author.user_id", "author_ref": "diary[].author_ref"},
    "factor_values": {"factor_id": "diary[].factors{k}", "value": "diary[].factors{v}"},
    "questionnaire_responses": {"id": "questionnaires[].id", "instrument": "questionnaires[].instrument",
                                "version": "questionnaires[].version", "answered_on": "questionnaires[].answered_on",
                                "answers": "questionnaires[].answers", "total": "questionnaires[].total",
                                "band": "questionnaires[].band", "created_at": "questionnaires[].recorded_at",
                                "author_role": "questionnaires[].author_role",
                                "author_user_id": "questionnaires[].author.user_id",
                                "author_ref": "questionnaires[].author_ref",
                                "respondent": "questionnaires[].respondent"},
    "consents": {"id": "sharing[].id", "clinician_user_id": "sharing[].clinician.user_id",
                 "created_at": "sharing[].since", "revoked_at": "sharing[].revoked_at",
                 # the snapshot (0011): what sharing[].clinician says once the clinician's account is deleted
                 "clinician_name": "sharing[].clinician.name", "clinician_email": "sharing[].clinician.email"},
    "caregivers": {"id": "caregivers[].id", "user_id": "caregivers[].caregiver.user_id",
                   "granted_by_user_id": "caregivers[].granted_by.user_id", "created_at": "caregivers[].since"},
    "invites": {"id": "invites[].id", "kind": "invites[].kind", "created_at": "invites[].created_at", "expires_at": "invites[].expires_at",
                "used_at": "invites[].used_at"},
    "appointment_requests": {"id": "appointments[].id", "reason": "appointments[].reason",
                             "urgency": "appointments[].urgency", "preferred_times": "appointments[].preferred_times",
                             "patient_zone": "appointments[].patient_zone", "status": "appointments[].status",
                             "scheduled_for": "appointments[].scheduled_for",
                             "clinician_user_id": "appointments[].clinician.user_id",
                             "message": "appointments[].message", "created_at": "appointments[].created_at",
                             "updated_at": "appointments[].updated_at"},
    "appointment_recipients": {"clinician_user_id": "appointments[].sent_to[].user_id"},
    "microbiome_samples": {"id": "microbiome_samples[].id", "sample_id": "microbiome_samples[].sample_id",
                           "collected_on": "microbiome_samples[].collected_on", "method": "microbiome_samples[].method",
                           "source_format": "microbiome_samples[].source_format",
                           "filename": "microbiome_samples[].filename", "is_counts": "microbiome_samples[].is_counts",
                           "profile": "microbiome_samples[].profile", "diversity": "microbiome_samples[].report",
                           "created_at": "microbiome_samples[].uploaded_at"},
    "food_challenges": {c: f"food_challenges[].{c}" for c in (
        "id", "food", "kind", "released_for_home", "status", "elimination_start", "elimination_end",
        "elimination_max_days", "baseline_start", "baseline_end", "reintroduction_start", "reintroduction_end",
        "observation_hours", "instructions", "stop_reason", "stopped_at", "immediate_outcome", "immediate_notes",
        "verdict", "verdict_at", "outcome", "outcome_note", "confirmed_at", "created_at", "updated_at")}
    | {"clinician_user_id": "food_challenges[].clinician.user_id",
       "confirmed_by_user_id": "food_challenges[].confirmed_by.user_id"},
    "challenge_doses": {c: f"food_challenges[].doses[].{c}" for c in (
        "id", "step", "planned_on", "amount", "setting", "status", "taken_at", "entered_zone", "time_note",
        "safety", "symptoms", "updated_at")}
    | {"recorded_by_user_id": "food_challenges[].doses[].recorded_by.user_id"},
    "challenge_adherence": {"day": "food_challenges[].adherence[].day",
                            "followed": "food_challenges[].adherence[].followed",
                            "note": "food_challenges[].adherence[].note",
                            "updated_at": "food_challenges[].adherence[].updated_at"},
    "challenge_alerts": {"id": "food_challenges[].alerts[].id", "kind": "food_challenges[].alerts[].kind",
                         "symptoms": "food_challenges[].alerts[].symptoms",
                         "created_at": "food_challenges[].alerts[].created_at",
                         "acknowledged_at": "food_challenges[].alerts[].acknowledged_at",
                         "acknowledged_by_user_id": "food_challenges[].alerts[].acknowledged_by.user_id"},
    "allergy_records": {"id": "allergy_records[].id", "food": "allergy_records[].food",
                        "status": "allergy_records[].status", "avoid": "allergy_records[].avoid",
                        "challenge_id": "allergy_records[].challenge_id",
                        "recorded_by_user_id": "allergy_records[].recorded_by.user_id",
                        "note": "allergy_records[].note", "recorded_at": "allergy_records[].recorded_at"},
    "patient_identifiers": {"id": "identifiers[].id", "system": "identifiers[].system", "value": "identifiers[].value",
                            "created_at": "identifiers[].recorded_at"},
    "audit_events": {"at": "access_log[].at", "actor_label": "access_log[].actor", "action": "access_log[].action",
                     "object_type": "access_log[].object", "object_id": "access_log[].object_id"},
}

APP_TOKEN = ("an app's sign-in (0020), listed on the account page ('Apps signed in'), not data about the person's "
             "health; deleted at sign-out everywhere, a password change and with the account")
NESTED = "the row sits under its profile in the archive (`patients[]`), which names it"
#: columns left out, with the reason
LEFT_OUT: dict[str, dict[str, str]] = {
    "users": {"id": "the account's internal number: the archive is this account's own",
              "password_hash": "a one-way hash of the password: a secret that helps only someone guessing it",
              "session_version": "an internal counter raised by sign-out everywhere and password changes",
              "must_change_password": "whether the operator set the current password (0020): the account page "
                                      "says so while it is set; cleared by the person's own change"},
    "patients": {"owner_user_id": "the exporting account itself (only the managing account downloads the archive)"},
    "diary_days": {"patient_id": NESTED},
    "factor_values": {"patient_id": NESTED, "day": "the value sits under its day (`diary[].date`)"},
    "questionnaire_responses": {"patient_id": NESTED},
    "caregivers": {"patient_id": NESTED},
    "consents": {"patient_id": NESTED},
    "invites": {"patient_id": NESTED,
                "code_hash": "a hash of the one-time code; the code itself is never stored and the hash cannot be "
                             "read back"},
    "appointment_requests": {"patient_id": NESTED},
    "appointment_recipients": {"request_id": "the clinician sits under the request sent to them (`appointments[].sent_to[]`)"},
    "microbiome_samples": {"patient_id": NESTED},
    "food_challenges": {"patient_id": NESTED},
    "challenge_doses": {"challenge_id": "the dose sits under its challenge (`food_challenges[].doses[]`)"},
    "challenge_adherence": {"challenge_id": "the day sits under its challenge (`food_challenges[].adherence[]`)"},
    "challenge_alerts": {"challenge_id": "the alert sits under its challenge (`food_challenges[].alerts[]`)",
                         "patient_id": NESTED},
    "allergy_records": {"patient_id": NESTED},
    "patient_identifiers": {"patient_id": NESTED},
    "audit_events": {"id": "internal order of the append-only log (entries are newest first)",
                     "patient_id": NESTED,
                     "actor_user_id": "the account is named by its address (`actor`) and role (`actor_role`)"},
    "web_sessions": {"id_hash": "a secret (hash of the sign-in cookie)", "user_id": "the exporting account",
                     "csrf_token": "a secret of the browser session", "created_at": "a sign-in session, not data "
                     "about the person's health; ended at sign-out, deleted with the account",
                     "expires_at": "as created_at", "session_version": "as users.session_version"},
    "api_tokens": {"id": "the token's number on the account page", "id_hash": "a hash of the token's secret id",
                   "user_id": "the exporting account", "label": APP_TOKEN, "created_at": APP_TOKEN,
                   "last_used_at": APP_TOKEN, "expires_at": APP_TOKEN, "revoked_at": APP_TOKEN},
}

MOMENT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z?$")


def _personal_tables() -> set[str]:
    """Tables with a row that names a person or profile (patient_id / *user_id columns, or a
    foreign key to users or patients), and tables hanging off those (challenge doses ...)."""
    found = {"users", "patients"}
    changed = True
    while changed:
        changed = False
        for t in Base.metadata.sorted_tables:
            if t.name in found:
                continue
            if any(c.name == "patient_id" or c.name.endswith("user_id") for c in t.columns) or any(
                    fk.column.table.name in found for c in t.columns for fk in c.foreign_keys):
                found.add(t.name)
                changed = True
    return found


def test_every_table_and_column_is_archived_or_has_a_reason() -> None:
    personal = _personal_tables()
    assert personal | set(NOT_PERSONAL) == {t.name for t in Base.metadata.sorted_tables}
    assert not personal & set(NOT_PERSONAL)
    problems = []
    for t in Base.metadata.sorted_tables:
        if t.name not in personal:
            continue
        archived, left = ARCHIVED.get(t.name, {}), LEFT_OUT.get(t.name, {})
        for c in t.columns:
            if (c.name in archived) == (c.name in left):
                problems.append(f"{t.name}.{c.name}: " + ("both archived and left out" if c.name in archived
                                                          else "neither archived nor listed with a reason"))
        problems += [f"{t.name}.{n}: no such column" for n in {*archived, *left} - {c.name for c in t.columns}]
    assert problems == []


def _at(node: Any, path: str) -> list[Any]:
    """Values at ``path``: ``a.b`` keys, ``a[]`` every item of a list, ``a{k}`` / ``a{v}`` a dict's keys / values;
    a key under ``None`` is ``None`` (``confirmed_by.user_id`` of a challenge nobody confirmed)."""
    nodes = [node]
    for part in path.split("."):
        m = re.fullmatch(r"(\w+)(\[\]|\{k\}|\{v\})?", part)
        assert m, part
        key, how = m.groups()
        nodes = [None if n is None else n[key] for n in nodes]  # an account no longer there: None
        if how == "[]":
            nodes = [x for n in nodes for x in n]
        elif how == "{k}":
            nodes = [x for n in nodes for x in n]
        elif how == "{v}":
            nodes = [x for n in nodes for x in n.values()]
    return nodes


def _norm(v: Any) -> Any:
    """A comparable form: instants to the minute (an archive instant must end in Z), days as text."""
    if isinstance(v, dt.datetime):
        return ("instant", v.replace(tzinfo=None).isoformat(timespec="minutes"))
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, str) and MOMENT.match(v):
        return ("instant", dt.datetime.fromisoformat(v.removesuffix("Z")).isoformat(timespec="minutes"))
    if isinstance(v, dict):
        return tuple(sorted((k, _norm(x)) for k, x in v.items()))
    if isinstance(v, list):
        return tuple(_norm(x) for x in v)
    if isinstance(v, bool):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _project(shown: Any, stored: Any) -> Any:
    """``shown`` (the archive's) cut down to the keys ``stored`` has: the archive may add readable
    words next to a stored value (a safety check's ``symptom_labels`` next to its ``symptoms``)."""
    if isinstance(shown, dict) and isinstance(stored, dict):
        return {k: _project(shown[k], stored[k]) for k in stored if k in shown}
    if isinstance(shown, list) and isinstance(stored, list) and len(shown) == len(stored):
        return [_project(a, b) for a, b in zip(shown, stored, strict=True)]
    return shown


def _matched(found: list[Any], db: list[Any]) -> bool:
    """Each stored value is in the archive once (the same multiset, up to :func:`_project`)."""
    if len(found) != len(db):
        return False
    left = list(found)
    for value in db:
        want = repr(_norm(value))
        hit = next((i for i, f in enumerate(left) if repr(_norm(_project(f, value))) == want), None)
        if hit is None:
            return False
        left.pop(hit)
    return True


def _rows(s, table: str, pid: int, challenge_ids: list[int]) -> list[Any]:  # type: ignore[no-untyped-def]
    t = Base.metadata.tables[table]
    if table == "patients":
        return list(s.execute(select(t).where(t.c.id == pid)).mappings())
    if "patient_id" in t.c:
        return list(s.execute(select(t).where(t.c.patient_id == pid)).mappings())
    if table == "appointment_recipients":  # under the profile's requests (0012)
        requests = Base.metadata.tables["appointment_requests"]
        mine = select(requests.c.id).where(requests.c.patient_id == pid)
        return list(s.execute(select(t).where(t.c.request_id.in_(mine))).mappings())
    return list(s.execute(select(t).where(t.c.challenge_id.in_(challenge_ids))).mappings())


def _unmarked_instants(node: Any, path: str = "") -> list[str]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _unmarked_instants(v, f"{path}.{k}")]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _unmarked_instants(v, f"{path}[{i}]")]
    return [path] if isinstance(node, str) and MOMENT.match(node) and not node.endswith("Z") else []


def test_the_archive_holds_every_archived_column_of_every_row(engine, people) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        child = accounts.add_child_profile(s, people.owner, "Mia", 2019).id
        own = s.get(Patient, people.owner_pid)
        own.sex, own.region, own.birth_year, own.share_identity = "female", "BE-VAN", 1990, True
        own.time_zone = "Pacific/Auckland"
    seed_profile(engine, people.owner, people.clinician, people.unlinked, people.owner_pid, "own")
    seed_profile(engine, people.owner, people.clinician, people.unlinked, child, "kid")
    with transaction(engine) as s:  # a co-caregiver of the child (only a child's profile has them)
        code = caregivers.create_code(s, people.owner, child)["code"]
    with transaction(engine) as s:
        caregivers.redeem(s, people.stranger, code)
        diary.put_day(s, people.stranger, child, dt.date.today(), diary.DayInput(itch=1, notes="zqx from the other home"))
    with transaction(engine) as s:
        archive = json.loads(export.archive_json(s, people.owner))
    assert _unmarked_instants(archive) == []

    with transaction(engine) as s:
        user = s.get(User, people.owner.user_id)
        for col, path in ARCHIVED["users"].items():
            assert _norm(_at(archive, path)[0]) == _norm(getattr(user, col)), col
        factor_names = dict(s.execute(select(Factor.id, Factor.name)).all())
        # the profile's entries in the access log are read after the export's own row was written
        assert len(archive["patients"]) == 2
        for profile in archive["patients"]:
            pid = profile["patient_id"]
            challenge_ids = list(s.scalars(select(FoodChallenge.id).where(FoodChallenge.patient_id == pid)))
            for table, columns in ARCHIVED.items():
                if table == "users":
                    continue
                rows = _rows(s, table, pid, challenge_ids)
                if table == "caregivers" and profile["relationship"] == "self":
                    assert rows == [] and profile["caregivers"] == []
                    continue
                assert rows, f"the world has no {table} row for profile {pid}: the walk would check nothing"
                for col, path in columns.items():
                    db = [r[col] for r in rows]
                    if table == "factor_values" and col == "factor_id":
                        db = [factor_names[v] for v in db]
                    if table == "diary_days" and col == "flare":
                        db = [None if v is None else bool(v) for v in db]
                    if table == "audit_events" and col == "actor_label":
                        db = [v or "system" for v in db]
                    found = _at(profile, path)
                    assert _matched(found, db), f"{table}.{col} at {path} (profile {pid}): {found!r} vs {db!r}"
            # each used factor is explained: kind and unit
            used = {n for d in profile["diary"] for n in d["factors"]}
            assert set(profile["factors"]) == used
            for name, about in profile["factors"].items():
                f = s.scalar(select(Factor).where(Factor.name == name))
                assert about == {"kind": f.kind, "unit": f.unit, "custom": f.custom}
        # the world reached the rows the walk compares
        assert s.scalar(select(ChallengeAlert.acknowledged_by_user_id)) == people.clinician.user_id
        assert all(s.scalars(select(ChallengeDose.recorded_by_user_id).where(ChallengeDose.status == "taken")))
        assert s.scalar(select(ChallengeAdherence.note)).startswith("zqx")


def test_the_access_log_in_the_archive_is_complete(engine, people) -> None:  # type: ignore[no-untyped-def]
    """Every audit row of the profile, however many (it was cut at the newest 10,000)."""
    from sqlalchemy import func, insert

    n = 10_050
    with transaction(engine) as s:
        s.execute(insert(AuditEvent.__table__), [
            {"at": dt.datetime(2025, 1, 1) + dt.timedelta(minutes=i), "actor_user_id": people.clinician.user_id,
             "actor_label": people.clinician.label, "patient_id": people.owner_pid, "action": "read",
             "object_type": "diary", "object_id": ".."} for i in range(n)])
    with transaction(engine) as s:
        (p,) = json.loads(export.archive_json(s, people.owner))["patients"]
    with transaction(engine) as s:
        stored = s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.patient_id == people.owner_pid))
    assert len(p["access_log"]) == stored > n
    assert "2025-01-01T00:00:00Z" in {e["at"] for e in p["access_log"]}  # the oldest added is there too
