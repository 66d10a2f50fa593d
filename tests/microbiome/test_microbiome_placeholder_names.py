"""Placeholder names mean "not named at this rank": SILVA/QIIME 2's ``uncultured_bacterium``,
``unidentified``, ``gut_metagenome``, ``Ambiguous_taxa``, ``Incertae_Sedis``, ``Bacteroides_sp.``
and MetaPhlAn's ``Lachnospiraceae_unclassified``. Read as names, they made reads of a genus
look named to species, so a species read 'not detected' where it cannot be assessed."""

from __future__ import annotations

import pytest

from gutskin.microbiome import read_profile
from gutskin.microbiome.io import parse_lineage
from gutskin.microbiome.taxa import match_taxa

BACTEROIDES = "d__Bacteria;p__Bacteroidota;c__Bacteroidia;o__Bacteroidales;f__Bacteroidaceae;g__Bacteroides"


@pytest.mark.parametrize("placeholder", ["uncultured_bacterium", "uncultured organism", "unidentified",
                                         "gut_metagenome", "human_gut_metagenome", "metagenome",
                                         "Ambiguous_taxa", "Bacteroides_sp.", "unknown", "Unassigned"])
def test_species_placeholder_is_not_a_name(placeholder):
    assert parse_lineage(f"{BACTEROIDES};s__{placeholder}")["species"] is None
    assert parse_lineage(f"{BACTEROIDES};s__{placeholder}")["genus"] == "Bacteroides"


@pytest.mark.parametrize("lineage, rank", [
    ("k__Bacteria|p__Firmicutes|c__Clostridia|o__Clostridiales|f__Lachnospiraceae|g__Lachnospiraceae_unclassified",
     "genus"),
    ("d__Bacteria;p__Firmicutes;c__Clostridia;o__Clostridiales;f__Family_XIII;g__Incertae_Sedis", "genus"),
    ("d__Bacteria;p__Firmicutes;c__Clostridia;o__Clostridiales;f__uncultured", "family"),
])
def test_higher_rank_placeholders(lineage, rank):
    assert parse_lineage(lineage)[rank] is None


@pytest.mark.parametrize("name", ["ovatus", "Bacteroides fragilis", "unknownus"])
def test_real_names_are_kept(name):
    sp = parse_lineage(f"{BACTEROIDES};s__{name}")["species"]
    assert sp is not None and sp.endswith(name)


def test_species_among_placeholder_species_reads_is_not_assessable(tmp_path):
    path = tmp_path / "silva.tsv"
    path.write_text("#OTU ID\tS1\ttaxonomy\n"
                    f"A1\t30\t{BACTEROIDES};s__uncultured_bacterium\n"
                    f"A2\t70\t{BACTEROIDES};s__Bacteroides ovatus\n")
    res = {r["id"]: r for r in match_taxa(read_profile(path), "S1", "infant")}
    assert res["bacteroides_fragilis"]["status"] == "not assessable"
    assert "30%" in res["bacteroides_fragilis"]["reason"]
