"""The clinician's appointment card is headed by the patient and the request's urgency. Found on the new
clinician's walk (2026-12-07): the demo's card read "Ben soon · waiting for your answer", the bare
urgency code after the name, and the name was plain text, so an allergist who wanted to read Ben's
record before answering had to go back to the panel. The name now opens the patient's record and
the urgency is "urgency: soon", the patient form's word; a stranger still gets 404 for that record."""

from __future__ import annotations

import html
import re

from gutskin.clinic import appointments
from gutskin.store.db import transaction
from tests.safety.test_attacks import login_page


def _heading(page: str, reason: str) -> str:
    (card,) = [c for c in page.split('<article class="card request">')[1:] if f"<p>{reason}</p>" in c]
    h2 = re.search(r"(?s)<h2>(.*?)</h2>", card)
    return h2.group(1) if h2 else ""


def test_the_card_links_the_patient_and_says_the_urgency(client, engine, people) -> None:
    with transaction(engine) as s:
        for reason, urgency in (("Flare A", "urgent"), ("Flare B", "soon"), ("Flare C", "routine")):
            appointments.request_appointment(s, people.owner, people.owner_pid, reason, urgency, "mornings")
    login_page(client, "linked@clinic.example.org")
    page = html.unescape(client.get("/clinic/appointments").text)
    for reason, urgency in (("Flare A", "urgent"), ("Flare B", "soon"), ("Flare C", "routine")):
        h2 = _heading(page, reason)
        link = re.search(r'<a class="patient-link" href="([^"]+)">([^<]+)</a>', h2)
        assert link and link.group(1) == f"/clinic/patients/{people.owner_pid}", h2
        text = re.sub(r"<[^>]+>", "", h2)
        assert re.fullmatch(rf"{re.escape(link.group(2))} · urgency: {urgency} · waiting for your answer", text), text
    href = f"/clinic/patients/{people.owner_pid}"
    assert client.get(href).status_code == 200  # the link opens the record it names
    client.cookies.clear()
    login_page(client, "unlinked@clinic.example.org")
    assert client.get(href).status_code == 404
