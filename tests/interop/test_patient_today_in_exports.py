"""The FHIR export and the visit report decide "active treatment" (used within 14 days) and a
running challenge's phase on the patient's own today, not the server's (UTC) or the reader's.

A Los Angeles patient whose last cream was 14 days ago on their calendar, at 19:00 there (03:00
the next day in UTC, and in London), had it exported as 'completed' with an end date, and listed
as not active on the report (2026-12-06; the clock faked with time-machine)."""

from __future__ import annotations

import datetime as dt

import time_machine

from gutskin.clinic import reports
from gutskin.store.db import transaction
from tests.conftest import bearer

LAX = "America/Los_Angeles"


def at(utc: str) -> time_machine.travel:
    return time_machine.travel(dt.datetime.fromisoformat(utc).replace(tzinfo=dt.UTC), tick=True)


def test_a_treatment_used_14_days_ago_on_the_patients_calendar_is_active(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    with at("2027-01-03T20:00"):  # noon on 3 January in Los Angeles: the last cream, the app sending its zone
        me = bearer(client, "owner@example.org")
        r = client.put("/api/v1/me/diary/2027-01-03", params={"zone": LAX},
                       json={"itch": 4, "factors": {"treat.tcs": 1}}, headers=me)
        assert r.status_code == 200, r.text
    with at("2027-01-18T03:00"):  # 19:00 on the 17th in Los Angeles: 14 days on the patient's calendar
        doc = bearer(client, "linked@clinic.example.org")
        bundle = client.get(f"/api/v1/patients/{people.owner_pid}/fhir", headers=doc)
        assert bundle.status_code == 200, bundle.text
        (tcs,) = [e["resource"] for e in bundle.json()["entry"]
                  if e["resource"]["resourceType"] == "MedicationStatement"
                  and e["resource"]["medicationCodeableConcept"]["coding"][0]["code"] == "treat.tcs"]
        assert (tcs["status"], tcs["dateAsserted"]) == ("active", "2027-01-17")
        assert "end" not in tcs["effectivePeriod"]
        with transaction(engine) as s:  # the report read in London (already the 18th there)
            data = reports.report_data(s, people.clinician, people.owner_pid, 4, today=dt.date(2027, 1, 18))
        (cream,) = [t for t in data["treatments"] if t["name"] == "treat.tcs"]
        assert cream["active"] is True
