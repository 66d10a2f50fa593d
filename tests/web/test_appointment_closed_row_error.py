"""The patient's Appointments page: an answer or a "send on" for a request that closed meanwhile
(withdrawn in another tab, declined by the clinic while the page was open) came back as a 422
page with no message at all -- the error was meant for the request's own row, and a closed row has
no form to show it in (clinician walk, 2026-12-06). Now the row says why; SQLite and PostgreSQL."""

from __future__ import annotations

import re

from gutskin.clinic import appointments
from gutskin.store.db import transaction
from tests.conftest import People, bearer
from tests.safety.test_attacks import login_page


def _row(page: str, req: int) -> str:
    return page.split(f'id="request-{req}"', 1)[1].split("</tr>", 1)[0]


def test_a_refused_answer_on_a_closed_request_is_said_on_its_row(client, people: People, engine) -> None:  # type: ignore[no-untyped-def]
    owner = bearer(client, "owner@example.org")
    req = client.post("/api/v1/me/appointments", headers=owner, json={"reason": "Flare"}).json()["id"]
    login_page(client, "owner@example.org")
    page = client.get("/appointments").text  # the page is open ...
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    with transaction(engine) as s:  # ... when the clinic declines the request
        appointments.respond(s, people.clinician, req, "decline", message="Please call the clinic")
    for path, data, words in ((f"/appointments/{req}", {"action": "withdraw"}, "this request is closed"),
                              (f"/appointments/{req}/send", {"to": "1"}, "(this one is declined)")):
        r = client.post(path, data={"csrf_token": csrf, **data})
        assert r.status_code == 422, r.text
        row = _row(r.text, req)
        said = re.search(rf'<p class="error" role="alert" id="request-error-{req}">(.*?)</p>', row)
        assert said and words in said.group(1).lower(), row
    assert client.get("/api/v1/me/appointments", headers=owner).json()[0]["status"] == "declined"  # unchanged


def test_a_too_long_note_names_its_field_by_the_forms_words(client, people: People, engine) -> None:  # type: ignore[no-untyped-def]
    """"When would suit you instead?" on a proposed time: a note over 500 characters read "At most
    500 characters" with no field named (form_words had no entry for ``note``); it names the field
    as the form labels it, the field is marked and nothing changes."""
    import datetime as dt

    owner = bearer(client, "owner@example.org")
    req = client.post("/api/v1/me/appointments", headers=owner, json={"reason": "Flare"}).json()["id"]
    with transaction(engine) as s:
        appointments.respond(s, people.clinician, req, "propose",
                             when=dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=3))
    login_page(client, "owner@example.org")
    page = client.get("/appointments").text
    assert "When would suit you instead?" in _row(page, req)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    r = client.post(f"/appointments/{req}", data={"csrf_token": csrf, "action": "another_time", "note": "x" * 501})
    assert r.status_code == 422, r.text
    said = re.search(rf'id="request-error-{req}">(.*?)</p>', _row(r.text, req))
    assert said and said.group(1).startswith("When would suit you instead: at most 500 characters"), _row(r.text, req)
    assert client.get("/api/v1/me/appointments", headers=owner).json()[0]["status"] == "proposed"  # unchanged
