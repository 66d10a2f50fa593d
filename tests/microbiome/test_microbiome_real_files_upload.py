"""The real files of tests/microbiome/real_files/ through the upload (API and page), on SQLite and
PostgreSQL: a mothur ``.shared`` with its ``.cons.taxonomy`` is stored with its taxa found (the
suffixes were refused, and the file was "duplicate sample ID '0.03'"); a Kraken report with ``-``
rank codes is stored; an mOTUs profile is refused naming its line and what to give instead, and
nothing is stored."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select

from gutskin.store.db import transaction
from gutskin.store.models import MicrobiomeSample
from tests.conftest import bearer
from tests.safety.test_attacks import login_page

REAL = Path(__file__).parent / "real_files"
SHARED = (REAL / "mothur_stability.opti_mcc.shared").read_bytes()
CONS = (REAL / "mothur_stability.opti_mcc.0.03.cons.taxonomy").read_bytes()


def _count(engine) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(MicrobiomeSample)) or 0


def test_api_mothur_shared_with_its_taxonomy_is_stored_with_taxa(client, people, engine) -> None:
    h = bearer(client, "owner@example.org")
    r = client.post("/api/v1/me/microbiome", headers=h, data={"sample_id": "F3D141", "age_group": "adult"},
                    files={"file": ("stability.opti_mcc.shared", SHARED, "text/plain"),
                           "taxonomy": ("stability.opti_mcc.0.03.cons.taxonomy", CONS, "text/plain")})
    assert r.status_code == 201, r.text
    rep = r.json()["report"]
    assert rep["profile"]["method"] == "16S" and rep["profile"]["reads"] == 3253
    taxa = {t["taxon"]: t for t in rep["taxa"]}
    assert taxa["Akkermansia"]["status"] == "found"  # Otu012, Akkermansia(100)
    assert _count(engine) == 1


def test_api_kraken_report_with_dash_ranks_is_stored(client, people, engine) -> None:
    h = bearer(client, "owner@example.org")
    r = client.post("/api/v1/me/microbiome", headers=h, data={"age_group": "adult"},
                    files={"file": ("krepB.report", (REAL / "kraken_report_dash_ranks_krepB.txt").read_bytes(),
                                    "text/plain")})
    assert r.status_code == 201, r.text
    assert r.json()["report"]["profile"]["n_features_detected"] == 10


def test_upload_page_takes_shared_and_refuses_motus_saying_why(client, people, engine) -> None:
    login_page(client, "owner@example.org")
    page = client.get("/microbiome").text
    assert ".shared" in page and ".taxonomy" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post("/microbiome", data={"csrf_token": token, "method": "unknown", "kind": "auto",
                                         "sample_id": "F3D142"}, follow_redirects=False,
                    files={"file": ("stability.opti_mcc.shared", SHARED, "text/plain"),
                           "taxonomy": ("stability.opti_mcc.0.03.cons.taxonomy", CONS, "text/plain")})
    assert r.status_code == 303, r.text[-1500:]
    motus = (REAL / "motus_B11-2_head.out").read_bytes()
    r = client.post("/microbiome", data={"csrf_token": token, "method": "shotgun", "kind": "auto"},
                    files={"file": ("B11.txt", motus, "text/plain")})
    assert r.status_code == 422
    assert "B11.txt: line 3: an mOTUs profile" in r.text and "gutskin-upload-" not in r.text
    assert _count(engine) == 1
