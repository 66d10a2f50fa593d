"""The operator's commands that read or write a patient's record leave audit rows too (fourth
security review: "does every read and write of health data -- pages, API, exports, PDF, FHIR,
CLI commands -- leave a row naming actor, patient and action").

Each command runs as the real ``gutskin`` executable against a database file; the rows must name
the operator (``cli``, no account), the patient and the action, so the patient sees on their
access list that the clinic's server exported their record.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from gutskin.store.db import get_engine, transaction
from gutskin.store.models import AuditEvent, Patient
from tests.conftest import People

GUTSKIN = str(Path(sys.executable).with_name("gutskin"))


def _run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GUTSKIN_DATABASE_URL": url, "GUTSKIN_ENV": "test"}
    r = subprocess.run([GUTSKIN, *args], capture_output=True, text=True, env=env, timeout=180, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, (args, r.stderr)
    return r


def test_exports_report_and_import_by_the_operator_are_audited(sqlite_url: str, tmp_path: Path) -> None:
    from gutskin.clinic import diary

    engine = get_engine(sqlite_url)
    people = People(engine)
    with transaction(engine) as s:
        ext = s.get(Patient, people.owner_pid).external_id
        diary.put_day(s, people.owner, people.owner_pid, __import__("datetime").date(2026, 11, 1), diary.DayInput(itch=4))

    def new_rows(after: int) -> list[tuple]:
        with transaction(engine) as s:
            return [tuple(r) for r in s.execute(
                select(AuditEvent.actor_user_id, AuditEvent.actor_label, AuditEvent.patient_id, AuditEvent.action,
                       AuditEvent.object_type).where(AuditEvent.id > after).order_by(AuditEvent.id)).all()]

    def last() -> int:
        with transaction(engine) as s:
            return s.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0

    pid = people.owner_pid
    commands = [
        (["export", "diary", "--patient", ext, "--out", str(tmp_path / "d.csv")], [(None, "cli", pid, "export", "diary")]),
        (["export", "fhir", "--patient", ext, "--out", str(tmp_path / "b.json")], [(None, "cli", pid, "export", "fhir_bundle")]),
        (["report", "--patient", ext, "--out", str(tmp_path / "r.pdf")], [(None, "cli", pid, "export", "visit_report")]),
    ]
    for args, want in commands:
        before = last()
        _run(sqlite_url, *args)
        assert new_rows(before) == want, args
    # an import into an existing patient: one 'import' row for that patient
    (tmp_path / "in.csv").write_text(f"patient,date,itch\n{ext},2026-11-02,5\n")
    before = last()
    _run(sqlite_url, "import", "diary", str(tmp_path / "in.csv"))
    assert new_rows(before) == [(None, "cli", pid, "import", "diary")]
