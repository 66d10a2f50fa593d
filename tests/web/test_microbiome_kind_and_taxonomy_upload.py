"""Uploads say what the table holds (kind) and may bring a QIIME 2 taxonomy file, on the
API and on the upload page; nothing is stored when either is wrong."""

from __future__ import annotations

import hashlib
import io
import re

import biom
import numpy as np
from sqlalchemy import func, select

from gutskin.store.db import transaction
from gutskin.store.models import MicrobiomeSample
from tests.conftest import bearer
from tests.safety.test_attacks import login_page

PERCENT = b"#OTU ID\tme\nBifidobacterium\t50\nBacteroides\t30\nBlautia\t1\nEscherichia\t19\n"
LINEAGES = {
    "bifido": "d__Bacteria; p__Actinobacteriota; c__Actinobacteria; o__Bifidobacteriales; f__Bifidobacteriaceae; "
              "g__Bifidobacterium; s__Bifidobacterium_longum",
    "bacteroides": "d__Bacteria; p__Bacteroidota; c__Bacteroidia; o__Bacteroidales; f__Bacteroidaceae; g__Bacteroides",
    "escherichia": "d__Bacteria; p__Proteobacteria; c__Gammaproteobacteria; o__Enterobacterales; "
                   "f__Enterobacteriaceae; g__Escherichia",
}
HASH = {k: hashlib.md5(k.encode()).hexdigest() for k in LINEAGES}


def _count(engine) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(MicrobiomeSample)) or 0


def _feature_table(tmp_path) -> bytes:  # type: ignore[no-untyped-def]
    """A QIIME 2 export: BIOM 2.1 (HDF5) whose feature IDs are hashes, with no taxonomy inside."""
    t = biom.Table(np.array([[600.0], [300.0], [100.0]]), [HASH[k] for k in LINEAGES], ["me"])
    path = tmp_path / "feature-table.biom"
    with biom.util.biom_open(str(path), "w") as fh:
        t.to_hdf5(fh, "qiime2 export")
    return path.read_bytes()


def _taxonomy(skip: tuple[str, ...] = ()) -> bytes:
    rows = ["Feature ID\tTaxon\tConfidence"] + [f"{HASH[k]}\t{v}\t0.97" for k, v in LINEAGES.items() if k not in skip]
    rows.append(f"{hashlib.md5(b'filtered out').hexdigest()}\td__Bacteria\t0.9")  # not in the table: fine
    return ("\n".join(rows) + "\n").encode()


def test_api_kind_relative_for_a_whole_number_percent_table(client, people, engine) -> None:
    h = bearer(client, "owner@example.org")
    auto = client.post("/api/v1/me/microbiome", headers=h, files={"file": ("mine.tsv", PERCENT, "text/plain")})
    assert auto.status_code == 201, auto.text
    assert auto.json()["report"]["profile"]["kind"] == "counts"  # auto: whole numbers are read as counts
    r = client.post("/api/v1/me/microbiome", headers=h, files={"file": ("mine.tsv", PERCENT, "text/plain")},
                    data={"kind": "relative"})
    assert r.status_code == 201, r.text
    rep = r.json()["report"]
    assert rep["profile"]["kind"] == "relative" and rep["profile"]["reads"] is None
    assert "chao1" not in rep["diversity"]["values"]
    assert "not assessable" in rep["diversity"]["not_assessable"]["chao1"]
    assert _count(engine) == 2


def test_api_kind_counts_and_unknown_kind_are_refused_and_nothing_stored(client, people, engine) -> None:
    h = bearer(client, "owner@example.org")
    bad = client.post("/api/v1/me/microbiome", headers=h, data={"kind": "counts"},
                      files={"file": ("mine.tsv", b"#OTU ID\tme\nBlautia\t10\nEscherichia\t2.5\n", "text/plain")})
    assert bad.status_code == 422
    assert "sample 'me', feature 'Escherichia' has 2.5" in bad.json()["detail"]
    odd = client.post("/api/v1/me/microbiome", headers=h, data={"kind": "percent"},
                      files={"file": ("mine.tsv", PERCENT, "text/plain")})
    assert odd.status_code == 422 and odd.json()["detail"].startswith("kind:")
    assert _count(engine) == 0


def test_api_taxonomy_file_names_hashed_features(client, people, engine, tmp_path) -> None:
    h = bearer(client, "owner@example.org")
    table = _feature_table(tmp_path)
    bare = client.post("/api/v1/me/microbiome", headers=h, data={"age_group": "infant"},
                       files={"file": ("feature-table.biom", table, "application/octet-stream")})
    assert bare.status_code == 201, bare.text
    assert "Eczema-linked bacteria could not be checked" in " ".join(bare.json()["report"]["plain_language"])
    r = client.post("/api/v1/me/microbiome", headers=h, data={"age_group": "infant"},
                    files={"file": ("feature-table.biom", table, "application/octet-stream"),
                           "taxonomy": ("taxonomy.tsv", _taxonomy(), "text/tab-separated-values")})
    assert r.status_code == 201, r.text
    rep = r.json()["report"]
    taxa = {t["taxon"]: t for t in rep["taxa"]}
    assert taxa["Bifidobacterium"]["status"] == "found" and taxa["Bifidobacterium"]["relative_abundance"] == 0.6
    assert any("taxonomy.tsv" in n for n in rep["profile"]["notes"])
    assert "gutskin-upload-" not in r.text  # the server's temporary folder is never shown


def test_api_unmapped_features_are_refused_naming_the_taxonomy_file(client, people, engine, tmp_path) -> None:
    h = bearer(client, "owner@example.org")
    r = client.post("/api/v1/me/microbiome", headers=h,
                    files={"file": ("feature-table.biom", _feature_table(tmp_path), "application/octet-stream"),
                           "taxonomy": ("taxonomy.tsv", _taxonomy(skip=("escherichia",)), "text/plain")})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail.startswith("taxonomy: taxonomy.tsv: 1 of the 3 feature IDs of feature-table.biom"), detail
    assert HASH["escherichia"] in detail and "gutskin-upload-" not in detail
    bad_type = client.post("/api/v1/me/microbiome", headers=h,
                           files={"file": ("feature-table.biom", _feature_table(tmp_path), "application/octet-stream"),
                                  "taxonomy": ("taxonomy.qza", b"PK\x03\x04", "application/zip")})
    assert bad_type.status_code == 422 and bad_type.json()["detail"].startswith("taxonomy:")
    empty = client.post("/api/v1/me/microbiome", headers=h,
                        files={"file": ("feature-table.biom", _feature_table(tmp_path), "application/octet-stream"),
                               "taxonomy": ("taxonomy.tsv", b"", "text/plain")})
    assert empty.status_code == 422 and empty.json()["detail"] == "taxonomy: the file is empty"
    assert _count(engine) == 0


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_upload_page_offers_kind_and_taxonomy(client, people, engine, tmp_path) -> None:
    login_page(client, "owner@example.org")
    page = client.get("/microbiome").text
    assert 'name="kind"' in page and 'value="relative"' in page and 'name="taxonomy"' in page
    csrf = _csrf(page)
    # a browser with no taxonomy file chosen still sends the part, with no name and no bytes
    r = client.post("/microbiome", data={"csrf_token": csrf, "kind": "relative"}, follow_redirects=False,
                    files={"file": ("mine.tsv", PERCENT, "text/plain"),
                           "taxonomy": ("", io.BytesIO(b""), "application/octet-stream")})
    assert r.status_code == 303, r.text
    report = client.get(r.headers["location"]).text
    assert "not-assessable" in report and "not assessable" in report
    wrong = client.post("/microbiome", data={"csrf_token": csrf, "kind": "counts"}, follow_redirects=False,
                        files={"file": ("mine.tsv", b"#OTU ID\tme\nBlautia\t0.5\nEscherichia\t0.5\n", "text/plain")})
    assert wrong.status_code == 422 and "whole numbers" in wrong.text
    assert re.search(r'<option value="counts" selected>', wrong.text)  # the choice is kept for the retry
    with_tax = client.post("/microbiome", data={"csrf_token": csrf}, follow_redirects=False,
                           files={"file": ("feature-table.biom", _feature_table(tmp_path), "application/octet-stream"),
                                  "taxonomy": ("taxonomy.tsv", _taxonomy(), "text/plain")})
    assert with_tax.status_code == 303, with_tax.text
    assert _count(engine) == 2
