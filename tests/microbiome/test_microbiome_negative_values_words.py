"""A table with negative values (what a statistics package writes after a log or CLR transform) uploaded
as a profile: refused naming the cell, and since 2026-12-07 saying why it cannot be a profile and what
to ask the lab for (it named the cell only). TSV with line and column, BIOM 1.0 JSON and 2.1 HDF5 alike."""

from __future__ import annotations

import json

import biom
import h5py
import numpy as np
import pytest

from gutskin.clinic.errors import InvalidInput
from gutskin.clinic.microbiome import parse_upload

WHY = ("an abundance cannot be negative: a table of transformed values (log, CLR, z-scores) is not a profile; "
       "ask the lab for the read counts or the relative abundances")
CLR = [[1.52, -0.37], [-1.15, 0.0]]  # features x samples, CLR-transformed (each sample's column sums to ~0)


def _tsv() -> bytes:
    return ("#OTU ID\tS1\tS2\n" + "".join(f"{g}\t{a}\t{b}\n" for g, (a, b) in zip(("g__Bacteroides", "g__Blautia"), CLR))
            ).encode()


def _biom_json() -> bytes:
    return json.dumps({
        "id": "clr", "format": "Biological Observation Matrix 1.0.0", "format_url": "http://biom-format.org",
        "type": "OTU table", "generated_by": "R", "date": "2026-12-01T10:00:00",
        "rows": [{"id": "g__Bacteroides", "metadata": None}, {"id": "g__Blautia", "metadata": None}],
        "columns": [{"id": "S1", "metadata": None}, {"id": "S2", "metadata": None}], "matrix_type": "dense",
        "matrix_element_type": "float", "shape": [2, 2], "data": CLR}).encode()


def _biom_hdf5(path) -> bytes:  # type: ignore[no-untyped-def]
    with h5py.File(path, "w") as fh:
        biom.Table(np.array(CLR), ["g__Bacteroides", "g__Blautia"], ["S1", "S2"]).to_hdf5(fh, "R")
    return path.read_bytes()


@pytest.mark.parametrize("name", ["clr.tsv", "clr-1.0.biom", "clr-2.1.biom"])
def test_a_transformed_table_is_refused_saying_what_to_ask_for(tmp_path, name) -> None:
    data = {"clr.tsv": _tsv, "clr-1.0.biom": _biom_json}.get(name, lambda: _biom_hdf5(tmp_path / "t.biom"))()
    with pytest.raises(InvalidInput) as e:
        parse_upload(name, data, sample_id="S1")
    where = "line 3, column 2: " if name.endswith(".tsv") else ""
    assert str(e.value) == (f"file: {name}: {where}sample 'S1', feature 'g__Blautia' has a negative value (-1.15); "
                            f"{WHY}"), str(e.value)


SAME = ("two samples in the file have the same name, so their results cannot be told apart: ask the lab for a file "
        "where each sample has its own name")


@pytest.mark.parametrize("name, data, said", [
    ("otu.tsv", b"#OTU ID\tS1\tS1\ng__Bacteroides\t3\t4\ng__Blautia\t5\t6\n", "duplicate sample ID 'S1' in the header"),
    ("genera.csv", b"sample,Bacteroides,Blautia,Akkermansia\nP1,10,20,3\nP1,4,3,1\n",
     "lines 2, 3, column 1: duplicate sample ID 'P1' (1 duplicate(s) in all)"),
    ("dup.biom", json.dumps({
        "id": "dup", "format": "Biological Observation Matrix 1.0.0", "format_url": "http://biom-format.org",
        "type": "OTU table", "generated_by": "me", "date": "2026-12-01T10:00:00",
        "rows": [{"id": "g__Bacteroides", "metadata": None}, {"id": "g__Blautia", "metadata": None}],
        "columns": [{"id": "S1", "metadata": None}, {"id": "S1", "metadata": None}], "matrix_type": "dense",
        "matrix_element_type": "int", "shape": [2, 2], "data": [[3, 4], [5, 6]]}).encode(), "duplicate sample ID 'S1'"),
])
def test_two_samples_of_one_name_say_what_to_ask_for(name, data, said) -> None:
    with pytest.raises(InvalidInput) as e:
        parse_upload(name, data, sample_id="S1")
    assert str(e.value) == f"file: {name}: {said}; {SAME}", str(e.value)


def test_a_semicolon_diary_given_to_a_microbiome_command_says_what_it_is(tmp_path) -> None:
    """A diary saved by German Excel (';', read by the diary import since 2026-12-07) given to the CLI:
    named as a diary like a comma one, not "lines 2, 3, column 1: duplicate sample ID 'p01'"."""
    from gutskin.microbiome import MicrobiomeInputError, read_profile

    f = tmp_path / "Tagebuch.csv"
    f.write_bytes(b"\xef\xbb\xbfpatient;date;itch;poscorad\r\np01;05.12.2026;3;12,5\r\np01;06.12.2026;4;\r\n")
    with pytest.raises(MicrobiomeInputError) as e:
        read_profile(f)
    assert str(e.value).startswith(f"{f}: line 1: a gutskin diary CSV"), str(e.value)
