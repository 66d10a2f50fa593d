"""MetaPhlAn 4 profiles in GTDB taxonomy (``sgb_to_gtdb_profile.py``): lineages separated by ';'
(``d__Bacteria;p__Firmicutes_A;…;s__Faecalibacterium prausnitzii_D``), header
``#clade_name<TAB>relative_abundance``, an ``UNCLASSIFIED`` row. They were refused as 'no clades
at rank species' (only '|' was taken as the rank separator)."""

from __future__ import annotations

import math

import pytest

from gutskin.microbiome import read_profile, sample_report

ROWS = [
    ("d__Bacteria", 95.0),
    ("d__Bacteria;p__Firmicutes_A", 52.25),
    ("d__Bacteria;p__Bacteroidota", 42.75),
    ("d__Bacteria;p__Firmicutes_A;c__Clostridia;o__Oscillospirales;f__Ruminococcaceae;g__Faecalibacterium", 33.25),
    ("d__Bacteria;p__Firmicutes_A;c__Clostridia;o__Oscillospirales;f__Ruminococcaceae;g__Faecalibacterium;"
     "s__Faecalibacterium prausnitzii_D", 33.25),
    ("d__Bacteria;p__Firmicutes_A;c__Clostridia;o__Lachnospirales;f__Lachnospiraceae;g__Mediterraneibacter;"
     "s__Mediterraneibacter gnavus", 19.0),
    ("d__Bacteria;p__Bacteroidota;c__Bacteroidia;o__Bacteroidales;f__Bacteroidaceae;g__Bacteroides;"
     "s__Bacteroides fragilis", 14.25),
    ("d__Bacteria;p__Bacteroidota;c__Bacteroidia;o__Bacteroidales;f__Bacteroidaceae;g__Bacteroides;"
     "s__Bacteroides uniformis", 28.5),
]


def test_gtdb_metaphlan_profile(tmp_path):
    path = tmp_path / "child_gtdb.txt"
    path.write_text("#mpa_vJan21_CHOCOPhlAnSGB_202103\t202103\n#clade_name\trelative_abundance\nUNCLASSIFIED\t5.0\n"
                    + "".join(f"{c}\t{v}\n" for c, v in ROWS))
    prof = read_profile(path)
    assert prof.kind == "relative" and prof.rank == "species" and prof.method == "shotgun"
    assert sorted(prof.feature_ids) == ["Bacteroides fragilis", "Bacteroides uniformis",
                                        "Faecalibacterium prausnitzii D", "Mediterraneibacter gnavus"]
    assert prof.taxonomy.at["Bacteroides fragilis", "family"] == "Bacteroidaceae"
    assert math.isclose(float(prof.table.sum(axis=1).iloc[0]), 1.0)
    assert any("UNCLASSIFIED" in n for n in prof.notes)
    rep = sample_report(prof, None, "infant")
    taxa = {t["taxon"]: t for t in rep["taxa"]}
    assert taxa["Ruminococcus gnavus"]["status"] == "found"  # GTDB's Mediterraneibacter gnavus
    assert taxa["Ruminococcus gnavus"]["relative_abundance"] == pytest.approx(19.0 / 95.0)
    assert taxa["Faecalibacterium prausnitzii"]["status"] == "found"  # GTDB split suffix _D
    assert rep["diversity"]["values"]["observed"] == 4
