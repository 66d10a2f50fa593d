"""Migration 0010: identifiers and emails stored before they were read in one form become that form.

A profile imported from a Mac file before 2026-12-06 kept "Zoe" + U+0308 as its identifier; every
way in now reads "Zoë" composed (NFC), so a later import of the same name made a second profile.
An account registered before 2026-12-02 kept its email as typed (decomposed, or with the domain's
trailing dot); sign-in now looks the NFKC form up and did not find it. The upgrade stores the
canonical forms, audited; identifiers or emails equal once canonical are left as they are and
reported by numeric id (never merged). SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import unicodedata

from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from gutskin.cli import app
from gutskin.clinic import accounts
from gutskin.clinic.passwords import hash_password
from gutskin.settings import get_settings
from gutskin.store import migrate
from gutskin.store.db import dispose_engines, get_engine, transaction

NFC = unicodedata.normalize("NFC", "Zoë Müller")
NFD = unicodedata.normalize("NFD", "Zoë Müller")
LEA_NFC, LEA_NFD = unicodedata.normalize("NFC", "Léa"), unicodedata.normalize("NFD", "Léa")
EMILE_NFC, EMILE_NFD = unicodedata.normalize("NFC", "Émile"), unicodedata.normalize("NFD", "Émile")
MAIL_NFD = unicodedata.normalize("NFD", "zoë@example.org")
PASSWORD = "correct-horse-battery"


def _before() -> str:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    [rev] = [r for r in script.walk_revisions() if r.path.endswith("_canonical_identifiers.py")]
    return rev.down_revision  # type: ignore[return-value]


def _old_database(db_url: str):  # type: ignore[no-untyped-def]
    """The database at the revision before 0010, engines fresh."""
    migrate.downgrade(db_url, _before())
    dispose_engines()
    return get_engine(db_url)


def _user(c, uid: int, email: str, password_hash: str = "h") -> None:  # type: ignore[no-untyped-def]
    mark = "%s" if c.dialect.name == "postgresql" else "?"
    c.exec_driver_sql("INSERT INTO users (id, email, password_hash, role, display_name, session_version, created_at) "
                      f"VALUES ({mark}, {mark}, {mark}, 'patient', '', 1, '2026-01-01')", (uid, email, password_hash))


def _patient(c, pid: int, external_id: str, owner: int | None) -> None:  # type: ignore[no-untyped-def]
    mark = "%s" if c.dialect.name == "postgresql" else "?"
    c.exec_driver_sql("INSERT INTO patients (id, external_id, owner_user_id, relationship, display_name, "
                      f"share_identity, created_at) VALUES ({mark}, {mark}, {mark}, 'self', {mark}, false, "
                      "'2026-01-01')", (pid, external_id, owner, external_id))


def test_upgrade_stores_canonical_forms_audited_and_leaves_collisions(db_url: str, caplog) -> None:
    engine = _old_database(db_url)
    with engine.begin() as c:
        for uid, email in ((41, "mum@example.org"), (42, MAIL_NFD), (43, "dad@example.org."),
                           (48, "ann@example.org"), (49, "ann@example.org.")):
            _user(c, uid, email)
        _patient(c, 41, NFD, 41)  # from a Mac file: becomes composed
        _patient(c, 42, " p-space ", None)  # blanks around it (an early FHIR import): stripped
        _patient(c, 43, "p-plain", None)  # already canonical: untouched
        _patient(c, 44, LEA_NFD, 41)  # the same owner's two "Léa" profiles: a collision
        _patient(c, 45, LEA_NFC, 41)
        _patient(c, 46, f" {EMILE_NFC}", 42)  # neither canonical, one identifier once canonical
        _patient(c, 47, EMILE_NFD, 43)
        c.exec_driver_sql("INSERT INTO diary_days (patient_id, day, itch, updated_at) VALUES (41, '2025-01-01', 3, "
                          "'2026-01-01')")
    with caplog.at_level(logging.INFO, logger="gutskin.store.migrate"):
        migrate.upgrade(db_url)
    dispose_engines()
    engine = get_engine(db_url)
    assert migrate.current_revision(db_url) == migrate.head_revision()
    migrate.check(db_url)
    with engine.begin() as c:
        ids = dict(c.exec_driver_sql("SELECT id, external_id FROM patients").all())
        emails = dict(c.exec_driver_sql("SELECT id, email FROM users").all())
        audit = c.exec_driver_sql("SELECT actor_user_id, actor_label, patient_id, action, object_type, object_id "
                                  "FROM audit_events ORDER BY object_type, object_id").all()
        assert c.exec_driver_sql("SELECT patient_id, itch FROM diary_days").all() == [(41, 3)]
    assert ids == {41: NFC, 42: "p-space", 43: "p-plain", 44: LEA_NFD, 45: LEA_NFC, 46: f" {EMILE_NFC}",
                   47: EMILE_NFD}
    assert emails == {41: "mum@example.org", 42: unicodedata.normalize("NFC", MAIL_NFD), 43: "dad@example.org",
                      48: "ann@example.org", 49: "ann@example.org."}
    assert audit == [(None, "migration 0010", 41, "update", "patient", "41"),
                     (None, "migration 0010", 42, "update", "patient", "42"),
                     (None, "migration 0010", None, "update", "user", "42"),
                     (None, "migration 0010", None, "update", "user", "43")]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "0010" in r.getMessage()]
    assert len(warnings) == 3, warnings
    assert "patients 44, 45 have identifiers that are one identifier in composed Unicode" in warnings[0]
    assert "patients 46, 47 " in warnings[1] and "nothing merged" in warnings[1]
    assert "accounts 48, 49 " in warnings[2]
    for w in warnings:  # the log names profiles by number: no identifier, no email
        assert "Léa" not in unicodedata.normalize("NFC", w) and "@" not in w
    # downgrade changes nothing back (nothing records what was decomposed); upgrading again is a no-op
    migrate.downgrade(db_url, _before())
    migrate.upgrade(db_url)
    dispose_engines()
    with get_engine(db_url).begin() as c:
        assert dict(c.exec_driver_sql("SELECT id, external_id FROM patients").all()) == ids
        assert c.exec_driver_sql("SELECT count(*) FROM audit_events").scalar() == 4


def test_after_upgrade_a_composed_import_adds_to_the_profile_and_the_account_signs_in(db_url, tmp_path,
                                                                                       monkeypatch) -> None:
    engine = _old_database(db_url)
    with engine.begin() as c:
        _user(c, 42, MAIL_NFD, hash_password(PASSWORD))
        _patient(c, 41, NFD, None)  # imported from a Mac file before 2026-12-06
        c.exec_driver_sql("INSERT INTO diary_days (patient_id, day, itch, updated_at) VALUES (41, '2025-01-01', 3, "
                          "'2026-01-01')")
    migrate.upgrade(db_url)
    dispose_engines()
    monkeypatch.setenv("GUTSKIN_DATABASE_URL", db_url)
    get_settings.cache_clear()
    windows = tmp_path / "windows.csv"
    windows.write_text(f"patient,date,itch\n{NFC},2025-01-02,5\n", encoding="utf-8")
    try:
        r = CliRunner().invoke(app, ["import", "diary", str(windows)])
        assert r.exit_code == 0, r.output
        assert r.stderr.strip() == "imported 1 row for 1 patient (0 new)"  # it made a second profile
        r = CliRunner().invoke(app, ["export", "diary", "--patient", NFC])
        assert r.exit_code == 0, r.output
        assert r.stdout.splitlines()[1:] == [f"{NFC},2025-01-01,3,,,,", f"{NFC},2025-01-02,5,,,,"]
    finally:
        get_settings.cache_clear()
    engine = get_engine(db_url)
    with engine.begin() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM patients").scalar() == 1
    # typed on a Mac as at registration, or composed: one account ("invalid email or password" before)
    for typed in (MAIL_NFD, unicodedata.normalize("NFC", MAIL_NFD)):
        with transaction(engine) as s:
            accounts.record_login_attempt(s, typed)
        with transaction(engine) as s:
            accounts.admit_login_attempt(s, typed)
        with transaction(engine) as s:
            assert accounts.authenticate(s, typed, PASSWORD).id == 42



def test_the_operator_sees_a_collision_on_db_upgrade(db_url: str) -> None:
    """The report reaches `gutskin db upgrade`'s stderr: alembic's own loggers end in a
    NullHandler, where a warning of the migration was silent."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    engine = _old_database(db_url)
    with engine.begin() as c:
        _patient(c, 44, LEA_NFD, None)
        _patient(c, 45, LEA_NFC, None)
    dispose_engines()
    gutskin = str(Path(sys.executable).with_name("gutskin"))
    r = subprocess.run([gutskin, "db", "upgrade"], env={**os.environ, "GUTSKIN_DATABASE_URL": db_url},
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "0010: patients 44, 45 have identifiers that are one identifier in composed Unicode (NFC); left " \
           "unchanged, nothing merged" in r.stderr
    assert migrate.current_revision(db_url) == migrate.head_revision()


def test_a_backup_from_before_0010_restores_composed(db_url: str, tmp_path) -> None:
    from gutskin.store.backup import backup, restore

    engine = _old_database(db_url)
    try:
        with engine.begin() as c:
            _patient(c, 41, NFD, None)
        backup(db_url, tmp_path / "old.jsonl.gz")
    finally:
        with engine.begin() as c:
            c.exec_driver_sql("DELETE FROM patients")
        migrate.upgrade(db_url)
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    restore(target, tmp_path / "old.jsonl.gz")
    with get_engine(target).begin() as c:
        assert c.exec_driver_sql("SELECT id, external_id FROM patients").all() == [(41, NFC)]
