"""Bracken's species-level output (a real file: taxprofiler's test data) uploaded by a parent on the
microbiome page: refused in plain words first (what the file is, what is wrong, what to ask the
lab for), the technical hint for the lab kept after "For the lab:", nothing stored (2026-12-07).
Before, the page said only "Bracken's per-rank output at level 'S' names taxa without their
lineage; give its genus-level output (bracken -l G) ...", which a parent cannot act on.
SQLite and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from gutskin.microbiome import MicrobiomeInputError, read_profile
from gutskin.store.db import transaction
from gutskin.store.models import MicrobiomeSample
from tests.microbiome.test_microbiome_plain_genus_names import _csrf, _text

SPECIES = Path(__file__).parent / "real_files" / "bracken_S_2612_pe-ERR5766176-db1.tsv"


def test_species_level_bracken_upload_says_what_to_ask_the_lab_for(client, engine) -> None:
    form = client.get("/register")
    r = client.post("/register", data={"display_name": "Noor", "email": "noor@example.org",
                                       "password": "noor-password-1", "csrf_token": _csrf(form.text)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get("/microbiome")
    r = client.post("/microbiome", data={"csrf_token": _csrf(page.text), "method": "shotgun", "kind": "auto"},
                    files={"file": ("stool_species.bracken", SPECIES.read_bytes(), "text/tab-separated-values")},
                    follow_redirects=False)
    text = _text(r.text)
    start = text.index("stool_species.bracken: ")
    said = text[start:text.index("Choose the file again", start)]
    plain, _, lab = said.partition("For the lab:")
    # plain words first, with no tool's option or file name in them
    assert "lists the microbes by species, not by genus" in plain, said
    assert "Ask the lab for the same results at genus level, or for the full Bracken report" in plain, said
    assert "Nothing was read" in plain
    assert "-l G" not in plain and "lineage" not in plain and "kreport" not in plain
    # the lab's hint kept
    assert "bracken -l G" in lab and "bracken -w" in lab, said
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(MicrobiomeSample)) == 0


@pytest.mark.parametrize("levels, words", [
    (["F"], "by family, not by genus"),
    (["G", "S"], "by a mix of levels (genus, species), not by genus"),
])
def test_other_levels_are_named_in_words(tmp_path, levels, words) -> None:
    head = "name\ttaxonomy_id\ttaxonomy_lvl\tkraken_assigned_reads\tadded_reads\tnew_est_reads\tfraction_total_reads\n"
    rows = "".join(f"Taxon{k}\t{100 + k}\t{lvl}\t10\t0\t10\t0.5\n" for k, lvl in enumerate(levels))
    f = tmp_path / "lab.bracken"
    f.write_text(head + rows)
    with pytest.raises(MicrobiomeInputError) as e:
        read_profile(f)
    assert str(e.value).startswith(f"{f}: this file lists the microbes {words}"), str(e.value)
    assert "For the lab: Bracken's per-rank output at level" in str(e.value)
