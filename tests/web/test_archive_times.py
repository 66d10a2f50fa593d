"""The JSON archive ("download my data") marks UTC instants with Z, as the API answers do
(commit 1113eac); days stay days. A clinic dose's time is UTC since migration 0006 and is marked too."""

from __future__ import annotations

import datetime as dt
import json
import re

from sqlalchemy import select

from gutskin.clinic import appointments, challenges, export, sharing
from gutskin.store.db import transaction
from gutskin.store.models import ChallengeAlert, ChallengeDose, Consent, utcnow

MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")
DAY = re.compile(r"\d{4}-\d\d-\d\d")


def _strings(node: object, path: str = ""):  # type: ignore[no-untyped-def]
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _strings(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _strings(v, f"{path}[{i}]")
    elif isinstance(node, str):
        yield path, node


def test_archive_marks_utc_instants_with_z(engine, people) -> None:  # type: ignore[no-untyped-def]
    today = dt.date.today()
    with transaction(engine) as s:
        req = appointments.request_appointment(s, people.owner, people.owner_pid, "itchy nights")
        appointments.respond(s, people.clinician, int(req["id"]), "accept", when=utcnow().replace(microsecond=0) + dt.timedelta(days=2))
        home = challenges.create_plan(s, people.clinician, people.owner_pid, challenges.PlanInput(
            food="food.egg", released_for_home=True, start=today, baseline_days=7, doses=[challenges.DoseStep(0, "1/4 egg")]))
        clinic = challenges.create_plan(s, people.clinician, people.owner_pid, challenges.PlanInput(
            food="food.milk", kind="supervised", start=today + dt.timedelta(days=10),  # after the egg's reintroduction
            baseline_days=7, doses=[challenges.DoseStep(0, "5 ml milk")]))
        # what taking a home dose with a later safety check and a supervised clinic dose store
        # (their services only accept them on the planned day, a week ahead)
        home_dose = s.scalar(select(ChallengeDose).where(ChallengeDose.challenge_id == home["id"]))
        home_dose.status, home_dose.taken_at = "taken", utcnow().replace(microsecond=0)
        home_dose.safety = {"before": {}, "checks": [{"at": utcnow().isoformat(timespec="minutes"), "symptoms": []}]}
        clinic_dose = s.scalar(select(ChallengeDose).where(ChallengeDose.challenge_id == clinic["id"]))
        clinic_dose.status, clinic_dose.taken_at = "taken", dt.datetime.combine(today, dt.time(9, 30))  # UTC
        s.add(ChallengeAlert(challenge_id=home["id"], patient_id=people.owner_pid, kind="safety_stop", symptoms=["hives"]))
        challenges.stop_challenge(s, people.owner, int(home["id"]), "hives after the dose")  # type: ignore[arg-type]
        challenges.confirm_outcome(s, people.clinician, int(clinic["id"]), "confirmed")  # type: ignore[arg-type]
        code = sharing.create_invite(s, people.owner, people.owner_pid)["code"]
        sharing.accept_invite(s, people.unlinked, code)
        ended = s.scalar(select(Consent.id).where(Consent.clinician_user_id == people.unlinked.user_id))
        sharing.revoke(s, people.owner, people.owner_pid, ended)
    with transaction(engine) as s:
        archive = json.loads(export.archive_json(s, people.owner))

    strings = dict(_strings(archive))
    moments = {path: v for path, v in strings.items() if MOMENT.match(v)}
    (p,) = archive["patients"]
    clinic_path = next(f".patients[0].food_challenges[{i}].doses[0].taken_at"
                       for i, c in enumerate(p["food_challenges"]) if c["kind"] == "supervised")
    home_i = next(i for i, c in enumerate(p["food_challenges"]) if c["kind"] == "home")
    expected = {".exported_at", ".account.created_at", ".patients[0].sharing[0].since", ".patients[0].sharing[1].revoked_at",
                ".patients[0].appointments[0].scheduled_for", f".patients[0].food_challenges[{home_i}].stopped_at",
                f".patients[0].food_challenges[{home_i}].created_at", f".patients[0].food_challenges[{home_i}].doses[0].taken_at",
                f".patients[0].food_challenges[{home_i}].doses[0].safety.checks[0].at",
                f".patients[0].food_challenges[{home_i}].alerts[0].created_at",
                ".patients[0].allergy_records[0].recorded_at", ".patients[0].access_log[0].at", clinic_path}
    assert expected <= set(moments), sorted(expected - set(moments))  # every kind of instant is in this archive
    unmarked = sorted(path for path, v in moments.items() if not v.endswith("Z"))
    assert unmarked == [], [(path, moments[path]) for path in unmarked]  # the clinic dose's UTC time too (0006)
    for path, v in moments.items():  # and each still reads as a time
        dt.datetime.fromisoformat(v.removesuffix("Z"))
    # days stay plain dates
    assert DAY.fullmatch(p["food_challenges"][home_i]["baseline_start"])
    assert DAY.fullmatch(p["food_challenges"][home_i]["doses"][0]["planned_on"])
