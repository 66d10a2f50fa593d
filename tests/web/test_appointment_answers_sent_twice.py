"""An answer to an appointment request sent twice is one answer (2026-12-07), on SQLite and PostgreSQL.

The clinician's answer, the patient's answer and "Also send to" are sent with fetch since 2026-12-07
(static/app.js sentWithFetch): when the answer to a send is lost on a bad connection, the page says it was
not sent and the person presses the button again. The server had already taken the first one, and the
second was refused ("this request is closed" after a Decline, "already sent to" after a send-on, "the
clinic has not proposed a time" after Ask for another time) or written again (an Accept audited twice).
Now the same answer again within minutes writes nothing and answers as the first did; an answer that
differs is still refused or applied as before."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from gutskin.clinic import appointments, sharing
from gutskin.store.db import transaction
from gutskin.store.models import AppointmentRecipient, AppointmentRequest, AuditEvent
from tests.conftest import People
from tests.safety.test_attacks import login_page

SOON = dt.datetime.now(dt.UTC).replace(tzinfo=None, second=0, microsecond=0) + dt.timedelta(days=9)


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def _writes(engine, rid: int, action: str) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return int(s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.object_type == "appointment", AuditEvent.object_id == str(rid), AuditEvent.action == action)))


def test_the_clinicians_decline_sent_twice_is_one_decline(client, people: People, engine) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        rid = int(appointments.request_appointment(s, people.owner, people.owner_pid, "Flare", "soon")["id"])
        other = int(appointments.request_appointment(s, people.owner, people.owner_pid, "Rash", "routine")["id"])
    login_page(client, "linked@clinic.example.org")
    csrf = _csrf(client.get("/clinic/appointments").text)
    form = {"csrf_token": csrf, "action": "decline", "time": "", "message": "Please see your GP first."}
    for _ in range(2):  # the first one's answer lost on the way back: pressed again
        r = client.post(f"/clinic/appointments/{rid}", data=form, follow_redirects=False)
        assert r.status_code == 303, r.text
    assert _writes(engine, rid, "decline") == 1
    with transaction(engine) as s:
        a = s.get(AppointmentRequest, rid)
        assert (a.status, a.message) == ("declined", "Please see your GP first.")
    # another answer to the declined request is still refused, and says why
    r = client.post(f"/clinic/appointments/{rid}", data={**form, "message": "Something else"}, follow_redirects=False)
    assert r.status_code == 422 and "this request is closed" in r.text.lower(), r.text[-3000:]
    # the same words to another request are its own answer
    assert client.post(f"/clinic/appointments/{other}", data=form, follow_redirects=False).status_code == 303
    assert _writes(engine, other, "decline") == 1


def test_the_clinicians_accept_and_propose_sent_twice_are_written_once(engine, people: People) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        booked = int(appointments.request_appointment(s, people.owner, people.owner_pid, "Flare", "soon")["id"])
        proposed = int(appointments.request_appointment(s, people.owner, people.owner_pid, "Rash", "routine")["id"])
    for _ in range(2):
        with transaction(engine) as s:
            out = appointments.respond(s, people.clinician, booked, "accept", SOON, "Bring your creams")
            assert (out["status"], out["message"]) == ("accepted", "Bring your creams")
        with transaction(engine) as s:
            assert appointments.respond(s, people.clinician, proposed, "propose", SOON, "")["status"] == "proposed"
    assert (_writes(engine, booked, "accept"), _writes(engine, proposed, "propose")) == (1, 1)
    # a new time is a new answer (the appointment moved), written
    with transaction(engine) as s:
        appointments.respond(s, people.clinician, booked, "accept", SOON + dt.timedelta(hours=1), "Bring your creams")
    assert _writes(engine, booked, "accept") == 2


def test_also_send_to_sent_twice_is_one_send(client, people: People, engine) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        rid = int(appointments.request_appointment(s, people.owner, people.owner_pid, "Flare", "soon")["id"])
        sharing.accept_invite(s, people.unlinked, sharing.create_invite(s, people.owner, people.owner_pid)["code"])
    login_page(client, "owner@example.org")
    page = client.get("/appointments").text
    form = page.split(f'id="send-on-{rid}"', 1)[1].split("</form>", 1)[0]
    to = re.search(r'name="to" value="(\d+)"', form).group(1)  # type: ignore[union-attr]
    for _ in range(2):
        r = client.post(f"/appointments/{rid}/send", data={"csrf_token": _csrf(page), "to": to}, follow_redirects=False)
        assert r.status_code == 303, r.text
    assert _writes(engine, rid, "send") == 1
    with transaction(engine) as s:
        assert sorted(s.scalars(select(AppointmentRecipient.clinician_user_id)
                                .where(AppointmentRecipient.request_id == rid)).all()) == sorted(
            [people.clinician.user_id, people.unlinked.user_id])
    # the clinician it went to from the start, chosen on a request never sent on, is still refused
    with transaction(engine) as s:
        fresh = int(appointments.request_appointment(s, people.owner, people.owner_pid, "Rash", "routine",
                                                     to=[int(to)])["id"])
    r = client.post(f"/appointments/{fresh}/send", data={"csrf_token": _csrf(page), "to": to}, follow_redirects=False)
    assert r.status_code == 422 and "already sent to" in r.text


def test_the_patients_answer_sent_twice_is_one_answer(client, people: People, engine) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        rid = int(appointments.request_appointment(s, people.owner, people.owner_pid, "Flare", "soon", "mornings")["id"])
        appointments.respond(s, people.clinician, rid, "propose", SOON, "")
        gone = int(appointments.request_appointment(s, people.owner, people.owner_pid, "Rash", "routine")["id"])
    login_page(client, "owner@example.org")
    csrf = _csrf(client.get("/appointments").text)
    for _ in range(2):
        r = client.post(f"/appointments/{rid}", data={"csrf_token": csrf, "action": "another_time",
                                                       "note": "Thursday afternoons"}, follow_redirects=False)
        assert r.status_code == 303, r.text
        r = client.post(f"/appointments/{gone}", data={"csrf_token": csrf, "action": "withdraw"}, follow_redirects=False)
        assert r.status_code == 303, r.text
    assert (_writes(engine, rid, "another_time"), _writes(engine, gone, "withdraw")) == (1, 1)
    with transaction(engine) as s:
        a = s.get(AppointmentRequest, rid)
        assert (a.status, a.preferred_times) == ("open", "another time please: Thursday afternoons (earlier: mornings)")
    # other words on the reopened request are not the same answer: refused as before (no time proposed)
    r = client.post(f"/appointments/{rid}", data={"csrf_token": csrf, "action": "another_time", "note": "Fridays"},
                    follow_redirects=False)
    assert r.status_code == 422 and "has not proposed a time" in r.text
