"""CSV import and export through the store, on SQLite and PostgreSQL; the CLI contract."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gutskin.clinic.actors import SYSTEM
from gutskin.clinic.diary import export_diary_csv, import_diary_csv
from gutskin.clinic.errors import Conflict
from gutskin.diary.csvio import DiaryCsvError
from gutskin.store.db import get_engine, transaction
from gutskin.store.models import AuditEvent, DiaryDay, FactorValue, Patient

GUTSKIN = str(Path(sys.executable).with_name("gutskin"))

DIARY = """patient,date,itch,sleep_loss,poscorad,poem,flare,food.dairy,env.pollen,life.stress,treat.tcs,gut.bristol,food.my_snack
p01,2025-04-01,3,1,22.5,11,0,1,12.5,4,0,4,
p01,2025-04-02,6,4,,,1,1,40.0,6,1,,2
p01,2025-04-04,,,,,,0,8.0,3,0,3,
p02,2025-03-30,0,0,,,0,,,,,,
p02,2025-03-31,,,,,,,,,,,
"""


def named(text: str, name: str = "diary.csv") -> io.StringIO:
    buf = io.StringIO(text)
    buf.name = name  # type: ignore[attr-defined]
    return buf


def export_text(engine, patients=None) -> str:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    export_diary_csv(engine, SYSTEM, out, patients)
    return out.getvalue()


def counts(engine) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return (
            s.scalar(select(func.count()).select_from(Patient)) or 0,
            s.scalar(select(func.count()).select_from(DiaryDay)) or 0,
            s.scalar(select(func.count()).select_from(FactorValue)) or 0,
        )


def test_export_import_export_is_identical(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    engine = get_engine(db_url)
    summary = import_diary_csv(engine, SYSTEM, named(DIARY))
    assert (summary.rows, summary.patients, summary.new_patients) == (5, 2, 2)
    assert counts(engine) == (2, 5, 15)
    first = export_text(engine)
    assert first.splitlines()[0] == (
        "patient,date,itch,sleep_loss,poscorad,poem,flare,env.pollen,food.dairy,food.my_snack,gut.bristol,life.stress,treat.tcs"
    )
    assert "p01,2025-04-02,6,4,,,1,40,1,2,,6,1" in first.splitlines()
    assert first.splitlines()[-1] == "p02,2025-03-31,,,,,,,,,,,"  # a logged day with nothing filled stays logged
    # into a second, empty database of the other kind of file: SQLite
    other = f"sqlite:///{tmp_path / 'second.db'}"
    from gutskin.store.migrate import upgrade

    upgrade(other)
    import_diary_csv(get_engine(other), SYSTEM, named(first))
    assert export_text(get_engine(other)) == first


def test_bad_row_imports_nothing(db_url: str) -> None:
    engine = get_engine(db_url)
    bad = DIARY + "p03,2025-04-05,11,,,,,,,,,,\n"
    with pytest.raises(DiaryCsvError) as err:
        import_diary_csv(engine, SYSTEM, named(bad))
    assert str(err.value) == 'diary.csv: line 7, column itch: expected an integer 0-10, got "11"'
    assert counts(engine) == (0, 0, 0)


def test_rows_already_stored_are_a_conflict_and_nothing_is_added(db_url: str) -> None:
    engine = get_engine(db_url)
    import_diary_csv(engine, SYSTEM, named(DIARY))
    more = "patient,date,itch\np02,2025-04-10,3\np01,2025-04-02,5\n"
    with pytest.raises(Conflict, match="p01 already has a diary entry on 2025-04-02"):
        import_diary_csv(engine, SYSTEM, named(more))
    assert counts(engine) == (2, 5, 15)


def test_conflict_names_the_line_of_the_first_stored_day(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from gutskin.clinic import diary

    engine = get_engine(db_url)
    import_diary_csv(engine, SYSTEM, named(DIARY))
    more = ("patient,date,itch\n"
            "p02,2025-04-10,3\n"
            "\n"                       # a blank line counts: lines are the file's lines
            "p03,2025-04-02,1\n"      # a new patient: no clash
            "p01,2025-04-04,2\n"      # line 5: the first clash in the file
            "p02,2025-03-30,5\n"      # line 6: another clash, of another patient
            "p01,2025-04-02,5\n")
    for batch in (5000, 2):  # the first clash is named whether it is in the first batch or a later one
        monkeypatch.setattr(diary, "BATCH", batch)
        with pytest.raises(Conflict) as err:
            import_diary_csv(engine, SYSTEM, named(more))
        assert str(err.value) == ("diary.csv: line 5, column date: patient p01 already has a diary entry on "
                                  "2025-04-04; nothing was imported")
        assert counts(engine) == (2, 5, 15)  # all or nothing


def test_import_spans_batches_and_export_filters_by_patient(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from gutskin.clinic import diary

    monkeypatch.setattr(diary, "BATCH", 7)  # several batches, a failing last batch must roll back all
    engine = get_engine(db_url)
    start = dt.date(2024, 1, 1)
    lines = ["patient,date,itch,food.egg"] + [f"q{i % 3},{start + dt.timedelta(days=i // 3)},{i % 11},{i % 2}" for i in range(60)]
    import_diary_csv(engine, SYSTEM, named("\n".join(lines) + "\n"))
    assert counts(engine) == (3, 60, 60)
    only = export_text(engine, ["q1"])
    assert {line.split(",")[0] for line in only.splitlines()[1:]} == {"q1"}
    with transaction(engine) as s:
        actions = s.scalars(select(AuditEvent.action)).all()
    assert actions.count("import") == 3 and actions.count("export") == 1


def run_cli(db_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GUTSKIN_DATABASE_URL": db_url}
    return subprocess.run([GUTSKIN, *args], input=stdin, capture_output=True, text=True, env=env, timeout=120)


def test_cli_import_export_roundtrip_and_errors(db_url: str, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text(DIARY)
    r = run_cli(db_url, "import", "diary", str(src))
    assert r.returncode == 0, r.stderr
    assert "imported 5 rows for 2 patients" in r.stderr
    out = tmp_path / "out.csv"
    r = run_cli(db_url, "export", "diary", "--out", str(out))
    assert r.returncode == 0, r.stderr
    r2 = run_cli(db_url, "export", "diary")
    assert r2.stdout == out.read_text()
    r3 = run_cli(db_url, "export", "diary", "--patient", "p02")
    assert r3.stdout.splitlines()[1:] == ["p02,2025-03-30,0,0,,,0", "p02,2025-03-31,,,,,"]
    bad = run_cli(db_url, "import", "diary", "-", stdin="patient,date,itch\np9,2025-01-01,x\n")
    assert bad.returncode != 0
    assert bad.stderr.strip().splitlines() == ['error: <stdin>: line 2, column itch: expected an integer 0-10, got "x"']
    missing = run_cli(db_url, "export", "diary", "--patient", "nobody")
    assert missing.returncode != 0 and "nobody" in missing.stderr


def test_cli_export_of_a_row_the_format_cannot_carry_is_one_line(db_url: str, tmp_path: Path) -> None:
    """A stored identifier the CSV format refuses (here '=cmd', which a FHIR bundle could bring in
    while the CSV import refuses it) made `gutskin export diary` end in a 40-line traceback
    (contract review, session 8). Now one line naming the row; with --out no file is left."""
    import datetime as dt

    from sqlalchemy import text

    engine = get_engine(db_url)
    import_diary_csv(engine, SYSTEM, named("patient,date,itch\np01,2025-04-01,3\n"))
    with transaction(engine) as s:  # a row as an older import path stored it
        s.execute(text("INSERT INTO patients (external_id, relationship, display_name, share_identity, created_at) "
                       "VALUES ('=cmd', 'self', '', false, :now)"), {"now": dt.datetime(2025, 1, 1)})
        pid = s.scalar(select(Patient.id).where(Patient.external_id == "=cmd"))
        s.execute(text("INSERT INTO diary_days (patient_id, day, itch, updated_at) VALUES (:p, :d, 2, :now)"),
                  {"p": pid, "d": dt.date(2025, 4, 1), "now": dt.datetime(2025, 4, 1)})
    for args in (("export", "diary"), ("export", "diary", "--out", str(tmp_path / "all.csv"))):
        r = run_cli(db_url, *args)
        assert r.returncode == 2, r.stderr
        assert len(r.stderr.splitlines()) == 1 and "Traceback" not in r.stderr, r.stderr
        assert r.stderr.startswith("error: cannot export: row 1 (patient '=cmd', 2025-04-01): patient:"), r.stderr
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("all.csv")]
    r = run_cli(db_url, "export", "diary", "--patient", "p01")
    assert r.returncode == 0 and r.stdout.splitlines()[1].startswith("p01,2025-04-01,3")
