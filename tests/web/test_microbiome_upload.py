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
        ("profile.tsv", b"\xff\xfe\x00garbage" * 10, "not a text table"),
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
