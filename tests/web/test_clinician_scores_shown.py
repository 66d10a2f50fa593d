"""The clinician's patient page lists the latest 10 questionnaire results; with more, it says how
many there are and where the rest are (clinician walk 2026-12-06: with 1,000 results the table of
10 read as if these were all). Counted here from the stored rows; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from gutskin.clinic import questionnaires
from gutskin.store.db import transaction
from gutskin.store.models import QuestionnaireResponse
from tests.conftest import People
from tests.safety.test_attacks import login_page

TODAY = dt.date.today()


def _page(client, pid: int) -> str:  # type: ignore[no-untyped-def]
    login_page(client, "linked@clinic.example.org")
    return client.get(f"/clinic/patients/{pid}").text


def test_the_page_says_when_only_the_latest_scores_are_listed(client, people: People, engine) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        for k in range(12):  # POEM and RECAP on alternate days: 12 results
            inst = "poem" if k % 2 else "recap"
            questionnaires.submit(s, people.owner, people.owner_pid, inst, {"answers": [k % 5] * 7},
                                  TODAY - dt.timedelta(days=k))
        total = s.scalar(select(func.count()).select_from(QuestionnaireResponse)
                         .where(QuestionnaireResponse.patient_id == people.owner_pid))
    assert total == 12
    page = _page(client, people.owner_pid)
    table = page.split('aria-label="Scores"', 1)[1].split("</table>", 1)[0]
    assert table.count('class="score"') == 10
    note = re.search(r'<p class="hint" id="scores-shown">(.*?)</p>', page)
    assert note, page.split("<h2>Scores</h2>", 1)[1][:400]
    assert note.group(1).startswith(f"The latest 10 of {total} questionnaire results.")


def test_no_note_when_every_score_is_listed(client, people: People, engine) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        questionnaires.submit(s, people.owner, people.owner_pid, "poem", {"answers": [1] * 7}, TODAY)
    page = _page(client, people.owner_pid)
    assert 'id="scores-shown"' not in page
    assert page.split('aria-label="Scores"', 1)[1].split("</table>", 1)[0].count('class="score"') == 1
