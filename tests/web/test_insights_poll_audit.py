"""The insights panel's "computing" polls are not audited; the answer that shows results is.

While the triggers and forecast compute, the page's panel asks again every second. Each ask was
audited as a read, so a clinician's one look read "viewed triggers and forecast (24 times)" in the
patient's access log (clinician walk, 2026-12-06). A "computing" answer shows nothing of the
record, so it is authorized but not audited; the answer with the results is audited once per
request as before, and the API (which may wait for the result in the same request) still audits
its "computing" answers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from gutskin.clinic.insights import clear_cache, insights_for, settle
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent
from tests.conftest import bearer
from tests.safety.test_attacks import login_page
from tests.web.test_insights_service import fill


def _insights_reads(engine, pid: int) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return int(s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.patient_id == pid, AuditEvent.object_type == "insights")) or 0)


def test_computing_polls_leave_no_audit_row_and_the_result_leaves_one(engine, people, client) -> None:
    clear_cache()
    fill(engine, people.owner, people.owner_pid, 40)
    login_page(client, "linked@clinic.example.org")
    before = _insights_reads(engine, people.owner_pid)
    polls = 0
    while True:
        r = client.get("/insights/panel", params={"patient": people.owner_pid})
        assert r.status_code == 200
        if 'id="insights-computing"' not in r.text:
            break
        polls += 1
        assert _insights_reads(engine, people.owner_pid) == before, "a 'computing' poll was audited"
        with transaction(engine) as s:  # wait for the job as the page's next poll would
            first = insights_for(s, people.clinician, people.owner_pid, audit_pending=False)
        settle(people.owner_pid, first, 60)
    assert polls >= 1, "the first look after the diary changed should find the result computing"
    assert _insights_reads(engine, people.owner_pid) == before + 1
    client.get("/insights/panel", params={"patient": people.owner_pid})  # a second look is a second read
    assert _insights_reads(engine, people.owner_pid) == before + 2


def test_the_api_still_audits_a_computing_answer(engine, people, client) -> None:
    clear_cache()
    owner = bearer(client, "owner@example.org")
    for i in range(20):
        client.put(f"/api/v1/me/diary/{dt.date(2026, 9, 1) + dt.timedelta(days=i)}", json={"itch": 3 + i % 4}, headers=owner)
    before = _insights_reads(engine, people.owner_pid)
    r = client.get("/api/v1/me/insights", params={"wait": 10}, headers=owner)
    assert r.status_code == 200 and r.json()["status"] == "ready"
    assert _insights_reads(engine, people.owner_pid) == before + 1
