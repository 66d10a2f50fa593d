"""A classic QIIME 1 OTU table ('# QIIME v1.9.1 OTU table' above '#OTU ID … Consensus Lineage')
is read (its comment line was taken as the header: 'the table needs an ID column'); the infant
report says its reference is 6- to 13-month-olds while the upload uses it for every child under
3, whose diversity keeps rising (a toddler's value sits high in it for that reason alone)."""

from __future__ import annotations

import numpy as np

from gutskin.microbiome import read_profile, sample_report

LINEAGES = ["k__Bacteria; p__Actinobacteria; c__Actinobacteria; o__Bifidobacteriales; f__Bifidobacteriaceae; "
            "g__Bifidobacterium; s__longum",
            "k__Bacteria; p__Firmicutes; c__Clostridia; o__Clostridiales; f__Lachnospiraceae; g__Blautia; s__",
            "k__Bacteria; p__Bacteroidetes; c__Bacteroidia; o__Bacteroidales; f__Bacteroidaceae; g__Bacteroides; s__"]


def _classic(path, n_otus=3, counts=None, comment=True):
    rng = np.random.default_rng(1)
    counts = counts if counts is not None else rng.integers(50, 900, (n_otus, 2))
    lines = ["# QIIME v1.9.1 OTU table"] * comment + ["#OTU ID\tA\tB\tConsensus Lineage"]
    for i, row in enumerate(counts):
        lines.append(f"OTU{i}\t{row[0]}\t{row[1]}\t{LINEAGES[i % 3]}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_classic_qiime1_otu_table(tmp_path):
    prof = read_profile(_classic(tmp_path / "otu_table.txt", counts=[[500, 10], [200, 300], [300, 700]]))
    assert prof.sample_ids == ["A", "B"] and prof.feature_ids == ["OTU0", "OTU1", "OTU2"]
    assert prof.kind == "counts" and prof.taxonomy.at["OTU0", "species"] == "Bifidobacterium longum"
    assert prof.table.at["B", "OTU2"] == 700


def test_infant_report_names_the_reference_ages(tmp_path):
    prof = read_profile(_classic(tmp_path / "t.txt", n_otus=60, comment=False), method="16S")
    rep = sample_report(prof, "A", "infant")
    assert rep["reference_comparison"]["comparable"]
    assert any("babies of 6 to 13 months" in c and "until about 3 years" in c for c in rep["caveats"])
    adult = sample_report(prof, "A", "adult")
    assert not any("6 to 13 months" in c for c in adult["caveats"])
