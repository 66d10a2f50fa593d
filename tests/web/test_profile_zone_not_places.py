"""A profile's time zone is a place (the new patient's walk of 2026-12-07): My data's list offered
"localtime" and "Factory" among its 599 names (``zoneinfo.available_timezones()`` lists every file
of the zone database). "localtime" is the server machine's own zone -- chosen, the person's days
would follow wherever the server runs -- and "Factory" is the database's "zone not set" (-00).
Both, and "posixrules", are no longer offered nor accepted (page list and API); real names are.
SQLite and PostgreSQL."""

from __future__ import annotations

from gutskin.clinic import zones
from gutskin.store.db import transaction
from gutskin.store.models import Patient
from tests.conftest import bearer


def test_the_list_offers_only_places() -> None:
    choices = zones.choices()
    assert not {"localtime", "Factory", "posixrules"} & set(choices)
    assert {"UTC", "Europe/London", "America/New_York", "Pacific/Auckland"} <= set(choices)
    assert all(zones.known(name) is not None for name in choices)
    assert zones.known("localtime") is None and zones.known("Factory") is None


def test_the_api_refuses_a_zone_that_is_no_place(client, people, engine) -> None:
    owner = bearer(client, "owner@example.org")
    r = client.put("/api/v1/me/time_zone", json={"time_zone": "Europe/Berlin"}, headers=owner)
    assert r.status_code == 200 and r.json()["time_zone"] == "Europe/Berlin", r.text
    for name in ("localtime", "Factory", "posixrules"):
        r = client.put("/api/v1/me/time_zone", json={"time_zone": name}, headers=owner)
        assert r.status_code == 422 and "not a time zone this server knows" in r.text, (name, r.text)
        with transaction(engine) as s:
            assert s.get(Patient, people.owner_pid).time_zone == "Europe/Berlin"
