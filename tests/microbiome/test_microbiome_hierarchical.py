"""Hierarchical tables — a clade at every rank, each the sum of the clades below it (Kraken
reports in MetaPhlAn style from ``kreport2mpa.py``, MetaPhlAn-like tables without MetaPhlAn's
header): only the leaves are features. Counting every row counted the same reads once per rank
(observed 17 instead of 4 species here, Shannon and Simpson wrong, taxa shares diluted)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from typer.testing import CliRunner

from gutskin.microbiome import read_profile, sample_report

runner = CliRunner()

# kreport2mpa.py output: domain … species, cumulative read counts (a parent >= its children)
KRAKEN_MPA = """\
d__Bacteria\t9000
d__Bacteria|p__Firmicutes\t5000
d__Bacteria|p__Firmicutes|c__Clostridia\t5000
d__Bacteria|p__Firmicutes|c__Clostridia|o__Eubacteriales\t5000
d__Bacteria|p__Firmicutes|c__Clostridia|o__Eubacteriales|f__Oscillospiraceae\t3000
d__Bacteria|p__Firmicutes|c__Clostridia|o__Eubacteriales|f__Oscillospiraceae|g__Faecalibacterium\t3000
d__Bacteria|p__Firmicutes|c__Clostridia|o__Eubacteriales|f__Oscillospiraceae|g__Faecalibacterium|s__Faecalibacterium_prausnitzii\t3000
d__Bacteria|p__Firmicutes|c__Clostridia|o__Eubacteriales|f__Lachnospiraceae\t2000
d__Bacteria|p__Firmicutes|c__Clostridia|o__Eubacteriales|f__Lachnospiraceae|g__Blautia\t2000
d__Bacteria|p__Firmicutes|c__Clostridia|o__Eubacteriales|f__Lachnospiraceae|g__Blautia|s__Blautia_obeum\t2000
d__Bacteria|p__Bacteroidota\t4000
d__Bacteria|p__Bacteroidota|c__Bacteroidia\t4000
d__Bacteria|p__Bacteroidota|c__Bacteroidia|o__Bacteroidales\t4000
d__Bacteria|p__Bacteroidota|c__Bacteroidia|o__Bacteroidales|f__Bacteroidaceae\t4000
d__Bacteria|p__Bacteroidota|c__Bacteroidia|o__Bacteroidales|f__Bacteroidaceae|g__Bacteroides\t4000
d__Bacteria|p__Bacteroidota|c__Bacteroidia|o__Bacteroidales|f__Bacteroidaceae|g__Bacteroides|s__Bacteroides_fragilis\t1000
d__Bacteria|p__Bacteroidota|c__Bacteroidia|o__Bacteroidales|f__Bacteroidaceae|g__Bacteroides|s__Bacteroides_uniformis\t3000
"""
LEAVES = {"Faecalibacterium prausnitzii": 3000, "Blautia obeum": 2000, "Bacteroides fragilis": 1000,
          "Bacteroides uniformis": 3000}


def _expected_shannon(counts) -> float:
    p = np.asarray(list(counts), dtype=float)
    p = p / p.sum()
    return float(-(p * np.log(p)).sum())


def _run(*args):
    from gutskin.cli import app

    return runner.invoke(app, ["microbiome", *map(str, args)])


@pytest.mark.parametrize("header", ["#Classification\tS1\n", ""], ids=["with-header", "no-header"])
def test_kraken_mpa_report_counts_only_leaf_clades(tmp_path, header):
    path = tmp_path / "S1.kraken.mpa.txt"
    path.write_text(header + KRAKEN_MPA)
    prof = read_profile(path)
    assert prof.sample_ids == ["S1" if header else "S1.kraken.mpa"]
    assert prof.kind == "counts"
    assert sorted(prof.taxonomy["species"]) == sorted(LEAVES)
    assert float(prof.table.to_numpy().sum()) == 9000.0
    assert any("only the 4 leaf clades counted" in n for n in prof.notes)
    if not header:
        assert any("no header line" in n for n in prof.notes)

    res = _run("diversity", path, "--json")
    assert res.exit_code == 0, res.output
    import json

    values = next(iter(json.loads(res.stdout)["samples"].values()))
    assert values["observed"] == 4
    assert values["shannon"] == pytest.approx(_expected_shannon(LEAVES.values()), rel=1e-12)
    p = np.array(list(LEAVES.values())) / 9000
    assert values["simpson"] == pytest.approx(1 - float((p ** 2).sum()), rel=1e-12)


def test_taxa_shares_are_of_the_leaf_total(tmp_path):
    path = tmp_path / "kid.txt"
    path.write_text("#Classification\tkid\n" + KRAKEN_MPA)
    rep = sample_report(read_profile(path, method="shotgun"), "kid", "infant")
    frag = next(t for t in rep["taxa"] if t["taxon"] == "Bacteroides fragilis")
    assert frag["status"] == "found"
    assert frag["relative_abundance"] == pytest.approx(1000 / 9000)
    assert rep["diversity"]["values"]["observed"] == 4


def test_upload_of_a_kraken_mpa_report_counts_leaves(tmp_path):
    from gutskin.clinic.microbiome import parse_upload

    parsed = parse_upload("kid.txt", ("#Classification\tkid\n" + KRAKEN_MPA).encode(), method="shotgun",
                          age_group="infant")
    div = parsed.report["diversity"]["values"]
    assert div["observed"] == 4
    assert div["shannon"] == pytest.approx(_expected_shannon(LEAVES.values()), rel=1e-12)


def test_a_lineage_that_stops_early_is_not_a_parent(tmp_path):
    """A flat table (QIIME 1 summarize_taxa style) where one feature was named only to phylum:
    its reads are not the sum of the class-level feature, so both are counted."""
    path = tmp_path / "flat.tsv"
    path.write_text("#OTU ID\tA\tB\n"
                    "k__Bacteria;p__Firmicutes\t10\t5\n"
                    "k__Bacteria;p__Firmicutes;c__Clostridia\t100\t80\n"
                    "k__Bacteria;p__Bacteroidetes;c__Bacteroidia\t50\t60\n")
    prof = read_profile(path)
    assert prof.table.shape == (2, 3)
    assert not any("hierarchical" in n for n in prof.notes)


def test_metaphlan_style_relative_hierarchy_without_metaphlan_header(tmp_path):
    """Percentages at every rank (MetaPhlAn rows, header renamed by a spreadsheet): leaves only,
    MetaPhlAn's 5-decimal rounding tolerated."""
    path = tmp_path / "profile.tsv"
    path.write_text("#SampleID\tP1\n"
                    "k__Bacteria\t100.0\n"
                    "k__Bacteria|p__Firmicutes\t60.00001\n"
                    "k__Bacteria|p__Firmicutes|g__Blautia\t30.00001\n"
                    "k__Bacteria|p__Firmicutes|g__Roseburia\t30.00001\n"
                    "k__Bacteria|p__Bacteroidetes\t40.0\n"
                    "k__Bacteria|p__Bacteroidetes|g__Bacteroides\t40.0\n")
    prof = read_profile(path, orientation="features-as-rows")
    assert sorted(prof.taxonomy["genus"]) == ["Bacteroides", "Blautia", "Roseburia"]
    assert prof.kind == "relative"
    res = _run("diversity", path, "--orientation", "features-as-rows", "--json")
    import json

    assert json.loads(res.stdout)["samples"]["P1"]["shannon"] == pytest.approx(
        _expected_shannon([30.00001, 30.00001, 40.0]), rel=1e-12)
    assert math.isclose(float(prof.table.sum(axis=1).iloc[0]), 100.00002)  # the leaves, not 200 % of rows


def test_rounding_of_a_tiny_clade_does_not_make_the_table_flat(tmp_path):
    """MetaPhlAn rounds to 5 decimals: a rare genus at 0.00001 % can list two species at 0.00001 %
    each. That parent is 'short' by 100 %, but by 1e-5 in absolute terms: still hierarchical."""
    path = tmp_path / "p.tsv"
    path.write_text("#SampleID\tP1\n"
                    "k__Bacteria\t100.0\n"
                    "k__Bacteria|g__Blautia\t99.99999\n"
                    "k__Bacteria|g__Blautia|s__Blautia_obeum\t99.99999\n"
                    "k__Bacteria|g__Rara\t0.00001\n"
                    "k__Bacteria|g__Rara|s__Rara_a\t0.00001\n"
                    "k__Bacteria|g__Rara|s__Rara_b\t0.00001\n")
    prof = read_profile(path, orientation="features-as-rows")
    assert sorted(prof.taxonomy["species"]) == ["Blautia obeum", "Rara a", "Rara b"]
