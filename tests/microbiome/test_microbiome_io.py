"""Readers and input validation."""

from __future__ import annotations

import io

import biom
import numpy as np
import pandas as pd
import pytest

from gutskin.microbiome import (MicrobiomeInputError, Profile, RelativeDataError, alpha_diversity,
                                parse_lineage, rarefy, read_biom, read_metaphlan, read_profile, read_table,
                                read_tree)
from gutskin.microbiome.io import sniff_format

from .conftest import DATA


def _biom_table(frame: pd.DataFrame, lineages: dict[str, str] | None = None) -> biom.Table:
    md = [{"taxonomy": [x.strip() for x in lineages[f].split(";")]} for f in frame.columns] if lineages else None
    return biom.Table(frame.T.to_numpy(), observation_ids=list(frame.columns), sample_ids=list(frame.index),
                      observation_metadata=md)


SMALL = pd.DataFrame([[10, 0, 5], [1, 2, 3]], index=["S1", "S2"], columns=["f1", "f2", "f3"], dtype=float)
LINEAGES = {"f1": "k__Bacteria; p__Actinobacteria; c__; o__; f__Bifidobacteriaceae; g__Bifidobacterium; s__longum",
            "f2": "k__Bacteria; p__Firmicutes; c__Clostridia; o__Clostridiales; f__Lachnospiraceae; g__; s__",
            "f3": "k__Bacteria; p__Actinobacteria; c__; o__; f__Bifidobacteriaceae; g__Bifidobacterium; s__breve"}


def test_biom_json_and_hdf5_round_trip(tmp_path):
    t = _biom_table(SMALL, LINEAGES)
    jp, hp = tmp_path / "t.json.biom", tmp_path / "t.h5.biom"
    jp.write_text(t.to_json("test"))
    import h5py

    with h5py.File(hp, "w") as fh:
        t.to_hdf5(fh, "test")
    assert sniff_format(jp) == "biom-json" and sniff_format(hp) == "biom-hdf5"
    for path in (jp, hp):
        p = read_profile(path)
        assert p.kind == "counts"
        pd.testing.assert_frame_equal(p.table, SMALL, check_names=False)
        assert p.taxonomy.loc["f1", "genus"] == "Bifidobacterium"
        assert p.taxonomy.loc["f1", "species"] == "Bifidobacterium longum"
        assert p.taxonomy.loc["f2", "genus"] is None or pd.isna(p.taxonomy.loc["f2", "genus"])
        g = p.aggregate("genus")
        assert g.rank == "genus"
        assert g.table.loc["S1", "Bifidobacterium"] == 15
        assert g.table.loc["S2", "unclassified Lachnospiraceae"] == 2
        np.testing.assert_allclose(g.table.sum(axis=1), p.table.sum(axis=1))


def test_crawford_biom_reads_with_taxonomy():
    p = read_biom(DATA / "crawford.biom")
    assert p.table.shape == (9, 365) and p.kind == "counts"
    assert p.taxonomy["phylum"].notna().any()


@pytest.mark.parametrize("lineage, expected", [
    ("k__Bacteria; p__Firmicutes; c__Clostridia; o__Clostridiales; f__Lachnospiraceae; g__Blautia; s__obeum",
     {"kingdom": "Bacteria", "genus": "Blautia", "species": "Blautia obeum"}),
    ("d__Bacteria;p__Firmicutes_A;c__Clostridia;o__Lachnospirales;f__Lachnospiraceae;g__Mediterraneibacter;"
     "s__Mediterraneibacter gnavus", {"kingdom": "Bacteria", "genus": "Mediterraneibacter",
                                       "species": "Mediterraneibacter gnavus"}),
    ("k__Bacteria|p__Actinobacteria|c__Actinobacteria|o__Bifidobacteriales|f__Bifidobacteriaceae|"
     "g__Bifidobacterium|s__Bifidobacterium_longum", {"order": "Bifidobacteriales", "species": "Bifidobacterium longum"}),
    ("D_0__Bacteria;D_1__Proteobacteria;D_2__Gammaproteobacteria;D_3__Enterobacteriales;D_4__Enterobacteriaceae;"
     "D_5__Escherichia-Shigella", {"family": "Enterobacteriaceae", "genus": "Escherichia-Shigella", "species": None}),
    ("Bacteria;Bacteroidetes;Bacteroidia;Bacteroidales;Bacteroidaceae;Bacteroides",
     {"phylum": "Bacteroidetes", "genus": "Bacteroides", "species": None}),
    ("k__Bacteria; p__; c__; o__; f__; g__; s__", {"kingdom": "Bacteria", "phylum": None, "genus": None}),
])
def test_parse_lineage(lineage, expected):
    got = parse_lineage(lineage)
    for rank, name in expected.items():
        assert got[rank] == name, rank


def test_table_orientation_rules(tmp_path):
    # rule 2: taxonomy column → features are rows
    p = tmp_path / "a.tsv"
    p.write_text("#OTU ID\tS1\tS2\ttaxonomy\nf1\t10\t1\tk__Bacteria; g__Bifidobacterium\nf2\t0\t2\tk__Bacteria\n")
    prof = read_table(p)
    assert prof.sample_ids == ["S1", "S2"] and prof.feature_ids == ["f1", "f2"]
    assert "rule 2" in prof.notes[0] and prof.taxonomy.loc["f1", "genus"] == "Bifidobacterium"
    # rule 3: lineage-like column labels → samples are rows
    p = tmp_path / "b.csv"
    p.write_text("x,k__Bacteria|g__Escherichia,k__Bacteria|g__Bacteroides\nS1,1,2\nS2,3,4\nS3,5,0\n")
    prof = read_table(p)
    assert prof.sample_ids == ["S1", "S2", "S3"] and "rule 3" in prof.notes[0]
    assert prof.taxonomy["genus"].tolist() == ["Escherichia", "Bacteroides"]
    # rule 4: header names the sample axis
    p = tmp_path / "c.tsv"
    p.write_text("#SampleID\tf1\tf2\tf3\tf4\nS1\t1\t2\t3\t4\n")
    assert read_table(p).sample_ids == ["S1"]
    # rule 5: fallback on shape, and an explicit orientation wins
    p = tmp_path / "d.tsv"
    p.write_text("x\tA\tB\nr1\t1\t2\nr2\t3\t4\nr3\t5\t6\n")
    assert read_table(p).sample_ids == ["A", "B"]
    assert read_table(p, orientation="samples-as-rows").sample_ids == ["r1", "r2", "r3"]


def test_relative_data_detected_and_refused(tmp_path):
    p = tmp_path / "rel.tsv"
    p.write_text("#SampleID\ta\tb\tc\nS1\t0.5\t0.25\t0.25\nS2\t0.1\t0.9\t0\n")
    prof = read_table(p)
    assert prof.kind == "relative"
    sh = alpha_diversity(prof, ["shannon"]).values["shannon"]
    assert sh["S1"] == pytest.approx(-(0.5 * np.log(0.5) + 2 * 0.25 * np.log(0.25)))
    with pytest.raises(RelativeDataError, match="Chao1|chao1"):
        alpha_diversity(prof, ["chao1"])
    with pytest.raises(RelativeDataError, match="rarefaction"):
        rarefy(prof, 1, seed=0)
    with pytest.raises(MicrobiomeInputError, match="whole numbers"):
        read_table(p, kind="counts")


@pytest.mark.parametrize("body, match, sample, feature", [
    ("#SampleID\ta\tb\nS1\t1\t-2\nS2\t3\t4\n", "negative", "S1", "b"),
    ("#SampleID\ta\tb\nS1\t1\t2\nS2\tx3\t4\n", "non-numeric", "S2", "a"),
    ("#SampleID\ta\tb\nS1\t1\t2\nS2\t\t4\n", "missing", "S2", "a"),
    ("#SampleID\ta\tb\nS1\t1\t2\nS1\t3\t4\n", "duplicate sample", "S1", None),
    ("#SampleID\ta\ta\nS1\t1\t2\nS2\t3\t4\n", "duplicate feature", None, "a"),
    ("#SampleID\ta\tb\nS1\t0\t0\nS2\t0\t0\n", "every sample is empty", None, None),
    ("#SampleID\ta\tb\nS1\t0\t0\n", "empty sample", "S1", None),
])
def test_bad_input_names_sample_and_feature(tmp_path, body, match, sample, feature):
    p = tmp_path / "bad.tsv"
    p.write_text(body)
    with pytest.raises(MicrobiomeInputError, match=match) as ei:
        read_table(p)
    assert str(p) in str(ei.value)
    if sample:
        assert ei.value.sample == sample and repr(sample) in str(ei.value)
    if feature:
        assert ei.value.feature == feature and repr(feature) in str(ei.value)


def test_duplicate_ids_in_biom_rejected(tmp_path):
    frame = SMALL.copy()
    t = biom.Table(frame.T.to_numpy(), observation_ids=["f1", "f2", "f3"], sample_ids=["S1", "S2"])
    p = tmp_path / "x.biom"
    p.write_text(t.to_json("test").replace('"S2"', '"S1"'))
    with pytest.raises(MicrobiomeInputError, match="S1"):
        read_profile(p)


def test_tree_missing_tips_is_named(gp500_frame):
    tree = read_tree(io.StringIO("((a:1,b:1):1,c:2);"))
    prof = Profile.from_frame(pd.DataFrame([[1, 2, 3]], index=["S"], columns=["a", "b", "zz"]))
    with pytest.raises(MicrobiomeInputError, match="'zz'") as ei:
        alpha_diversity(prof, ["observed"], tree=tree)
    assert ei.value.feature == "zz"
    with pytest.raises(MicrobiomeInputError, match="Newick"):
        read_tree(io.StringIO("((a:1,b:1"))


MPA3 = """#mpa_v30_CHOCOPhlAn_201901
#/usr/bin/metaphlan sample.fastq --input_type fastq
#SampleID\tMetaphlan_Analysis
#clade_name\tNCBI_tax_id\trelative_abundance\tadditional_species
k__Bacteria\t2\t100.0\t
k__Bacteria|p__Actinobacteria\t2|201174\t60.0\t
k__Bacteria|p__Firmicutes\t2|1239\t40.0\t
k__Bacteria|p__Actinobacteria|c__Actinobacteria|o__Bifidobacteriales|f__Bifidobacteriaceae|g__Bifidobacterium\t2|1|1|1|1|1678\t60.0\t
k__Bacteria|p__Actinobacteria|c__Actinobacteria|o__Bifidobacteriales|f__Bifidobacteriaceae|g__Bifidobacterium|s__Bifidobacterium_longum\t2|1|1|1|1|1678|216816\t45.0\t
k__Bacteria|p__Actinobacteria|c__Actinobacteria|o__Bifidobacteriales|f__Bifidobacteriaceae|g__Bifidobacterium|s__Bifidobacterium_breve\t2|1|1|1|1|1678|1685\t15.0\t
k__Bacteria|p__Firmicutes|c__Clostridia|o__Clostridiales|f__Lachnospiraceae|g__Lachnospiraceae_unclassified|s__Ruminococcus_gnavus\t2|1|1|1|1||33038\t40.0\t
"""

MPA4_MERGED = """#mpa_vJan21_CHOCOPhlAnSGB_202103
clade_name\tbaby1\tbaby2
UNCLASSIFIED\t10.0\t5.0
k__Bacteria\t90.0\t95.0
k__Bacteria|p__Proteobacteria|c__Gammaproteobacteria|o__Enterobacterales|f__Enterobacteriaceae|g__Escherichia\t30.0\t0.0
k__Bacteria|p__Proteobacteria|c__Gammaproteobacteria|o__Enterobacterales|f__Enterobacteriaceae|g__Escherichia|s__Escherichia_coli\t30.0\t0.0
k__Bacteria|p__Proteobacteria|c__Gammaproteobacteria|o__Enterobacterales|f__Enterobacteriaceae|g__Escherichia|s__Escherichia_coli|t__SGB10068\t30.0\t0.0
k__Bacteria|p__Actinobacteria|c__Actinomycetia|o__Bifidobacteriales|f__Bifidobacteriaceae|g__Bifidobacterium|s__Bifidobacterium_longum\t60.0\t95.0
"""


def test_metaphlan3_single_sample(tmp_path):
    p = tmp_path / "s1_profile.txt"
    p.write_text(MPA3)
    assert sniff_format(p) == "metaphlan"
    prof = read_profile(p)
    assert prof.kind == "relative" and prof.method == "shotgun" and prof.rank == "species"
    assert prof.sample_ids == ["s1_profile"]  # MetaPhlAn's default ID replaced by the file name
    assert prof.table.loc["s1_profile", "Bifidobacterium longum"] == pytest.approx(0.45)
    assert prof.taxonomy.loc["Ruminococcus gnavus", "family"] == "Lachnospiraceae"
    g = prof.aggregate("genus")
    assert g.table.loc["s1_profile", "Bifidobacterium"] == pytest.approx(0.60)
    named = tmp_path / "named.txt"
    named.write_text(MPA3.replace("Metaphlan_Analysis", "patient42"))
    assert read_profile(named).sample_ids == ["patient42"]
    with pytest.raises(RelativeDataError):
        alpha_diversity(prof, ["chao1"])


def test_metaphlan4_merged(tmp_path):
    p = tmp_path / "merged.tsv"
    p.write_text(MPA4_MERGED)
    prof = read_metaphlan(p)
    assert prof.sample_ids == ["baby1", "baby2"]
    assert prof.feature_ids == ["Escherichia coli", "Bifidobacterium longum"]  # t__ rows ignored
    np.testing.assert_allclose(prof.table.sum(axis=1), 1.0)
    assert prof.table.loc["baby1", "Escherichia coli"] == pytest.approx(30 / 90)
    assert any("UNCLASSIFIED" in n for n in prof.notes)
    bad = tmp_path / "bad.tsv"
    bad.write_text(MPA4_MERGED.replace("\t60.0\t95.0", "\t60.0\t-1"))
    with pytest.raises(MicrobiomeInputError, match="baby2"):
        read_metaphlan(bad)
