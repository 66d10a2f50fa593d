"""What a table holds (--kind auto|counts|relative) and a separate taxonomy file (--taxonomy),
as QIIME 2 exports them: a feature table (BIOM, feature IDs are hashes) plus taxonomy.tsv."""

from __future__ import annotations

import hashlib
import json

import biom
import numpy as np
import pytest
from typer.testing import CliRunner

from gutskin.microbiome import (MicrobiomeInputError, RelativeDataError, alpha_diversity, beta_diversity,
                                read_profile, read_taxonomy, sample_report)
from tests.microbiome.test_microbiome_qa_fixes import _one_line_error

runner = CliRunner()


def _run(*args):
    from gutskin.cli import app

    return runner.invoke(app, ["microbiome", *map(str, args)])


# --------------------------------------------------------------------------------------
# 1. kind
# --------------------------------------------------------------------------------------
@pytest.fixture
def percent_tsv(tmp_path):
    """Relative abundances in percent that happen to be whole numbers (a lab report rounded to 1 %)."""
    p = tmp_path / "percent.tsv"
    p.write_text("#OTU ID\tS1\tS2\n"
                 "Bifidobacterium\t50\t1\nBacteroides\t30\t1\nBlautia\t1\t2\nEscherichia\t19\t96\n")
    return p


def test_auto_reads_whole_number_percentages_as_counts_as_documented(percent_tsv):
    assert read_profile(percent_tsv).kind == "counts"
    assert read_profile(percent_tsv, kind="auto").kind == "counts"


def test_kind_relative_normalises_each_sample_and_says_how(percent_tsv):
    prof = read_profile(percent_tsv, kind="relative")
    assert prof.kind == "relative"
    np.testing.assert_allclose(prof.table.sum(axis=1), 1.0)
    assert prof.table.at["S1", "Bifidobacterium"] == pytest.approx(0.5)
    assert any("percentages" in n and "divided by its own total" in n for n in prof.notes), prof.notes


def test_percent_and_fraction_samples_give_the_same_proportions(tmp_path):
    # S1 in percent, S2 the same profile in fractions: after per-sample normalisation they are equal
    p = tmp_path / "mixed.tsv"
    p.write_text("#OTU ID\tS1\tS2\nA\t60\t0.6\nB\t30\t0.3\nC\t10\t0.1\n")
    prof = read_profile(p, kind="relative")
    np.testing.assert_allclose(prof.table.loc["S1"], prof.table.loc["S2"])
    assert beta_diversity(prof, "braycurtis").distances["S1", "S2"] == pytest.approx(0.0, abs=1e-12)


def test_fractions_with_an_unclassified_share_left_out_are_renormalised(tmp_path):
    p = tmp_path / "frac.tsv"
    p.write_text("#OTU ID\tS1\nA\t0.4\nB\t0.4\n")  # 20 % unclassified not in the table
    prof = read_profile(p, kind="relative")
    assert prof.table.at["S1", "A"] == pytest.approx(0.5)
    assert any("fractions" in n and "0.8" in n for n in prof.notes), prof.notes


def test_kind_relative_refuses_a_table_of_counts_naming_the_sample(tmp_path):
    p = tmp_path / "counts.tsv"
    p.write_text("#OTU ID\tS1\tS2\nA\t10\t4000\nB\t20\t1000\n")
    with pytest.raises(MicrobiomeInputError, match=r"sample 'S2' totals 5000.*kind 'counts'") as exc:
        read_profile(p, kind="relative")
    assert exc.value.sample == "S2"


def test_kind_counts_refuses_a_fraction_naming_sample_and_feature(tmp_path):
    p = tmp_path / "c.tsv"
    p.write_text("#OTU ID\tS1\tS2\nA\t10\t4\nB\t20\t2.5\n")
    with pytest.raises(MicrobiomeInputError, match=r"whole numbers; sample 'S2', feature 'B' has 2.5") as exc:
        read_profile(p, kind="counts")
    assert (exc.value.sample, exc.value.feature) == ("S2", "B")
    res = _run("diversity", p, "--kind", "counts")
    _one_line_error(res, "sample 'S2'", "feature 'B'", "2.5")


def test_unknown_kind_is_refused(percent_tsv):
    with pytest.raises(MicrobiomeInputError, match="kind must be one of auto, counts, relative"):
        read_profile(percent_tsv, kind="percent")  # type: ignore[arg-type]
    _one_line_error(_run("diversity", percent_tsv, "--kind", "percent"), "--kind", "auto | counts | relative")


def test_count_only_metrics_are_never_computed_from_proportions(percent_tsv):
    prof = read_profile(percent_tsv, kind="relative")
    with pytest.raises(RelativeDataError):
        alpha_diversity(prof, ["chao1"])
    res = _run("diversity", percent_tsv, "--kind", "relative", "--json")
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["kind"] == "relative"
    assert all(v["chao1"] is None for v in d["samples"].values())
    assert "singletons" in d["not_assessable"]["chao1"]
    # the same file read as counts (auto) gets a Chao1 computed from the 1 % 'singletons'
    auto = json.loads(_run("diversity", percent_tsv, "--json").stdout)
    assert auto["kind"] == "counts" and auto["samples"]["S2"]["chao1"] is not None
    _one_line_error(_run("diversity", percent_tsv, "--kind", "relative", "--rarefy", "10"),
                    "rarefaction needs integer read counts")


def test_report_marks_chao1_not_assessable_and_does_not_compare_relative_data(percent_tsv):
    rep = sample_report(read_profile(percent_tsv, kind="relative", rank="genus"), "S1", "infant")
    assert "chao1" not in rep["diversity"]["values"]
    assert "not assessable" in rep["diversity"]["not_assessable"]["chao1"]
    assert rep["profile"]["reads"] is None and rep["profile"]["kind"] == "relative"
    assert rep["reference_comparison"]["comparable"] is False
    assert "relative abundances" in rep["reference_comparison"]["reason"]
    found = {t["taxon"]: t for t in rep["taxa"]}
    assert found["Bifidobacterium"]["relative_abundance"] == pytest.approx(0.5)
    counts_rep = sample_report(read_profile(percent_tsv, rank="genus"), "S1", "infant")
    assert counts_rep["diversity"]["not_assessable"] == {} and "chao1" in counts_rep["diversity"]["values"]
    text = _run("report", percent_tsv, "--sample", "S1", "--age-group", "adult", "--kind", "relative",
                "--rank", "genus")
    assert text.exit_code == 0, text.output
    assert "chao1: not assessable" in text.stdout


METAPHLAN = ("#mpa_vJan21_CHOCOPhlAnSGB_202103\n#clade_name\tNCBI_tax_id\trelative_abundance\tadditional_species\n"
             "k__Bacteria\t2\t100.0\t\n"
             "k__Bacteria|p__Actinobacteria|c__Actinobacteria|o__Bifidobacteriales|f__Bifidobacteriaceae|"
             "g__Bifidobacterium|s__Bifidobacterium_longum\t2|1|2|3|4|5|6\t60.0\t\n"
             "k__Bacteria|p__Firmicutes|c__Clostridia|o__Eubacteriales|f__Lachnospiraceae|g__Blautia|"
             "s__Blautia_obeum\t2|1|2|3|4|5|7\t40.0\t\n")


def test_metaphlan_is_relative_and_refuses_kind_counts(tmp_path):
    p = tmp_path / "mpa.txt"
    p.write_text(METAPHLAN)
    assert read_profile(p, kind="relative").kind == "relative"
    _one_line_error(_run("diversity", p, "--kind", "counts"), "MetaPhlAn", "not counts")


# --------------------------------------------------------------------------------------
# 2. a separate taxonomy file (QIIME 2)
# --------------------------------------------------------------------------------------
TAXA = {
    "bifido": "d__Bacteria; p__Actinobacteriota; c__Actinobacteria; o__Bifidobacteriales; f__Bifidobacteriaceae; "
              "g__Bifidobacterium; s__Bifidobacterium_longum",
    "bacteroides": "d__Bacteria; p__Bacteroidota; c__Bacteroidia; o__Bacteroidales; f__Bacteroidaceae; "
                   "g__Bacteroides; s__",
    "blautia": "d__Bacteria; p__Firmicutes_A; c__Clostridia; o__Lachnospirales; f__Lachnospiraceae; g__Blautia",
    "escherichia": "d__Bacteria; p__Proteobacteria; c__Gammaproteobacteria; o__Enterobacterales; "
                   "f__Enterobacteriaceae; g__Escherichia",
    "unassigned": "Unassigned",
}
HASH = {k: hashlib.md5(k.encode()).hexdigest() for k in TAXA}  # QIIME 2 feature IDs are MD5 hashes of the ASV
COUNTS = {"bifido": [500, 10, 200, 90], "bacteroides": [300, 600, 400, 500], "blautia": [150, 300, 200, 100],
          "escherichia": [40, 80, 190, 300], "unassigned": [10, 10, 10, 10]}
SAMPLES = ["infant1", "infant2", "infant3", "infant4"]


def _write_feature_table(path, *, hdf5: bool, features=tuple(COUNTS)):
    data = np.array([COUNTS[f] for f in features], dtype=float)
    t = biom.Table(data, [HASH[f] for f in features], SAMPLES,
                   sample_metadata=[{"age_months": m} for m in ("6", "12", "6", "12")])
    if hdf5:
        with biom.util.biom_open(str(path), "w") as fh:
            t.to_hdf5(fh, "qiime2 export")
    else:
        path.write_text(t.to_json("qiime2 export"))
    return path


def _write_taxonomy(path, *, extra=True, skip=()):
    lines = ["Feature ID\tTaxon\tConfidence", "#q2:types\tcategorical\tnumeric"]
    for k, lin in TAXA.items():
        if k not in skip:
            lines.append(f"{HASH[k]}\t{lin}\t0.9{len(k)}")
    if extra:  # features filtered out of the table are still in the taxonomy: fine
        lines.append(f"{hashlib.md5(b'gone').hexdigest()}\td__Bacteria; p__Firmicutes\t0.88")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(params=["json-v1", "hdf5-v2.1"])
def feature_table(request, tmp_path):
    return _write_feature_table(tmp_path / "feature-table.biom", hdf5=request.param == "hdf5-v2.1")


def test_the_biom_files_are_the_real_formats(feature_table):
    head = feature_table.read_bytes()[:64]
    if head.startswith(b"\x89HDF"):
        import h5py

        with h5py.File(feature_table) as fh:
            assert list(fh.attrs["format-version"]) == [2, 1]
    else:
        assert json.loads(feature_table.read_text())["format"].startswith("Biological Observation Matrix 1.0")


def test_taxonomy_file_names_hashed_features(feature_table, tmp_path):
    tax = _write_taxonomy(tmp_path / "taxonomy.tsv")
    bare = read_profile(feature_table)
    assert bare.taxonomy is None
    with pytest.raises(MicrobiomeInputError, match="no taxonomy"):
        bare.aggregate("genus")
    prof = read_profile(feature_table, taxonomy=tax)
    assert prof.taxonomy.at[HASH["bifido"], "species"] == "Bifidobacterium longum"
    assert prof.taxonomy.at[HASH["bacteroides"], "genus"] == "Bacteroides"
    assert prof.taxonomy.loc[HASH["unassigned"]].isna().all()
    genus = prof.aggregate("genus")
    assert genus.table.at["infant1", "Bifidobacterium"] == 500
    assert any("taxonomy.tsv" in n for n in prof.notes)
    rep = sample_report(prof, "infant1", "infant")
    by = {t["taxon"]: t for t in rep["taxa"]}
    assert by["Bifidobacterium"]["status"] == "found"
    assert by["Bifidobacterium"]["relative_abundance"] == pytest.approx(0.5)


def test_taxonomy_file_reader_keeps_only_id_and_taxon(tmp_path):
    tax = read_taxonomy(_write_taxonomy(tmp_path / "taxonomy.tsv"))
    assert tax[HASH["blautia"]] == TAXA["blautia"]
    assert "#q2:types" not in tax and len(tax) == len(TAXA) + 1


def test_headerless_qiime1_assignments_are_read(tmp_path):
    p = tmp_path / "rep_set_tax_assignments.txt"
    p.write_text(f"{HASH['bifido']}\tk__Bacteria;p__Actinobacteria;g__Bifidobacterium\t0.98\t3\n")
    assert read_taxonomy(p) == {HASH["bifido"]: "k__Bacteria;p__Actinobacteria;g__Bifidobacterium"}


def test_unmapped_feature_ids_are_counted_and_the_first_named(feature_table, tmp_path):
    tax = _write_taxonomy(tmp_path / "taxonomy.tsv", skip=("blautia", "escherichia", "unassigned"))
    with pytest.raises(MicrobiomeInputError, match=r"3 of the 5 feature IDs .* are not in the taxonomy file") as exc:
        read_profile(feature_table, taxonomy=tax)
    assert HASH["blautia"] in str(exc.value)
    line = _one_line_error(_run("diversity", feature_table, "--taxonomy", tax), "3 of the 5 feature IDs",
                           "taxonomy.tsv")
    assert HASH["escherichia"] in line


@pytest.mark.parametrize(("text", "needle"), [
    ("Feature ID\tConfidence\nabc\t0.9\n", "no taxonomy column"),
    ("Feature ID\tTaxon\nabc\tk__Bacteria\nabc\tk__Bacteria\n", "duplicate feature ID 'abc'"),
    ("", "empty"),
])
def test_bad_taxonomy_files_are_refused(tmp_path, feature_table, text, needle):
    p = tmp_path / "taxonomy.tsv"
    p.write_text(text)
    _one_line_error(_run("diversity", feature_table, "--taxonomy", p), needle)


def test_cli_commands_take_a_taxonomy_file(feature_table, tmp_path):
    tax = _write_taxonomy(tmp_path / "taxonomy.tsv")
    res = _run("diversity", feature_table, "--taxonomy", tax, "--aggregate", "genus", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["rank"] == "genus"
    assert _run("diversity", feature_table, "--aggregate", "genus").exit_code == 2  # no names without the file
    rep = _run("report", feature_table, "--taxonomy", tax, "--sample", "infant1", "--age-group", "infant", "--json")
    assert rep.exit_code == 0, rep.output
    assert {t["taxon"]: t["status"] for t in json.loads(rep.stdout)["taxa"]}["Bifidobacterium"] == "found"
    meta = tmp_path / "meta.tsv"
    meta.write_text("sample\tSCORAD\ninfant1\t10\ninfant2\t40\ninfant3\t25\ninfant4\t60\n")
    coh = _run("cohort", feature_table, "--taxonomy", tax, "--metadata", meta, "--outcome", "SCORAD",
               "--no-ancombc", "--permutations", "9", "--json")
    assert coh.exit_code == 0, coh.output


def test_taxonomy_file_with_a_tsv_table(tmp_path):
    p = tmp_path / "feature-table.tsv"
    p.write_text("# Constructed from biom file\n#OTU ID\t" + "\t".join(SAMPLES) + "\n"
                 + "".join(HASH[k] + "\t" + "\t".join(map(str, v)) + "\n" for k, v in COUNTS.items()))
    prof = read_profile(p, taxonomy=_write_taxonomy(tmp_path / "taxonomy.tsv"))
    assert prof.labels_at("genus")[HASH["escherichia"]] == "Escherichia"


def test_taxonomy_file_does_not_apply_to_metaphlan(tmp_path):
    p = tmp_path / "mpa.txt"
    p.write_text(METAPHLAN)
    _one_line_error(_run("diversity", p, "--taxonomy", _write_taxonomy(tmp_path / "taxonomy.tsv")),
                    "MetaPhlAn profile names its clades itself")
