"""The panel's Requests count opens the appointment requests (new clinician's walk, 2026-12-07): the
count was plain text, so a clinician who saw "2 (1 urgent)" next to a patient had to find the
*Appointments* menu to answer. A patient with no open request shows a bare 0, no link."""

from __future__ import annotations

import re

from gutskin.clinic import appointments
from gutskin.store.db import transaction
from tests.safety.test_attacks import login_page


def _requests_cell(page: str, pid: int) -> str:
    row = re.search(rf'(?s)<tr><td><a href="/clinic/patients/{pid}">.*?</tr>', page)
    assert row, page[:2000]
    return re.findall(r"(?s)<td[^>]*>(.*?)</td>", row.group(0))[-1]


def test_open_requests_link_to_the_requests_page(client, engine, people) -> None:
    login_page(client, "linked@clinic.example.org")
    cell = _requests_cell(client.get("/clinic").text, people.owner_pid)
    assert cell.strip() == "0" and "<a" not in cell
    with transaction(engine) as s:
        appointments.request_appointment(s, people.owner, people.owner_pid, "Flare A", "urgent", "mornings")
        appointments.request_appointment(s, people.owner, people.owner_pid, "Flare B", "routine", "")
    cell = _requests_cell(client.get("/clinic").text, people.owner_pid)
    link = re.fullmatch(r'<a class="requests-link" href="([^"]+)">2 <strong class="urgent">\(1 urgent\)</strong></a>', cell.strip())
    assert link, cell
    queue = client.get(link.group(1))
    assert queue.status_code == 200 and "Flare A" in queue.text and "Flare B" in queue.text
