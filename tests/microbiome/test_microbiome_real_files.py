"""Real files made by the real tools (tests/microbiome/real_files/, sources and licences in its
README): each supported one imports with the right taxa and counts through read_profile and the
CLI; each unsupported one is refused naming the file, the line and what was expected.

Found by running them (2026-12-06): a mothur ``.shared`` was "duplicate sample ID '0.03'" (its
``label`` column read as the sample, ``numOtus`` as an OTU); mothur's ``.cons.taxonomy`` lineages
kept their confidences (``Bacteroides(100)``), so no eczema-linked taxon was ever found in them;
a Kraken report with ``-`` rank codes (Kraken 1, Kraken 2 before 2.0.8; kraken-biom's test
report) was "line 2 is not a Kraken report line"; an mOTUs profile was "non-numeric value 'NA'
for sample 'NCBI_tax_id'", a CAMI profile "not a MetaPhlAn profile (no clade_name header)"; a
taxonomy file given as the table "the table has no samples" (QIIME 2) or a sample named 'Size'
with 12 OTUs (mothur).
"""

from __future__ import annotations

import json

import numpy as np
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gutskin.cli import app
from gutskin.microbiome import read_profile, sample_report
from gutskin.microbiome.errors import MicrobiomeInputError
from gutskin.microbiome.io import parse_lineage, read_taxonomy

REAL = Path(__file__).parent / "real_files"
runner = CliRunner()

# biom-format's example table (examples/rich_sparse_otu_table.biom and its HDF5 twin): 5 OTUs x 6 samples
BIOM_COUNTS = {"Sample1": {"GG_OTU_2": 5, "GG_OTU_4": 2}, "Sample3": {"GG_OTU_1": 1, "GG_OTU_3": 1, "GG_OTU_4": 1,
                                                                   "GG_OTU_5": 1}}
# kraken-biom's test (test/test_kraken_biom.py, krepB): the species counts it expects from the report
KRAKEN_BIOM_SPECIES_B = {"Streptococcus salivarius": 5, "Streptococcus oralis": 3, "Streptococcus parasanguinis": 2,
                         "Streptococcus sanguinis": 1, "Streptococcus thermophilus": 1,
                         "Enterococcus casseliflavus": 9, "Veillonella parvula": 2, "Natronococcus occultus": 8,
                         "Enterobacteria phage phiX174 sensu lato": 2, "Hyposoter fugitivus ichnovirus": 2}
SHARED_F3D141 = [388, 335, 301, 482, 425, 279, 206, 331, 119, 175, 111, 101]


def _cli(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["microbiome", *args])


@pytest.mark.parametrize("name", ["rich_sparse_otu_table.biom", "min_sparse_otu_table.biom",
                                  "biom_rich_sparse_hdf5.biom"])
def test_biom_format_examples_import_with_their_counts_and_taxonomy(name: str) -> None:
    p = read_profile(REAL / name)
    assert p.table.shape == (6, 5)
    for sample, counts in BIOM_COUNTS.items():
        row = p.table.loc[sample]
        assert {k: int(v) for k, v in row[row > 0].items()} == counts
    if name != "min_sparse_otu_table.biom":
        assert p.taxonomy.loc["GG_OTU_1", "genus"] == "Escherichia"
        assert p.taxonomy.loc["GG_OTU_4", "species"] == "Halanaerobiumsaccharolyticum"
    r = _cli("diversity", str(REAL / name), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["samples"]["Sample3"]["observed"] == 4


def test_biom_observation_collapsed_table_reads_its_lineage_ids() -> None:
    p = read_profile(REAL / "biom_json_obs_collapsed.biom")  # biom collapse by phylum: IDs are 'p__Firmicutes'
    assert set(p.table.columns) == {"p__Firmicutes", "p__Euryarchaeota", "p__Cyanobacteria", "p__Proteobacteria"}
    assert p.taxonomy.loc["p__Firmicutes", "phylum"] == "Firmicutes"
    assert int(p.table.loc["Sample3", "p__Proteobacteria"]) == 2  # GG_OTU_1 + GG_OTU_5 of the example table


def test_metaphlan3_profile_with_stray_spaces_reads_its_species() -> None:
    p = read_profile(REAL / "metaphlan3_SRS014476_supragingival_plaque.tsv")
    assert p.kind == "relative" and p.rank == "species" and p.method == "shotgun"
    shares = {p.taxonomy.loc[c, "species"]: round(float(v), 7) for c, v in p.table.iloc[0].items()}
    assert shares == {"Corynebacterium matruchotii": 0.6525681, "Rothia dentocariosa": 0.3474319}


@pytest.mark.parametrize("name", ["kraken_report_dash_ranks_krepB.txt"])
def test_kraken_report_with_dash_rank_codes_gives_kraken_biom_species_counts(name: str) -> None:
    p = read_profile(REAL / name)
    got = {p.taxonomy.loc[c, "species"]: int(v) for c, v in p.table.iloc[0].items()}
    assert got == KRAKEN_BIOM_SPECIES_B
    assert p.taxonomy.loc[[c for c in p.table.columns if "Veillonella" in c][0], "genus"] == "Veillonella"
    r = _cli("diversity", str(REAL / name), "--json")
    assert r.exit_code == 0, r.output


def test_metaphlan2_profile_without_clade_name_header(tmp_path) -> None:
    # MetaPhlAn 2 writes '#SampleID<TAB>Metaphlan2_Analysis', then clade and percent, with no header;
    # it was "not a MetaPhlAn profile (no clade_name header)"
    p = read_profile(REAL / "metaphlan2_galaxy_training_head.txt", rank="phylum")
    total = 99.68722 + 0.26989 + 0.04289
    got = {p.taxonomy.loc[c, "phylum"]: float(v) for c, v in p.table.iloc[0].items()}
    assert got == pytest.approx({"Firmicutes": 99.68722 / total, "Euryarchaeota": 0.26989 / total,
                                 "Proteobacteria": 0.04289 / total})
    assert list(p.table.index) == ["metaphlan2_galaxy_training_head"]  # not 'Metaphlan2_Analysis'
    assert p.kind == "relative" and any("MetaPhlAn 2" in n for n in p.notes)
    f = tmp_path / "SRS011084.txt"
    f.write_text((REAL / "metaphlan2_galaxy_training_head.txt").read_text()
                 + "k__Bacteria|p__Firmicutes|c__Bacilli|o__Lactobacillales|f__Streptococcaceae|g__Streptococcus|"
                   "s__Streptococcus_salivarius\t99.68722\n")
    r = _cli("report", str(f), "--age-group", "adult", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["profile"]["n_features_detected"] == 1


def test_krakenuniq_report_reads_its_clades(tmp_path) -> None:
    # taxpasta's KrakenUniq test report (rank words, 9 columns); it was "duplicate feature ID '100'"
    p = read_profile(REAL / "krakenuniq_test1.krakenuniq.report.txt")
    assert p.kind == "counts" and p.method == "shotgun"
    assert list(p.table.index) == ["krakenuniq_test1.krakenuniq.report"]
    (leaf,) = p.table.columns
    assert p.taxonomy.loc[leaf, "species"] == "Severe acute respiratory syndrome-related coronavirus"
    assert p.taxonomy.loc[leaf, "genus"] == "Betacoronavirus" and int(p.table.iloc[0, 0]) == 100
    gut = tmp_path / "stool.krakenuniq.report.txt"
    gut.write_text("# KrakenUniq v1.0.0\n\n%\treads\ttaxReads\tkmers\tdup\tcov\ttaxID\trank\ttaxName\n"
                   "20\t25\t25\t0\t0\t0\t0\tno rank\tunclassified\n"
                   "80\t100\t0\t9\t1\t0.1\t1\tno rank\troot\n"
                   "80\t100\t0\t9\t1\t0.1\t2\tsuperkingdom\t  Bacteria\n"
                   "80\t100\t0\t9\t1\t0.1\t1239\tphylum\t    Firmicutes\n"
                   "80\t100\t0\t9\t1\t0.1\t572511\tgenus\t      Blautia\n"
                   "60\t75\t75\t9\t1\t0.1\t40520\tspecies\t        Blautia obeum\n"
                   "20\t25\t25\t9\t1\t0.1\t1535\tspecies\t        Blautia wexlerae\n"
                   "x\ty\n")
    with pytest.raises(MicrobiomeInputError, match=r"stool\.krakenuniq\.report\.txt: line 11: not a KrakenUniq "
                                                   r"report line \(expected 9 tab-separated columns"):
        read_profile(gut)
    gut.write_text(gut.read_text().replace("x\ty\n", ""))
    p = read_profile(gut)
    assert {p.taxonomy.loc[c, "species"]: int(v) for c, v in p.table.iloc[0].items()} == {
        "Blautia obeum": 75, "Blautia wexlerae": 25}
    assert any("25 unclassified reads left out" in n for n in p.notes)


def test_centrifuge_kreport_with_dash_ranks_reads_its_species() -> None:
    # centrifuge-kreport writes the old Kraken style ('-' off the main ranks)
    p = read_profile(REAL / "centrifuge_kreport_barcode52_head.txt")
    got = {p.taxonomy.loc[c, "species"]: int(v) for c, v in p.table.iloc[0].items()}
    assert len(got) == 8 and set(got.values()) == {1}
    rosa = [c for c in p.table.columns if c.endswith("s__Staphylococcus_phage_ROSA")][0]
    assert p.taxonomy.loc[rosa, "genus"] == "Phietavirus"  # under 'unclassified Phietavirus' ('-')


def test_kraken2_report_with_minimizer_columns() -> None:
    p = read_profile(REAL / "kraken2_minimizer_columns.k2report")
    got = {p.taxonomy.loc[c, "species"]: int(v) for c, v in p.table.iloc[0].items()}
    assert got == {"Blautia obeum": 5900, "Bacteroides fragilis": 3400}


def test_mothur_shared_reads_groups_as_samples_and_otus_as_features() -> None:
    p = read_profile(REAL / "mothur_stability.opti_mcc.shared")
    assert list(p.table.index) == ["F3D141", "F3D142"]
    assert list(p.table.columns) == [f"Otu{i:03d}" for i in range(1, 13)]
    assert [int(x) for x in p.table.loc["F3D141"]] == SHARED_F3D141
    assert p.kind == "counts" and p.method == "16S"
    assert any("label 0.03" in n for n in p.notes)
    r = _cli("diversity", str(REAL / "mothur_stability.opti_mcc.shared"), "--json")
    assert r.exit_code == 0, r.output
    assert set(json.loads(r.output)["samples"]) == {"F3D141", "F3D142"}


def test_mothur_taxonomy_confidences_are_not_part_of_the_names() -> None:
    lin = read_taxonomy(REAL / "mothur_stability.opti_mcc.0.03.cons.taxonomy")
    assert parse_lineage(lin["Otu002"])["genus"] == "Bacteroides"
    assert parse_lineage(lin["Otu001"])["family"] == "Porphyromonadaceae"
    assert parse_lineage(lin["Otu001"])["genus"] is None  # Porphyromonadaceae_unclassified(100)
    assert parse_lineage("Bacteria(99.5);Firmicutes(87)")["phylum"] == "Firmicutes"
    p = read_profile(REAL / "mothur_stability.opti_mcc.shared",
                     taxonomy=REAL / "mothur_stability.opti_mcc.0.03.cons.taxonomy")
    rep = sample_report(p, "F3D141", "adult")
    taxa = {t["taxon"]: t for t in rep["taxa"]}
    assert taxa["Akkermansia"]["status"] == "found"
    assert taxa["Akkermansia"]["relative_abundance"] == pytest.approx(101 / sum(SHARED_F3D141))
    r = _cli("report", str(REAL / "mothur_stability.opti_mcc.shared"), "--taxonomy",
             str(REAL / "mothur_stability.opti_mcc.0.03.cons.taxonomy"), "--sample", "F3D141", "--age-group",
             "adult", "--json")
    assert r.exit_code == 0, r.output
    assert {t["taxon"]: t["status"] for t in json.loads(r.output)["taxa"]}["Akkermansia"] == "found"


SHARED_HEAD = "label\tGroup\tnumOtus\tOtu001\tOtu002\tOtu003\n"


@pytest.mark.parametrize("body, expected", [
    ("0.03\tA\t3\t1\t2\t3\n0.05\tA\t3\t1\t2\t3\n", r"line 3: label '0\.05' after rows of label '0\.03'"),
    ("0.03\tA\t4\t1\t2\t3\n", r"line 2, column 3 \(numOtus\): '4', but the header names 3 OTUs"),
    ("0.03\tA\t3\t1\t2\n", r"line 2: 2 count\(s\) for sample 'A'; the header names 3 OTUs"),
    ("0.03\tA\t3\t1\t2.5\t3\n", r"line 2, column 5: expected a whole read count for sample 'A', OTU 'Otu002', got '2\.5'"),
    ("0.03\tA\t3\t1\t2\t3\n0.03\tA\t3\t1\t2\t3\n", r"line 3, column 2 \(Group\): sample 'A' is listed twice"),
])
def test_mothur_shared_problems_name_file_line_and_column(tmp_path, body: str, expected: str) -> None:
    f = tmp_path / "bad.shared"
    f.write_text(SHARED_HEAD + body)
    with pytest.raises(MicrobiomeInputError, match=expected) as e:
        read_profile(f)
    assert "bad.shared" in str(e.value)


def test_sylph_tax_profile_reads_relative_abundance_not_sequence_abundance() -> None:
    p = read_profile(REAL / "sylphtax_prefix_mouse_1.fq_head.sylphmpa")
    assert p.kind == "relative" and list(p.table.index) == ["mouse_1.fq"]
    got = {p.taxonomy.loc[c, "genus"]: float(v) for c, v in p.table.iloc[0].items()}
    total = 3.9625 + 5.0394 + 4.1703  # the species' relative_abundance (sequence_abundance: 3.0064, 3.2464, 4.1626)
    assert got == pytest.approx({"Pumilibacter": 3.9625 / total, "MGBC161649": 5.0394 / total,
                                 "1XD42-69": 4.1703 / total})


def test_qiime2_taxa_barplot_csv_leaves_out_the_sample_metadata_columns() -> None:
    # QIIME 2 View's "Download CSV" of taxa-bar-plots.qzv: 'index', a lineage per column, 'Unassigned',
    # then the metadata; it was "non-numeric value 'AGCTGACTAGTC' ... feature 'barcode-sequence'", and a
    # barplot made with numeric metadata only would have counted 'year' as reads
    p = read_profile(REAL / "qiime2_taxa_barplot_level-6.csv")
    assert list(p.table.index) == ["L1S8", "L1S57"]
    assert p.table.shape[1] == 6 and "Unassigned" in p.table.columns
    assert [int(x) for x in p.table.loc["L1S8"]] == [308, 0, 178, 195, 12, 3]
    assert any("8 sample metadata column(s)" in n for n in p.notes)
    genera = set(p.taxonomy["genus"].dropna())
    assert {"Faecalibacterium", "Agathobacter", "Bifidobacterium"} <= genera
    rep = sample_report(p, "L1S8", "infant")
    assert {t["taxon"]: t["status"] for t in rep["taxa"]}["Bifidobacterium"] == "found"
    r = _cli("diversity", str(REAL / "qiime2_taxa_barplot_level-6.csv"), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["samples"]["L1S8"]["observed"] == 5


def test_qiime1_classic_table_saved_by_excel_skips_its_comment_line(tmp_path) -> None:
    # Excel writes the comment line with the table's width of empty cells: '# QIIME v1.9.1 OTU table,,,'
    # (BOM, CRLF); it became the header: "column 2 has values but no name in the header"
    p = read_profile(REAL / "qiime1_classic_otu_table_saved_by_excel.csv")
    assert list(p.table.index) == ["S1", "S2"] and [int(x) for x in p.table.loc["S2"]] == [0, 7]
    assert p.taxonomy.loc["2", "genus"] == "Bacteroides"
    f = tmp_path / "unnamed.csv"
    f.write_text("#OTU ID,S1,,S2\nasv1,1,5,2\n")
    with pytest.raises(MicrobiomeInputError, match=r"unnamed\.csv: line 1, column 3 has values but no name"):
        read_profile(f)


def test_coverm_genome_table_leaves_out_unmapped_and_the_measure(tmp_path) -> None:
    # 'unmapped' (reads on no genome) was counted as one more genome, and a GTDB-Tk taxonomy file was
    # refused for not naming it; the sample was '<name> Relative Abundance (%)'
    f = REAL / "coverm_genome_relative_abundance.tsv"
    p = read_profile(f)
    assert list(p.table.index) == ["7seqs.reads_for_seq1_and_seq2"]
    assert "unmapped" not in p.table.columns and p.kind == "relative"
    row = p.table.iloc[0] / p.table.iloc[0].sum()  # shares of the mapped reads (12.5 % unmapped left out)
    assert float(row["genome2"]) == pytest.approx(46.521933 / 87.5) and float(row["genome5"]) == pytest.approx(
        40.978067 / 87.5)
    assert any("'unmapped' row" in n for n in p.notes)
    tax = tmp_path / "gtdbtk.bac120.summary.tsv"
    tax.write_text("user_genome\tclassification\n" + "".join(
        f"genome{i}\td__Bacteria;p__Bacteroidota;c__Bacteroidia;o__Bacteroidales;f__Bacteroidaceae;g__Bacteroides;"
        f"s__Bacteroides sp{i}\n" for i in range(1, 7)))
    named = read_profile(f, taxonomy=tax)
    assert set(named.taxonomy["genus"]) == {"Bacteroides"}
    two = tmp_path / "two_measures.tsv"
    two.write_text("Genome\tS1 Relative Abundance (%)\tS1 Mean\nunmapped\t45.2\t0\nbin.1\t54.8\t2.5\n")
    with pytest.raises(MicrobiomeInputError, match=r"two_measures\.tsv: line 1: a CoverM table with 2 measures per "
                                                   r"sample \(Mean, Relative Abundance \(%\)\); give one"):
        read_profile(two)


def test_r_write_table_without_a_row_names_header_cell(tmp_path) -> None:
    # R's write.table(otu_table(ps), sep = "\t"): the header has no cell above the row names. Each
    # sample got its neighbour's values and the last sample was dropped, without a word
    p = read_profile(REAL / "r_write_table_otu_table.tsv")
    assert list(p.table.index) == ["F3D0", "F3D1", "F3D141"]
    assert [int(x) for x in p.table.loc["F3D0"]] == [579, 345, 449, 0]
    assert [int(x) for x in p.table.loc["F3D141"]] == [444, 362, 345, 3]
    assert any("write.table" in n for n in p.notes)
    over = tmp_path / "over.tsv"
    over.write_text("#OTU ID\tS1\tS2\nasv1\t1\t2\nasv2\t1\t2\t5\n")
    with pytest.raises(MicrobiomeInputError, match=r"over\.tsv: line 3: 4 cells with values, but the header \(line 1\) "
                                                   r"names 3 columns"):
        read_profile(over)


def test_emu_output_reads_species_with_their_lineage(tmp_path) -> None:
    # it was "non-numeric value 'Blautia obeum' for sample '40520', feature 'species'"
    p = read_profile(REAL / "emu_barcode01_rel-abundance.tsv")
    assert list(p.table.index) == ["emu_barcode01"] and p.method == "16S" and p.kind == "counts"
    assert {c: int(v) for c, v in p.table.iloc[0].items()} == {
        "Blautia obeum": 550, "Bacteroides fragilis": 350, "Bifidobacterium adolescentis": 50}
    assert p.taxonomy.loc["Bifidobacterium adolescentis", "family"] == "Bifidobacteriaceae"
    assert any("unassigned share (50)" in n for n in p.notes)
    rel = tmp_path / "s2_rel-abundance.tsv"  # without --keep-counts: the abundances, relative
    rel.write_text("\n".join("\t".join(ln.split("\t")[:13]) for ln in
                             (REAL / "emu_barcode01_rel-abundance.tsv").read_text().splitlines()) + "\n")
    q = read_profile(rel)
    assert q.kind == "relative" and list(q.table.index) == ["s2"]
    rep = sample_report(q, None, "infant")
    assert {t["taxon"]: t["status"] for t in rep["taxa"]}["Bifidobacterium"] == "found"


def test_dada2_seqtab_csv_reads_sequences_as_features() -> None:
    p = read_profile(REAL / "dada2_seqtab_nochim.csv")
    assert list(p.table.index) == ["F3D0", "F3D1", "F3D141"]
    assert [int(x) for x in p.table.loc["F3D0"]] == [579, 345, 449]
    assert all(c.startswith("TACG") for c in p.table.columns)


def test_qiime2_exported_feature_table_with_taxonomy() -> None:
    p = read_profile(REAL / "qiime2_feature-table_with_taxonomy.tsv")
    assert list(p.table.index) == ["S1", "S2"]
    assert int(p.table.loc["S2", "fe30ff0f71a38a39cf1717ec2be3a2fc"]) == 87
    assert p.taxonomy.loc["d29fe3c70564fc0f69f2c03e0d1e5561", "genus"] == "Bifidobacterium"


@pytest.mark.parametrize("name, expected", [
    ("cami_metaphlan2_test_head.profile", r"line 7: a CAMI profiling-format file .*gutskin does not read it: give "
                                          r"MetaPhlAn's default profile"),
    ("motus_B11-2_head.out", r"line 3: an mOTUs profile .*gutskin does not read it"),
    ("sylph_profile_o157.tsv", r"line 1: a sylph profile .*convert it with sylph-tax"),
    ("humann_demo_pathabundance.tsv", r"line 1: HUMAnN output \(pathways or gene families.*MetaPhlAn's profile"),
    ("kaiju2table_barcode41_head.tsv", r"line 1: Kaiju's kaiju2table summary"),
    ("centrifuge_report_raw.tsv", r"line 1: a Centrifuge report .*give its Kraken-style report \(centrifuge-kreport\)"),
    ("kraken_per_read_output.kraken", r"line 1: Kraken's per-read output .*give the report file \(kraken2 --report\)"),
    ("mothur_stability.opti_mcc.0.03.cons.taxonomy", r"line 1: a taxonomy file \(OTU, Size, Taxonomy\), not a table "
                                                     r"of samples: give it as the taxonomy file"),
    ("bracken_S_2612_pe-ERR5766176-db1.tsv", r"Bracken's per-rank output at level 'S' .*give its genus-level output"),
    ("kraken2_unclassified_only.kraken2.report.txt", r"the Kraken report lists no classified clade"),
])
def test_unsupported_real_files_are_refused_saying_what_was_expected(name: str, expected: str) -> None:
    with pytest.raises(MicrobiomeInputError, match=expected) as e:
        read_profile(REAL / name)
    assert name in str(e.value)
    r = _cli("diversity", str(REAL / name))
    assert r.exit_code == 2
    assert name in r.output and "Traceback" not in r.output


def test_qiime2_taxonomy_tsv_given_as_the_table_says_to_give_it_as_taxonomy(tmp_path) -> None:
    f = tmp_path / "taxonomy.tsv"
    f.write_text("Feature ID\tTaxon\tConfidence\n4b5eeb30\tk__Bacteria; p__Firmicutes\t0.99\n")
    with pytest.raises(MicrobiomeInputError, match=r"taxonomy\.tsv: line 1: a taxonomy file \(Feature ID, Taxon, "
                                                   r"Confidence\), not a table of samples"):
        read_profile(f)


def test_every_real_file_is_either_read_or_refused_with_its_name() -> None:
    for f in sorted(REAL.iterdir()):
        if f.name == "README.md":
            continue
        try:
            read_profile(f)
        except MicrobiomeInputError as exc:
            assert f.name in str(exc), (f.name, str(exc))


def test_tables_not_in_utf8_say_which_line_and_what_to_do(tmp_path) -> None:
    # Excel's plain "CSV" (Windows-1252: 'Zoë' is byte 0xeb) and "Unicode text" (UTF-16) were only
    # "not a UTF-8 text table"
    cp = tmp_path / "excel.csv"
    cp.write_bytes("#OTU ID,S1,S2\nasv1,3,4\nasv2,5,6\n".encode() + "#OTU ID,Zoë\n".encode("cp1252"))
    with pytest.raises(MicrobiomeInputError, match=r"excel\.csv: line 4: not a UTF-8 text table \(byte 0xeb, .*save it "
                                                   r"as \"CSV UTF-8\""):
        read_profile(cp)
    u16 = tmp_path / "unicode.txt"
    u16.write_bytes("\ufeff#OTU ID\tS1\nasv1\t3\n".encode("utf-16-le"))
    with pytest.raises(MicrobiomeInputError, match=r"unicode\.txt: not a UTF-8 text table: this file is UTF-16"):
        read_profile(u16)


def test_compressed_reports_are_read_as_the_plain_file(tmp_path) -> None:
    """They were refused with "decompress it first" until 2026-12-07."""
    import bz2
    import gzip

    plain = REAL / "kraken_report_dash_ranks_krepB.txt"
    want = read_profile(plain)
    text = plain.read_bytes()
    for suffix, packed in ((".gz", gzip.compress(text)), (".bz2", bz2.compress(text))):
        f = tmp_path / f"kraken_report_dash_ranks_krepB.txt{suffix}"
        f.write_bytes(packed)
        got = read_profile(f)
        assert got.sample_ids == want.sample_ids and got.feature_ids == want.feature_ids
        assert np.array_equal(got.matrix, want.matrix)
        assert got.source == str(f)
