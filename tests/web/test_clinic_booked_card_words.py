"""The clinician's card of a booked appointment offered "Accept" and "Decline", the words for a
request not yet answered: an allergist moving or cancelling a booked visit had to guess that
"Accept" with a new time moves it and "Decline" cancels it (found walking the clinician's journey,
2026-12-06). A booked card now says "Move to this time" and "Cancel the appointment"; both still
do what they did."""

from __future__ import annotations

import datetime as dt
import html
import re

from gutskin.clinic import appointments
from gutskin.store.db import transaction
from tests.safety.test_attacks import login_page

SOON = dt.datetime.now(dt.UTC).replace(tzinfo=None, second=0, microsecond=0) + dt.timedelta(days=9)


def _card(client, rid: int) -> str:  # type: ignore[no-untyped-def]
    page = html.unescape(client.get("/clinic/appointments").text)
    form = re.search(rf'(?s)<form method="post" action="/clinic/appointments/{rid}"[^>]*>(.*?)</form>', page)
    return form.group(1) if form else ""


def _buttons(card: str) -> list[str]:
    return [b.strip() for b in re.findall(r"<button[^>]*>(.*?)</button>", card)]


def test_a_booked_appointment_is_moved_or_cancelled_in_a_bookings_words(client, engine, people) -> None:
    with transaction(engine) as s:
        rid = int(appointments.request_appointment(s, people.owner, people.owner_pid, "Flare", "soon", "mornings")["id"])
    login_page(client, "linked@clinic.example.org")
    assert _buttons(_card(client, rid)) == ["Accept", "Propose this time", "Decline"]  # not answered yet
    with transaction(engine) as s:
        appointments.respond(s, people.clinician, rid, "accept", SOON, "See you then")
    card = _card(client, rid)
    assert _buttons(card) == ["Move to this time", "Propose this time", "Cancel the appointment"]
    assert "(a new time, to move the appointment)" in card
    token = re.search(r'name="csrf_token" value="([^"]+)"', card).group(1)  # type: ignore[union-attr]
    later = (SOON + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    r = client.post(f"/clinic/appointments/{rid}", data={"action": "accept", "time": later, "message": "moved",
                                                         "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    with transaction(engine) as s:
        got = appointments.queue(s, people.clinician, include_closed=True)
    assert [(a["id"], a["status"]) for a in got] == [(rid, "accepted")]
    r = client.post(f"/clinic/appointments/{rid}", data={"action": "decline", "time": "", "message": "clinic closed",
                                                         "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    with transaction(engine) as s:
        assert appointments.queue(s, people.clinician, include_closed=True)[0]["status"] == "declined"
