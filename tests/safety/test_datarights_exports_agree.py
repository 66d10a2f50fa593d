"""Data-rights review: the three downloads of one profile -- the JSON archive, the diary CSV and the
FHIR export -- state the same facts: the same days with the same scores, flare and factor values,
the same questionnaire answers and totals, the same appointment times and who entered what.
Property-style: Hypothesis writes diaries (scores, factors with their kinds, POEMs answered on some
days and typed on others, an appointment booked to the second) into a fresh child profile for each
example, through the clinic's use cases, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gutskin.clinic import accounts, appointments, diary, export, fhir, questionnaires, sharing
from gutskin.diary.csvio import iter_diary_csv
from gutskin.store.db import transaction
from gutskin.store.models import utcnow

_names = itertools.count()

FACTORS = {  # name -> values a person may log for it
    "food.dairy": st.sampled_from([0.0, 1.0]),
    "env.pollen": st.integers(0, 5000).map(lambda v: v / 10),
    "life.stress": st.integers(0, 10).map(float),
    "treat.emollient": st.integers(0, 6).map(float),
    "food.zqx_bun": st.sampled_from([0.0, 1.0]),  # a custom factor
}

day_entry = st.fixed_dictionaries(
    {"itch": st.none() | st.integers(0, 10), "sleep_loss": st.none() | st.integers(0, 10),
     "flare": st.none() | st.booleans(), "poscorad": st.none() | st.integers(0, 10300).map(lambda v: v / 100),
     "poem": st.none() | st.integers(0, 28),
     "factors": st.dictionaries(st.sampled_from(sorted(FACTORS)), st.just(0.0), max_size=5),
     "poem_answers": st.none() | st.lists(st.integers(0, 4), min_size=7, max_size=7)})


@st.composite
def diaries(draw):  # type: ignore[no-untyped-def]
    start = draw(st.dates(dt.date(2019, 12, 20), dt.date.today() - dt.timedelta(days=401)))
    offsets = sorted(draw(st.sets(st.integers(0, 400), min_size=1, max_size=8)))
    days = []
    for off in offsets:
        e = draw(day_entry)
        e["factors"] = {k: draw(FACTORS[k]) for k in e["factors"]}
        days.append((start + dt.timedelta(days=off), e))
    seconds = draw(st.integers(60, 90 * 86400))
    return days, seconds


def _archive_days(profile: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["date"]: {"itch": d["itch"], "sleep_loss": d["sleep_loss"], "flare": d["flare"],
                        "poscorad": d["poscorad"], "poem": d["poem"], "factors": d["factors"],
                        "author_role": d["author_role"]} for d in profile["diary"]}


def _csv_days(text: str) -> dict[str, dict[str, Any]]:
    return {r.date.isoformat(): {"itch": r.itch, "sleep_loss": r.sleep_loss,
                                 "flare": None if r.flare is None else bool(r.flare), "poscorad": r.poscorad,
                                 "poem": r.poem, "factors": {k: v for k, v in r.factors.items() if v is not None}}
            for r in iter_diary_csv(io.StringIO(text))}


def _fhir_facts(bundle: dict[str, Any]) -> dict[str, Any]:
    """Days, questionnaires and appointments as the FHIR bundle states them."""
    resources = [e["resource"] for e in bundle["entry"]]
    refs = {e["fullUrl"]: e["resource"]["resourceType"] for e in bundle["entry"]}
    days: dict[str, dict[str, Any]] = {}
    qr_totals: dict[str, float] = {}
    for r in resources:
        if r["resourceType"] != "Observation":
            continue
        day = r["effectiveDateTime"]
        codes = {c["code"] for c in r["code"]["coding"]}
        d = days.setdefault(day, {"factors": {}, "poem": set(), "performers": set()})
        d["performers"] |= {refs[p["reference"]] for p in r.get("performer", [])}
        if "itch-nrs" in codes:
            d["itch"] = r["valueInteger"]
        elif "sleep-loss-nrs" in codes:
            d["sleep_loss"] = r["valueInteger"]
        elif "flare-day" in codes:
            d["flare"] = r["valueBoolean"]
        elif "po-scorad" in codes:
            d["poscorad"] = r["valueQuantity"]["value"]
        elif "poem-total" in codes:
            if r.get("derivedFrom"):
                qr_totals[day] = r["valueQuantity"]["value"]
            d["poem"].add(r["valueQuantity"]["value"])
        elif any(c["system"].endswith("/factor") for c in r["code"]["coding"]):
            (code,) = [c["code"] for c in r["code"]["coding"]]
            d["factors"][code] = r["valueQuantity"]["value"]
    answers = {r["authored"]: [i["answer"][0]["valueInteger"] for i in r["item"] if i["linkId"] != "total"]
               for r in resources if r["resourceType"] == "QuestionnaireResponse"}
    booked = sorted(r["start"] for r in resources if r["resourceType"] == "Appointment")
    return {"days": days, "qr_totals": qr_totals, "answers": answers, "booked": booked}


def _check(engine, people, days, seconds) -> None:  # type: ignore[no-untyped-def]
    owner = people.owner
    with transaction(engine) as s:
        pid = accounts.add_child_profile(s, owner, f"Kid {next(_names)}", 2018).id
        code = sharing.create_invite(s, owner, pid)["code"]
    with transaction(engine) as s:
        sharing.accept_invite(s, people.clinician, code)
        for day, e in days:
            diary.put_day(s, owner, pid, day, diary.DayInput(
                itch=e["itch"], sleep_loss=e["sleep_loss"], flare=e["flare"], poscorad=e["poscorad"], poem=e["poem"],
                factors=e["factors"]))
            if e["poem_answers"] is not None:
                questionnaires.submit(s, owner, pid, "poem", {"answers": e["poem_answers"]}, day, respondent="proxy")
        req = appointments.request_appointment(s, owner, pid, "check-up")
    booked_at = utcnow().replace(microsecond=0) + dt.timedelta(seconds=seconds)
    with transaction(engine) as s:
        appointments.respond(s, people.clinician, int(req["id"]), "accept", when=booked_at)
    with transaction(engine) as s:
        archive = json.loads(export.archive_json(s, owner))
        csv_text = export.diary_csv(s, owner, pid)
        bundle = fhir.export_bundle(s, owner, pid)
    (profile,) = [p for p in archive["patients"] if p["patient_id"] == pid]
    mine = _archive_days(profile)
    theirs = _csv_days(csv_text)
    facts = _fhir_facts(bundle)

    # the archive and the CSV: the same days, the same values
    assert set(mine) == set(theirs) == {d.isoformat() for d, e in days}
    for day, d in mine.items():
        assert {k: v for k, v in d.items() if k != "author_role"} == theirs[day], day
    # the archive and FHIR: every recorded score, flare and factor of each day; POEM from the
    # questionnaire (derived) or the diary; each day entered by the parent (RelatedPerson)
    for day, d in mine.items():
        f = facts["days"].get(day, {"factors": {}, "poem": set(), "performers": set()})
        for key in ("itch", "sleep_loss", "flare", "poscorad"):
            assert f.get(key) == d[key], (day, key)
        # the profile is pseudonymous: its one custom factor (a name the person typed) is in the
        # bundle under its neutral code (docs/interop.md, 2026-12-06), with the same values
        assert f["factors"] == {("food.custom_1" if k == "food.zqx_bun" else k): v for k, v in d["factors"].items()}, day
        assert (d["poem"] in f["poem"]) if d["poem"] is not None else not (f["poem"] - {facts["qr_totals"].get(day)}), day
        assert f["performers"] <= {"RelatedPerson"} and d["author_role"] == "caregiver"
    assert set(facts["days"]) <= set(mine) | {q["answered_on"] for q in profile["questionnaires"]}
    # questionnaires: the same days, answers and totals
    assert {q["answered_on"]: q["answers"]["answers"] for q in profile["questionnaires"]} == facts["answers"]
    assert {q["answered_on"]: q["total"] for q in profile["questionnaires"] if q["total"] is not None} == facts["qr_totals"]
    # the appointment: the same instant in both (the archive to the minute, FHIR to the second)
    (appt,) = profile["appointments"]
    (start,) = facts["booked"]
    assert appt["scheduled_for"].endswith("Z") and start.endswith("Z")
    assert dt.datetime.fromisoformat(start.removesuffix("Z")) == dt.datetime.fromisoformat(appt["scheduled_for"].removesuffix("Z"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(world=diaries())
def test_archive_csv_and_fhir_state_the_same_facts(engine, people, world) -> None:  # type: ignore[no-untyped-def]
    days, seconds = world
    _check(engine, people, days, seconds)
