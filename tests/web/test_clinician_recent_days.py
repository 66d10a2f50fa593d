"""The clinician's "Last two weeks" shows every value a day holds.

Found walking the clinician's journey (2026-12-06): a day that held only a POEM total or a
PO-SCORAD (an imported diary's weekly POEM, a PO-SCORAD logged on its own) was a blank row, because
the table had no column for them, while the panel counted the day as the last entry.
"""

from __future__ import annotations

import datetime as dt
import html
import re

from gutskin.clinic import diary
from gutskin.store.db import transaction


def test_a_day_with_only_poem_or_poscorad_shows_them(engine, people, client) -> None:
    from tests.safety.test_attacks import login_page

    today = dt.date.today()
    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, today - dt.timedelta(days=1), diary.DayInput(poem=17))
        diary.put_day(s, people.owner, people.owner_pid, today - dt.timedelta(days=2), diary.DayInput(poscorad=31.5))
    login_page(client, "linked@clinic.example.org")
    page = html.unescape(client.get(f"/clinic/patients/{people.owner_pid}").text)
    table = page.split("<h2>Last two weeks</h2>", 1)[1].split("</table>", 1)[0]
    rows = {m.group(1): m.group(0) for m in re.finditer(r"<tr><td>(\d{4}-\d\d-\d\d)</td>.*?</tr>", table)}
    poem_row = rows[(today - dt.timedelta(days=1)).isoformat()]
    scorad_row = rows[(today - dt.timedelta(days=2)).isoformat()]
    assert '<td class="poem">17</td>' in poem_row
    assert '<td class="poscorad">31.5</td>' in scorad_row and '<td class="poem"></td>' in scorad_row
