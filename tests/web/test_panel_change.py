"""The clinician's panel shows the change between the two periods as the difference of the
means it shows: 2.9 vs 2.7 is +0.2 (it was taken from the unrounded means, 2.857 − 2.714, and
read +0.1)."""

from __future__ import annotations

import datetime as dt
import html
import re

from gutskin.clinic import diary, summary
from gutskin.store.db import transaction
from tests.safety.test_attacks import login_page


def _log_itch(engine, people, today: dt.date) -> None:  # type: ignore[no-untyped-def]
    last7 = [3, 3, 3, 3, 3, 3, 2]  # mean 20/7 = 2.857 -> shown 2.9
    prev28 = [3] * 20 + [2] * 8  # mean 76/28 = 2.714 -> shown 2.7
    with transaction(engine) as s:
        for i, itch in enumerate(last7 + prev28):
            diary.put_day(s, people.owner, people.owner_pid, today - dt.timedelta(days=i), diary.DayInput(itch=itch))


def test_the_change_is_the_difference_of_the_shown_means(engine, people, client) -> None:
    today = dt.date.today()
    _log_itch(engine, people, today)
    with transaction(engine) as s:
        (row,) = summary.panel(s, people.clinician, today=today)
    assert (row["itch_last7"], row["itch_prev28"], row["worsening"]) == (2.9, 2.7, 0.2)
    assert row["need"] == 0.28  # 2 × 0.14: the ranking still uses the finer difference (2.857 − 2.714)

    login_page(client, "linked@clinic.example.org")
    page = html.unescape(client.get("/clinic").text)
    cells = re.search(r"<td>2\.9</td><td>2\.7</td>\s*<td[^>]*>([^<]*)</td>", page)
    assert cells is not None, page
    assert cells.group(1) == "+0.2"
