"""Backups: a round trip loses nothing, across SQLite and PostgreSQL; restore refuses to overwrite."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gutskin.clinic import questionnaires
from gutskin.clinic.actors import SYSTEM
from gutskin.clinic.diary import export_diary_csv, import_diary_csv
from gutskin.store.backup import BackupError, backup, restore
from gutskin.store.db import get_engine, transaction
from gutskin.store.migrate import upgrade

GUTSKIN = str(Path(sys.executable).with_name("gutskin"))
DIARY = "patient,date,itch,sleep_loss,flare,food.dairy,env.pollen\np1,2025-01-01,3,1,0,1,10.5\np1,2025-01-02,,,,,\np2,2025-01-01,9,8,1,0,\n"


def snapshot(url: str) -> str:
    out = io.StringIO()
    export_diary_csv(get_engine(url), SYSTEM, out)
    return out.getvalue()


def dump_tables(url: str) -> dict[str, list]:
    from sqlalchemy import MetaData, Table, select

    from gutskin.store.models import Base

    engine = get_engine(url)
    out = {}
    with engine.connect() as conn:
        for t in Base.metadata.sorted_tables:
            table = Table(t.name, MetaData(), autoload_with=conn)
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            out[t.name] = [tuple(str(v) for v in r) for r in rows]
    return out


def populate(url: str, people_cls) -> None:  # type: ignore[no-untyped-def]
    engine = get_engine(url)
    people = people_cls(engine)
    buf = io.StringIO(DIARY)
    buf.name = "d.csv"  # type: ignore[attr-defined]
    import_diary_csv(engine, SYSTEM, buf)
    with transaction(engine) as s:
        questionnaires.submit(s, people.owner, people.owner_pid, "poem", {"answers": [1, 2, 3, 4, 0, 1, 2]})


@pytest.mark.parametrize("target_kind", ["sqlite", "postgresql"])
def test_round_trip_loses_nothing(db_url: str, tmp_path: Path, target_kind: str, request: pytest.FixtureRequest) -> None:
    from tests.conftest import People

    populate(db_url, People)
    before = dump_tables(db_url)
    path = tmp_path / "b.gz"
    counts = backup(db_url, path)
    assert counts["diary_days"] == 4 and counts["users"] == 5 and counts["audit_events"] > 0
    if target_kind == "sqlite":
        target = f"sqlite:///{tmp_path / 'restored.db'}"
        upgrade(target)
    else:
        target = request.getfixturevalue("pg_url")
        if target == db_url:
            target = db_url  # same database: must be forced
    if target == db_url:
        with pytest.raises(BackupError, match="not empty"):
            restore(target, path)
        restore(target, path, force=True)
    else:
        from tests.conftest import _truncate_pg

        if target.startswith("postgresql"):
            _truncate_pg(target)
        restore(target, path)
    assert dump_tables(target) == before
    assert snapshot(target) == snapshot(db_url) or target == db_url


def test_restore_refuses_damaged_or_foreign_files_and_changes_nothing(db_url: str, tmp_path: Path) -> None:
    from tests.conftest import People

    populate(db_url, People)
    before = dump_tables(db_url)
    foreign = tmp_path / "x.gz"
    foreign.write_bytes(b"not gzip at all")
    with pytest.raises(BackupError, match="not a gutskin backup"):
        restore(db_url, foreign, force=True)
    good = tmp_path / "good.gz"
    backup(db_url, good)
    import gzip

    lines = gzip.open(good, "rt").read().splitlines()
    lines.insert(5, "{broken json")
    damaged = tmp_path / "damaged.gz"
    with gzip.open(damaged, "wt") as fh:
        fh.write("\n".join(lines) + "\n")
    with pytest.raises(BackupError, match="line 6 is damaged"):
        restore(db_url, damaged, force=True)
    assert dump_tables(db_url) == before  # the failed restore rolled back completely
    # cut off: after the header, in the middle of the rows (whole lines), and mid-stream (broken gzip)
    whole = good.read_bytes()
    lines = gzip.open(good, "rt").read().splitlines()
    for keep, message in ((1, "no end marker"), (len(lines) // 2, "no end marker")):
        cut = tmp_path / f"cut{keep}.gz"
        with gzip.open(cut, "wt") as fh:
            fh.write("\n".join(lines[:keep]) + "\n")
        with pytest.raises(BackupError, match=message):
            restore(db_url, cut, force=True)
        assert dump_tables(db_url) == before
    torn = tmp_path / "torn.gz"
    torn.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(BackupError, match="cut off"):
        restore(db_url, torn, force=True)
    assert dump_tables(db_url) == before
    # a row lost from the middle: the end marker's counts catch it
    lossy = tmp_path / "lossy.gz"
    with gzip.open(lossy, "wt") as fh:
        fh.write("\n".join(lines[:3] + lines[4:]) + "\n")
    with pytest.raises(BackupError, match="do not match the end marker"):
        restore(db_url, lossy, force=True)
    assert dump_tables(db_url) == before


def test_cli_backup_restore(db_url: str, tmp_path: Path) -> None:
    from tests.conftest import People

    populate(db_url, People)
    env = {**os.environ, "GUTSKIN_DATABASE_URL": db_url}
    out = tmp_path / "cli.gz"
    r = subprocess.run([GUTSKIN, "backup", "--out", str(out)], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([GUTSKIN, "restore", str(out)], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "not empty" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    target = f"sqlite:///{tmp_path / 'fresh.db'}"
    r = subprocess.run([GUTSKIN, "restore", str(out)], env={**env, "GUTSKIN_DATABASE_URL": target}, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert snapshot(target) == snapshot(db_url)


def test_a_restore_never_hands_a_deleted_accounts_id_to_a_new_account(db_url: str, tmp_path: Path) -> None:
    """After a restore into PostgreSQL the sequences restarted at the largest id left, so the next
    registrant got a deleted account's id and its old token opened the new account."""
    from sqlalchemy import func, select

    from gutskin.clinic import accounts
    from gutskin.store.models import Patient, User
    from tests.conftest import People

    engine = get_engine(db_url)
    People(engine)
    with transaction(engine) as s:
        gone = accounts.register_patient(s, "gone@example.org", People.password)
        gone_actor = accounts.actor_for(gone)
    with transaction(engine) as s:  # leaves audit rows naming its ids
        from gutskin.clinic.access import default_patient

        gone_pid = default_patient(s, gone_actor).id
        accounts.delete_account(s, gone_actor, People.password)
    path = tmp_path / "b.gz"
    backup(db_url, path)
    restore(db_url, path, force=True)
    with transaction(engine) as s:
        new = accounts.register_patient(s, "next@example.org", People.password)
        new_id = new.id
        new_pid = s.scalar(select(func.max(Patient.id)))
        assert s.scalar(select(func.count()).select_from(User).where(User.id == gone_actor.user_id)) == 0
    assert new_id > gone_actor.user_id and new_pid > gone_pid


def test_a_crafted_backup_cannot_make_up_roles_or_crash(db_url: str, tmp_path: Path) -> None:
    import gzip
    import json

    from tests.conftest import People

    populate(db_url, People)
    before = dump_tables(db_url)
    good = tmp_path / "good.gz"
    backup(db_url, good)
    lines = gzip.open(good, "rt").read().splitlines()
    for edit, message in ((lambda d: d.get("t") == "users" and d["r"].update(role="root"), "has role 'root'"),
                          (lambda d: d.get("t") == "users" and d["r"].update(id=2**63 + 5), "cannot be restored")):
        out = []
        for line in lines:
            d = json.loads(line)
            edit(d)
            out.append(json.dumps(d))
        bad = tmp_path / "bad.gz"
        with gzip.open(bad, "wt") as fh:
            fh.write("\n".join(out) + "\n")
        with pytest.raises(BackupError, match=message):
            restore(db_url, bad, force=True)
        assert dump_tables(db_url) == before
    header = json.loads(lines[0])
    header["revision"] = "zzzz"
    bad = tmp_path / "rev.gz"
    with gzip.open(bad, "wt") as fh:
        fh.write("\n".join([json.dumps(header), *lines[1:]]) + "\n")
    with pytest.raises(BackupError, match="cannot be restored"):
        restore(db_url, bad, force=True)
    assert dump_tables(db_url) == before


def test_a_failed_cli_restore_leaves_no_new_sqlite_file_and_keeps_an_existing_one(tmp_path: Path) -> None:
    """A damaged backup restored into a SQLite file that did not exist fails in one line and
    leaves no empty database file (it did: the next try met a schema-less file); a failed restore
    into an existing database keeps that file and its rows."""
    damaged = tmp_path / "damaged.jsonl.gz"
    import gzip
    import json

    with gzip.open(damaged, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"format": "gutskin-backup/2", "revision": "0001"}) + "\n{not json\n")
    target = tmp_path / "new.db"
    env = {**os.environ, "GUTSKIN_DATABASE_URL": f"sqlite:///{target}"}
    r = subprocess.run([GUTSKIN, "restore", str(damaged)], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "damaged" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["damaged.jsonl.gz"]

    upgrade(f"sqlite:///{target}")
    buf = io.StringIO(DIARY)
    buf.name = "d.csv"  # type: ignore[attr-defined]
    import_diary_csv(get_engine(f"sqlite:///{target}"), SYSTEM, buf)
    before = snapshot(f"sqlite:///{target}")
    r = subprocess.run([GUTSKIN, "restore", "--force", str(damaged)], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "damaged" in r.stderr, r.stderr
    assert target.exists() and snapshot(f"sqlite:///{target}") == before


def test_cli_backup_to_dash_is_refused_not_a_file_named_dash(sqlite_url: str, tmp_path: Path) -> None:
    """`--out -` reads as standard output; it wrote a file called "-" in the working directory."""
    here = tmp_path / "cwd"
    here.mkdir()
    r = subprocess.run([GUTSKIN, "backup", "--out", "-"], env={**os.environ, "GUTSKIN_DATABASE_URL": sqlite_url},
                       capture_output=True, text=True, timeout=120, cwd=here)
    assert r.returncode == 2 and "--out -" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert list(here.iterdir()) == []
