"""The appointment request form says every problem of a refused send at once (2026-12-07): it refused one per
send (an empty reason, then, with two clinicians linked, no clinician ticked), so a patient sent it again and
again. As the EASI, SCORAD and challenge plan forms: a list at the top (focused, each problem a link to its
field), each field marked invalid and described by its own message next to it, what was typed kept."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from gutskin.store.db import transaction
from gutskin.store.models import AppointmentRequest
from tests.conftest import People
from tests.safety.test_attacks import login_page
from tests.web.test_appointment_addressing import _csrf, _two_clinics


def _summary(page: str) -> list[tuple[str, str]]:
    box = re.search(r'<div class="error-summary" id="appointment-error" role="alert" tabindex="-1" data-focus[^>]*>(.*?)</div>',
                    page, re.S)
    assert box, page[:4000]
    return [(href, html.unescape(text)) for href, text in re.findall(r'<li><a href="#([^"]+)">(.*?)</a></li>', box.group(1))]


def _controls(page: str, name: str) -> list[str]:
    return re.findall(r'<(?:input|select|textarea)[^>]*\bname="' + name + r'"[^>]*>', page.split('<h2>Your requests</h2>')[0])


def _message_of(page: str, control: str) -> str:
    assert 'aria-invalid="true"' in control, control
    described = re.search(r'aria-describedby="([^"]+)"', control)
    assert described, control
    msg = re.search(r'<span class="error-message" id="' + re.escape(described.group(1)) + r'">(.*?)</span>', page)
    assert msg, described.group(1)
    return html.unescape(msg.group(1))


def _stored(engine) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(AppointmentRequest))


def test_an_empty_reason_and_no_clinician_ticked_are_said_together(client, people: People, engine) -> None:  # type: ignore[no-untyped-def]
    _, to_a, to_b = _two_clinics(client, people, engine)
    login_page(client, "owner@example.org")
    page = client.get("/appointments").text
    assert 'class="error-summary"' not in page and 'aria-invalid' not in page.split('<h2>Your requests</h2>')[0]
    r = client.post("/appointments", data={"csrf_token": _csrf(page), "reason": "  ", "urgency": "urgent",
                                           "preferred_times": "Mondays after 4 pm"})
    assert r.status_code == 422
    listed = _summary(r.text)
    assert [href for href, _ in listed] == ["appointment-reason", "appointment-to"], listed
    assert listed[0][1] == "Reason: say briefly why you would like an appointment"
    assert listed[1][1].startswith("Send to: this record is shared with 2 clinicians; choose which")
    assert "2 things to put right" in r.text
    # each field: its id is the link's target, it is invalid and described by its own message
    (reason,) = _controls(r.text, "reason")
    assert 'id="appointment-reason"' in reason and _message_of(r.text, reason) == listed[0][1]
    boxes = _controls(r.text, "to")
    assert len(boxes) == 2 and 'id="appointment-to"' in boxes[0]
    assert all(_message_of(r.text, b) == listed[1][1] for b in boxes)
    # the fields without a problem are not marked; what was typed is kept
    (urgency,) = _controls(r.text, "urgency")
    (times,) = _controls(r.text, "preferred_times")
    assert "aria-invalid" not in urgency and "aria-invalid" not in times
    assert '<option value="urgent" selected>' in r.text and 'value="Mondays after 4 pm"' in times
    assert _stored(engine) == 0

    # put right, both at once: sent
    ok = client.post("/appointments", data={"csrf_token": _csrf(r.text), "reason": "Flare on the hands", "urgency": "urgent",
                                            "preferred_times": "Mondays after 4 pm", "to": str(to_b)}, follow_redirects=False)
    assert ok.status_code == 303 and _stored(engine) == 1


def test_a_long_reason_and_long_preferred_times_are_each_said_by_their_field(client, people: People, engine) -> None:  # type: ignore[no-untyped-def]
    """One clinician linked (no tick boxes): the reason's and the preferred times' lengths, each on its own field
    (one message named both before, whichever was too long)."""
    login_page(client, "owner@example.org")
    page = client.get("/appointments").text
    assert 'name="to"' not in page
    r = client.post("/appointments", data={"csrf_token": _csrf(page), "reason": "x" * 2001, "urgency": "soon",
                                           "preferred_times": "y" * 501})
    assert r.status_code == 422
    listed = _summary(r.text)
    assert listed == [("appointment-reason", "Reason: at most 2000 characters"),
                      ("appointment-preferred_times", "Preferred times: at most 500 characters")], listed
    (reason,) = _controls(r.text, "reason")
    (times,) = _controls(r.text, "preferred_times")
    assert _message_of(r.text, reason) == listed[0][1] and _message_of(r.text, times) == listed[1][1]
    assert ">" + "x" * 2001 + "</textarea>" in r.text and 'value="' + "y" * 501 + '"' in times
    assert _stored(engine) == 0


def test_the_api_names_every_problem_in_its_detail(client, people: People, engine) -> None:  # type: ignore[no-untyped-def]
    owner, _, _ = _two_clinics(client, people, engine)
    r = client.post("/api/v1/me/appointments", headers=owner, json={"reason": "", "urgency": "whenever", "to": []})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail.startswith("reason: say briefly why") and "; urgency: expected one of routine, soon, urgent" in detail
    assert "; to: this record is shared with 2 clinicians" in detail, detail
    assert _stored(engine) == 0
