"""Sharing's revoke warning calls a time the clinician only proposed what it is, not "booked" (clinic walk
on a fresh server, 2026-12-07): the clinician proposed a time, the patient had not confirmed it, and
Sharing said "Revoking also cancels 1 appointment Dr Ana Ruiz booked with you". Fails on the code before."""

from __future__ import annotations

import datetime as dt
import html
import re

from gutskin.store.db import transaction
from tests.safety.test_attacks import login_page


def _warning(client) -> str:  # type: ignore[no-untyped-def]
    page = html.unescape(client.get("/sharing").text)
    found = re.search(r'<p class="warning" id="revoke-cancels-appointments">(.*?)</p>', page, re.S)
    assert found, page
    return " ".join(found.group(1).split())


def test_a_proposed_time_is_not_called_a_booked_appointment(engine, client, people) -> None:
    from gutskin.clinic import appointments

    soon = (dt.datetime.now(dt.UTC).replace(tzinfo=None, minute=0, second=0, microsecond=0) + dt.timedelta(days=5))
    with transaction(engine) as s:
        first = appointments.request_appointment(s, people.owner, people.owner_pid, "Flare on the hands", "soon")
    with transaction(engine) as s:
        appointments.respond(s, people.clinician, first["id"], "propose", soon, "Would this suit you?")
    login_page(client, "owner@example.org")
    said = _warning(client)
    assert said == ("Revoking also cancels 1 appointment request to which Dr Linked proposed a time, not confirmed "
                    "yet: they could no longer see it."), said
    assert "booked" not in said
    # a booked one and a proposed one: both said, each for what it is
    with transaction(engine) as s:
        second = appointments.request_appointment(s, people.owner, people.owner_pid, "Check-up after the cream", "routine")
    with transaction(engine) as s:
        appointments.respond(s, people.clinician, second["id"], "accept", soon + dt.timedelta(days=1), "See you then")
    said = _warning(client)
    assert said == ("Revoking also cancels 1 appointment Dr Linked booked with you and 1 appointment request to which "
                    "Dr Linked proposed a time, not confirmed yet: they could no longer see them."), said
