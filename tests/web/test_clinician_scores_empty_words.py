"""The clinician's Scores table, with no questionnaire answered in the app, points to the POEM
totals listed above only when the period shown has some. It read 'POEM totals from imported
diaries are listed above' for a patient whose only POEM was older than the 12 weeks shown (the
list above was absent; found in the years-of-data walk of 2026-12-06)."""

from __future__ import annotations

import datetime as dt
import html
import re

from gutskin.clinic import diary
from gutskin.store.db import transaction
from tests.safety.test_attacks import login_page


def _no_scores_row(page: str) -> str:
    m = re.search(r'<td colspan="5"[^>]*>(No questionnaire answered.*?)</td>', page, re.S)
    assert m, page[-3000:]
    return html.unescape(m.group(1))


def test_listed_above_only_when_the_period_has_poem_totals(engine, people, client) -> None:
    old_day = dt.date.today() - dt.timedelta(days=200)
    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, old_day, diary.DayInput(itch=4, poem=12))
    login_page(client, "linked@clinic.example.org")
    recent = client.get(f"/clinic/patients/{people.owner_pid}", params={"weeks": 12})
    assert recent.status_code == 200
    row = _no_scores_row(recent.text)
    assert "listed above" not in row, row
    assert row == "No questionnaire answered in the app yet, and no POEM total in the diary for these 12 weeks."
    assert '<ul class="poem">' not in recent.text  # nothing is listed above
    year = client.get(f"/clinic/patients/{people.owner_pid}", params={"weeks": 52})
    assert year.status_code == 200
    assert '<ul class="poem">' in year.text and f"{old_day.isoformat()}: <strong>12</strong>" in year.text
    assert _no_scores_row(year.text) == ("No questionnaire answered in the app yet "
                                         "(POEM totals from imported diaries are listed above).")
