"""A sample with no reads (a failed library, a negative control) no longer refuses the whole
table: the readers leave it out, say so in the notes and in ``empty_samples``, diversity of
the other samples equals scikit-bio's, the diversity CLI lists it in ``dropped_samples``, and
asking for that sample says it has no reads. A table with no non-empty sample is still refused."""

from __future__ import annotations

import json

import biom
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from skbio.diversity import alpha_diversity as skbio_alpha
from typer.testing import CliRunner

from gutskin.microbiome import MicrobiomeInputError, alpha_diversity, read_profile, sample_report
from gutskin.microbiome.taxa import match_taxa

COUNTS = np.array([[100, 50, 0, 10], [0, 20, 30, 10], [0, 0, 0, 0], [5, 0, 40, 10]], dtype=float)  # S3 empty
SAMPLES = ["S1", "S2", "S3", "S4"]
FEATURES = ["F1", "F2", "F3", "F4"]
TAX = [{"taxonomy": ["k__Bacteria", "p__Firmicutes", "c__Clostridia", "o__Clostridiales", f"f__Fam{i}",
                     f"g__Genus{i}", "s__"]} for i in range(4)]


def _write(tmp_path, kind, counts=COUNTS, samples=SAMPLES):
    if kind == "tsv":
        p = tmp_path / "t.tsv"
        lines = ["#OTU ID\t" + "\t".join(samples)]
        lines += [f + "\t" + "\t".join(str(int(v)) for v in counts[:, j]) for j, f in enumerate(FEATURES)]
        p.write_text("\n".join(lines) + "\n")
        return p
    t = biom.Table(counts.T, FEATURES, samples, observation_metadata=TAX)
    p = tmp_path / f"t.{kind}"
    if kind == "h5":
        with biom.util.biom_open(str(p), "w") as fh:
            t.to_hdf5(fh, "test")
    else:
        p.write_text(t.to_json("test"))
    return p


@pytest.mark.parametrize("kind", ["h5", "json", "tsv"])
def test_empty_sample_is_left_out_and_said(tmp_path, kind):
    prof = read_profile(_write(tmp_path, kind))
    assert prof.sample_ids == ["S1", "S2", "S4"]
    assert prof.empty_samples == ("S3",)
    assert any("S3" in n and "no reads" in n for n in prof.notes)
    got = alpha_diversity(prof, ["observed", "shannon", "simpson", "chao1"]).values
    keep = [0, 1, 3]
    for ours, theirs, kw in (("observed", "observed_features", {}), ("shannon", "shannon", {"base": np.e}),
                             ("simpson", "simpson", {}), ("chao1", "chao1", {})):
        want = skbio_alpha(theirs, COUNTS[keep].astype(int), ids=["S1", "S2", "S4"], **kw)
        np.testing.assert_allclose(got[ours].to_numpy(dtype=float), want.to_numpy(dtype=float), rtol=1e-12)


def test_asking_for_the_empty_sample_says_it_has_no_reads(tmp_path):
    prof = read_profile(_write(tmp_path, "h5"))
    for call in (lambda: sample_report(prof, "S3", "adult"), lambda: match_taxa(prof, "S3", "adult")):
        with pytest.raises(MicrobiomeInputError, match="no reads") as ei:
            call()
        assert ei.value.sample == "S3"
    with pytest.raises(MicrobiomeInputError, match="is not in"):
        sample_report(prof, "S9", "adult")


def test_all_empty_table_is_still_refused(tmp_path):
    with pytest.raises(MicrobiomeInputError, match="every sample is empty"):
        read_profile(_write(tmp_path, "h5", counts=np.zeros((3, 4)), samples=["A", "B", "C"]))


def test_metaphlan_merged_with_an_empty_sample(tmp_path):
    p = tmp_path / "merged.tsv"
    p.write_text("#mpa_vJan21_CHOCOPhlAnSGB_202103\nclade_name\tbaby1\tbaby2\n"
                 "UNCLASSIFIED\t10.0\t100.0\nk__Bacteria\t90.0\t0.0\n"
                 "k__Bacteria|p__Actinobacteria|c__Actinomycetia|o__Bifidobacteriales|f__Bifidobacteriaceae|"
                 "g__Bifidobacterium|s__Bifidobacterium_longum\t90.0\t0.0\n")
    prof = read_profile(p)
    assert prof.sample_ids == ["baby1"] and prof.empty_samples == ("baby2",)
    assert prof.table.loc["baby1"].sum() == pytest.approx(1.0)


def test_cli_lists_the_empty_sample_as_dropped(tmp_path):
    from gutskin.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["microbiome", "diversity", str(_write(tmp_path, "json")), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert set(out["samples"]) == {"S1", "S2", "S4"} and out["dropped_samples"] == ["S3"]
    res = runner.invoke(app, ["microbiome", "report", str(_write(tmp_path, "json")), "--sample", "S3",
                              "--age-group", "adult", "--json"])
    assert res.exit_code == 2
    assert len(res.stderr.strip().splitlines()) == 1 and "no reads" in res.stderr


@settings(max_examples=25, deadline=None)
@given(st.lists(st.booleans(), min_size=2, max_size=6).filter(lambda e: not all(e)))
def test_empty_samples_are_exactly_the_all_zero_rows(tmp_path_factory, empty):
    rng = np.random.default_rng(len(empty))
    counts = rng.integers(1, 50, size=(len(empty), 4)).astype(float)
    counts[np.array(empty)] = 0
    samples = [f"X{i}" for i in range(len(empty))]
    prof = read_profile(_write(tmp_path_factory.mktemp("e"), "h5", counts=counts, samples=samples))
    assert list(prof.empty_samples) == [s for s, e in zip(samples, empty) if e]
    assert prof.sample_ids == [s for s, e in zip(samples, empty) if not e]
    np.testing.assert_array_equal(prof.table.to_numpy(), counts[~np.array(empty)])


def test_a_directory_is_not_called_missing(tmp_path):
    with pytest.raises(MicrobiomeInputError, match="is a directory"):
        read_profile(tmp_path)
    with pytest.raises(MicrobiomeInputError, match="no such file"):
        read_profile(tmp_path / "nope.biom")


def test_a_junk_tree_is_one_line_on_stderr(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    table = _write(tmp_path, "h5")
    junk = tmp_path / "junk.tre"
    junk.write_text("not a tree at all\n")
    exe = Path(sys.executable).with_name("gutskin")
    p = subprocess.run([str(exe), "microbiome", "diversity", str(table), "--tree", str(junk), "--json"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "Newick" in lines[0], p.stderr
