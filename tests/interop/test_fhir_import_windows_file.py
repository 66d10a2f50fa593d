"""A FHIR bundle saved on Windows starts with a UTF-8 byte order mark and ends its lines with
CRLF (Notepad, PowerShell 5's ``Out-File -Encoding utf8``); RFC 8259 lets a reader ignore the
mark. ``gutskin import fhir`` refused it: "not JSON (Unexpected UTF-8 BOM (decode using
utf-8-sig) …)" (found in the new-user walk of 2026-12-06)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from gutskin.cli import app


@pytest.mark.parametrize("via_stdin", [False, True])
def test_a_bundle_with_a_bom_and_crlf_imports(db_url, tmp_path, monkeypatch, via_stdin) -> None:
    from gutskin.clinic import diary
    from gutskin.clinic.actors import SYSTEM
    from gutskin.clinic.fhir import resolve_patient
    from gutskin.store.db import get_engine, transaction
    from tests.conftest import People

    monkeypatch.setenv("GUTSKIN_DATABASE_URL", db_url)
    from gutskin.settings import get_settings

    if hasattr(get_settings, "cache_clear"):
        get_settings.cache_clear()
    engine = get_engine(db_url)
    people = People(engine)
    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, dt.date(2026, 3, 1), diary.DayInput(itch=4, sleep_loss=2))
        diary.put_day(s, people.owner, people.owner_pid, dt.date(2026, 3, 2), diary.DayInput(itch=7))
    runner = CliRunner()
    bundle = tmp_path / "bundle.json"
    r = runner.invoke(app, ["export", "fhir", "--patient", str(people.owner_pid), "--out", str(bundle)])
    assert r.exit_code == 0, r.output
    windows = b"\xef\xbb\xbf" + json.dumps(json.loads(bundle.read_text()), indent=2).encode().replace(b"\n", b"\r\n")
    (tmp_path / "from-windows.json").write_bytes(windows)
    if via_stdin:
        r = runner.invoke(app, ["import", "fhir", "-", "--patient", "p-windows"], input=windows.decode("utf-8"))
    else:
        r = runner.invoke(app, ["import", "fhir", str(tmp_path / "from-windows.json"), "--patient", "p-windows"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout.strip().splitlines()[-1])["days"] == 2
    with transaction(engine) as s:
        pid = resolve_patient(s, SYSTEM, "p-windows").id
        days = diary.list_days(s, SYSTEM, pid)
    assert [(d["date"], d["itch"], d["sleep_loss"]) for d in days] == [("2026-03-01", 4, 2), ("2026-03-02", 7, None)]
