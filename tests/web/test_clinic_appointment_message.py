"""The clinician's request list shows the message the clinic sent with its answer, which the
patient reads as "Message from the clinic": it was shown on the patient's page only, so the
clinician (or a colleague) could not see what the patient had been told, not even the reason a
declined request had to give (found walking the clinician's journey)."""

from __future__ import annotations

import datetime as dt
import html

from gutskin.clinic import appointments
from gutskin.store.db import transaction
from tests.safety.test_attacks import login_page

SOON = dt.datetime.now(dt.UTC).replace(tzinfo=None, second=0, microsecond=0) + dt.timedelta(days=9)


def test_the_clinics_message_is_on_the_clinicians_list(engine, people, client) -> None:
    with transaction(engine) as s:
        proposed = int(appointments.request_appointment(s, people.owner, people.owner_pid, "Flare", "soon", "mornings")["id"])
        appointments.respond(s, people.clinician, proposed, "propose", SOON, "Bring the adrenaline pen prescription.")
        declined = int(appointments.request_appointment(s, people.owner, people.owner_pid, "Rash", "routine", "")["id"])
        appointments.respond(s, people.clinician, declined, "decline", None, "Please see your GP first.")
        silent = int(appointments.request_appointment(s, people.owner, people.owner_pid, "Check-up", "routine", "")["id"])
    login_page(client, "linked@clinic.example.org")
    page = html.unescape(client.get("/clinic/appointments").text)
    cards = {rid: page.split(f'action="/clinic/appointments/{rid}"')[0].rsplit("<article", 1)[-1]
             for rid in (proposed, silent)}
    assert "Message to the patient: Bring the adrenaline pen prescription." in cards[proposed]
    assert "Message to the patient" not in cards[silent]  # nothing sent yet
    assert "Message to the patient: Please see your GP first." in page  # the closed card, without a form


def test_the_clinicians_list_says_each_status_in_words(engine, people, client) -> None:
    """The cards showed the status codes ("Owner soon accepted", "open", "proposed"); the patient's
    page has words for them."""
    with transaction(engine) as s:
        ids = {}
        for status in ("open", "proposed", "accepted", "declined", "withdrawn"):
            ids[status] = rid = int(appointments.request_appointment(s, people.owner, people.owner_pid, status, "soon", "")["id"])
            if status in ("proposed", "accepted"):
                appointments.respond(s, people.clinician, rid, "propose" if status == "proposed" else "accept", SOON, "")
            elif status == "declined":
                appointments.respond(s, people.clinician, rid, "decline", None, "GP first")
            elif status == "withdrawn":
                appointments.answer(s, people.owner, people.owner_pid, rid, "withdraw", "")
    login_page(client, "linked@clinic.example.org")
    page = client.get("/clinic/appointments").text
    words = {"open": "waiting for your answer", "proposed": "time proposed, waiting for the patient", "accepted": "booked",
             "declined": "declined", "withdrawn": "withdrawn by the patient"}
    for status, said in words.items():
        assert f'<small class="status" data-status="{status}">{said}</small>' in page, status
