"""A person with something in every table that can hold data about them (data-rights review).

``seed_profile`` fills one profile (own or a child's) through the clinic's use cases: diary days
with notes and factors (one custom), a POEM, an invite used by the linked clinician and one left
open, a revoked second clinician, an appointment request answered with a time, a microbiome
sample, a home challenge with a dose taken, a safety re-check, adherence and a safety stop (alert,
acknowledged), a supervised challenge with a clinic dose confirmed into an allergy record, and a
hospital's FHIR bundle imported by the clinician (its MRN kept on the profile).
Every free text carries ``MARK`` so a test can look for it anywhere (audit rows, other tables).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from gutskin.clinic import appointments, challenges, diary, microbiome, questionnaires, sharing
from gutskin.store.db import transaction
from gutskin.store.models import ChallengeDose, FoodChallenge, Patient, utcnow

PROFILE = (Path(__file__).resolve().parents[1] / "web" / "data" / "metaphlan_profile.tsv").read_bytes()
MARK = "zqx"  # in every free text seeded here; appears in no word gutskin writes itself


def _shift_plan_back(s, challenge_id: int, days: int) -> None:  # type: ignore[no-untyped-def]
    """The plan as if made ``days`` ago (a plan cannot be made in the past; doses are taken on their day)."""
    back = dt.timedelta(days=days)
    ch = s.get(FoodChallenge, challenge_id)
    for col in ("elimination_start", "elimination_end", "baseline_start", "baseline_end",
                "reintroduction_start", "reintroduction_end"):
        if getattr(ch, col) is not None:
            setattr(ch, col, getattr(ch, col) - back)
    for dose in s.scalars(select(ChallengeDose).where(ChallengeDose.challenge_id == challenge_id)):
        dose.planned_on = dose.planned_on - back
    s.flush()


def seed_profile(engine, owner, clinician, other_clinician, pid: int, tag: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Fill profile ``pid`` (managed by ``owner``); ``clinician`` ends linked, ``other_clinician`` revoked."""
    today = dt.date.today()
    days = [today - dt.timedelta(days=i) for i in range(12, 0, -1)]
    with transaction(engine) as s:
        for i, d in enumerate(days):
            diary.put_day(s, owner, pid, d, diary.DayInput(
                itch=i % 11, sleep_loss=(3 * i) % 11, flare=i % 3 == 0, poscorad=round(7.5 + i * 1.25, 2),
                notes=f"{MARK} note {tag} {i}",
                factors={"food.dairy": float(i % 2), "env.pollen": 10.5 + i, f"food.{MARK}_{tag}_cake": 1.0}))
        child = s.get(Patient, pid).relationship == "child"  # a child's POEM: the parent answers for the child
        questionnaires.submit(s, owner, pid, "poem", {"answers": [1, 2, 0, 1, 3, 2, 1]}, days[-1],
                              respondent="proxy" if child else None)
        open_invite = sharing.create_invite(s, owner, pid)
        code = sharing.create_invite(s, owner, pid)["code"]
    with transaction(engine) as s:
        sharing.accept_invite(s, clinician, code)
        code2 = sharing.create_invite(s, owner, pid)["code"]
        sharing.accept_invite(s, other_clinician, code2)
    with transaction(engine) as s:
        consent = next(c for c in sharing.list_access(s, owner, pid) if c["email"] == other_clinician.label)
        sharing.revoke(s, owner, pid, int(consent["consent_id"]))
        req = appointments.request_appointment(s, owner, pid, f"{MARK} flare {tag}", "soon",
                                               f"{MARK} Tuesday mornings", zone="Europe/Berlin")
    with transaction(engine) as s:
        appointments.respond(s, clinician, int(req["id"]), "accept",
                             when=utcnow().replace(microsecond=0, second=0) + dt.timedelta(days=3),
                             message=f"{MARK} see you {tag}")
        sample = microbiome.upload_sample(s, owner, pid, f"{MARK}-{tag}.tsv", PROFILE)
        home = challenges.create_plan(s, clinician, pid, challenges.PlanInput(
            food="food.egg", released_for_home=True, start=today, baseline_days=9,
            instructions=f"{MARK} home plan {tag}",
            doses=[challenges.DoseStep(0, f"1/4 egg {MARK}"), challenges.DoseStep(2, "1/2 egg")]))
        # 9 baseline days, all logged: 7 food-free once the lapse below and its window are left out (the
        # first step is held until 7 are logged, 2026-12-07)
        _shift_plan_back(s, int(home["id"]), 9)
    with transaction(engine) as s:
        dose_id = int(home["doses"][0]["id"])  # type: ignore[index]
        challenges.log_adherence(s, owner, int(home["id"]), today - dt.timedelta(days=2), False, f"{MARK} ate cake")
        challenges.take_dose(s, owner, int(home["id"]), dose_id, {k: False for k in challenges.SAFETY_SYMPTOMS},
                             taken_at=utcnow().replace(microsecond=0) - dt.timedelta(hours=1))
        challenges.safety_check(s, owner, int(home["id"]), [], dose_id=dose_id)
    with transaction(engine) as s:
        challenges.safety_check(s, owner, int(home["id"]), ["hives"], dose_id=dose_id)
    with transaction(engine) as s:  # planned once the egg one stopped: one food's reintroduction at a time
        clinic = challenges.create_plan(s, clinician, pid, challenges.PlanInput(
            food="food.milk", kind="supervised", start=today, baseline_days=7,
            doses=[challenges.DoseStep(0, f"5 ml milk {MARK}")]))
        _shift_plan_back(s, int(clinic["id"]), 7)
    with transaction(engine) as s:
        alert = next(a for group in challenges.clinician_alerts(s, clinician).values() for a in group
                     if a["challenge_id"] == home["id"])
        challenges.acknowledge_alert(s, clinician, int(alert["id"]))
        challenges.record_supervised_dose(s, clinician, int(clinic["id"]), 1,
                                          utcnow().replace(microsecond=0, second=0, tzinfo=dt.UTC) - dt.timedelta(minutes=30),
                                          f"5 ml milk {MARK}", f"{MARK} red cheek", zone="Europe/Berlin")
        challenges.record_supervised_outcome(s, clinician, int(clinic["id"]), "positive", f"{MARK} wheals",
                                             f"{MARK} reaction in clinic")
    with transaction(engine) as s:
        challenges.confirm_outcome(s, clinician, int(clinic["id"]), "confirmed", f"{MARK} milk allergy {tag}")
    with transaction(engine) as s:
        home_row = s.scalar(select(FoodChallenge).where(FoodChallenge.id == home["id"]))
        assert home_row is not None and home_row.status == "stopped"
    # the clinic imports the hospital's record of the person: its MRN is kept on the profile (0018)
    from gutskin.clinic import fhir

    hospital = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:hosp-patient", "resource": {"resourceType": "Patient", "identifier": [
            {"system": f"urn:oid:1.2.3.{MARK}", "value": f"{MARK}-mrn-{tag}"}]}},
        {"fullUrl": "urn:uuid:hosp-itch", "resource": {
            "resourceType": "Observation", "status": "final", "subject": {"reference": "urn:uuid:hosp-patient"},
            "code": {"coding": [{"system": "https://gutskin.example.org/fhir/CodeSystem/observation", "code": "itch-nrs"}]},
            "effectiveDateTime": (today - dt.timedelta(days=400)).isoformat(), "valueInteger": 3}}]}
    fhir.import_bundle(engine, clinician, hospital, into=pid)
    return {"days": days, "sample_pk": sample["id"], "home_id": home["id"], "clinic_id": clinic["id"],
            "request_id": req["id"], "alert_id": alert["id"], "open_invite_id": open_invite["id"]}
