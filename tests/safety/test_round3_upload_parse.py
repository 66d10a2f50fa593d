"""A microbiome upload is parsed outside any database transaction, and a failed parse writes
nothing (third security review). Before, the file was parsed inside the request's transaction:
on SQLite that held the write lock (``BEGIN IMMEDIATE``) and the app's SQLite lock for the whole
parse, so one upload of a large table (seconds of parsing) stopped every other writer."""

from __future__ import annotations

import io
import re
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import func, select

from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent, MicrobiomeSample
from tests.conftest import TEST_SECRET, People, bearer
from tests.safety.test_attacks import login_page


def _table(samples: int, features: int) -> bytes:
    """A valid TSV count table; 50 x 1000 takes about two seconds to parse and report."""
    out = io.StringIO()
    out.write("#OTU ID\t" + "\t".join(f"S{j}" for j in range(samples)) + "\n")
    for i in range(features):
        taxon = f"k__Bacteria;p__P{i % 7};c__C{i % 13};o__O{i % 17};f__F{i % 23};g__G{i};s__sp{i}"
        out.write(taxon + "\t" + "\t".join(str((i * 7 + j * 3) % 50) for j in range(samples)) + "\n")
    return out.getvalue().encode()


def _counts(engine) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return (s.scalar(select(func.count()).select_from(MicrobiomeSample)) or 0,
                s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action != "read")) or 0)


BAD = [("bad.tsv", b"#OTU ID\tS1\nk__Bacteria\t-5\n"), ("bad.biom", b'{"format": "Biological Observation Matrix 1.0.0"'),
       ("two.tsv", b"#OTU ID\tS1\tS2\nk__Bacteria;g__A\t1\t2\n")]  # last: two samples, none chosen


def test_a_failed_parse_writes_nothing_api_and_page(client, people, engine) -> None:
    before = _counts(engine)
    h = bearer(client, "owner@example.org")
    for name, data in BAD:
        r = client.post("/api/v1/me/microbiome", headers=h, files={"file": (name, data, "text/plain")})
        assert r.status_code == 422, (name, r.status_code, r.text)
    login_page(client, "owner@example.org")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/microbiome").text).group(1)
    for name, data in BAD:
        r = client.post("/microbiome", data={"csrf_token": csrf}, files={"file": (name, data, "text/plain")})
        assert r.status_code == 422, (name, r.status_code, r.text[:300])
    assert _counts(engine) == before  # no sample and no write in the audit log (the error pages' reads are audited)
    stranger = bearer(client, "stranger@example.org")  # and a stranger's upload to A is still refused before parsing
    r = client.post("/api/v1/me/microbiome", headers=stranger, files={"file": ("x.tsv", _table(2, 5), "text/plain")},
                    data={"sample_id": "S1"})
    assert r.status_code == 201  # their own profile, never A's
    with transaction(engine) as s:
        assert s.scalar(select(MicrobiomeSample.patient_id)) == people.stranger_pid


def test_the_file_is_parsed_while_another_writer_goes_ahead(sqlite_url, tmp_path, monkeypatch) -> None:
    from fastapi.testclient import TestClient

    from gutskin.settings import Settings
    from gutskin.store.db import get_engine
    from gutskin.web import create_app

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where the upload's private copy appears while parsed
    engine = get_engine(sqlite_url)
    People(engine)
    db_file = sqlite_url.removeprefix("sqlite:///")
    settings = Settings(database_url=sqlite_url, secret_key=TEST_SECRET, env="test")
    data = _table(50, 1000)
    with TestClient(create_app(settings)) as client:
        owner, other = bearer(client, "owner@example.org"), bearer(client, "stranger@example.org")
        result: dict[str, object] = {}

        def upload() -> None:
            result["r"] = client.post("/api/v1/me/microbiome", headers=owner,
                                      files={"file": ("big.tsv", data, "text/tab-separated-values")},
                                      data={"sample_id": "S1", "method": "16S"})

        worker = threading.Thread(target=upload)
        worker.start()
        deadline = time.monotonic() + 60
        while not list(Path(scratch).glob("gutskin-upload-*")):
            assert worker.is_alive() and time.monotonic() < deadline, f"the parse was never seen: {result}"
            time.sleep(0.0005)
        # the file is being parsed now: the database takes another writer at once ...
        raw = sqlite3.connect(db_file, timeout=0)
        try:
            raw.execute("BEGIN IMMEDIATE")  # "database is locked" while the upload held the write lock
            raw.execute("ROLLBACK")
        finally:
            raw.close()
        # ... and so does the app: another person's diary write is answered before the parse ends
        r = client.put("/api/v1/me/diary/2026-11-02", json={"itch": 3}, headers=other)
        still_parsing = bool(list(Path(scratch).glob("gutskin-upload-*")))
        worker.join(120)
        assert r.status_code == 200, r.text
        assert result["r"].status_code == 201, result["r"].text  # type: ignore[union-attr]
        assert still_parsing, "the diary write waited for the upload's parse to end"
    assert _counts(engine)[0] == 1


def test_hostile_values_are_refused_not_crashed(client, people, engine) -> None:
    """Found live: JSON nested 100,000 deep (RecursionError) and counts of 1e308 (their sum
    overflows) were 500s."""
    h = bearer(client, "owner@example.org")
    nested = ('{"a":' * 100_000 + "1" + "}" * 100_000).encode()
    huge = b"#OTU ID\tS1\nk__B\t1e308\nk__C\t1e308\n"
    for name, data, words in [("deep.json", nested, "nested too deeply"), ("huge.tsv", huge, "too large")]:
        r = client.post("/api/v1/me/microbiome", headers=h, files={"file": (name, data, "text/plain")}, data={"sample_id": "S1"})
        assert r.status_code == 422 and words in r.json()["detail"], (name, r.status_code, r.text)
    assert _counts(engine)[0] == 0
