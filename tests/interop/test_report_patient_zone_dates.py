"""Dates of stored moments (naive UTC) in the visit report and the FHIR bundle are the patient's
dates (clinician walk, 2026-12-07). A clinician who recorded a challenge outcome at 12:00 UTC
decided it on the next day for a patient in Kiritimati (UTC+14); the report's "decided" column
and the AllergyIntolerance's recordedDate gave the UTC date, a day early, and a profile created
at 12:00 UTC counted the day before the patient's first day as a day not logged. SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io

from gutskin.clinic import challenges as ch
from gutskin.clinic import diary, fhir, reports, zones
from gutskin.store.db import transaction
from gutskin.store.models import AllergyRecord, FoodChallenge, Patient
from tests.conftest import People

ZONE = "Pacific/Kiritimati"  # UTC+14 all year: 12:00 UTC is 02:00 the next day there


def test_decided_and_created_dates_are_the_patients(engine, people: People) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    with transaction(engine) as s:
        s.get(Patient, people.owner_pid).time_zone = ZONE  # type: ignore[union-attr]
    with transaction(engine) as s:
        here = zones.patient_today(s, people.owner_pid)
        plan = ch.create_plan(s, people.clinician, people.owner_pid, ch.PlanInput(
            food="food.egg", kind="home", released_for_home=True, start=here, baseline_days=7,
            doses=[ch.DoseStep(0, "1/4 cooked egg")]))
        ch.confirm_outcome(s, people.clinician, int(plan["id"]), "confirmed")  # type: ignore[arg-type]
    utc_day = here - dt.timedelta(days=3)
    noon_utc = dt.datetime.combine(utc_day, dt.time(12, 0))
    with transaction(engine) as s:
        s.get(FoodChallenge, int(plan["id"])).confirmed_at = noon_utc  # type: ignore[union-attr,arg-type]
        for a in s.query(AllergyRecord).filter_by(patient_id=people.owner_pid):
            a.recorded_at = noon_utc
        s.get(Patient, people.owner_pid).created_at = noon_utc - dt.timedelta(days=2)  # type: ignore[union-attr]
        for k in range(2):  # the patient's first two days: the day of the creation, there, and the next
            diary.put_day(s, people.owner, people.owner_pid, utc_day - dt.timedelta(days=1 - k), diary.DayInput(itch=3))
    there = utc_day + dt.timedelta(days=1)
    with transaction(engine) as s:
        data = reports.report_data(s, people.clinician, people.owner_pid, 12)
        bundle = fhir.export_bundle(s, people.clinician, people.owner_pid)
    [c] = data["challenges"]
    assert (c["decided_on"], c["finished_on"]) == (there, there)
    [allergy] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "AllergyIntolerance"]
    assert allergy["recordedDate"] == there.isoformat()
    # created at 12:00 UTC two days before utc_day: utc_day - 1 there, the first logged day
    assert data["completeness"]["counted_from"] == utc_day - dt.timedelta(days=1)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(reports.render_pdf(data))).pages).split())
    assert there.strftime("%d %b %Y") in text[text.index("Food challenges"):], text
