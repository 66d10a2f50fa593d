"""Files from other tools, found in the new-user acceptance walk of 2026-12-06.

* A count table saved by a spreadsheet in a decimal-comma locale (';' separated) writes a cell
  formatted with a thousands separator as ``1.200``: it was read as 1.2, so the whole table became
  "relative" and every diversity value came out wrong without a word. Now ``1.200`` is 1200 when
  the file's decimal commas show the locale, 1.2 when other cells show the dot is a decimal point
  (``0.25``), and refused as ambiguous otherwise.
* A QIIME 2 feature table exported with ``biom convert --to-tsv`` holding 200,000 features took
  over four minutes to upload (one pandas call per feature after transposing); a 60,000-feature one
  took 40 s of CPU to read and now takes a few seconds, with the same numbers as scikit-bio; a bad
  cell in a 40,000-feature table took about 30 s of CPU to be named.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from skbio.diversity import alpha

from gutskin.microbiome import MicrobiomeInputError, alpha_diversity, read_profile

LINEAGES = [
    "d__Bacteria;p__Actinobacteriota;c__Actinobacteria;o__Bifidobacteriales;f__Bifidobacteriaceae;g__Bifidobacterium",
    "d__Bacteria;p__Firmicutes;c__Clostridia;o__Lachnospirales;f__Lachnospiraceae;g__Blautia",
    "d__Bacteria;p__Bacteroidota;c__Bacteroidia;o__Bacteroidales;f__Bacteroidaceae;g__Bacteroides",
]
COUNTS = np.array([[1200, 30], [800, 2500], [15, 1200]])  # features x samples


def _german_excel(path, cells: list[list[str]]) -> None:
    """As Excel saves 'CSV (Trennzeichen-getrennt)': BOM, ';', CRLF, the lineage quoted (it holds ';')."""
    lines = ["Taxon;Stuhl-Zoë;S2"] + [f'"{t}";' + ";".join(row) for t, row in zip(LINEAGES, cells)]
    path.write_text("\ufeff" + "\r\n".join(lines) + "\r\n", encoding="utf-8")


def _shannon(counts: np.ndarray) -> list[float]:
    return [alpha.shannon(counts[:, j], base=np.e) for j in range(counts.shape[1])]


def test_dot_thousands_with_decimal_commas_are_thousands(tmp_path):
    # counts in Excel's number format "#.##0,0" (thousands separator, one decimal): 1.200,0
    cells = [[f"{v:,.1f}".replace(",", "X").replace(".", ",").replace("X", ".") for v in row] for row in COUNTS]
    assert cells[0][0] == "1.200,0"
    p = tmp_path / "promille.csv"
    _german_excel(p, cells)
    prof = read_profile(p)
    assert prof.kind == "counts"
    np.testing.assert_array_equal(prof.table.to_numpy(), COUNTS.T)
    got = alpha_diversity(prof, ["shannon"]).values["shannon"].to_numpy()
    np.testing.assert_allclose(got, _shannon(COUNTS), rtol=1e-12)
    assert any("thousands separator" in n for n in prof.notes)


def test_dot_thousands_alone_are_refused_not_read_as_decimals(tmp_path):
    # whole counts as Excel writes them with "use 1000 separator" ticked: 1.200;30
    cells = [[f"{v:,}".replace(",", ".") for v in row] for row in COUNTS]
    p = tmp_path / "counts.csv"
    _german_excel(p, cells)
    with pytest.raises(MicrobiomeInputError, match=r"'1\.200' .*could be 1200 .* or 1\.2; save the numbers without") as ei:
        read_profile(p)  # was read as 1.2 (a "relative" table, Shannon 1.14 instead of 1.33)
    assert ei.value.sample == "Stuhl-Zoë" and ei.value.feature == LINEAGES[0]
    assert "counts.csv" in str(ei.value)


def test_a_dot_is_a_decimal_point_when_other_cells_say_so(tmp_path):
    p = tmp_path / "points.csv"
    _german_excel(p, [["1.200", "0.5"], ["2.5", "3"], ["1", "1"]])
    prof = read_profile(p, kind="relative")
    assert prof.table.loc["Stuhl-Zoë"].sum() == pytest.approx(1.0)
    ratio = prof.table.loc["Stuhl-Zoë", LINEAGES[0]] / prof.table.loc["Stuhl-Zoë", LINEAGES[2]]
    assert ratio == pytest.approx(1.2)


def test_big_qiime2_feature_table_reads_quickly_with_skbio_numbers(tmp_path):
    rng = np.random.default_rng(20261206)
    n_features, n_samples = 60_000, 4
    counts = rng.negative_binomial(0.3, 0.05, size=(n_features, n_samples))
    counts[:, 2] = 0  # a failed library
    p = tmp_path / "feature-table.tsv"
    with p.open("w") as fh:  # biom convert -i feature-table.biom -o feature-table.tsv --to-tsv
        fh.write("# Constructed from biom file\n#OTU ID\t" + "\t".join(f"S{j}" for j in range(n_samples)) + "\n")
        for i, row in enumerate(counts):
            fh.write(f"{i:032x}\t" + "\t".join(f"{v}.0" for v in row) + "\n")
    t0 = time.process_time()
    prof = read_profile(p)
    elapsed = time.process_time() - t0
    assert elapsed < 20, f"reading took {elapsed:.1f} s of CPU"  # 40 s before
    assert prof.kind == "counts" and prof.empty_samples == ("S2",)
    got = alpha_diversity(prof, ["shannon", "observed"]).values
    kept = [0, 1, 3]
    np.testing.assert_allclose(got["shannon"].to_numpy(), _shannon(counts[:, kept]), rtol=1e-12)
    assert list(got["observed"]) == [int((counts[:, j] > 0).sum()) for j in kept]


def test_bad_cell_in_a_big_table_is_named(tmp_path):
    p = tmp_path / "t.tsv"
    rows = [f"F{i}\t{i}\t{i + 1}" for i in range(40_000)]
    rows[12_345] = "F12345\t7\tn/a"
    p.write_text("#OTU ID\tS1\tS2\n" + "\n".join(rows) + "\n")
    t0 = time.process_time()
    with pytest.raises(MicrobiomeInputError, match="non-numeric value 'n/a'") as ei:
        read_profile(p)
    assert time.process_time() - t0 < 15  # about 30 s before
    assert (ei.value.sample, ei.value.feature) == ("S2", "F12345")


def test_metadata_from_german_excel_reads_thousands_and_skips_empty_rows(tmp_path):
    """Cohort metadata saved as 'CSV (Trennzeichen-getrennt)': the IgE of 1.200 kU/l was read as
    1.2, and the sheet's emptied row ';;' became a sample named 'nan'."""
    from gutskin.microbiome.cohort import read_metadata

    p = tmp_path / "metadata.csv"
    p.write_text("\ufeffSampleID;SCORAD;IgE\r\nStuhl-Zoë;30,5;1.200\r\nS2;12,0;85\r\nS3;0;\r\n;;\r\n", encoding="utf-8")
    md = read_metadata(p)
    assert list(md.index) == ["Stuhl-Zoë", "S2", "S3"]
    assert md.loc["Stuhl-Zoë", "IgE"] == 1200.0 and md.loc["Stuhl-Zoë", "SCORAD"] == 30.5
    assert md.loc["S2", "IgE"] == 85.0


def test_metadata_thousands_without_decimal_commas_are_refused(tmp_path):
    from gutskin.microbiome.cohort import read_metadata

    p = tmp_path / "metadata.csv"
    p.write_text("SampleID;IgE;group\nS1;1.200;a\nS2;85;b\n", encoding="utf-8")
    with pytest.raises(MicrobiomeInputError, match=r"metadata column 'IgE', sample 'S1': '1\.200' could be 1200") as ei:
        read_metadata(p)
    assert ei.value.sample == "S1"


def test_biom_json_saved_with_a_bom_is_read_as_biom(tmp_path):
    """A BIOM 1.0 JSON file opened and saved in a Windows editor starts with a UTF-8 BOM: it was
    taken for a text table and refused as "duplicate feature ID '0' in the header"."""
    import biom

    from gutskin.clinic.microbiome import parse_upload

    table = biom.Table(COUNTS.astype(float), ["ASV1", "ASV2", "ASV3"], ["Stuhl-Zoë", "S2"],
                       observation_metadata=[{"taxonomy": t.split(";")} for t in LINEAGES])
    plain, bom = tmp_path / "table.biom", tmp_path / "table-bom.biom"
    plain.write_text(table.to_json("gutskin test"))
    bom.write_bytes(b"\xef\xbb\xbf" + table.to_json("gutskin test").replace("\n", "\r\n").encode("utf-8"))
    a, b = read_profile(plain), read_profile(bom)
    np.testing.assert_array_equal(b.table.to_numpy(), COUNTS.T)
    assert list(b.table.index) == ["Stuhl-Zoë", "S2"] and b.taxonomy.loc["ASV1", "genus"] == "Bifidobacterium"
    np.testing.assert_array_equal(a.table.to_numpy(), b.table.to_numpy())
    parsed = parse_upload("table-bom.biom", bom.read_bytes(), sample_id="S2")
    assert parsed.report["diversity"]["values"]["shannon"] == pytest.approx(_shannon(COUNTS)[1], rel=1e-12)


def test_an_unrooted_tree_is_a_clear_error_not_a_traceback(tmp_path):
    """FastTree's output (QIIME 2's unrooted tree, exported) has a root joining three or more
    branches; scikit-bio's "The tree must be rooted." ended ``diversity --tree`` in a traceback."""
    import io

    import skbio
    from typer.testing import CliRunner

    from gutskin.cli import app

    table = tmp_path / "feature-table.tsv"
    table.write_text("# Constructed from biom file\n#OTU ID\tS1\tS2\nA\t10\t3\nB\t5\t0\nC\t1\t8\n")
    unrooted = tmp_path / "tree.nwk"
    unrooted.write_text("(A:0.1,B:0.2,C:0.3);\n")
    r = CliRunner().invoke(app, ["microbiome", "diversity", str(table), "--tree", str(unrooted), "--json"])
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert f"{unrooted}: the tree is not rooted (its root joins 3 branches)" in r.output
    with pytest.raises(MicrobiomeInputError, match="not rooted"):
        alpha_diversity(read_profile(table), ["faith_pd"], tree=skbio.TreeNode.read(io.StringIO("(A:0.1,B:0.2,C:0.3);")))
    rooted = tmp_path / "rooted.nwk"
    rooted.write_text("((A:0.1,B:0.2):0.05,C:0.3);\n")
    r = CliRunner().invoke(app, ["microbiome", "diversity", str(table), "--tree", str(rooted), "--json"])
    assert r.exit_code == 0, r.output
    import json

    got = json.loads(r.stdout)["samples"]
    assert got["S1"]["faith_pd"] == pytest.approx(0.1 + 0.2 + 0.05 + 0.3)
    assert got["S2"]["faith_pd"] == pytest.approx(0.1 + 0.05 + 0.3)
