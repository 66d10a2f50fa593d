"""Names shown to someone else hold no text-direction controls ("Trojan Source" spoofing), and are NFC.

A patient named "Ana\\u202Eevil" (U+202E RIGHT-TO-LEFT OVERRIDE) reversed the rest of the
appointment heading or alert line the clinician read. Every way a name comes in -- registration
(API and page), a child's profile (API and page), a microbiome sample's name (API and page), a
diary CSV's or FHIR bundle's new patient identifier -- refuses such characters with a 422 naming
the field, the character's position and its code point; nothing is written. Names already stored
still display (no migration rewrites them).
"""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from gutskin.clinic.actors import SYSTEM
from gutskin.clinic.errors import InvalidInput
from gutskin.diary.names import BIDI_CONTROLS, NameRefused, clean_name
from gutskin.store.db import get_engine, transaction
from gutskin.store.models import AuditEvent, MicrobiomeSample, Patient, User
from tests.conftest import bearer
from tests.safety.test_attacks import login_page

SPOOF = "Ana\u202eevil"
WORDS = "character 4 is U+202E (a text-direction control); names cannot hold it"


def _count(db_url: str, model) -> int:  # type: ignore[no-untyped-def]
    with transaction(get_engine(db_url)) as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def _table(sample: str) -> bytes:
    return (f"#OTU ID\t{sample}\ttaxonomy\nA\t40\tk__Bacteria; f__Lachnospiraceae\n"
            "B\t60\tk__Bacteria; g__Bifidobacterium\n").encode("utf-8")


def test_api_register_refuses_a_direction_control_in_the_name(client, people, db_url: str) -> None:
    users, patients, audit = _count(db_url, User), _count(db_url, Patient), _count(db_url, AuditEvent)
    r = client.post("/api/v1/auth/register", json={"email": "ana@example.org", "password": "long password 1",
                                                   "display_name": SPOOF})
    assert r.status_code == 422 and r.json()["detail"] == f"display_name: {WORDS}", r.text
    assert (_count(db_url, User), _count(db_url, Patient), _count(db_url, AuditEvent)) == (users, patients, audit)
    r = client.post("/api/v1/auth/register", json={"email": "ana@example.org", "password": "long password 1",
                                                   "display_name": "Ana evil"})
    assert r.status_code == 201, r.text


def test_api_child_refuses_direction_and_other_invisible_characters(client, people, db_url: str) -> None:
    h = bearer(client, "owner@example.org")
    patients, audit = _count(db_url, Patient), _count(db_url, AuditEvent)
    r = client.post("/api/v1/me/children", headers=h, json={"display_name": " Mia\u2067x"})  # position counts the blank
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == ("display_name: character 5 is U+2067 (a text-direction control); "
                                  "names cannot hold it")
    for ch, kind in (("\u200b", "an invisible format character"), ("\t", "a control character"),
                     ("\u0378", "not an assigned character"), ("\u2028", "a line separator")):
        r = client.post("/api/v1/me/children", headers=h, json={"display_name": f"Mia{ch}B"})
        assert r.status_code == 422 and r.json()["detail"] == (
            f"display_name: character 4 is U+{ord(ch):04X} ({kind}); names cannot hold it"), r.text
    assert (_count(db_url, Patient), _count(db_url, AuditEvent)) == (patients, audit)
    assert client.post("/api/v1/me/children", headers=h, json={"display_name": "Mia"}).status_code == 201


def test_api_microbiome_refuses_a_direction_control_in_the_sample_name(client, people, db_url: str) -> None:
    h = bearer(client, "owner@example.org")
    r = client.post("/api/v1/me/microbiome", headers=h, files={"file": ("mine.tsv", _table("me\u202dX"), "text/plain")})
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith("sample_id: character 3 is U+202D (a text-direction control)"), r.text
    assert _count(db_url, MicrobiomeSample) == 0
    ok = client.post("/api/v1/me/microbiome", headers=h, files={"file": ("mine.tsv", _table("meX"), "text/plain")})
    assert ok.status_code in (200, 201), ok.text


def test_page_register_refuses_a_direction_control_in_the_name(client, people, db_url: str) -> None:
    users = _count(db_url, User)
    token = _csrf(client.get("/register").text)
    r = client.post("/register", data={"email": "ana@example.org", "password": "long password 1",
                                       "display_name": SPOOF, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 422 and WORDS in r.text, r.text[:500]
    assert _count(db_url, User) == users


def test_page_child_form_refuses_a_direction_control_in_the_name(client, people, db_url: str) -> None:
    patients = _count(db_url, Patient)
    login_page(client, "owner@example.org")
    csrf = _csrf(client.get("/data").text)
    r = client.post("/profiles/child", data={"display_name": SPOOF, "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 422 and WORDS in r.text, r.text[:500]
    assert _count(db_url, Patient) == patients


def test_page_microbiome_upload_refuses_a_direction_control_in_the_sample_name(client, people, db_url: str) -> None:
    login_page(client, "owner@example.org")
    csrf = _csrf(client.get("/microbiome").text)
    r = client.post("/microbiome", data={"csrf_token": csrf}, follow_redirects=False,
                    files={"file": ("mine.tsv", _table(SPOOF), "text/plain")})
    assert r.status_code == 422 and "character 4 is U+202E (a text-direction control)" in r.text, r.text[:500]
    assert _count(db_url, MicrobiomeSample) == 0


def test_cli_users_create_refuses_a_direction_control_in_the_name(db_url: str, people, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from gutskin.cli import app
    from gutskin.settings import get_settings

    users = _count(db_url, User)
    monkeypatch.setenv("GUTSKIN_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        r = CliRunner().invoke(app, ["users", "create", "--email", "doc@clinic.example.org", "--password",
                                     "a-long-password-3", "--role", "clinician", "--name", "Dr \u202eAna"])
    finally:
        get_settings.cache_clear()
    assert r.exit_code == 2 and "display_name: character 4 is U+202E (a text-direction control)" in r.stderr, r.output
    assert _count(db_url, User) == users


def test_factor_names_hold_no_direction_control(client, people, db_url: str) -> None:
    """Factor names (CSV header, API, a challenge's custom food) were already ASCII ``group.name``: kept so."""
    h = bearer(client, "owner@example.org")
    r = client.put("/api/v1/me/diary/2026-11-01", headers=h, json={"itch": 3, "factors": {"food.egg\u202e": 1.0}})
    assert r.status_code == 422 and r.json()["detail"].startswith("factors.food.egg"), r.text
    c = bearer(client, "linked@clinic.example.org")
    r = client.post(f"/api/v1/patients/{people.owner_pid}/challenges", headers=c, json={
        "food": "food.kiwi\u2066", "kind": "home", "released_for_home": True, "baseline_days": 7,
        "doses": [{"day_offset": 0, "amount": "1/4 kiwi"}]})
    assert r.status_code == 422 and r.json()["detail"].startswith("food: factor name"), r.text
    src = io.StringIO("patient,date,itch,food.egg\u202e\np1,2026-11-01,3,1\n")
    src.name = "d.csv"  # type: ignore[attr-defined]
    from gutskin.clinic.diary import import_diary_csv
    from gutskin.diary.csvio import DiaryCsvError

    with pytest.raises((InvalidInput, DiaryCsvError), match="food.egg"):
        import_diary_csv(get_engine(db_url), SYSTEM, src)


def test_names_are_stored_in_composed_form(client, people, db_url: str) -> None:
    h = bearer(client, "owner@example.org")
    r = client.post("/api/v1/auth/register", json={"email": "zoe@example.org", "password": "long password 1",
                                                   "display_name": "Zoe\u0308"})  # a Mac's decomposed Zoë
    assert r.status_code in (200, 201), r.text
    r = client.post("/api/v1/me/children", headers=h, json={"display_name": "Lea\u0301"})
    assert r.status_code in (200, 201) and r.json()["name"] == "Le\u00e1", r.text
    with transaction(get_engine(db_url)) as s:
        assert s.scalar(select(User.display_name).where(User.email == "zoe@example.org")) == "Zo\u00eb"
        assert s.scalar(select(func.count()).select_from(Patient).where(Patient.display_name == "Zo\u00eb")) == 1


def test_csv_import_refuses_a_new_patient_identifier_with_a_direction_control(engine, people, db_url: str) -> None:
    from gutskin.clinic.diary import import_diary_csv

    before = _count(db_url, Patient)
    src = io.StringIO(f"patient,date,itch\n{SPOOF},2026-11-01,3\n")
    src.name = "clinic.csv"  # type: ignore[attr-defined]
    with pytest.raises(InvalidInput, match=re.escape(f"clinic.csv: column patient: {WORDS}")):
        import_diary_csv(engine, SYSTEM, src)
    assert _count(db_url, Patient) == before


def test_fhir_import_refuses_a_new_patient_identifier_with_a_direction_control(engine, people, db_url: str) -> None:
    import datetime as dt

    from gutskin.clinic import diary
    from gutskin.clinic.fhir import export_bundle, import_bundle

    before = _count(db_url, Patient)
    with transaction(engine) as s:  # a day to import: a bundle of a Patient alone is refused first (2026-12-07)
        diary.put_day(s, people.owner, people.owner_pid, dt.date(2026, 11, 1), diary.DayInput(itch=3))
        bundle = export_bundle(s, people.owner, people.owner_pid)
    with pytest.raises(InvalidInput, match=re.escape(f"patient identifier: {WORDS}")):
        import_bundle(engine, SYSTEM, bundle, patient_ref=SPOOF)
    assert _count(db_url, Patient) == before


def test_a_name_stored_before_the_check_still_displays(client, people, engine) -> None:
    """Rows written before 2026-12-06 are not rewritten: the clinician's pages still show them."""
    with transaction(engine) as s:
        s.get(Patient, people.owner_pid).display_name = SPOOF
    login_page(client, "linked@clinic.example.org")
    page = client.get("/clinic")
    assert page.status_code == 200 and SPOOF in page.text


NAMEISH = st.text(st.characters(codec="utf-8") | st.sampled_from(sorted(BIDI_CONTROLS) + ["\u0301", "\u0308", "\u200c", "\u200d", "a", " "]),
                  max_size=40)


@settings(max_examples=400, deadline=None)
@given(NAMEISH)
def test_any_name_the_check_accepts_has_no_control_or_format_character_and_is_nfc(text: str) -> None:
    try:
        name = clean_name("display_name", text)
    except NameRefused as exc:
        refused = text.strip()[exc.position - 1 - (len(text) - len(text.lstrip()))]
        assert refused == exc.char and unicodedata.category(exc.char) in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
        assert str(exc).startswith(f"display_name: character {exc.position} is U+{ord(exc.char):04X} (" if refused != "\x00"
                                   else "display_name: contains a NUL character")
        return
    for i, c in enumerate(name):  # a joiner only between two visible characters (Persian, emoji)
        if c in "\u200c\u200d":
            assert 0 < i < len(name) - 1 and not name[i - 1].isspace() and not name[i + 1].isspace()
            assert unicodedata.category(name[i - 1]) not in {"Cc", "Cf"} and unicodedata.category(name[i + 1]) not in {"Cc", "Cf"}
        else:
            assert unicodedata.category(c) not in {"Cc", "Cf"} and c not in BIDI_CONTROLS
    assert unicodedata.is_normalized("NFC", name) and name == name.strip()


def test_joiners_that_spell_a_name_are_kept(client, people, db_url: str) -> None:
    """Persian and Indic spellings need ZERO WIDTH NON-JOINER, emoji sequences ZERO WIDTH JOINER
    (Unicode 15.0, 23.2): between two visible characters they are part of the name; at an end or
    next to a blank they draw nothing and are refused like any other invisible character."""
    persian, family = "\u0634\u0627\u0647\u200c\u062d\u0633\u06cc\u0646\u06cc", "Ana \U0001f469\u200d\U0001f467"
    assert clean_name("display_name", persian) == persian and clean_name("display_name", family) == family
    r = client.post("/api/v1/auth/register", json={"email": "shah@example.org", "password": "long password 1",
                                                   "display_name": persian})
    assert r.status_code == 201, r.text
    with transaction(get_engine(db_url)) as s:
        assert s.scalar(select(User.display_name).where(User.email == "shah@example.org")) == persian
    for bad, position in (("Ana\u200d", 4), ("Ana \u200cB", 5), ("\u200dAna", 1), ("A\u200c\u200dB", 2)):
        with pytest.raises(NameRefused) as exc:
            clean_name("display_name", bad)
        assert exc.value.position == position and "an invisible format character" in str(exc.value), bad
