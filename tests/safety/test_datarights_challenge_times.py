"""Data rights: the JSON archive and the FHIR export give a food challenge's instants at the same
precision, the stored one (to the second), on SQLite and PostgreSQL.

A clinic dose given at 09:30:45 with a reaction is one fact: the FHIR export sends the reaction's
``onset`` as 09:30:45Z; the archive gave the dose's ``taken_at`` as 09:30Z (the API's minute) until
2026-12-06. The same for a patient's safety report (alert ``created_at`` vs the reaction's onset)."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from gutskin.clinic import challenges as ch
from gutskin.clinic import export
from gutskin.clinic.fhir import export_bundle
from gutskin.store.db import transaction
from gutskin.store.models import ChallengeAlert, ChallengeDose, utcnow
from tests.challenges.test_services import create, shift_back

STEPS = [ch.DoseStep(0, "3 mg protein"), ch.DoseStep(8, "30 mg protein")]


def _z(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds") + "Z"


def test_archive_and_fhir_give_dose_and_safety_report_times_to_the_same_second(engine, people) -> None:  # type: ignore[no-untyped-def]
    sup = int(create(engine, people, food="food.egg", kind="supervised", released_for_home=False, doses=STEPS)["id"])
    shift_back(engine, sup, 9)  # the reintroduction began two days ago
    given = (utcnow() - dt.timedelta(hours=1)).replace(second=45, microsecond=0)  # seconds the minute would drop
    # its reintroduction after the egg's ends (ac0956a: one food's reintroduction at a time)
    home = int(create(engine, people, food="food.peanut", baseline_days=14, doses=[ch.DoseStep(0, "1 peanut")])["id"])
    with transaction(engine) as s:
        ch.record_supervised_dose(s, people.clinician, sup, 1, given.replace(tzinfo=dt.UTC), "3 mg protein",
                                  reactions=["hives"], zone="UTC")
        ch.safety_check(s, people.owner, home, ["hives", "vomiting"])
    with transaction(engine) as s:
        for cid in (sup, home):
            ch.confirm_outcome(s, people.clinician, cid, "confirmed")
    with transaction(engine) as s:
        stored_dose = s.scalar(select(ChallengeDose.taken_at).where(ChallengeDose.challenge_id == sup,
                                                                     ChallengeDose.step == 1))
        reported = s.scalar(select(ChallengeAlert.created_at).where(ChallengeAlert.challenge_id == home))
        archive = json.loads(export.archive_json(s, people.owner))
    with transaction(engine) as s:
        bundle = export_bundle(s, people.clinician, people.owner_pid)
    assert stored_dose == given

    (profile,) = [p for p in archive["patients"] if p["patient_id"] == people.owner_pid]
    challenges = {c["id"]: c for c in profile["food_challenges"]}
    (dose,) = [d for d in challenges[sup]["doses"] if d["status"] == "taken"]
    (alert,) = challenges[home]["alerts"]
    onsets = {a["code"]["coding"][0]["code"]: [r["onset"] for r in a["reaction"]]
              for e in bundle["entry"] if (a := e["resource"])["resourceType"] == "AllergyIntolerance"}

    assert onsets["food.egg"] == [_z(given)]  # FHIR: the stored instant, to the second
    assert dose["taken_at"] == _z(given)  # the archive: the same (it was ...T..:..Z, the minute)
    assert onsets["food.peanut"] == [_z(reported)]
    assert alert["created_at"] == _z(reported)
    # the challenge's own instants too, like every other instant of the archive
    for c in (challenges[sup], challenges[home]):
        for key in ("created_at", "confirmed_at"):
            assert len(c[key]) == len("2026-12-06T09:30:45Z") and c[key].endswith("Z"), (key, c[key])
    assert len(challenges[home]["stopped_at"]) == len("2026-12-06T09:30:45Z")
