"""A patient identifier is one identifier whatever Unicode form it was typed in: "Zoë" saved on a
Mac is decomposed (Zoe + U+0308), elsewhere composed (U+00EB). Before (contract walk of
2026-12-06) a diary imported from a Mac file and one from a Windows file became two patients,
`--patient Zoë` typed on Linux did not find the first ("no patient with identifier 'Zoë'"), and
the same person's day in both forms was not a duplicate. Identifiers are now read in composed
form (NFC, csvio.canonical_identifier) and `--patient` finds either."""

from __future__ import annotations

import io
import json
import unicodedata

import pytest
from typer.testing import CliRunner

from gutskin.cli import app
from gutskin.diary.csvio import DiaryCsvError, read_diary_frame
from gutskin.settings import get_settings

NFC = unicodedata.normalize("NFC", "Zoë Müller")
NFD = unicodedata.normalize("NFD", "Zoë Müller")


def test_the_two_forms_differ() -> None:  # the premise: the same name, different strings
    assert NFC != NFD and len(NFD) == len(NFC) + 2


def test_a_diary_reads_both_forms_as_one_patient() -> None:
    text = f"patient,date,itch\n{NFD},2025-01-01,3\n{NFC},2025-01-02,4\n"
    frame = read_diary_frame(io.StringIO(text))
    assert list(frame["patient"].unique()) == [NFC]
    with pytest.raises(DiaryCsvError, match="line 3, column date: duplicate row for patient"):
        read_diary_frame(io.StringIO(f"patient,date,itch\n{NFD},2025-01-01,3\n{NFC},2025-01-01,4\n"))


def test_triggers_and_forecast_key_the_patient_once(tmp_path) -> None:
    diary = tmp_path / "d.csv"
    diary.write_text(f"patient,date,itch,food.egg\n{NFD},2025-01-01,3,1\n{NFC},2025-01-02,4,0\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["forecast", str(diary), "--horizon", "1", "--json"])
    assert r.exit_code == 0, r.output
    assert list(json.loads(r.stdout)) == [NFC]
    r = CliRunner().invoke(app, ["triggers", str(diary), "--json"])
    assert [rec["patient"] for rec in json.loads(r.stdout)] == [NFC]


def test_import_export_report_and_fhir_find_the_patient_in_either_form(db_url, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GUTSKIN_DATABASE_URL", db_url)
    get_settings.cache_clear()
    runner = CliRunner()
    mac = tmp_path / "mac.csv"
    mac.write_text(f"patient,date,itch\n{NFD},2025-01-01,3\n{NFD},2025-01-02,4\n", encoding="utf-8")
    windows = tmp_path / "windows.csv"
    windows.write_text(f"patient,date,itch\n{NFC},2025-01-03,5\n", encoding="utf-8")
    try:
        r = runner.invoke(app, ["import", "diary", str(mac)])
        assert r.exit_code == 0, r.output
        r = runner.invoke(app, ["import", "diary", str(windows)])
        assert r.exit_code == 0, r.output
        assert r.stderr.strip() == "imported 1 row for 1 patient (0 new)"
        for typed in (NFC, NFD, f" {NFC} "):
            r = runner.invoke(app, ["export", "diary", "--patient", typed])
            assert r.exit_code == 0, (typed, r.output)
            assert r.stdout.splitlines()[1:] == [f"{NFC},2025-01-0{d},{i},,,," for d, i in ((1, 3), (2, 4), (3, 5))]
        bundle = tmp_path / "b.json"
        r = runner.invoke(app, ["export", "fhir", "--patient", NFD, "--out", str(bundle)])
        assert r.exit_code == 0, r.output
        r = runner.invoke(app, ["report", "--patient", NFD, "--weeks", "1", "--out", str(tmp_path / "r.pdf")])
        assert r.exit_code == 0, r.output
        # a bundle imported into "the same" patient typed the other way is refused as days already there
        r = runner.invoke(app, ["import", "fhir", str(bundle), "--patient", NFD])
        assert r.exit_code == 2
        assert "already has a diary entry on 2025-01-01" in r.stderr
    finally:
        get_settings.cache_clear()


def test_challenge_evaluate_finds_the_patient_typed_either_way(tmp_path) -> None:
    rows = "".join(f"{NFD},2025-03-{d:02d},{d % 4},{int(d >= 15 and d % 3 == 0)}\n" for d in range(1, 29))
    diary = tmp_path / "d.csv"
    diary.write_text("patient,date,itch,food.egg\n" + rows, encoding="utf-8")
    for typed in (NFC, NFD):
        r = CliRunner().invoke(app, ["challenge", "evaluate", str(diary), "--patient", typed, "--food", "food.egg",
                                     "--start", "2025-03-15", "--json"])
        assert r.exit_code == 0, (typed, r.output)
        assert json.loads(r.stdout)["challenge_days"] > 0
