"""Abundance tables saved by a spreadsheet in a decimal-comma locale: ';' separated, '0,25'
decimals, quoted taxonomy strings holding ';'. They read like the comma/tab versions (they
were refused with 'the table needs an ID column and at least one data column')."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gutskin.microbiome import alpha_diversity, read_profile


def _same(a, b):
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.kind == b.kind
    va = alpha_diversity(a, ["observed", "shannon", "simpson"]).values
    vb = alpha_diversity(b, ["observed", "shannon", "simpson"]).values
    pd.testing.assert_frame_equal(va, vb)


def test_semicolon_counts_with_quoted_taxonomy(tmp_path):
    semi = tmp_path / "semi.csv"
    semi.write_text('#OTU ID;S1;S2;taxonomy\r\n'
                    'A;10;5;"k__Bacteria;p__Firmicutes;c__Clostridia;o__Clostridiales;f__Lachnospiraceae;g__Roseburia"\r\n'
                    'B;3;0;"k__Bacteria;p__Bacteroidetes"\r\n')
    tab = tmp_path / "t.tsv"
    tab.write_text("#OTU ID\tS1\tS2\ttaxonomy\n"
                   "A\t10\t5\tk__Bacteria;p__Firmicutes;c__Clostridia;o__Clostridiales;f__Lachnospiraceae;g__Roseburia\n"
                   "B\t3\t0\tk__Bacteria;p__Bacteroidetes\n")
    a, b = read_profile(semi), read_profile(tab)
    _same(a, b)
    assert a.taxonomy.loc["A", "genus"] == "Roseburia"
    assert any("';'" in n for n in a.notes)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.integers(1, 9999), min_size=3, max_size=3), min_size=2, max_size=5))
def test_decimal_commas_read_as_the_numbers(tmp_path_factory, cells):
    values = np.array(cells, dtype=float) / 10000.0  # features x samples, 4 decimals
    d = tmp_path_factory.mktemp("s")
    semi, comma = d / "semi.csv", d / "comma.csv"
    head = "#OTU ID;S1;S2;S3"
    semi.write_text(head + "\n" + "\n".join(
        f"F{i};" + ";".join(f"{v:.4f}".replace(".", ",") for v in row) for i, row in enumerate(values)) + "\n")
    comma.write_text(head.replace(";", ",") + "\n" + "\n".join(
        f"F{i}," + ",".join(f"{v:.4f}" for v in row) for i, row in enumerate(values)) + "\n")
    _same(read_profile(semi), read_profile(comma))


def test_text_in_a_semicolon_table_is_still_named(tmp_path):
    from gutskin.microbiome import MicrobiomeInputError

    p = tmp_path / "bad.csv"
    p.write_text("#OTU ID;S1;S2\nA;1,5;x\nB;2;3\n")
    with pytest.raises(MicrobiomeInputError, match="non-numeric") as ei:
        read_profile(p)
    assert ei.value.sample == "S2" and ei.value.feature == "A"


def test_metadata_as_csv_semicolon_or_tsv_reads_the_same(tmp_path):
    from gutskin.microbiome.cohort import read_metadata

    rows = [["id", "SCORAD", "sex", "age"], ["S1", "10", "F", "0.5"], ["S2", "30", "M", "1.25"], ["S3", "22", "F", "2"]]
    files = {
        "t.tsv": ("\n".join("\t".join(r) for r in rows) + "\n").encode(),
        "c.csv": ("\n".join(",".join(r) for r in rows) + "\n").encode(),
        "s.csv": ("\r\n".join(";".join(c.replace(".", ",") for c in r) for r in rows) + "\r\n").encode(),
        "bom.csv": b"\xef\xbb\xbf" + ("\r\n".join(",".join(r) for r in rows) + "\r\n").encode(),
    }
    frames = []
    for name, raw in files.items():
        (tmp_path / name).write_bytes(raw)
        frames.append(read_metadata(tmp_path / name))
    for f in frames[1:]:
        pd.testing.assert_frame_equal(f, frames[0])
    assert frames[0].loc["S2", "age"] == 1.25 and list(frames[0].columns) == ["SCORAD", "sex", "age"]


@pytest.mark.parametrize("body", [
    "#OTU ID\tS1\tS2\t\nA\t1\t2\t\nB\t3\t4\t\n",                 # trailing tab on every line
    "#OTU ID,S1,S2,,\nA,1,2,,\nB,3,4,,\n,,,,\n",                 # Excel: emptied columns and row
    "#OTU ID;S1;S2;;\r\nA;1;2;;\r\nB;3;4;;\r\n;;;;\r\n",
])
def test_spreadsheet_leftover_empty_columns_and_rows_are_ignored(tmp_path, body):
    p = tmp_path / "t.txt"
    p.write_text(body)
    clean = tmp_path / "clean.tsv"
    clean.write_text("#OTU ID\tS1\tS2\nA\t1\t2\nB\t3\t4\n")
    _same(read_profile(p), read_profile(clean))


def test_values_under_an_empty_header_cell_are_named(tmp_path):
    from gutskin.microbiome import MicrobiomeInputError

    p = tmp_path / "hole.csv"
    p.write_text("#OTU ID,S1,,S2\nA,1,5,2\nB,3,,4\n")
    with pytest.raises(MicrobiomeInputError, match="column 3 has values but no name"):
        read_profile(p)


def test_qiime2_confidence_column_is_not_a_sample(tmp_path):
    # QIIME 2's taxonomy.tsv (Feature ID, Taxon, Confidence) merged into a feature table
    p = tmp_path / "merged.tsv"
    p.write_text("Feature ID\tTaxon\tConfidence\tS1\tS2\n"
                 "A\tk__Bacteria; p__Firmicutes\t0.99\t10\t3\n"
                 "B\tk__Bacteria; p__Bacteroidetes\t0.87\t5\t8\n")
    prof = read_profile(p)
    assert prof.sample_ids == ["S1", "S2"]
    assert prof.kind == "counts"  # the fractional confidences made the whole table 'relative'
    assert any("Confidence" in n for n in prof.notes)
    clean = tmp_path / "clean.tsv"
    clean.write_text("Feature ID\tTaxon\tS1\tS2\nA\tk__Bacteria; p__Firmicutes\t10\t3\n"
                     "B\tk__Bacteria; p__Bacteroidetes\t5\t8\n")
    _same(prof, read_profile(clean))
