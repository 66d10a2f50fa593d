"""Migration 0011 (a consent outlives its clinician's account) upgrades a database holding
consents, on SQLite and PostgreSQL: each consent gets its clinician's name and address, and
deleting the clinician's account afterwards keeps the consent (clinician NULL) while deleting the
patient's profile still deletes theirs. The downgrade drops the snapshot; it refuses while a consent's
clinician is gone (2026-12-06), and goes once those are deleted deliberately."""

from __future__ import annotations

from sqlalchemy import inspect

from gutskin.store import migrate
from gutskin.store.db import dispose_engines, get_engine


def _fresh(db_url: str):  # type: ignore[no-untyped-def]
    dispose_engines()
    return get_engine(db_url)


def _user(c, uid: int, email: str, role: str, name: str) -> None:  # type: ignore[no-untyped-def]
    c.exec_driver_sql("INSERT INTO users (id, email, password_hash, role, display_name, session_version, "
                      f"created_at) VALUES ({uid}, '{email}', 'h', '{role}', '{name}', 1, '2026-01-01')")


def test_consents_survive_the_clinicians_deletion_after_upgrade(db_url: str) -> None:
    migrate.downgrade(db_url, "0010")
    engine = _fresh(db_url)
    assert "clinician_name" not in {c["name"] for c in inspect(engine).get_columns("consents")}
    with engine.begin() as c:  # written before the revision: a patient sharing with two clinicians
        _user(c, 51, "pat@x.org", "patient", "Pat")
        _user(c, 52, "dr.a@clinic.org", "clinician", "Dr A")
        _user(c, 53, "dr.b@clinic.org", "clinician", "")
        c.exec_driver_sql("INSERT INTO patients (id, external_id, owner_user_id, relationship, display_name, "
                          "share_identity, created_at) VALUES (51, 'p-51', 51, 'self', 'Pat', false, '2026-01-01')")
        c.exec_driver_sql("INSERT INTO consents (id, patient_id, clinician_user_id, created_at, revoked_at) VALUES "
                          "(61, 51, 52, '2026-02-01', '2026-03-01'), (62, 51, 53, '2026-02-02', NULL)")
    migrate.upgrade(db_url)
    engine = _fresh(db_url)
    assert migrate.current_revision(db_url) == migrate.head_revision()
    migrate.check(db_url)  # the models agree with the migrations
    with engine.begin() as c:
        rows = c.exec_driver_sql("SELECT id, clinician_user_id, clinician_name, clinician_email, created_at "
                                 "FROM consents ORDER BY id").all()
        assert [tuple(r[:4]) for r in rows] == [(61, 52, "Dr A", "dr.a@clinic.org"), (62, 53, "", "dr.b@clinic.org")]
        c.exec_driver_sql("DELETE FROM users WHERE id = 52")  # the clinician's account goes: the consent stays
        assert c.exec_driver_sql("SELECT id, clinician_user_id, clinician_name FROM consents WHERE id = 61").one() \
            == (61, None, "Dr A")
    # the earlier schema cannot hold a consent without a clinician: refused until the operator deletes
    # it deliberately (it was deleted silently until 2026-12-06: tests/safety/test_downgrade_0011_keeps_sharings.py)
    try:
        migrate.downgrade(db_url, "0010")
        raise AssertionError("the downgrade deleted a closed clinician's sharing")
    except migrate.MigrationRefused:
        pass
    engine = _fresh(db_url)
    with engine.begin() as c:
        c.exec_driver_sql("DELETE FROM consents WHERE clinician_user_id IS NULL")  # what the refusal says to do
    migrate.downgrade(db_url, "0010")
    engine = _fresh(db_url)
    with engine.begin() as c:
        assert c.exec_driver_sql("SELECT id, clinician_user_id FROM consents").all() == [(62, 53)]
    assert "clinician_name" not in {c["name"] for c in inspect(engine).get_columns("consents")}
    migrate.upgrade(db_url)
    engine = _fresh(db_url)
    with engine.begin() as c:
        c.exec_driver_sql("DELETE FROM patients WHERE id = 51")  # the patient's profile goes: so do its consents
        assert c.exec_driver_sql("SELECT count(*) FROM consents").scalar() == 0
