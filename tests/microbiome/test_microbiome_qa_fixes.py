"""Regressions from QA of `gutskin microbiome ...`: species hidden in genus-only features,
one-line errors instead of tracebacks, --method values, readable messages."""

from __future__ import annotations

import biom
import numpy as np
import pytest
from typer.testing import CliRunner

from gutskin.microbiome import MicrobiomeInputError, read_profile, sample_report
from gutskin.microbiome.cohort import cohort_analysis, read_metadata
from gutskin.microbiome.taxa import match_taxa

runner = CliRunner()


def _app():
    from gutskin.cli import app

    return app


def _lineage(genus: str, species: str) -> dict:
    return {"taxonomy": ["k__Bacteria", "p__Bacteroidetes", "c__Bacteroidia", "o__Bacteroidales",
                         "f__Bacteroidaceae", f"g__{genus}", f"s__{species}"]}


def _write_biom(path, data, obs, samples, md=None, hdf5=True):
    t = biom.Table(np.array(data, dtype=float), obs, samples, observation_metadata=md)
    if hdf5:
        with biom.util.biom_open(str(path), "w") as fh:
            t.to_hdf5(fh, "test")
    else:
        path.write_text(t.to_json("test"))
    return path


@pytest.fixture
def ok_biom(tmp_path):
    # S1: 40 % Bacteroides without species, 30 % Bacteroides ovatus, 30 % Faecalibacterium prausnitzii
    return _write_biom(tmp_path / "ok.biom", [[40, 30, 10], [30, 40, 10], [30, 30, 80]], ["F1", "F2", "F3"],
                       ["S1", "S2", "S3"], md=[_lineage("Bacteroides", ""), _lineage("Bacteroides", "ovatus"),
                                               _lineage("Faecalibacterium", "prausnitzii")])


def _run(*args):
    res = runner.invoke(_app(), ["microbiome", *map(str, args)])
    return res


def _one_line_error(res, *needles):
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert res.exit_code == 2, (res.exit_code, res.output)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]


# --- 1. a species cannot be called absent when its genus is present without species names --------
def test_species_hidden_in_genus_only_feature_is_not_assessable(ok_biom):
    prof = read_profile(ok_biom)
    res = {r["id"]: r for r in match_taxa(prof, "S1", "infant")}
    frag = res["bacteroides_fragilis"]
    assert frag["status"] == "not assessable"
    assert frag["relative_abundance"] is None and frag["matched_features"] == []
    assert "40%" in frag["reason"] and "Bacteroides" in frag["reason"] and "species" in frag["reason"]
    assert res["bacteroides"]["status"] == "found"
    assert res["bacteroides"]["relative_abundance"] == pytest.approx(0.7)
    # a species of another genus, in a profile that does name species, is still "not detected"
    assert res["clostridioides_difficile"]["status"] == "not detected"
    # a found species keeps its status
    assert res["faecalibacterium_prausnitzii"]["status"] == "found"


def test_genus_only_feature_absent_from_sample_does_not_block_not_detected(ok_biom, tmp_path):
    # S1 with no reads in the unnamed Bacteroides feature: fragilis is genuinely not detected
    path = _write_biom(tmp_path / "b.biom", [[0, 30], [30, 40], [30, 30]], ["F1", "F2", "F3"], ["S1", "S2"],
                       md=[_lineage("Bacteroides", ""), _lineage("Bacteroides", "ovatus"),
                           _lineage("Faecalibacterium", "prausnitzii")])
    res = {r["id"]: r for r in match_taxa(read_profile(path), "S1", "infant")}
    assert res["bacteroides_fragilis"]["status"] == "not detected"
    res = {r["id"]: r for r in match_taxa(read_profile(path), "S2", "infant")}
    assert res["bacteroides_fragilis"]["status"] == "not assessable"


def test_found_species_with_unnamed_genus_reads_says_share_is_a_minimum(tmp_path):
    path = _write_biom(tmp_path / "c.biom", [[20], [30], [50]], ["F1", "F2", "F3"], ["S1"],
                       md=[_lineage("Bacteroides", ""), _lineage("Bacteroides", "fragilis"),
                           _lineage("Faecalibacterium", "prausnitzii")])
    res = {r["id"]: r for r in match_taxa(read_profile(path), "S1", "infant")}
    frag = res["bacteroides_fragilis"]
    assert frag["status"] == "found" and frag["relative_abundance"] == pytest.approx(0.3)
    assert "minimum" in frag["reason"]


def test_silva_gnavus_group_genus_label_matches_the_species():
    import pandas as pd

    from gutskin.microbiome import Profile

    frame = pd.DataFrame({"[Ruminococcus] gnavus group": [30, 0], "Bacteroides": [70, 100]}, index=["S1", "S2"])
    prof = Profile.from_frame(frame, rank="genus")
    res = {r["id"]: r for r in match_taxa(prof, "S1", "infant")}
    assert res["ruminococcus_gnavus"]["status"] == "found"
    assert res["ruminococcus_gnavus"]["relative_abundance"] == pytest.approx(0.3)
    assert res["bacteroides_fragilis"]["status"] == "not assessable"  # genus table
    res = {r["id"]: r for r in match_taxa(prof, "S2", "infant")}
    assert res["ruminococcus_gnavus"]["status"] == "not detected"


def test_report_cli_says_not_assessable_and_why(ok_biom):
    res = _run("report", ok_biom, "--sample", "S1", "--age-group", "infant", "--json")
    assert res.exit_code == 0, res.output
    import json

    rep = json.loads(res.stdout)
    frag = next(t for t in rep["taxa"] if t["id"] == "bacteroides_fragilis")
    assert frag["status"] == "not assessable"
    assert not any("Bacteroides fragilis" in line and "Not detected" in line for line in rep["plain_language"])
    assert any(line.startswith("Bacteroides fragilis could not be checked") for line in rep["plain_language"])


# --- 2. tracebacks became one-line errors --------------------------------------------------------
def test_cohort_non_numeric_outcome_value_is_named(ok_biom, tmp_path):
    md = tmp_path / "md.tsv"
    md.write_text("id\tSCORAD\nS1\tten\nS2\t20\nS3\t30\n")
    _one_line_error(_run("cohort", ok_biom, "--metadata", md, "--outcome", "SCORAD"),
                    "outcome SCORAD", "not a number", "'S1'", "'ten'")
    with pytest.raises(MicrobiomeInputError, match="not a number in sample 'S1'"):
        cohort_analysis(read_profile(ok_biom), read_metadata(md), "SCORAD")


def test_cohort_group_of_unique_values_is_refused(ok_biom, tmp_path):
    md = tmp_path / "md.tsv"
    md.write_text("id\tSCORAD\nS1\t10\nS2\t20\nS3\t30\n")
    _one_line_error(_run("cohort", ok_biom, "--metadata", md, "--outcome", "SCORAD", "--group", "SCORAD"),
                    "group SCORAD", "every sample is its own group")
    # an all-text outcome is categorical: used as the groups, and refused the same way when all unique
    md2 = tmp_path / "md2.tsv"
    md2.write_text("id\tseverity\nS1\tmild\nS2\tmoderate\nS3\tsevere\n")
    _one_line_error(_run("cohort", ok_biom, "--metadata", md2, "--outcome", "severity"),
                    "every sample is its own group")


def test_cohort_categorical_outcome_still_works(ok_biom, tmp_path):
    md = tmp_path / "md.tsv"
    md.write_text("id\tarm\nS1\tcase\nS2\tcase\nS3\tcontrol\n")
    res = _run("cohort", ok_biom, "--metadata", md, "--outcome", "arm", "--no-ancombc", "--permutations", "9")
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("args, needle", [
    (["--permutations", "-5"], "--permutations must be >= 0"),
    (["--seed", "-1"], "--seed must be >= 0"),
])
def test_cohort_negative_options(ok_biom, tmp_path, args, needle):
    md = tmp_path / "md.tsv"
    md.write_text("id\tSCORAD\nS1\t10\nS2\t20\nS3\t30\n")
    _one_line_error(_run("cohort", ok_biom, "--metadata", md, "--outcome", "SCORAD", *args), needle)


def test_library_refuses_negative_seed_and_permutations(ok_biom, tmp_path):
    from gutskin.microbiome import alpha_diversity

    prof = read_profile(ok_biom)
    with pytest.raises(MicrobiomeInputError, match="seed"):
        alpha_diversity(prof, ["shannon"], rarefy_depth=10, seed=-1)
    md = tmp_path / "md.tsv"
    md.write_text("id\tSCORAD\nS1\t10\nS2\t20\nS3\t30\n")
    with pytest.raises(MicrobiomeInputError, match="permutations"):
        cohort_analysis(prof, read_metadata(md), "SCORAD", permutations=-5)


def test_diversity_and_report_negative_seed(ok_biom):
    _one_line_error(_run("diversity", ok_biom, "--rarefy", "10", "--seed", "-1"), "--seed must be >= 0")
    _one_line_error(_run("report", ok_biom, "--sample", "S1", "--age-group", "adult", "--seed", "-1"),
                    "--seed must be >= 0")


# --- 3. --method ----------------------------------------------------------------------------------
def test_unknown_method_is_refused(ok_biom):
    _one_line_error(_run("diversity", ok_biom, "--method", "18S"), "--method", "'18S'", "16S | shotgun | unknown")
    res = _run("diversity", ok_biom, "--method", "16s", "--json")
    assert res.exit_code == 0, res.output
    with pytest.raises(MicrobiomeInputError, match="sequencing method"):
        read_profile(ok_biom, method="18S")


# --- 4. messages ----------------------------------------------------------------------------------
def test_negative_count_message_shows_plain_number(tmp_path):
    path = _write_biom(tmp_path / "neg.biom", [[-2, 3], [5, 6]], ["F1", "F2"], ["S1", "S2"], hdf5=False)
    line = _one_line_error(_run("diversity", path), "negative value (-2)", "'S1'", "'F1'")
    assert "np.float64" not in line
    bad = tmp_path / "frac.tsv"
    bad.write_text("#SampleID\ta\tb\nS1\t1\t2.5\nS2\t3\t4\n")
    with pytest.raises(MicrobiomeInputError, match=r"has 2\.5$"):
        read_profile(bad, kind="counts")


def test_all_zero_biom_json_says_it_is_empty(tmp_path):
    path = _write_biom(tmp_path / "zero.json", [[0, 0], [0, 0]], ["F1", "F2"], ["S1", "S2"], hdf5=False)
    line = _one_line_error(_run("diversity", path), "zero", "empty")
    assert "Duplicate" not in line


def test_unknown_sample_lists_existing_ones(ok_biom, tmp_path):
    line = _one_line_error(_run("report", ok_biom, "--sample", "S9", "--age-group", "adult"), "'S9'")
    assert "'S1', 'S2', 'S3'" in line
    samples = [f"X{i:02d}" for i in range(12)]
    path = _write_biom(tmp_path / "many.biom", np.ones((2, 12)) * 5, ["F1", "F2"], samples)
    with pytest.raises(MicrobiomeInputError, match="'X09' and 2 more$"):
        sample_report(read_profile(path), "nope", "adult")


def test_a_value_too_large_to_be_an_abundance_is_named_before_any_sum_overflows(tmp_path) -> None:
    """1e308 in a table made the sums overflow: numpy warned and diversity became inf/NaN
    before the clinic refused it. The reader names the cell instead; 1e15 itself still reads."""
    import warnings

    import pytest

    from gutskin.microbiome.errors import MicrobiomeInputError
    from gutskin.microbiome.io import read_profile

    bad = tmp_path / "huge.tsv"
    bad.write_text("#OTU ID\tS1\tS2\nk__B\t1e308\t3\nk__C\t1e308\t4\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning on the way to the error
        with pytest.raises(MicrobiomeInputError, match=r"sample 'S1', feature 'k__B' has a value too large"):
            read_profile(bad)
    ok = tmp_path / "ok.tsv"
    ok.write_text("#OTU ID\tS1\nk__B\t1000000000000000\nk__C\t5\n")
    assert list(read_profile(ok).sample_ids) == ["S1"]
