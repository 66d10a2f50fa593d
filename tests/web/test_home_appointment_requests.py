"""The patient's home page (the diary, /today) mentions their appointment requests under way
(2026-12-07): a request the person made, a time the clinic proposes for them and a booked visit
were on the Appointments page only, and the diary they open every day said nothing. What was asked,
when, and where it stands; a closed request is not shown; the read is audited; another patient's
home shows none of it. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from gutskin.clinic import appointments
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent, utcnow
from tests.safety.test_attacks import login_page


def _section(page: str) -> str | None:
    found = re.search(r'(?s)<section[^>]*id="home-requests".*?</section>', page)
    return found.group(0) if found else None


def test_the_home_page_says_where_a_request_stands(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    login_page(client, "owner@example.org")
    assert _section(client.get("/today").text) is None  # nothing asked: nothing said

    with transaction(engine) as s:
        made = appointments.request_appointment(s, people.owner, people.owner_pid, "Flare after the holidays",
                                                "urgent", "mornings")
    section = _section(client.get("/today").text)
    assert section is not None
    assert "Flare after the holidays" in section and "urgency: urgent" in section
    asked = dt.datetime.fromisoformat(str(made["created_at"]))
    assert f"asked {asked:%a} {asked.day} {asked:%b %Y}" in section, section  # when it was asked
    assert "waiting for the clinic" in section and 'href="/appointments"' in section

    when = (utcnow() + dt.timedelta(days=3)).replace(hour=9, minute=30, second=0, microsecond=0)
    with transaction(engine) as s:
        appointments.respond(s, people.clinician, int(made["id"]), "propose", when)  # type: ignore[call-overload]
    section = _section(client.get("/today").text)
    assert section and f"the clinic proposes {when:%a} {when.day} {when:%b %Y, %H:%M}" in section, section

    with transaction(engine) as s:
        appointments.answer(s, people.owner, people.owner_pid, int(made["id"]), "confirm")
    section = _section(client.get("/today").text)
    assert section and f"booked for {when:%a} {when.day} {when:%b %Y, %H:%M}" in section, section
    with transaction(engine) as s:  # the page's read is in the trail (one read row per page and patient)
        before = len(s.scalars(select(AuditEvent).where(AuditEvent.patient_id == people.owner_pid,
                                                        AuditEvent.action == "read")).all())
    client.get("/today")
    with transaction(engine) as s:
        after = len(s.scalars(select(AuditEvent).where(AuditEvent.patient_id == people.owner_pid,
                                                       AuditEvent.action == "read")).all())
    assert after == before + 1

    login_page(client, "stranger@example.org")  # another patient's home: none of it
    page = client.get("/today").text
    assert _section(page) is None and "Flare after the holidays" not in page


def test_a_closed_request_is_not_mentioned(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        made = appointments.request_appointment(s, people.owner, people.owner_pid, "Itchy at night", "routine", "")
        appointments.respond(s, people.clinician, int(made["id"]), "decline", None,  # type: ignore[call-overload]
                             "Please see your GP first")
    login_page(client, "owner@example.org")
    page = client.get("/today").text
    assert _section(page) is None and "Itchy at night" not in page


def test_the_read_is_audited_and_for_the_managing_account_only(engine, people) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        appointments.request_appointment(s, people.owner, people.owner_pid, "Flare again", "soon", "")
    with transaction(engine) as s:
        assert [r["reason"] for r in appointments.home_requests(s, people.owner, people.owner_pid)] == ["Flare again"]
        assert appointments.home_requests(s, people.stranger, people.owner_pid) == []  # not theirs: nothing read
        assert appointments.home_requests(s, people.clinician, people.owner_pid) == []  # the clinic has its queue
    with transaction(engine) as s:
        rows = s.scalars(select(AuditEvent).where(AuditEvent.object_type == "appointments")).all()
    assert [(r.actor_user_id, r.patient_id, r.action) for r in rows] == [(people.owner.user_id, people.owner_pid, "read")]
