"""The clinician answers a request that changed while the page was open (acceptance test, 2026-12-06).

The page came back (404 or 422) with no message at all: the error was meant for the request's own
card, and that card had no form (the patient withdrew the request) or was not in the list any
more (the patient stopped sharing the record), so nothing said why Accept did nothing.
"""

from __future__ import annotations

import datetime as dt
import html
import re

from gutskin.clinic import appointments, sharing
from gutskin.store.db import transaction
from tests.safety.test_attacks import login_page

SOON = (dt.datetime.now(dt.UTC) + dt.timedelta(days=9)).strftime("%Y-%m-%dT09:30")


def _clinician_page(client):  # type: ignore[no-untyped-def]
    assert login_page(client, "linked@clinic.example.org").status_code == 303
    page = client.get("/clinic/appointments")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def _alerts(text: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in re.findall(r'role="alert"[^>]*>(.*?)</p>', text, re.S)]


def test_a_request_withdrawn_meanwhile_says_so(client, engine, people) -> None:
    with transaction(engine) as s:
        rid = int(appointments.request_appointment(s, people.owner, people.owner_pid, "Flare", "soon", "mornings")["id"])
    csrf = _clinician_page(client)
    with transaction(engine) as s:  # the patient withdraws while the clinician's page is open
        appointments.answer(s, people.owner, people.owner_pid, rid, "withdraw")
    r = client.post(f"/clinic/appointments/{rid}", data={"csrf_token": csrf, "action": "accept", "time": SOON})
    assert r.status_code == 422
    alerts = _alerts(r.text)
    assert len(alerts) == 1 and alerts[0].startswith(f"Request {rid}: "), alerts


def test_a_request_gone_with_the_sharing_says_so(client, engine, people) -> None:
    with transaction(engine) as s:
        rid = int(appointments.request_appointment(s, people.owner, people.owner_pid, "Flare", "soon", "mornings")["id"])
    csrf = _clinician_page(client)
    with transaction(engine) as s:  # the patient stops sharing: the request leaves this clinician's list
        consent = sharing.list_access(s, people.owner, people.owner_pid)[0]["consent_id"]
        sharing.revoke(s, people.owner, people.owner_pid, consent)
    r = client.post(f"/clinic/appointments/{rid}", data={"csrf_token": csrf, "action": "accept", "time": SOON})
    assert r.status_code == 404
    assert "Flare" not in r.text  # still nothing of the request itself
    assert _alerts(r.text) == [f"Request {rid}: appointment request not found"]
