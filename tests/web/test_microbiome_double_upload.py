"""Concurrency walk (2026-12-06): Upload pressed twice (a slow upload, no script to stop a second
press, or Back and Upload again) stored the same result twice: two identical samples in the list,
the "latest" one's report twice in the clinic's view. The same file (name, sample, method,
collection day, profile) stored again within ten minutes is now the first sample: the second
upload lands on the same report, nothing new written or audited; another day or another file is a
new sample. Two uploads at the same moment take turns on the patient's row (PostgreSQL)."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from sqlalchemy import func, select

from gutskin.clinic import microbiome as micro
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent, MicrobiomeSample
from tests.safety.test_attacks import login_page
from tests.safety.lock_waits import until_waiting_or_done

PROFILE = (Path(__file__).parent / "data" / "metaphlan_profile.tsv").read_bytes()


def _counts(engine, pid: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return (s.scalar(select(func.count()).select_from(MicrobiomeSample).where(MicrobiomeSample.patient_id == pid)),
                s.scalar(select(func.count()).select_from(AuditEvent).where(
                    AuditEvent.patient_id == pid, AuditEvent.object_type == "microbiome_sample",
                    AuditEvent.action == "create")))


def _upload(client, csrf: str, collected_on: str = "2026-11-30", name: str = "stool.tsv"):  # type: ignore[no-untyped-def]
    return client.post("/microbiome", data={"csrf_token": csrf, "method": "shotgun", "collected_on": collected_on},
                       files={"file": (name, PROFILE, "text/tab-separated-values")}, follow_redirects=False)


def test_the_same_upload_twice_is_one_sample(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    login_page(client, "owner@example.org")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/microbiome").text).group(1)
    first, again = _upload(client, csrf), _upload(client, csrf)
    assert first.status_code == again.status_code == 303, (first.status_code, again.status_code)
    assert first.headers["location"] == again.headers["location"]  # the same report
    assert _counts(engine, people.owner_pid) == (1, 1)
    _upload(client, csrf, collected_on="2026-11-01")  # another collection day: another sample
    _upload(client, csrf, name="stool-2.tsv")  # another file
    assert _counts(engine, people.owner_pid) == (3, 3)


def test_two_uploads_at_the_same_moment_store_one_sample(engine, people) -> None:  # type: ignore[no-untyped-def]
    parsed = micro.parse_upload("stool.tsv", PROFILE, method="shotgun", age_group="adult")
    out: dict[str, object] = {}

    def second() -> None:
        with transaction(engine) as s:
            out["id"] = micro.store_sample(s, people.owner, people.owner_pid, parsed, method="shotgun")["id"]

    racer = threading.Thread(target=second)
    with transaction(engine) as s:
        first = micro.store_sample(s, people.owner, people.owner_pid, parsed, method="shotgun")["id"]
        racer.start()
        until_waiting_or_done(engine, racer)
    racer.join(30)
    assert not racer.is_alive()
    assert out["id"] == first
    assert _counts(engine, people.owner_pid) == (1, 1)
