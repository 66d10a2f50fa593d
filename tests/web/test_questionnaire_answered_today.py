"""The POEM/RECAP form says when today's answer is already stored, before the questions: a second
answer on the same day replaces the first, and did so without a word (phone walk, 2026-12-07:
a POEM of 14, moderate, answered again as 7, mild, left only the 7, and a reload of the result page
re-sent the answers). The reading is authorized (another person's profile: 404) and audited."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent
from tests.safety.test_attacks import login_page


def _line(page: str) -> str | None:
    m = re.search(r'<p class="prompt" id="answered-today">(.*?)</p>', page, re.S)
    return " ".join(html.unescape(m.group(1)).split()) if m else None


def _answer(client, instrument: str, choice: int) -> None:  # type: ignore[no-untyped-def]
    page = client.get(f"/questionnaire/{instrument}").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post(f"/questionnaire/{instrument}", data={"csrf_token": csrf, **{f"q{i}": str(choice) for i in range(7)}})
    assert r.status_code == 200 and "Score " in r.text, r.text


def test_the_form_says_todays_answer_is_replaced_by_a_new_one(client, people, engine) -> None:
    login_page(client, "owner@example.org")
    assert _line(client.get("/questionnaire/poem").text) is None  # nothing answered yet
    _answer(client, "poem", 2)  # 2 on each of 7 questions: 14
    assert _line(client.get("/questionnaire/poem").text) == (
        "POEM is already answered today: 14 out of 28 (moderate). A new answer replaces it: one answer a day is kept.")
    assert _line(client.get("/questionnaire/recap").text) is None  # each questionnaire its own
    _answer(client, "poem", 1)
    assert _line(client.get("/questionnaire/poem").text).startswith("POEM is already answered today: 7 out of 28 (mild).")
    with transaction(engine) as s:
        reads = s.scalars(select(AuditEvent).where(AuditEvent.patient_id == people.owner_pid, AuditEvent.action == "read",
                                                   AuditEvent.object_type == "questionnaires")).all()
    assert sum(e.object_id == "poem" for e in reads) >= 5  # each of the five visits of the POEM form read the day's answer
    # another person's profile: the 404 of a missing one, and nothing said about it
    login_page(client, "stranger@example.org")
    r = client.get(f"/questionnaire/poem?patient={people.owner_pid}")
    assert r.status_code == 404 and _line(r.text) is None
