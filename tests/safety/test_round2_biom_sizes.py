"""BIOM HDF5 uploads whose datasets *declare* more data than a table may hold are refused
from the declared shape, before ``biom`` reads (and allocates) them."""

from __future__ import annotations

import time
from pathlib import Path

import h5py
import numpy as np
import pytest
from biom import Table

from gutskin.clinic import microbiome as micro
from gutskin.clinic.errors import InvalidInput
from gutskin.microbiome.errors import MicrobiomeInputError
from gutskin.microbiome.io import check_hdf5_self_contained, read_profile
from gutskin.store.db import transaction
from tests.web.test_microbiome_upload import count


def _biom(path: Path) -> Path:
    table = Table(np.array([[5.0, 0.0, 3.0], [1.0, 7.0, 2.0]]), ["f1", "f2"], ["s1", "s2", "s3"],
                  [{"taxonomy": ["k__Bacteria", "g__Blautia"]}, {"taxonomy": ["k__Bacteria", "g__Dorea"]}])
    with h5py.File(path, "w") as fh:
        table.to_hdf5(fh, "test")
    return path


def _declare(path: Path, name: str, n: int, **kw) -> None:  # type: ignore[no-untyped-def]
    """Replace dataset ``name`` by one declaring ``n`` float64 elements, never written (fill values)."""
    with h5py.File(path, "a") as fh:
        if name in fh:
            del fh[name]
        fh.create_dataset(name, shape=(n,), dtype="f8", chunks=True, **kw)


def test_a_genuine_biom_table_still_loads(tmp_path) -> None:
    prof = read_profile(_biom(tmp_path / "ok.biom"), max_cells=6)
    assert prof.table.shape == (3, 2)
    check_hdf5_self_contained(str(tmp_path / "ok.biom"), max_cells=6)


@pytest.mark.parametrize("name", ["observation/matrix/data", "sample/matrix/indices", "observation/matrix/indptr",
                                  "sample/ids"])
def test_a_dataset_declaring_300_million_elements_is_refused_without_reading_it(tmp_path, name: str) -> None:
    path = _biom(tmp_path / "huge.biom")
    _declare(path, name, 300_000_000)
    assert path.stat().st_size < 1_000_000  # the file is small: the 2.4 GB are only declared
    started = time.perf_counter()
    with pytest.raises(MicrobiomeInputError, match=rf"'/{name}' declares 300,000,000 elements"):
        check_hdf5_self_contained(str(path))  # the default limit of 50 M cells
    assert time.perf_counter() - started < 2.0


def test_declared_bytes_beyond_the_budget_are_refused_whatever_the_dataset(tmp_path) -> None:
    path = _biom(tmp_path / "meta.biom")
    _declare(path, "observation/metadata/notes", 100_000_000, compression="gzip")  # 800 MB declared, not "data"
    with pytest.raises(MicrobiomeInputError, match=r"'/observation/metadata/notes' brings the declared data"):
        check_hdf5_self_contained(str(path))
    check_hdf5_self_contained(str(path), max_cells=100_000_000)  # 800 MB + 64 MiB of budget: within it


def test_an_upload_declaring_more_than_the_upload_limit_is_refused_and_nothing_stored(engine, people, tmp_path) -> None:
    path = _biom(tmp_path / "up.biom")
    _declare(path, "observation/matrix/data", micro.MAX_UPLOAD_CELLS + 2)  # 40 MB declared, 5 M cells allowed
    with pytest.raises(InvalidInput, match=r"'/observation/matrix/data' declares 5,000,002 elements"), \
            transaction(engine) as s:
        micro.upload_sample(s, people.owner, people.owner_pid, "up.biom", path.read_bytes())
    assert count(engine) == 0
