"""A new user's first hour (walk of 2026-12-06): the example files README names work on the pages,
and the demo clinic has a gut microbiome report to look at.

Before, README named no example file (the diary example existed only inside docs/diary-csv.md,
no microbiome table was shipped anywhere) and every demo account's Gut microbiome page read
"No samples yet", so the microbiome report, one of the product's main pages, could not be seen
by someone trying the app without a stool test of their own.
"""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from gutskin.clinic.demo import PASSWORD, load_demo
from gutskin.diary.csvio import DiaryCsvError, iter_diary_csv
from gutskin.store.db import transaction
from gutskin.store.models import DiaryDay, MicrobiomeSample, Patient, User
from tests.safety.test_attacks import login_page

ROOT = Path(__file__).resolve().parents[2]
DIARY = ROOT / "docs" / "examples" / "diary.csv"
STOOL = ROOT / "docs" / "examples" / "stool-genus.csv"


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _report_compared_and_taxa_checked(page: str) -> None:
    text = _text(page)
    assert "percentile of Flemish Gut Flora Project adults" in text, text[:2000]
    assert "no reference comparison" not in text and "not compared with a reference" not in text.lower()
    assert "does not name the bacteria" not in text


def test_the_example_files_readme_names_import_and_upload_on_the_pages(client, engine) -> None:
    readme = (ROOT / "README.md").read_text()
    assert "docs/examples/diary.csv" in readme and "docs/examples/stool-genus.csv" in readme
    # the diary example is the one docs/diary-csv.md shows
    assert DIARY.read_text().strip() in (ROOT / "docs" / "diary-csv.md").read_text()
    # the stool example is the table the demo uploads as Ana (package data), byte for byte, so the
    # report a new user gets from the file matches the demo's
    assert STOOL.read_bytes() == (ROOT / "src" / "gutskin" / "clinic" / "demo_stool_genus.csv").read_bytes()

    form = client.get("/register")
    r = client.post("/register", data={"display_name": "Nora", "email": "nora@example.org",
                                       "password": "nora-password-1", "csrf_token": _csrf(form.text)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get("/data")
    r = client.post("/data/import", data={"csrf_token": _csrf(page.text)},
                    files={"file": ("diary.csv", DIARY.read_bytes(), "text/csv")})
    assert r.status_code == 200 and "Imported 3 days." in r.text, _text(r.text)[:1500]

    page = client.get("/microbiome")
    r = client.post("/microbiome", data={"csrf_token": _csrf(page.text), "method": "16S", "kind": "auto"},
                    files={"file": ("stool-genus.csv", STOOL.read_bytes(), "text/csv")}, follow_redirects=False)
    assert r.status_code == 303, _text(r.text)[:1500]
    _report_compared_and_taxa_checked(client.get(r.headers["location"]).text)


def test_the_demo_has_a_microbiome_report_for_ana_and_her_clinician_only(client, db_url, engine) -> None:
    load_demo(db_url)
    load_demo(db_url)  # a second start adds nothing
    with transaction(engine) as s:
        ana = s.scalar(select(Patient.id).join(User, User.id == Patient.owner_user_id)
                       .where(User.email == "ana@demo.gutskin.org"))
        samples = s.scalars(select(MicrobiomeSample)).all()
        assert [(x.patient_id, x.method) for x in samples] == [(ana, "16S")]
        sample = samples[0].id
    from gutskin.clinic.demo import stool_table

    assert STOOL.read_bytes() == stool_table()  # what README offers is what Ana has

    assert login_page(client, "ana@demo.gutskin.org", PASSWORD).status_code == 303
    assert "stool-genus.csv" in client.get("/microbiome").text
    _report_compared_and_taxa_checked(client.get(f"/microbiome/{sample}").text)
    assert "viewed a microbiome result" in _text(client.get("/sharing").text)  # audited

    client.cookies.clear()
    assert login_page(client, "clinician@demo.gutskin.org", PASSWORD).status_code == 303
    assert "Latest sample" in _text(client.get(f"/clinic/patients/{ana}").text)
    _report_compared_and_taxa_checked(client.get(f"/clinic/patients/{ana}/microbiome/{sample}").text)

    client.cookies.clear()
    assert login_page(client, "dev@demo.gutskin.org", PASSWORD).status_code == 303  # shares with nobody
    assert client.get(f"/microbiome/{sample}").status_code == 404
    assert client.get(f"/microbiome?patient={ana}").status_code == 404


def test_the_diary_example_chosen_on_the_microbiome_page_is_named_a_diary(client, people, engine) -> None:
    from tests.conftest import bearer

    assert login_page(client, "owner@example.org").status_code == 303
    page = client.get("/microbiome")
    r = client.post("/microbiome", data={"csrf_token": _csrf(page.text), "method": "unknown", "kind": "auto"},
                    files={"file": ("diary.csv", DIARY.read_bytes(), "text/csv")}, follow_redirects=False)
    assert r.status_code == 422
    said = "diary.csv is a diary CSV (columns patient, date, ...), not a microbiome profile; import it on My data"
    assert said in _text(r.text) and 'id="upload-error"' in r.text
    api = client.post("/api/v1/me/microbiome", headers=bearer(client, "owner@example.org"),
                      files={"file": ("diary.csv", b"\xef\xbb\xbf" + DIARY.read_bytes(), "text/csv")})  # Excel's BOM
    assert api.status_code == 422 and said in api.text
    with transaction(engine) as s:
        assert s.scalars(select(MicrobiomeSample)).all() == []


MICROBIOME_SAID = "this is a gut microbiome table, not a diary CSV"


def test_the_stool_example_chosen_on_my_data_is_named_a_microbiome_table(client, people, engine) -> None:
    """The other way round: the stool table chosen on *My data* (page and API) is named as a
    microbiome table with where it goes, nothing imported; it read "column Taxon: expected a core
    column ..." (the new-user walk, 2026-12-06)."""
    from tests.conftest import bearer

    assert login_page(client, "owner@example.org").status_code == 303
    with transaction(engine) as s:
        days_before = len(s.scalars(select(DiaryDay)).all())
    page = client.get("/data")
    r = client.post("/data/import", data={"csrf_token": _csrf(page.text)},
                    files={"file": ("stool-genus.csv", STOOL.read_bytes(), "text/csv")})
    assert r.status_code == 422 and MICROBIOME_SAID in _text(r.text) and "Gut microbiome page" in _text(r.text)
    api = client.post("/api/v1/me/diary/import", headers={**bearer(client, "owner@example.org"),
                                                          "Content-Type": "text/csv"}, content=STOOL.read_bytes())
    assert api.status_code == 422 and MICROBIOME_SAID in api.text, api.text
    with transaction(engine) as s:
        assert len(s.scalars(select(DiaryDay)).all()) == days_before


@pytest.mark.parametrize("header", [
    "#OTU ID\tS1\tS2",  # BIOM / QIIME 2 TSV
    "Feature ID\tS1",
    '"Taxon",S1,S2',
    "taxonomy;S1",
    "clade_name\tS1",  # MetaPhlAn
    "name\ttaxonomy_id\ttaxonomy_lvl\tkraken_assigned_reads\tnew_est_reads\tfraction_total_reads",  # Bracken
])
def test_microbiome_headers_are_named_on_the_diary_reader(header: str) -> None:
    with pytest.raises(DiaryCsvError) as err:
        list(iter_diary_csv(io.StringIO(header + "\nBacteroides\t10\t20\n")))
    assert MICROBIOME_SAID in str(err.value) and err.value.line == 1


def test_a_diary_with_a_name_column_is_not_called_a_microbiome_table() -> None:
    """Bracken's first column is "name", so is many a home-made diary's: only Bracken's
    ``taxonomy_id`` beside it makes it a microbiome table."""
    with pytest.raises(DiaryCsvError) as err:
        list(iter_diary_csv(io.StringIO("Name,date,itch\nA,2026-01-01,3\n")))
    assert MICROBIOME_SAID not in str(err.value) and "expected a core column" in str(err.value)
