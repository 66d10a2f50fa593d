"""Microbiome uploads in the product: checks, report, authorization, nothing stored on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from gutskin.clinic import microbiome as micro
from gutskin.clinic.errors import InvalidInput, NotFound
from gutskin.store.db import transaction
from gutskin.store.models import MicrobiomeSample
from tests.conftest import bearer

PROFILE = (Path(__file__).parent / "data" / "metaphlan_profile.tsv").read_bytes()


def count(engine) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(MicrobiomeSample)) or 0


def test_upload_report_and_access(engine, people) -> None:
    with transaction(engine) as s:
        out = micro.upload_sample(s, people.owner, people.owner_pid, "../../etc/stool test.tsv", PROFILE, method="shotgun")
    assert out["filename"] == "stool test.tsv"  # path parts dropped
    rep = out["report"]
    assert rep["diversity"]["log_base"] == "e"
    assert rep["reference_comparison"]["comparable"] is False  # shotgun vs a 16S reference: said, not hidden
    assert {t["taxon"]: t["status"] for t in rep["taxa"]}["butyrate producers"] == "found"
    with transaction(engine) as s:
        summary = micro.latest_summary(s, people.clinician, people.owner_pid)
        assert summary is not None and summary["id"] == out["id"]
    for who in ("stranger", "unlinked", "admin"):
        with pytest.raises(NotFound), transaction(engine) as s:
            micro.get_sample(s, people.actors()[who], people.owner_pid, out["id"])
        with pytest.raises(NotFound), transaction(engine) as s:
            micro.upload_sample(s, people.actors()[who], people.owner_pid, "x.tsv", PROFILE)
    with pytest.raises(NotFound), transaction(engine) as s:  # a sample id of another patient
        micro.get_sample(s, people.stranger, people.stranger_pid, out["id"])
    assert count(engine) == 1


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("profile.exe", PROFILE, "expected a BIOM"),
        ("profile.tsv", b"", "empty"),
        ("profile.tsv", b"\xff\xfe\x00garbage" * 10, "profile.tsv: not a UTF-8 text table"),
        ("profile.tsv", b"#clade_name\tS1\nk__Bacteria\t-5\n", "file:"),
        ("big.tsv", b"a" * (2 * 1024 * 1024 + 1), "larger than"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_stored(engine, people, name: str, data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message), transaction(engine) as s:
        micro.upload_sample(s, people.owner, people.owner_pid, name, data, max_bytes=2 * 1024 * 1024)
    assert count(engine) == 0


def test_upload_over_api(client, people) -> None:
    h = bearer(client, "owner@example.org")
    r = client.post("/api/v1/me/microbiome", headers=h, files={"file": ("mine.tsv", PROFILE, "text/tab-separated-values")},
                    data={"method": "shotgun", "collected_on": "2026-10-01"})
    assert r.status_code == 201, r.text
    assert r.json()["collected_on"] == "2026-10-01"
    bad = client.post("/api/v1/me/microbiome", headers=h, files={"file": ("mine.exe", b"MZ", "application/octet-stream")})
    assert bad.status_code == 422 and "file:" in bad.json()["detail"]
    doc = bearer(client, "linked@clinic.example.org")
    assert len(client.get(f"/api/v1/patients/{people.owner_pid}/microbiome", headers=doc).json()) == 1
    stranger = bearer(client, "stranger@example.org")
    assert client.get(f"/api/v1/patients/{people.owner_pid}/microbiome", headers=stranger).status_code == 404


def _hostile_biom(tmp_path: Path, secret: Path, how: str) -> bytes:
    """A valid BIOM 2.1 file whose sample IDs are read from ``secret`` by one of HDF5's ways of
    keeping data elsewhere (the attack that read /etc/passwd and the SQLite WAL through the
    upload's error message)."""
    import biom
    import h5py
    import numpy as np

    n = 4
    path = tmp_path / f"{how}.biom"
    t = biom.Table(np.ones((2, n)), observation_ids=["f1", "f2"], sample_ids=[f"s{i}" for i in range(n)])
    with h5py.File(path, "w") as fh:
        t.to_hdf5(fh, "attack")
        del fh["sample/ids"]
        if how == "external":
            fh.create_dataset("sample/ids", shape=(n,), dtype="S16", external=[(str(secret), 0, n * 16)])
        elif how == "virtual":
            with h5py.File(tmp_path / "src.h5", "w") as src:
                src.create_dataset("ids", data=np.array([b"leak"] * n, dtype="S16"))
            layout = h5py.VirtualLayout(shape=(n,), dtype="S16")
            layout[:] = h5py.VirtualSource(str(tmp_path / "src.h5"), "ids", shape=(n,))
            fh.create_virtual_dataset("sample/ids", layout)
        else:
            fh["sample/ids"] = h5py.ExternalLink(str(secret), "/ids")
    return path.read_bytes()


@pytest.mark.parametrize(("how", "message"), [("external", "keeps its data in another file"),
                                              ("virtual", "is virtual"), ("link", "links to another file")])
def test_an_upload_cannot_read_the_servers_files(engine, people, client, tmp_path, how, message) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:TOPSECRET-SERVER-FILE:/root:/bin/bash\n" * 4)
    data = _hostile_biom(tmp_path, secret, how)
    with pytest.raises(InvalidInput, match=message), transaction(engine) as s:
        micro.upload_sample(s, people.owner, people.owner_pid, "mine.biom", data)
    h = bearer(client, "owner@example.org")
    r = client.post("/api/v1/me/microbiome", headers=h, files={"file": ("mine.biom", data, "application/octet-stream")})
    assert r.status_code == 422 and message in r.json()["detail"]
    assert "TOPSECRET" not in r.text and "leak" not in r.text
    assert count(engine) == 0


def test_a_small_file_declaring_a_huge_table_is_refused_before_it_is_made_dense(engine, people) -> None:
    import json

    n = 20_000  # 20,000 x 20,000 dense would be 3.2 GB; the file is about 1 MB
    doc = {"id": None, "format": "Biological Observation Matrix 1.0.0", "format_url": "http://biom-format.org",
           "type": "OTU table", "generated_by": "test", "date": "2026-12-02T00:00:00", "matrix_type": "sparse",
           "matrix_element_type": "float", "shape": [n, n], "data": [[0, 0, 1.0], [1, 1, 2.0]],
           "rows": [{"id": f"f{i}", "metadata": None} for i in range(n)],
           "columns": [{"id": f"s{i}", "metadata": None} for i in range(n)]}
    with pytest.raises(InvalidInput, match=r"20,000 samples × 20,000 features, more than 5,000,000 cells"), \
            transaction(engine) as s:
        micro.upload_sample(s, people.owner, people.owner_pid, "huge.biom", json.dumps(doc).encode())
    assert count(engine) == 0


def test_the_report_names_the_uploaded_file_not_the_servers_temporary_path(engine, people) -> None:
    with transaction(engine) as s:
        out = micro.upload_sample(s, people.owner, people.owner_pid, "mine.tsv", PROFILE, method="shotgun")
    assert out["report"]["profile"]["source"] == "mine.tsv"
    assert "gutskin-upload" not in repr(out)


def test_an_empty_control_beside_the_sample_is_named_as_empty_not_missing(engine, people) -> None:
    """A table with the person's sample and an empty negative control: the sample is taken; asking
    for the control says it has no reads (it is in the file, so 'not in the file' would mislead)."""
    table = b"#OTU ID\tmine\tcontrol\ttaxonomy\nA\t40\t0\tk__Bacteria; f__Lachnospiraceae\nB\t60\t0\tk__Bacteria; g__Bifidobacterium\n"
    with pytest.raises(InvalidInput, match=r"'control' has no reads"), transaction(engine) as s:
        micro.upload_sample(s, people.owner, people.owner_pid, "otus.tsv", table, sample_id="control")
    assert count(engine) == 0
    with pytest.raises(InvalidInput, match=r"'other' is not in the file"), transaction(engine) as s:
        micro.upload_sample(s, people.owner, people.owner_pid, "otus.tsv", table, sample_id="other")
    with transaction(engine) as s:
        out = micro.upload_sample(s, people.owner, people.owner_pid, "otus.tsv", table, method="16S")
    assert out["sample_id"] == "mine" and count(engine) == 1
