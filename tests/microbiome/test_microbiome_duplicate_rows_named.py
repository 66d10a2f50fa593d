"""A duplicate row ID of a TSV/CSV table is named by its lines (H2 walk, 2026-12-07).

A QIIME 2 export with one feature ID twice (two tables pasted together, a hand-edited row copied)
was refused as "duplicate feature ID 'asv1' (1 duplicate(s) in all)": no line, so in a
10,000-line export the user had to search for it. A bad cell has been named by its line and
column since 2026-12-06; a duplicate row now is too ("lines 3, 6, column 1: ..."), for features
as rows and for samples as rows. Nothing is stored (SQLite and PostgreSQL).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gutskin.clinic import microbiome as micro
from gutskin.clinic.errors import InvalidInput
from gutskin.microbiome import read_profile
from gutskin.microbiome.errors import MicrobiomeInputError
from gutskin.store.db import transaction
from gutskin.store.models import MicrobiomeSample

QIIME2 = ("# Constructed from biom file\n#OTU ID\tS1\tS2\ttaxonomy\n"
          "asv1\t3.0\t4.0\tk__Bacteria; p__Actinobacteria; c__Actinobacteria; o__Bifidobacteriales; "
          "f__Bifidobacteriaceae; g__Bifidobacterium; s__\n"
          "asv2\t1.0\t1.0\tD_0__Bacteria;D_1__Firmicutes;D_2__Clostridia;D_3__Clostridiales;D_4__Ruminococcaceae;"
          "D_5__Faecalibacterium\n"
          "\n"
          "asv1\t5.0\t6.0\tk__Bacteria; p__Actinobacteria; c__Actinobacteria; o__Bifidobacteriales; "
          "f__Bifidobacteriaceae; g__Bifidobacterium; s__\n")
SAMPLES_AS_ROWS = "sample,g__Bacteroides,g__Bifidobacterium\nP1,3,4\nP2,1,1\nP1,5,6\n"


def _count(engine) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(MicrobiomeSample)) or 0


@pytest.mark.parametrize(("name", "text", "words"), [
    ("feature-table.tsv", QIIME2, r"feature-table\.tsv: lines 3, 6, column 1: duplicate feature ID 'asv1' "
                                  r"\(1 duplicate\(s\) in all\)"),
    ("genera.csv", SAMPLES_AS_ROWS, r"genera\.csv: lines 2, 4, column 1: duplicate sample ID 'P1'"),
], ids=["features as rows", "samples as rows"])
def test_a_duplicate_row_is_named_by_its_lines(tmp_path, engine, people, name: str, text: str,  # type: ignore[no-untyped-def]
                                               words: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(MicrobiomeInputError, match=words) as ei:
        read_profile(path)
    assert ei.value.feature == "asv1" if name.endswith(".tsv") else ei.value.sample == "P1"
    with pytest.raises(InvalidInput, match="file: " + words), transaction(engine) as s:
        micro.upload_sample(s, people.owner, people.owner_pid, name, text.encode(), sample_id="S1", method="16S")
    assert _count(engine) == 0
