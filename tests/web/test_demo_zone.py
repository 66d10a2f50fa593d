"""The demo's patients live in a time zone (clinic.demo.ZONE), and their diaries end on their today.

Before 2026-12-07 the demo profiles had no zone and the diaries ended on the date of the machine that
loaded them: a clinician whose browser is ahead of that machine (a clinic in Kiribati or Auckland,
a server on UTC in the evening) saw every demo patient's last entry as "yesterday" on the panel.

Here the demo is loaded by a process whose clock is on UTC-12 (``TZ=Etc/GMT+12``, the zone furthest
behind) and the clinician browses from UTC+14 (Pacific/Kiritimati, the furthest ahead): their dates
differ by one or two days at every hour, so the test does not depend on when it runs.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys

from sqlalchemy import func, select

from gutskin.clinic import zones
from gutskin.clinic.demo import CLINICIAN, PASSWORD, ZONE
from gutskin.store.db import transaction
from gutskin.store.models import DiaryDay, Patient
from tests.safety.test_attacks import login_page

CLINIC_BROWSER = "Pacific/Kiritimati"  # UTC+14
LOADER_CLOCK = "Etc/GMT+12"  # POSIX sign: UTC-12


def _load_demo_behind(db_url: str) -> None:
    env = {**os.environ, "TZ": LOADER_CLOCK, "GUTSKIN_ENV": "development"}
    subprocess.run([sys.executable, "-c", "import sys; from gutskin.clinic.demo import load_demo; load_demo(sys.argv[1])",
                    db_url], env=env, check=True, capture_output=True, timeout=300)


def _last_entry_cells(page: str) -> dict[str, str]:
    """{patient name: the panel's "Last entry" cell}."""
    out = {}
    for row in re.findall(r"<tr><td><a href=\"/clinic/patients/\d+\">(.*?)</tr>", page, re.S):
        cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", "<td>" + row, re.S)]
        out[html.unescape(re.sub(r"<[^>]+>", "", row.split("</a>", 1)[0]))] = cells[5]
    return out


def test_a_clinician_ahead_of_the_loading_machine_sees_the_demo_diaries_end_today(client, db_url: str, engine) -> None:  # type: ignore[no-untyped-def]
    _load_demo_behind(db_url)
    with transaction(engine) as s:
        profile_zones = set(s.scalars(select(Patient.time_zone)).all())
        newest = dict(s.execute(select(Patient.display_name, func.max(DiaryDay.day))
                                .join(DiaryDay, DiaryDay.patient_id == Patient.id).group_by(Patient.display_name)).all())
    assert profile_zones == {ZONE}
    end = max(newest.values())  # the day the simulated diaries end (a patient may have left it out)
    assert end == zones.today_in(ZONE)  # the patients' today, not the loading machine's date

    client.cookies.set("tz", CLINIC_BROWSER)
    assert login_page(client, CLINICIAN, PASSWORD).status_code == 303
    cells = _last_entry_cells(client.get("/clinic").text)
    assert set(cells) == {"Ana", "Ben", "Chloe"}, cells
    ended_today = [name for name in cells if newest[name] == end]
    assert ended_today, (newest, end)  # at least one shared patient logged the last day
    for name, cell in cells.items():
        n = (end - newest[name]).days
        assert cell == ("today" if n == 0 else "yesterday" if n == 1 else f"{n} days ago"), (name, cell, newest, end)
