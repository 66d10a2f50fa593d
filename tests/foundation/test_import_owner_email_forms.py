"""`gutskin import diary --owner EMAIL` finds the account however the address is typed, as sign-in
does (NFKC, lower case, one trailing dot of the domain dropped: accounts.normalize_email). It
looked the address up only stripped and lower-cased: "Zoë@example.org" typed on a Mac (e +
U+0308) or with the domain's trailing dot was "--owner: no account with email ..." for an account
that signs in with exactly that text (found with the 0010 identifier migration). SQLite and
PostgreSQL."""

from __future__ import annotations

import unicodedata

import pytest
from typer.testing import CliRunner

from gutskin.cli import app
from gutskin.settings import get_settings
from gutskin.store.db import get_engine

TYPED = ["Zoë@Example.org", unicodedata.normalize("NFD", "Zoë@Example.org"), " zoë@example.org. ",
         "ＺＯË@example.org"]  # composed, decomposed (a Mac), blanks and trailing dot, fullwidth


@pytest.fixture
def cli(db_url, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GUTSKIN_DATABASE_URL", db_url)
    monkeypatch.setenv("GUTSKIN_NEW_PASSWORD", "correct-horse-battery")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_owner_is_found_in_any_form_the_account_signs_in_with(cli, db_url, tmp_path) -> None:
    r = cli.invoke(app, ["users", "create", "--email", "Zoë@example.org", "--role", "patient"])
    assert r.exit_code == 0, r.output
    for n, typed in enumerate(TYPED):
        diary = tmp_path / f"d{n}.csv"
        diary.write_text(f"patient,date,itch\nchild-{n},2025-01-01,3\n", encoding="utf-8")
        r = cli.invoke(app, ["import", "diary", str(diary), "--owner", typed])
        assert r.exit_code == 0, (typed, r.output)
    with get_engine(db_url).begin() as c:
        owners = c.exec_driver_sql("SELECT p.external_id, u.email FROM patients p JOIN users u "
                                   "ON u.id = p.owner_user_id ORDER BY p.external_id").all()
    zoe = unicodedata.normalize("NFC", "zoë@example.org")
    assert [(e, m) for e, m in owners if e.startswith("child-")] == [(f"child-{n}", zoe) for n in range(len(TYPED))]


def test_an_unknown_owner_is_still_one_line(cli, tmp_path) -> None:
    diary = tmp_path / "d.csv"
    diary.write_text("patient,date,itch\nc1,2025-01-01,3\n", encoding="utf-8")
    r = cli.invoke(app, ["import", "diary", str(diary), "--owner", "nobody@example.org"])
    assert r.exit_code == 2
    assert r.stderr.strip() == "error: --owner: no account with email nobody@example.org"
