"""Kraken 2 reports (and Bracken's re-estimated .kreport) are read with their lineages from the
indentation, leaf clades only, unclassified and host (Chordata) reads left out; Bracken's
per-rank output and MetaPhlAn merged tables saved as CSV get answers instead of misleading
errors. Before: a Kraken report was 'duplicate sample ID '1000' in the header', Bracken output
'non-numeric value 'S' for sample 'Faecalibacterium prausnitzii', feature 'taxonomy_lvl'' (the
orientation guessed wrong), a MetaPhlAn CSV 'not a MetaPhlAn profile (no clade_name header)'."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from gutskin.microbiome import MicrobiomeInputError, read_profile, sample_report

runner = CliRunner()


def _row(pct, clade, direct, rank, taxid, name, depth):
    return f"{pct:6.2f}\t{clade}\t{direct}\t{rank}\t{taxid}\t{'  ' * depth}{name}\n"


# kraken2 --report: unclassified, root, intermediate ranks (R1, G1, S1), the host, and a genus
# holding reads beyond its species
KREPORT = "".join([
    _row(5.0, 600, 600, "U", 0, "unclassified", 0),
    _row(95.0, 11400, 10, "R", 1, "root", 0),
    _row(94.9, 11390, 0, "R1", 131567, "cellular organisms", 1),
    _row(78.2, 9390, 0, "D", 2, "Bacteria", 2),
    _row(41.7, 5000, 0, "P", 1239, "Bacillota", 3),
    _row(41.7, 5000, 0, "C", 186801, "Clostridia", 4),
    _row(41.7, 5000, 0, "O", 186802, "Eubacteriales", 5),
    _row(25.0, 3000, 0, "F", 216572, "Oscillospiraceae", 6),
    _row(25.0, 3000, 0, "G", 216851, "Faecalibacterium", 7),
    _row(25.0, 3000, 3000, "S", 853, "Faecalibacterium prausnitzii", 8),
    _row(16.7, 2000, 0, "F", 186803, "Lachnospiraceae", 6),
    _row(16.7, 2000, 0, "G", 572511, "Blautia", 7),
    _row(16.7, 2000, 1800, "S", 40520, "Blautia obeum", 8),
    _row(1.7, 200, 200, "S1", 999999, "Blautia obeum ATCC 29174", 9),
    _row(36.5, 4390, 0, "P", 976, "Bacteroidota", 3),
    _row(36.5, 4390, 0, "C", 200643, "Bacteroidia", 4),
    _row(36.5, 4390, 0, "O", 171549, "Bacteroidales", 5),
    _row(36.5, 4390, 0, "F", 815, "Bacteroidaceae", 6),
    _row(36.5, 4390, 390, "G", 816, "Bacteroides", 7),
    _row(30.0, 3600, 0, "G1", 1853, "Bacteroides fragilis group", 8),
    _row(8.3, 1000, 1000, "S", 817, "Bacteroides fragilis", 9),
    _row(21.7, 2600, 2600, "S", 820, "Bacteroides uniformis", 9),
    _row(3.3, 400, 400, "S", 821, "Phocaeicola vulgatus", 8),
    _row(16.7, 2000, 0, "D", 2759, "Eukaryota", 2),
    _row(16.7, 2000, 0, "K", 33208, "Metazoa", 3),
    _row(16.7, 2000, 0, "P", 7711, "Chordata", 4),
    _row(16.7, 2000, 2000, "S", 9606, "Homo sapiens", 10),
])
SPECIES = {"Faecalibacterium prausnitzii": 3000, "Blautia obeum": 2000, "Bacteroides fragilis": 1000,
           "Bacteroides uniformis": 2600, "Phocaeicola vulgatus": 400}


def _cli(*args):
    from gutskin.cli import app

    return runner.invoke(app, ["microbiome", *map(str, args)])


@pytest.mark.parametrize("minimizers", [False, True], ids=["report", "report-minimizer-data"])
def test_kraken_report_leaf_species_with_lineages(tmp_path, minimizers):
    text = KREPORT
    if minimizers:  # --report-minimizer-data: two more columns before the rank code
        text = "".join("\t".join(c[:3] + ["12", "34"] + c[3:]) for c in (ln.split("\t") for ln in text.splitlines(True)))
    path = tmp_path / "stool_42.kreport"
    path.write_text(text)
    prof = read_profile(path)
    assert prof.sample_ids == ["stool_42"] and prof.kind == "counts" and prof.method == "shotgun"
    got = dict(zip(prof.taxonomy["species"], prof.table.iloc[0]))
    assert got == SPECIES  # no Homo sapiens, no genus/phylum rows, S1 strain inside its species
    fam = prof.taxonomy.set_index("species")["family"]
    assert fam["Bacteroides fragilis"] == "Bacteroidaceae" and fam["Blautia obeum"] == "Lachnospiraceae"
    assert any("600 unclassified reads left out" in n for n in prof.notes)
    assert any("2000 reads of Chordata" in n for n in prof.notes)
    res = _cli("diversity", path, "--json")
    assert res.exit_code == 0, res.output
    v = json.loads(res.stdout)["samples"]["stool_42"]
    p = np.array(list(SPECIES.values()), dtype=float) / sum(SPECIES.values())
    assert v["observed"] == 5
    assert v["shannon"] == pytest.approx(float(-(p * np.log(p)).sum()), rel=1e-12)


def test_kraken_report_at_a_rank_and_in_the_report(tmp_path):
    path = tmp_path / "k.kreport"
    path.write_text(KREPORT)
    genus = read_profile(path, rank="genus")
    assert dict(zip(genus.taxonomy["genus"], genus.table.iloc[0])) == {
        "Faecalibacterium": 3000, "Blautia": 2000, "Bacteroides": 4390}
    rep = sample_report(read_profile(path), "k", "infant")
    taxa = {t["taxon"]: t for t in rep["taxa"]}
    assert taxa["Bacteroides fragilis"]["relative_abundance"] == pytest.approx(1000 / 9000)
    assert taxa["Bifidobacterium"]["status"] == "not detected"
    assert rep["reference_comparison"]["comparable"] is False  # shotgun vs the 16S reference


def test_upload_of_a_kraken_report(tmp_path):
    from gutskin.clinic.microbiome import parse_upload

    parsed = parse_upload("stool.kreport", KREPORT.encode(), method="shotgun", age_group="adult")
    assert parsed.report["diversity"]["values"]["observed"] == 5


def test_bracken_output_is_answered_with_what_to_give(tmp_path):
    path = tmp_path / "s.bracken"
    path.write_text("name\ttaxonomy_id\ttaxonomy_lvl\tkraken_assigned_reads\tadded_reads\tnew_est_reads\t"
                    "fraction_total_reads\nBlautia obeum\t40520\tS\t1900\t100\t2000\t0.4\n"
                    "Bacteroides fragilis\t817\tS\t2900\t100\t3000\t0.6\n")
    res = _cli("diversity", path)
    assert res.exit_code == 2 and len(res.stderr.strip().splitlines()) == 1
    assert "Bracken" in res.stderr and "kreport" in res.stderr


def test_bad_kraken_line_is_named(tmp_path):
    path = tmp_path / "bad.kreport"
    path.write_text(KREPORT + "garbage line\n")
    with pytest.raises(MicrobiomeInputError, match="line 28 is not a Kraken report line"):
        read_profile(path)


def test_metaphlan_merged_table_saved_as_csv(tmp_path):
    rows = [("k__Bacteria", 100, 100), ("k__Bacteria|p__Firmicutes", 60, 30),
            ("k__Bacteria|p__Firmicutes|c__C|o__O|f__Lachnospiraceae|g__Blautia|s__Blautia_obeum", 60, 30),
            ("k__Bacteria|p__Bacteroidetes|c__B|o__B|f__Bacteroidaceae|g__Bacteroides|s__Bacteroides_fragilis", 40, 70)]
    tsv, csv_ = tmp_path / "merged.tsv", tmp_path / "merged.csv"
    tsv.write_text("#mpa_v31_CHOCOPhlAn_201901\nclade_name\tA\tB\n" + "".join(f"{c}\t{a}\t{b}\n" for c, a, b in rows))
    csv_.write_text("clade_name,A,B\n" + "".join(f"{c},{a},{b}\n" for c, a, b in rows))
    want = read_profile(tsv)
    got = read_profile(csv_)
    assert got.kind == "relative" and np.allclose(got.matrix, want.matrix)
    assert list(got.table.columns) == ["Blautia obeum", "Bacteroides fragilis"]


def test_report_of_a_one_sample_file_needs_no_sample_option(tmp_path):
    """`report` required --sample even for a one-sample file (a Kraken report or MetaPhlAn profile,
    whose sample is named after the file): Typer's 'Missing option' sent users guessing."""
    path = tmp_path / "stool_42.kreport"
    path.write_text(KREPORT)
    res = _cli("report", path, "--age-group", "adult", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["sample"] == "stool_42"
    two = tmp_path / "two.tsv"
    two.write_text("#OTU ID\tA\tB\nx\t1\t2\ny\t3\t4\n")
    res = _cli("report", two, "--age-group", "adult")
    assert res.exit_code == 2 and "holds 2 samples ('A', 'B'); give --sample ID" in res.stderr
