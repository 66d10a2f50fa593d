"""Migration 0012 (appointment requests addressed to clinicians) on a database holding requests,
on SQLite and PostgreSQL: each existing request goes to every clinician whose sharing was active
when it was made, to the clinician who answered it, and -- made while nobody had access -- to those
whose sharing began after it; a clinician linked later than another's sharing does not get the
earlier requests. Downgrade drops the table; upgrade again refills it."""

from __future__ import annotations

from sqlalchemy import inspect

from gutskin.store import migrate
from gutskin.store.db import dispose_engines, get_engine


def _fresh(db_url: str):  # type: ignore[no-untyped-def]
    dispose_engines()
    return get_engine(db_url)


def _user(c, uid: int, email: str, role: str) -> None:  # type: ignore[no-untyped-def]
    c.exec_driver_sql("INSERT INTO users (id, email, password_hash, role, display_name, session_version, "
                      f"created_at) VALUES ({uid}, '{email}', 'h', '{role}', '', 1, '2026-01-01')")


def _patient(c, pid: int) -> None:  # type: ignore[no-untyped-def]
    c.exec_driver_sql("INSERT INTO patients (id, external_id, owner_user_id, relationship, display_name, "
                      f"share_identity, created_at) VALUES ({pid}, 'p-{pid}', {pid}, 'self', 'P', false, '2026-01-01')")


def _request(c, rid: int, pid: int, at: str, status: str = "open", by: str = "NULL") -> None:  # type: ignore[no-untyped-def]
    c.exec_driver_sql("INSERT INTO appointment_requests (id, patient_id, reason, urgency, preferred_times, status, "
                      f"clinician_user_id, message, created_at, updated_at) VALUES ({rid}, {pid}, 'r{rid}', 'routine', '', "
                      f"'{status}', {by}, '', '{at}', '{at}')")


def _recipients(engine) -> set[tuple[int, int]]:  # type: ignore[no-untyped-def]
    with engine.begin() as c:
        return {tuple(r) for r in c.exec_driver_sql("SELECT request_id, clinician_user_id FROM appointment_recipients").all()}


def test_existing_requests_are_addressed_to_who_had_access_when_they_were_made(db_url: str) -> None:
    migrate.downgrade(db_url, "0011")
    engine = _fresh(db_url)
    assert "appointment_recipients" not in inspect(engine).get_table_names()
    with engine.begin() as c:
        _user(c, 51, "pat@x.org", "patient")
        _user(c, 52, "pat2@x.org", "patient")
        for uid in (61, 62, 63):  # A, B, C
            _user(c, uid, f"dr{uid}@clinic.org", "clinician")
        _patient(c, 51)
        _patient(c, 52)
        # patient 51: A since January; C from January to February 10; B since March
        c.exec_driver_sql("INSERT INTO consents (id, patient_id, clinician_user_id, created_at, revoked_at) VALUES "
                          "(71, 51, 61, '2026-01-05', NULL), (72, 51, 63, '2026-01-06', '2026-02-10'), "
                          "(73, 51, 62, '2026-03-01', NULL), "
                          # patient 52: nobody until April, then A and B
                          "(74, 52, 61, '2026-04-01', NULL), (75, 52, 62, '2026-04-02', '2026-04-20')")
        _request(c, 81, 51, "2026-02-01")  # A and C had access
        _request(c, 82, 51, "2026-02-15", "accepted", "62")  # A had access; B (linked later) answered it
        _request(c, 83, 51, "2026-03-05")  # A and B
        _request(c, 84, 52, "2026-03-20")  # nobody then: those linked after it
    migrate.upgrade(db_url)
    engine = _fresh(db_url)
    migrate.check(db_url)  # the models agree with the migrations
    assert _recipients(engine) == {(81, 61), (81, 63), (82, 61), (82, 62), (83, 61), (83, 62), (84, 61), (84, 62)}
    with engine.begin() as c:  # the request's and the clinician's deletions take their rows
        c.exec_driver_sql("DELETE FROM users WHERE id = 63")
        c.exec_driver_sql("DELETE FROM appointment_requests WHERE id = 84")
    assert _recipients(_fresh(db_url)) == {(81, 61), (82, 61), (82, 62), (83, 61), (83, 62)}
    migrate.downgrade(db_url, "0011")
    engine = _fresh(db_url)
    assert "appointment_recipients" not in inspect(engine).get_table_names()
    with engine.begin() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM appointment_requests").scalar() == 3
    migrate.upgrade(db_url)
    assert _recipients(_fresh(db_url)) == {(81, 61), (82, 61), (82, 62), (83, 61), (83, 62)}
