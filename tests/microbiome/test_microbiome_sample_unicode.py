"""A sample ID typed in another Unicode form than the file's is found: a lab's table made on a Mac
names the sample "Zoe" + U+0308 (decomposed), the person types "Zoë" (composed, U+00EB). Before
(contract walk of 2026-12-06) `gutskin microbiome report --sample Zoë` answered "sample 'Zoë' is
not in FILE; it has 'Zoë'", and the upload's sample_id "is not in the file"."""

from __future__ import annotations

import json
import unicodedata

from typer.testing import CliRunner

from gutskin.cli import app
from gutskin.clinic import microbiome as micro
from gutskin.store.db import transaction

NFC = unicodedata.normalize("NFC", "Zoë")
NFD = unicodedata.normalize("NFD", "Zoë")
TABLE = (f"#OTU ID\t{NFD}\tS2\n"
         "k__Bacteria;p__Firmicutes;c__Clostridia;o__Clostridiales;f__Lachnospiraceae;g__Roseburia\t50\t10\n"
         "k__Bacteria;p__Bacteroidetes;c__Bacteroidia;o__Bacteroidales;f__Bacteroidaceae;g__Bacteroides\t30\t20\n")


def test_report_finds_the_sample_typed_composed(tmp_path) -> None:
    table = tmp_path / "lab.tsv"
    table.write_text(TABLE, encoding="utf-8")
    r = CliRunner().invoke(app, ["microbiome", "report", str(table), "--sample", NFC, "--age-group", "adult", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["sample"] == NFD  # the file's own spelling
    r = CliRunner().invoke(app, ["microbiome", "report", str(table), "--sample", "Zoe", "--age-group", "adult", "--json"])
    assert r.exit_code == 2 and "sample 'Zoe' is not in" in r.stderr  # canonical equivalence only


def test_upload_finds_the_sample_typed_composed(engine, people) -> None:
    with transaction(engine) as s:
        out = micro.upload_sample(s, people.owner, people.owner_pid, "lab.tsv", TABLE.encode(), sample_id=NFC)
    assert out["sample_id"] == NFD
    assert out["report"]["diversity"]["values"]["observed"] == 2.0
