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


def test_the_flare_column_tells_no_flare_from_not_recorded(engine, people, client) -> None:
    """Found on the new clinician's walk (2026-12-07): the Flare column said "yes" on a flare day and
    nothing otherwise, so a day whose flare question was answered "no" (every day of the demo's
    diaries, and every day kept on the diary page since 1daf662) read like one where it was never
    answered, while the visit report counts the days "that recorded flares". A blank stays "not
    recorded", as in the other columns."""
    from tests.safety.test_attacks import login_page

    today = dt.date.today()
    days = {today - dt.timedelta(days=1): True, today - dt.timedelta(days=2): False, today - dt.timedelta(days=3): None}
    with transaction(engine) as s:
        for day, flare in days.items():
            diary.put_day(s, people.owner, people.owner_pid, day, diary.DayInput(itch=4, flare=flare))
    login_page(client, "linked@clinic.example.org")
    page = html.unescape(client.get(f"/clinic/patients/{people.owner_pid}").text)
    table = page.split("<h2>Last two weeks</h2>", 1)[1].split("</table>", 1)[0]
    rows = {m.group(1): m.group(0) for m in re.finditer(r"<tr><td>(\d{4}-\d\d-\d\d)</td>.*?</tr>", table)}
    heads = re.findall(r"<th>([^<]*)</th>", table)
    column = heads.index("Flare")
    cells = {day: re.findall(r"<td[^>]*>(.*?)</td>", rows[day.isoformat()])[column] for day in days}
    assert cells == {
        today - dt.timedelta(days=1): "yes", today - dt.timedelta(days=2): "no", today - dt.timedelta(days=3): ""}
