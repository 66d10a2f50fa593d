"""The patient answers the clinic: confirm a proposed time, ask for another, or withdraw a request.

Before, a proposed time could only be confirmed by telephone (the clinician then pressed Accept);
the patient's page said "contact them to confirm". Owner, stranger and clinician each tried."""

from __future__ import annotations

import datetime as dt
import html
import re
from zoneinfo import ZoneInfo

import pytest

from gutskin.clinic import appointments
from gutskin.clinic.errors import ClinicError, InvalidInput, NotFound
from gutskin.store.db import transaction
from gutskin.store.models import AppointmentRequest
from gutskin.web.pages.access_words import access_rows
from tests.conftest import bearer
from tests.safety.test_attacks import login_page

SOON = (dt.datetime.now(dt.UTC).replace(tzinfo=None, second=0, microsecond=0) + dt.timedelta(days=9))


def _proposed(engine, people, when: dt.datetime = SOON) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        rid = int(appointments.request_appointment(s, people.owner, people.owner_pid, "Flare", "soon", "mornings")["id"])
        appointments.respond(s, people.clinician, rid, "propose", when, "Tuesday at 9?")
    return rid


def _row(engine, rid: int) -> AppointmentRequest:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        a = s.get(AppointmentRequest, rid)
        s.expunge(a)
        return a


def test_confirming_a_proposed_time_books_it(engine, people) -> None:
    rid = _proposed(engine, people)
    with transaction(engine) as s:
        out = appointments.answer(s, people.owner, people.owner_pid, rid, "confirm")
    assert out["status"] == "accepted" and out["scheduled_for"] == SOON.isoformat(timespec="minutes") + "Z"
    with transaction(engine) as s:  # the clinician's queue shows it booked
        assert [r["status"] for r in appointments.queue(s, people.clinician) if r["id"] == rid] == ["accepted"]


def test_asking_for_another_time_reopens_the_request_with_the_note(engine, people) -> None:
    rid = _proposed(engine, people)
    with transaction(engine) as s:
        appointments.answer(s, people.owner, people.owner_pid, rid, "another_time", "  Thursdays after 3 pm ")
    a = _row(engine, rid)
    assert (a.status, a.scheduled_for) == ("open", None)
    assert a.preferred_times == "another time please: Thursdays after 3 pm (earlier: mornings)"
    with transaction(engine) as s:  # the clinic can propose again, and it is first in the queue (open)
        assert appointments.queue(s, people.clinician)[0]["id"] == rid
        appointments.respond(s, people.clinician, rid, "propose", SOON + dt.timedelta(days=2))
    assert _row(engine, rid).status == "proposed"


def test_withdrawing_closes_the_request_for_both_sides(engine, people) -> None:
    with transaction(engine) as s:
        rid = int(appointments.request_appointment(s, people.owner, people.owner_pid, "Flare")["id"])
        appointments.answer(s, people.owner, people.owner_pid, rid, "withdraw")
    with transaction(engine) as s:
        assert rid not in [r["id"] for r in appointments.queue(s, people.clinician)]
        assert [r["status"] for r in appointments.queue(s, people.clinician, include_closed=True) if r["id"] == rid] == ["withdrawn"]
    with pytest.raises(InvalidInput, match="closed"), transaction(engine) as s:
        appointments.respond(s, people.clinician, rid, "accept", SOON)
    # Withdraw pressed again (its answer lost, 2026-12-07): the same answer, nothing written; "closed" to the
    # clinic's accept above, and to the patient's other answers
    with transaction(engine) as s:
        assert appointments.answer(s, people.owner, people.owner_pid, rid, "withdraw")["status"] == "withdrawn"
    with pytest.raises(InvalidInput, match="closed"), transaction(engine) as s:
        appointments.answer(s, people.owner, people.owner_pid, rid, "confirm")


@pytest.mark.parametrize(("setup", "action", "message"), [
    ("open", "confirm", "has not proposed a time"),
    ("open", "another_time", "has not proposed a time"),
    ("past", "confirm", "already passed"),
    ("proposed", "reschedule", "expected one of confirm, another_time, withdraw"),
])
def test_answers_that_do_not_fit_the_request_are_refused_and_change_nothing(engine, people, setup, action, message) -> None:
    if setup == "open":
        with transaction(engine) as s:
            rid = int(appointments.request_appointment(s, people.owner, people.owner_pid, "Flare")["id"])
    else:
        rid = _proposed(engine, people)
        if setup == "past":  # the proposed time went by before the patient answered
            with transaction(engine) as s:
                s.get(AppointmentRequest, rid).scheduled_for = SOON - dt.timedelta(days=30)
    before = _row(engine, rid)
    with pytest.raises(InvalidInput, match=message), transaction(engine) as s:
        appointments.answer(s, people.owner, people.owner_pid, rid, action)
    after = _row(engine, rid)
    assert (after.status, after.scheduled_for, after.preferred_times) == (before.status, before.scheduled_for, before.preferred_times)


def test_only_the_owner_answers(engine, people) -> None:
    rid = _proposed(engine, people)
    with pytest.raises(NotFound), transaction(engine) as s:  # the stranger's own profile does not hold it
        appointments.answer(s, people.stranger, people.stranger_pid, rid, "confirm")
    with pytest.raises(ClinicError), transaction(engine) as s:  # a clinician cannot answer for the patient
        appointments.answer(s, people.clinician, people.owner_pid, rid, "confirm")
    assert _row(engine, rid).status == "proposed"


def test_the_access_list_says_what_the_patient_did(engine, people) -> None:
    rid = _proposed(engine, people)
    with transaction(engine) as s:
        appointments.answer(s, people.owner, people.owner_pid, rid, "another_time")
        appointments.answer(s, people.owner, people.owner_pid, rid, "withdraw")
    events = [{"at": "2026-12-01T10:00:00", "actor": "owner@example.org", "action": a, "object": "appointment"}
              for a in ("withdraw", "another_time")]
    assert [r["what"] for r in access_rows(events, "owner@example.org", None)] == [
        "withdrew an appointment request", "asked for another time for an appointment request"]


def test_api_answers_and_a_stranger_gets_404(client, engine, people) -> None:
    rid = _proposed(engine, people)
    stranger = bearer(client, "stranger@example.org")
    assert client.post(f"/api/v1/me/appointments/{rid}", headers=stranger, json={"action": "confirm"}).status_code == 404
    owner = bearer(client, "owner@example.org")
    r = client.post(f"/api/v1/me/appointments/{rid}", headers=owner, json={"action": "confirm", "note": ""})
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    again = client.post(f"/api/v1/me/appointments/{rid}", headers=owner, json={"action": "another_time"})
    assert again.status_code == 422 and again.json()["detail"].startswith("status: the clinic has not proposed")


def test_page_confirm_and_an_error_shown_on_its_request(client, engine, people) -> None:
    rid = _proposed(engine, people)
    login_page(client, "owner@example.org")
    page = client.get("/appointments").text
    row = page[page.index(f'id="request-{rid}"'):]
    assert "Confirm this time" in row and "Ask for another time" in row
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post(f"/appointments/{rid}", data={"action": "confirm", "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/appointments"
    assert _row(engine, rid).status == "accepted"
    booked = client.get("/appointments").text
    assert "Booked" in booked and "Confirm this time" not in booked
    created = _row(engine, rid).created_at.replace(tzinfo=dt.UTC).astimezone(ZoneInfo("Pacific/Kiritimati"))
    client.cookies.set("tz", "Pacific/Kiritimati")
    assert f"{created:%a} {created.day} {created:%b %Y}" in client.get("/appointments").text  # requested: the person's day, not UTC's
    bad = client.post(f"/appointments/{rid}", data={"action": "another_time", "note": "Fridays", "csrf_token": csrf})
    assert bad.status_code == 422
    assert f'id="request-error-{rid}"' in bad.text and 'value="Fridays"' not in bad.text  # no note field: it is booked
    assert _row(engine, rid).status == "accepted"
    assert client.post(f"/appointments/{rid}", data={"action": "withdraw"}).status_code in (400, 403)  # no CSRF token


def test_the_clinic_reads_the_preferred_times_in_the_patients_zone(client, engine, people) -> None:
    """'Tuesdays after 4 pm' from Auckland was read by a Berlin clinician as Berlin time: the
    request keeps the patient's zone (browser on the page, ``time_zone`` on the API)."""
    login_page(client, "owner@example.org")
    client.cookies.set("tz", "Pacific/Auckland")
    page = client.get("/appointments").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post("/appointments", data={"reason": "Flare", "urgency": "soon", "preferred_times": "Tuesdays after 4 pm",
                                           "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    with transaction(engine) as s:
        mine = appointments.my_requests(s, people.owner, people.owner_pid)[0]
    assert mine["patient_zone"] == "Pacific/Auckland"
    client.cookies.clear()
    login_page(client, "linked@clinic.example.org")
    client.cookies.set("tz", "Europe/Berlin")
    queue = html.unescape(client.get("/clinic/appointments").text)
    assert "Tuesdays after 4 pm <small>(the patient's words, in the patient's time zone, Pacific/Auckland)" in queue
    h = bearer(client, "owner@example.org")
    bad = client.post("/api/v1/me/appointments", headers=h, json={"reason": "Flare", "time_zone": "Mars/Olympus"})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("time_zone:")
    ok = client.post("/api/v1/me/appointments", headers=h, json={"reason": "Flare", "time_zone": "America/Lima"})
    assert ok.status_code == 201 and ok.json()["patient_zone"] == "America/Lima"
    plain = client.post("/api/v1/me/appointments", headers=h, json={"reason": "Flare"})
    assert plain.status_code == 201 and plain.json()["patient_zone"] is None
