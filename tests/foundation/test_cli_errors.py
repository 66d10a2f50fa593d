"""CLI error contract: a bad argument or environment is one line `error: ...` on stderr, exit 2,
checked before any work, nothing left behind (no traceback, no stray file, no new database)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from gutskin.cli import app
from gutskin.settings import get_settings
from gutskin.store.db import get_engine, transaction
from gutskin.store.models import Patient

# the Windows-1252 letter a non-UTF-8 byte is, and how to save UTF-8 (named since 2026-12-07)
_UE = '; it is "ü" in Windows-1252 (Latin-1), the encoding a spreadsheet\'s plain "CSV (Comma delimited)" uses in Western Europe'
_SAVE = ' (in the spreadsheet, save as "CSV UTF-8 (Comma delimited)")'


GUTSKIN = str(Path(sys.executable).with_name("gutskin"))
PASSWORD = "Sup3r-secret-pass!"


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """Run the Typer app in-process with ``GUTSKIN_DATABASE_URL`` set (settings re-read)."""

    def run(url: str | None, *args: str, stdin: bytes | None = None):
        if url is None:
            monkeypatch.delenv("GUTSKIN_DATABASE_URL", raising=False)
        else:
            monkeypatch.setenv("GUTSKIN_DATABASE_URL", url)
        get_settings.cache_clear()
        return CliRunner().invoke(app, [str(a) for a in args], input=stdin)

    yield run
    get_settings.cache_clear()


def one_line_error(result, expected: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr, result.exception)
    assert result.stderr.splitlines() == [f"error: {expected}"]
    assert "Traceback" not in result.stderr


def entries(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


# --- --out: a missing folder or a directory, refused before any work --------------------------------

OUT_COMMANDS = [
    ("export", "diary"),
    ("export", "fhir", "--patient", "p1"),
    ("report", "--patient", "p1"),
    ("backup",),
]


@pytest.mark.parametrize("command", OUT_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_out_to_a_missing_folder_or_a_directory_is_one_line(cli, tmp_path: Path, command: tuple[str, ...]) -> None:
    db = tmp_path / "g.db"
    url = f"sqlite:///{db}"
    missing = tmp_path / "no" / "such" / "x.out"
    one_line_error(cli(url, *command, "--out", missing), f"--out {missing}: the folder does not exist")
    folder = tmp_path / "folder"
    folder.mkdir()
    one_line_error(cli(url, *command, "--out", folder), f"--out {folder}: is a directory")
    # checked before any work: no database created, no '<dir>.part' next to the directory
    assert entries(tmp_path) == {"folder"}
    assert not db.exists()


def test_out_to_a_directory_leaves_no_part_file_in_a_real_run(tmp_path: Path) -> None:
    """The QA case end to end (subprocess): `--out DIR` left `DIR.part` behind."""
    target = tmp_path / "target"
    target.mkdir()
    env = {**os.environ, "GUTSKIN_DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}"}
    r = subprocess.run([GUTSKIN, "backup", "--out", str(target)], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stderr == f"error: --out {target}: is a directory\n"
    assert entries(tmp_path) == {"target"}


# --- simulate --seed ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "args",
    [
        ("simulate", "cohort", "--patients", "2", "--days", "10", "--out", "X", "--seed", "-1"),
        ("simulate", "trial", "--patients", "2", "--weeks", "2", "--seed", "-1"),
        ("simulate", "plot", "--out", "x.png", "--seed", "-1"),
    ],
    ids=lambda a: a[1],
)
def test_negative_seed_is_one_line(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]) -> None:
    monkeypatch.chdir(tmp_path)
    one_line_error(cli(None, *args), "--seed must be at least 0, got -1")
    assert entries(tmp_path) == set()


# --- GUTSKIN_DATABASE_URL -----------------------------------------------------------------------------

def test_unsupported_database_url_is_one_line(cli) -> None:
    one_line_error(
        cli("bogus://x", "export", "diary"),
        "GUTSKIN_DATABASE_URL: unsupported database 'bogus' (use sqlite:///PATH or postgresql://...)",
    )
    one_line_error(cli("not a url", "export", "diary"),
                   "GUTSKIN_DATABASE_URL: not a database URL (use sqlite:///PATH or postgresql://...)")


def test_sqlite_path_in_a_missing_folder_is_refused_not_created(cli, tmp_path: Path) -> None:
    folder = tmp_path / "typo" / "dir"
    for command in (("export", "diary"), ("db", "upgrade"), ("import", "diary", "-")):
        r = cli(f"sqlite:///{folder / 'x.db'}", *command, stdin=b"patient,date\n")
        one_line_error(r, f"GUTSKIN_DATABASE_URL: folder {folder} does not exist")
    assert entries(tmp_path) == set()


def test_default_database_still_created_with_its_folder(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    r = cli(None, "export", "diary")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("patient,date,")
    assert (tmp_path / "data" / "gutskin" / "gutskin.db").is_file()


# --- diary files: the line of a bad byte, and file-level errors without a line -------------------------

def test_non_utf8_byte_names_its_own_line(cli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    small = tmp_path / "x.csv"
    small.write_bytes(b"patient,date,itch\nlat1,2026-01-01,1\nm\xfcller,2026-01-02,2\n")
    one_line_error(cli(url, "import", "diary", small),
                   f"{small}: line 3: not valid UTF-8 (byte 0xfc: invalid start byte{_UE}); save the file as CSV UTF-8{_SAVE}")
    # far beyond the decoder's read-ahead: said 'line 512' for a bad byte on line 1001
    start = dt.date(2020, 1, 1)
    rows = [f"p1,{start + dt.timedelta(days=i)},1".encode() for i in range(999)]
    big = tmp_path / "big.csv"
    big.write_bytes(b"\n".join([b"patient,date,itch", *rows, b"m\xfcller,2026-01-02,2", b""]))
    r = cli(url, "import", "diary", big)
    one_line_error(r, f"{big}: line 1001: not valid UTF-8 (byte 0xfc: invalid start byte{_UE}); save the file as CSV UTF-8{_SAVE}")
    r = cli(url, "import", "diary", "-", stdin=big.read_bytes())
    one_line_error(r, f"<stdin>: line 1001: not valid UTF-8 (byte 0xfc: invalid start byte{_UE}); save the file as CSV UTF-8{_SAVE}")
    r = cli(url, "triggers", big)
    one_line_error(r, f"{big}: line 1001: not valid UTF-8 (byte 0xfc: invalid start byte{_UE}); save the file as CSV UTF-8{_SAVE}")


def test_missing_file_and_directory_name_no_line(cli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    missing = tmp_path / "nonexistent.csv"
    one_line_error(cli(url, "triggers", missing), f"{missing}: no such file")
    for args in (("import", "diary", tmp_path), ("triggers", tmp_path),
                 ("challenge", "evaluate", tmp_path, "--patient", "p", "--food", "food.egg", "--start", "2025-05-01")):
        one_line_error(cli(url, *args), f"{tmp_path}: is a directory, expected a CSV file")


# --- challenge evaluate --food: only food factors --------------------------------------------------------

def test_challenge_refuses_a_factor_that_is_not_a_food(cli, tmp_path: Path) -> None:
    diary = tmp_path / "d.csv"
    start = dt.date(2025, 4, 1)
    lines = ["patient,date,itch,food.egg,treat.tcs,env.pollen"]
    for i in range(60):
        lines.append(f"p001,{start + dt.timedelta(days=i)},{(i * 7) % 5},{int(i >= 30 and i % 3 == 0)},{i % 2},{i % 4}")
    diary.write_text("\n".join(lines) + "\n")
    base = ("challenge", "evaluate", diary, "--patient", "p001", "--start", "2025-05-01")
    for factor, group in (("treat.tcs", "treat"), ("env.pollen", "env")):
        one_line_error(cli(None, *base, "--food", factor),
                       f"--food {factor}: expected a food factor food.NAME, e.g. food.egg ({group}.* factors are not foods)")
    one_line_error(cli(None, *base, "--food", "egg"),
                   "--food egg: expected a food factor food.NAME, e.g. food.egg (a factor is named group.name in lower case)")
    ok = cli(None, *base, "--food", "food.egg", "--json")
    assert ok.exit_code == 0, ok.stderr
    assert '"verdict"' in ok.stdout


# --- import diary --owner: a patient or caregiver account --------------------------------------------------

def test_import_owner_must_be_a_patient_or_caregiver_account(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    monkeypatch.setenv("GUTSKIN_NEW_PASSWORD", PASSWORD)
    for email, role in (("doc@b.org", "clinician"), ("root@b.org", "admin"), ("pat@b.org", "patient")):
        r = cli(url, "users", "create", "--email", email, "--role", role)
        assert r.exit_code == 0, r.stderr
    diary = tmp_path / "o.csv"
    diary.write_text("patient,date,itch\nq1,2026-01-01,1\nq2,2026-01-01,2\n")
    for email, role in (("doc@b.org", "clinician"), ("root@b.org", "admin")):
        one_line_error(
            cli(url, "import", "diary", diary, "--owner", email),
            f"--owner {email}: a {role} account cannot manage patient profiles; --owner takes a patient or "
            "caregiver account (role patient); clinicians read a diary through the patient's consent",
        )
    engine = get_engine(url)
    with transaction(engine) as s:
        assert s.scalars(select(Patient.external_id).where(Patient.external_id.in_(["q1", "q2"]))).all() == []
    r = cli(url, "import", "diary", diary, "--owner", "pat@b.org")
    assert r.exit_code == 0, r.stderr
    with transaction(engine) as s:
        owner = s.scalar(select(Patient.owner_user_id).where(Patient.relationship == "self", Patient.owner_user_id.is_not(None)))
        rows = s.execute(select(Patient.external_id, Patient.owner_user_id, Patient.relationship)
                         .where(Patient.external_id.in_(["q1", "q2"])).order_by(Patient.external_id)).all()
    # managed profiles of the patient account, which keeps exactly one profile of its own
    assert [tuple(r) for r in rows] == [("q1", owner, "child"), ("q2", owner, "child")]
