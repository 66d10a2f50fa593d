"""A taxonomy.qza unpacks to no more than an upload may be (security walk of 2026-12-06).

A QIIME 2 artifact is a zip, and the upload's taxonomy artifact was unpacked with the command
line's allowance (512 MB) although the upload itself is capped at ``GUTSKIN_UPLOAD_MAX_BYTES``.
Found attacking the running app: a 195 kB taxonomy.qza holding one short line repeated unpacked
to 128 MB and the web process took 33 s and 4.7 GB of memory to read it (extrapolated to the
512 MB allowed: ~19 GB) before answering "duplicate feature ID" -- any patient account could do it.
Now the unpacked taxonomy may be no larger than a plain taxonomy upload (the upload limit): the
answer is a 422 naming the taxonomy file and the limit, and nothing is stored.

The tests run an app with a 1 MiB upload limit and a valid taxonomy padded with blank lines
(which the reader skips) to 4 MiB: the code before read and stored it (201).
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from sqlalchemy import func, select

from gutskin.store.db import transaction
from gutskin.store.models import MicrobiomeSample
from tests.conftest import TEST_SECRET, bearer
from tests.web.test_microbiome_kind_and_taxonomy_upload import _feature_table, _taxonomy

LIMIT = 1024 * 1024


def _qza(payload: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("6f0b1c1e/metadata.yaml", "uuid: 6f0b1c1e\ntype: FeatureData[Taxonomy]\nformat: TSVTaxonomyDirectoryFormat\n")
        z.writestr("6f0b1c1e/data/taxonomy.tsv", payload)
    return out.getvalue()


@pytest.fixture
def small_client(db_url):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from gutskin.settings import Settings
    from gutskin.web import create_app

    with TestClient(create_app(Settings(database_url=db_url, secret_key=TEST_SECRET, env="test",
                                        upload_max_bytes=LIMIT))) as c:
        yield c


def _stored(engine) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(MicrobiomeSample)) or 0


def test_a_taxonomy_qza_unpacking_beyond_the_upload_limit_is_refused(small_client, people, engine, tmp_path) -> None:
    c = small_client
    table = _feature_table(tmp_path)
    bomb = _qza(_taxonomy() + b"\n" * (4 * LIMIT))
    assert len(bomb) < 20_000  # a small upload, far under the limit
    h = bearer(c, "owner@example.org")
    r = c.post("/api/v1/me/microbiome", headers=h,
               files={"file": ("feature-table.biom", table, "application/octet-stream"),
                      "taxonomy": ("taxonomy.qza", bomb, "application/zip")})
    assert r.status_code == 422, (r.status_code, r.text[:200])
    assert r.json()["detail"] == "taxonomy: taxonomy.qza: data/taxonomy.tsv unpacks to more than 1 MB; refused"
    assert _stored(engine) == 0
    # the same artifact within the limit is read as before
    fine = c.post("/api/v1/me/microbiome", headers=h,
                  files={"file": ("feature-table.biom", table, "application/octet-stream"),
                         "taxonomy": ("taxonomy.qza", _qza(_taxonomy() + b"\n" * (LIMIT // 2)), "application/zip")})
    assert fine.status_code == 201, fine.text[:200]
    assert _stored(engine) == 1


def test_the_upload_page_refuses_it_too(small_client, people, engine, tmp_path) -> None:
    from tests.safety.test_attacks import login_page

    c = small_client
    login_page(c, "owner@example.org")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/microbiome").text).group(1)
    r = c.post("/microbiome", data={"csrf_token": csrf},
               files={"file": ("feature-table.biom", _feature_table(tmp_path), "application/octet-stream"),
                      "taxonomy": ("taxonomy.qza", _qza(_taxonomy() + b"\n" * (4 * LIMIT)), "application/zip")})
    assert r.status_code == 422, (r.status_code, r.text[:200])
    assert "unpacks to more than 1 MB; refused" in r.text
    assert _stored(engine) == 0
