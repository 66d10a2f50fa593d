"""Empty tables as a lab's pipeline writes them (2026-12-07): a BIOM 1.0 JSON table with no rows
(``"rows": []``, ``"data": []``: biom-format writes it for a sample whose reads were all filtered
out), sparse or dense, ended in pandas' bare ``ValueError: Empty data passed with indices
specified`` (a 500 on the microbiome page, a traceback on the command line). Now it is refused like
the same table in BIOM 2.1 (HDF5) or TSV, naming the file and saying in plain words that it holds
no results and what to ask the lab for; nothing stored. SQLite and PostgreSQL for the page.
"""

from __future__ import annotations

import json

import biom
import h5py
import numpy as np
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from gutskin.cli import app
from gutskin.store.db import transaction
from gutskin.store.models import MicrobiomeSample
from tests.microbiome.test_microbiome_plain_genus_names import _csrf, _text

NO_RESULTS = "the file holds no results; ask the lab for the file with the sample's results"


def _biom_json(matrix_type: str) -> bytes:
    return json.dumps({
        "id": "No Table ID", "format": "Biological Observation Matrix 1.0.0", "format_url": "http://biom-format.org",
        "type": "OTU table", "generated_by": "BIOM-Format 2.1.16", "date": "2026-12-01T10:00:00",
        "rows": [], "columns": [{"id": "stool-1", "metadata": None}], "matrix_type": matrix_type,
        "matrix_element_type": "float", "shape": [0, 1], "data": []}).encode()


def _biom_hdf5(path) -> bytes:  # type: ignore[no-untyped-def]
    with h5py.File(path, "w") as fh:
        biom.Table(np.zeros((0, 1)), [], ["stool-1"]).to_hdf5(fh, "test")
    return path.read_bytes()


@pytest.mark.parametrize("matrix_type", ["sparse", "dense"])
def test_the_command_line_names_the_file_and_says_it_holds_no_results(tmp_path, matrix_type) -> None:
    f = tmp_path / "stool-1.biom"
    f.write_bytes(_biom_json(matrix_type))
    r = CliRunner().invoke(app, ["microbiome", "diversity", str(f)])
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and "Empty data passed" not in r.output
    assert f"{f}: the table has no features (it lists no microbes, only its header): {NO_RESULTS}" in r.output, r.output


def test_the_page_refuses_json_and_hdf5_alike_and_stores_nothing(client, engine, tmp_path) -> None:
    form = client.get("/register")
    r = client.post("/register", data={"display_name": "Lina", "email": "lina@example.org",
                                       "password": "lina-password-1", "csrf_token": _csrf(form.text)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    for name, data in (("empty-1.0.biom", _biom_json("sparse")), ("empty-2.1.biom", _biom_hdf5(tmp_path / "e.biom"))):
        page = client.get("/microbiome")
        r = client.post("/microbiome", data={"csrf_token": _csrf(page.text), "method": "16S", "kind": "auto"},
                        files={"file": (name, data, "application/octet-stream")}, follow_redirects=False)
        assert r.status_code == 422, (name, r.status_code, r.text[:300])
        assert f"{name}: the table has no features (it lists no microbes, only its header): {NO_RESULTS}" \
            in _text(r.text), (name, _text(r.text)[:1500])
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(MicrobiomeSample)) == 0


@pytest.mark.parametrize("name, data, said", [
    ("one.tsv", b"#OTU ID\tstool-1\ng__Bacteroides\t0\ng__Prevotella\t0\n", "empty sample(s) (total 0): 'stool-1' has no reads"),
    ("two.tsv", b"#OTU ID\tS1\tS2\ng__Bacteroides\t0\t0\ng__Prevotella\t0\t0\n",
     "every sample is empty (total 0): all 2 samples have no reads"),
    ("zero.biom", json.dumps({
        "id": "No Table ID", "format": "Biological Observation Matrix 1.0.0", "format_url": "http://biom-format.org",
        "type": "OTU table", "generated_by": "BIOM-Format 2.1.16", "date": "2026-12-01T10:00:00",
        "rows": [{"id": "g__Bacteroides", "metadata": None}], "columns": [{"id": "stool-1", "metadata": None}],
        "matrix_type": "sparse", "matrix_element_type": "int", "shape": [1, 1], "data": []}).encode(),
     "every count in the table is zero: all 1 sample(s) are empty"),
])
def test_a_table_of_zeros_says_the_file_holds_no_results(name, data, said) -> None:
    """All-zero samples: the refusal said what is zero but not what to do; now it ends as the empty table's."""
    from gutskin.clinic.errors import InvalidInput
    from gutskin.clinic.microbiome import parse_upload

    with pytest.raises(InvalidInput) as e:
        parse_upload(name, data)
    assert str(e.value) == f"file: {name}: {said}; {NO_RESULTS}", str(e.value)
