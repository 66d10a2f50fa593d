"""A taxon cannot be called absent when the sample holds reads named only one rank above it:
a genus among family-only reads (``f__Bifidobacteriaceae; g__``), a family among order-only
reads, a species among reads of its genus's family. Greengenes, SILVA and GTDB spellings,
BIOM 1.0 JSON and 2.1 HDF5, and the RDP-style ``unclassified_<family>`` genus labels."""

from __future__ import annotations

import json

import biom
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from gutskin.microbiome import Profile, read_profile, sample_report
from gutskin.microbiome.taxa import match_taxa

GG = {
    "bifido_unnamed": ["k__Bacteria", "p__Actinobacteria", "c__Actinobacteria", "o__Bifidobacteriales",
                       "f__Bifidobacteriaceae", "g__", "s__"],
    "bifido_order_only": ["k__Bacteria", "p__Actinobacteria", "c__Actinobacteria", "o__Bifidobacteriales",
                          "f__", "g__", "s__"],
    "bifido_named": ["k__Bacteria", "p__Actinobacteria", "c__Actinobacteria", "o__Bifidobacteriales",
                     "f__Bifidobacteriaceae", "g__Bifidobacterium", "s__longum"],
    "bacteroidaceae_unnamed": ["k__Bacteria", "p__Bacteroidetes", "c__Bacteroidia", "o__Bacteroidales",
                               "f__Bacteroidaceae", "g__", "s__"],
    "bacteroides_ovatus": ["k__Bacteria", "p__Bacteroidetes", "c__Bacteroidia", "o__Bacteroidales",
                           "f__Bacteroidaceae", "g__Bacteroides", "s__ovatus"],
    "entero_order_only": ["k__Bacteria", "p__Proteobacteria", "c__Gammaproteobacteria",
                          "o__Enterobacteriales", "f__", "g__", "s__"],
    "akk_gg_unnamed": ["k__Bacteria", "p__Verrucomicrobia", "c__Verrucomicrobiae", "o__Verrucomicrobiales",
                       "f__Verrucomicrobiaceae", "g__", "s__"],
}


def _biom(path, counts: dict[str, list[int]], lineages: dict[str, list[str]], hdf5: bool):
    obs = list(counts)
    data = np.array([counts[o] for o in obs], dtype=float)
    samples = [f"S{i + 1}" for i in range(data.shape[1])]
    t = biom.Table(data, obs, samples, observation_metadata=[{"taxonomy": lineages[o]} for o in obs])
    if hdf5:
        with biom.util.biom_open(str(path), "w") as fh:
            t.to_hdf5(fh, "test")
    else:
        path.write_text(t.to_json("test"))
    return path


def _by_id(prof, sample, age="infant"):
    return {r["id"]: r for r in match_taxa(prof, sample, age, include_other_ages=True)}


@pytest.mark.parametrize("hdf5", [True, False], ids=["biom2.1-hdf5", "biom1.0-json"])
def test_genus_among_family_only_reads_is_not_assessable(tmp_path, hdf5):
    counts = {"bifido_unnamed": [60, 0], "bacteroides_ovatus": [40, 100]}
    prof = read_profile(_biom(tmp_path / "t.biom", counts, GG, hdf5))
    bif = _by_id(prof, "S1")["bifidobacterium"]
    assert bif["status"] == "not assessable"
    assert bif["relative_abundance"] is None and bif["matched_features"] == []
    share = counts["bifido_unnamed"][0] / (counts["bifido_unnamed"][0] + counts["bacteroides_ovatus"][0])
    assert f"{100 * share:.2g}%" in bif["reason"]
    assert "Bifidobacteriaceae" in bif["reason"] and "genus level" in bif["reason"]
    # the other sample has no such reads: there the genus is genuinely not detected
    assert _by_id(prof, "S2")["bifidobacterium"]["status"] == "not detected"


def test_found_genus_with_family_only_reads_is_a_minimum(tmp_path):
    counts = {"bifido_unnamed": [30], "bifido_named": [20], "bacteroides_ovatus": [50]}
    prof = read_profile(_biom(tmp_path / "t.biom", counts, GG, True))
    bif = _by_id(prof, "S1")["bifidobacterium"]
    assert bif["status"] == "found"
    assert bif["relative_abundance"] == pytest.approx(20 / 100)
    assert "minimum" in bif["reason"] and "Bifidobacteriaceae" in bif["reason"]


def test_species_among_its_genus_family_reads_is_not_assessable(tmp_path):
    counts = {"bacteroidaceae_unnamed": [25], "bacteroides_ovatus": [75]}
    prof = read_profile(_biom(tmp_path / "t.biom", counts, GG, True))
    res = _by_id(prof, "S1")
    frag = res["bacteroides_fragilis"]
    assert frag["status"] == "not assessable"
    assert "Bacteroidaceae" in frag["reason"] and "genus or species" in frag["reason"]
    assert res["bacteroides"]["status"] == "found"  # ovatus is Bacteroides; a minimum, since 25 % are unnamed
    assert "minimum" in res["bacteroides"]["reason"]


def test_family_among_order_only_reads_is_not_assessable(tmp_path):
    counts = {"entero_order_only": [10], "bacteroides_ovatus": [90]}
    prof = read_profile(_biom(tmp_path / "t.biom", counts, GG, True))
    ent = _by_id(prof, "S1")["enterobacteriaceae"]
    assert ent["status"] == "not assessable"
    assert "Enterobacteriales" in ent["reason"] and "family level" in ent["reason"]


def test_reads_named_two_ranks_up_do_not_hold_a_genus_back(tmp_path):
    # documented limit: only one rank up counts, or nothing could ever be absent in 16S data
    counts = {"bifido_order_only": [10], "bacteroides_ovatus": [90]}
    prof = read_profile(_biom(tmp_path / "t.biom", counts, GG, True))
    assert _by_id(prof, "S1")["bifidobacterium"]["status"] == "not detected"


@pytest.mark.parametrize("family", [
    "f__Verrucomicrobiaceae",                 # Greengenes
    "D_4__Akkermansiaceae",                   # SILVA 132
    "f__Akkermansiaceae",                     # GTDB / SILVA 138
])
def test_family_names_of_each_taxonomy(tmp_path, family):
    prefix = "D_3__" if family.startswith("D_") else "o__"
    head = "D_0__Bacteria;D_1__Verrucomicrobia;D_2__Verrucomicrobiae" if family.startswith("D_") else \
        "d__Bacteria;p__Verrucomicrobiota;c__Verrucomicrobiae"
    path = tmp_path / "t.tsv"
    path.write_text("#OTU ID\tS1\ttaxonomy\n"
                    f"A1\t15\t{head};{prefix}Verrucomicrobiales;{family}\n"
                    "B1\t85\td__Bacteria;p__Bacteroidota;c__Bacteroidia;o__Bacteroidales;f__Bacteroidaceae;"
                    "g__Bacteroides\n")
    akk = _by_id(read_profile(path), "S1")["akkermansia"]
    assert akk["status"] == "not assessable", akk
    assert "15%" in akk["reason"]


def test_numbered_silva_family_counts_for_its_genus(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("#OTU ID\tS1\ttaxonomy\n"
                    "C1\t5\tD_0__Bacteria;D_1__Firmicutes;D_2__Clostridia;D_3__Clostridiales;"
                    "D_4__Clostridiaceae 1;D_5__uncultured\n"
                    "B1\t95\tD_0__Bacteria;D_1__Bacteroidetes;D_2__Bacteroidia;D_3__Bacteroidales;"
                    "D_4__Bacteroidaceae;D_5__Bacteroides\n")
    assert _by_id(read_profile(path), "S1")["clostridium"]["status"] == "not assessable"


def test_rdp_unclassified_family_genus_label():
    frame = pd.DataFrame({"unclassified_Bifidobacteriaceae": [40, 0], "Bacteroides": [60, 100]},
                         index=["S1", "S2"])
    prof = Profile.from_frame(frame, rank="genus")
    bif = _by_id(prof, "S1")["bifidobacterium"]
    assert bif["status"] == "not assessable" and "Bifidobacteriaceae" in bif["reason"]
    assert _by_id(prof, "S2")["bifidobacterium"]["status"] == "not detected"
    # Profile.aggregate('genus') writes 'unclassified <family>' groups: the same answer after aggregating


def test_aggregated_genus_profile_keeps_the_answer(tmp_path):
    counts = {"bifido_unnamed": [60], "bacteroides_ovatus": [40]}
    prof = read_profile(_biom(tmp_path / "t.biom", counts, GG, True)).aggregate("genus")
    assert _by_id(prof, "S1")["bifidobacterium"]["status"] == "not assessable"


@settings(max_examples=40, deadline=None)
@given(named=st.integers(0, 50), unnamed=st.integers(0, 50), other=st.integers(1, 50))
def test_status_follows_named_and_unnamed_reads(named, unnamed, other):
    lineages = {k: GG[k] for k in ("bifido_named", "bifido_unnamed", "bacteroides_ovatus")}
    tax = pd.DataFrame({f: {r: (v.split("__", 1)[1] or None) for r, v in
                            zip(("kingdom", "phylum", "class", "order", "family", "genus", "species"), lin)}
                        for f, lin in lineages.items()}).T
    frame = pd.DataFrame({"bifido_named": [named], "bifido_unnamed": [unnamed], "bacteroides_ovatus": [other]},
                         index=["S1"])
    prof = Profile.from_frame(frame, taxonomy=tax)
    bif = _by_id(prof, "S1")["bifidobacterium"]
    total = named + unnamed + other
    if named:
        assert bif["status"] == "found"
        assert bif["relative_abundance"] == pytest.approx(named / total)
        assert (bif["reason"] is not None) == (unnamed > 0)
    elif unnamed:
        assert bif["status"] == "not assessable"
    else:
        assert bif["status"] == "not detected"


def test_report_family_level_profile_does_not_claim_no_taxonomy(tmp_path):
    lineages = {k: v[:5] for k, v in GG.items()}
    counts = {"bacteroidaceae_unnamed": [70], "akk_gg_unnamed": [30]}
    prof = read_profile(_biom(tmp_path / "fam.biom", counts, lineages, True))
    rep = sample_report(prof, "S1", "adult")
    text = " ".join(rep["plain_language"])
    assert "no taxonomy" not in text
    assert "could not be checked: this profile does not name bacteria at genus level" in text
    assert all(line[0].isupper() for line in rep["plain_language"])


def test_report_cli_json(tmp_path):
    from gutskin.cli import app

    counts = {"bifido_unnamed": [60], "bacteroides_ovatus": [40]}
    path = _biom(tmp_path / "t.biom", counts, GG, True)
    res = CliRunner().invoke(app, ["microbiome", "report", str(path), "--sample", "S1", "--age-group", "infant",
                                   "--json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)
    bif = next(t for t in rep["taxa"] if t["id"] == "bifidobacterium")
    assert bif["status"] == "not assessable"
    assert not any("Not detected" in line and "Bifidobacterium" in line for line in rep["plain_language"])


@pytest.mark.parametrize("lineage, entry", [
    ("d__Bacteria;p__Firmicutes_A;c__Clostridia;o__Oscillospirales;f__Ruminococcaceae;g__Faecalibacterium;"
     "s__Faecalibacterium prausnitzii_D", "faecalibacterium_prausnitzii"),
    ("d__Bacteria;p__Firmicutes_A;c__Clostridia;o__Lachnospirales;f__Lachnospiraceae;g__Ruminococcus_B;"
     "s__Ruminococcus_B gnavus", "ruminococcus_gnavus"),
])
def test_gtdb_split_suffixes_match_the_species(tmp_path, lineage, entry):
    path = tmp_path / "g.tsv"
    path.write_text("#OTU ID\tS1\ttaxonomy\n"
                    f"X1\t20\t{lineage}\n"
                    "B1\t80\td__Bacteria;p__Bacteroidota;c__Bacteroidia;o__Bacteroidales;f__Bacteroidaceae;"
                    "g__Bacteroides;s__Bacteroides ovatus\n")
    hit = _by_id(read_profile(path), "S1")[entry]
    assert hit["status"] == "found" and hit["matched_features"] == ["X1"]
    assert hit["relative_abundance"] == pytest.approx(0.2)
