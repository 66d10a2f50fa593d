"""FHIR R4B export and import (issue 8) on SQLite and PostgreSQL: validation, round trip, bad bundles, access."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gutskin.interop import codes as C

TODAY = dt.date.today()


def _seed(engine, people, share_identity: bool = False) -> None:  # type: ignore[no-untyped-def]
    from gutskin.clinic import appointments, diary, questionnaires
    from gutskin.store.db import transaction
    from gutskin.store.models import Patient

    with transaction(engine) as s:
        s.get(Patient, people.owner_pid).share_identity = share_identity
        pid = people.owner_pid
        for k in range(10):
            day = TODAY - dt.timedelta(days=20 - k)
            entry = diary.DayInput(itch=k % 11, sleep_loss=(3 * k) % 11 if k % 3 else None, flare=k % 4 == 0 if k != 5 else None,
                                   poscorad=12.5 + k if k % 2 else None, notes=f"note {k}" if k % 5 == 0 else None,
                                   factors={"food.dairy": k % 2, "treat.tcs": 2, "env.pollen": 17.5} if k % 3 == 0 else {})
            diary.put_day(s, people.owner, pid, day, entry)
        # a diary POEM that no questionnaire explains (CSV import path)
        diary.put_day(s, people.owner, pid, TODAY - dt.timedelta(days=5), diary.DayInput(itch=4, poem=13))
        questionnaires.submit(s, people.owner, pid, "poem", {"answers": [1, 2, 0, 0, 1, 3, 4]}, TODAY - dt.timedelta(days=14))
        questionnaires.submit(s, people.owner, pid, "poem", {"answers": [1, None, 0, 0, 1, 3, 4]}, TODAY - dt.timedelta(days=7))
        questionnaires.submit(s, people.owner, pid, "recap", {"answers": [1, 2, 0, 0, 1, 3, 4]}, TODAY - dt.timedelta(days=7))
        questionnaires.submit(s, people.owner, pid, "dlqi", {"answers": [1, [1, 2], 0, 0, 1, 3, 1, 1, 1, 1]},
                              TODAY - dt.timedelta(days=6))
        questionnaires.submit(s, people.owner, pid, "adct", {"answers": [1, 2, 0, 0, 1, 3]}, TODAY - dt.timedelta(days=3))
        a = appointments.request_appointment(s, people.owner, pid, "worse since the holidays", "soon")
        appointments.respond(s, people.clinician, a["id"], "accept", dt.datetime.combine(TODAY + dt.timedelta(days=30), dt.time(9, 30)))  # times must lie ahead, within 2 years
        appointments.request_appointment(s, people.owner, pid, "another question")
        add_challenge(s, pid, "food.egg", "confirmed", "reaction_likely", people.clinician.user_id, "call me Annie")
        add_challenge(s, pid, "food.wheat", "refuted", "no_reaction", people.clinician.user_id)
        add_challenge(s, pid, "food.dairy", None, "inconclusive", people.clinician.user_id)


def add_challenge(s, pid, food, outcome, verdict, clinician_id, note=""):  # type: ignore[no-untyped-def]
    """A finished food challenge and, when the clinician decided, its allergy record (issue 7's tables)."""
    from gutskin.store.models import AllergyRecord, FoodChallenge, utcnow

    t0 = TODAY - dt.timedelta(days=30)
    c = FoodChallenge(patient_id=pid, clinician_user_id=clinician_id, food=food, kind="home", released_for_home=True,
                      status="confirmed" if outcome else "evaluated", baseline_start=t0, baseline_end=t0 + dt.timedelta(days=7),
                      reintroduction_start=t0 + dt.timedelta(days=8), reintroduction_end=t0 + dt.timedelta(days=12),
                      verdict={"verdict": verdict, "probability": 0.93, "effect": 2.4}, verdict_at=utcnow(),
                      outcome=outcome, outcome_note=note, confirmed_at=utcnow() if outcome else None)
    s.add(c)
    s.flush()
    if outcome:
        s.add(AllergyRecord(patient_id=pid, food=food, status=outcome, avoid=outcome == "confirmed", challenge_id=c.id,
                            recorded_by_user_id=clinician_id, note=note))
    s.flush()


def _export(engine, actor, pid):  # type: ignore[no-untyped-def]
    from gutskin.clinic.fhir import export_bundle
    from gutskin.store.db import transaction

    with transaction(engine) as s:
        return export_bundle(s, actor, pid)


def _snapshot(engine, pid):  # type: ignore[no-untyped-def]
    from gutskin.clinic.actors import SYSTEM
    from gutskin.clinic.diary import list_days
    from gutskin.clinic.questionnaires import history
    from gutskin.store.db import transaction
    from gutskin.store.models import QuestionnaireResponse
    from sqlalchemy import select

    with transaction(engine) as s:
        days = list_days(s, SYSTEM, pid)
        scores = [{k: v for k, v in q.items() if k != "id"} for q in history(s, SYSTEM, pid)]
        answers = [q.answers for q in s.scalars(select(QuestionnaireResponse).where(QuestionnaireResponse.patient_id == pid)
                                                .order_by(QuestionnaireResponse.answered_on, QuestionnaireResponse.id))]
    return days, scores, answers


def test_every_resource_validates_and_codes(engine, people) -> None:
    from fhir.resources.R4B import get_fhir_model_class

    from gutskin.interop.fhir import resource_types

    _seed(engine, people)
    bundle = _export(engine, people.clinician, people.owner_pid)
    assert bundle["type"] == "collection"
    types = resource_types(bundle)
    assert types["Patient"] == 1 and types["QuestionnaireResponse"] == 5 and types["Questionnaire"] == 4
    assert types["MedicationStatement"] == 1 and types["Appointment"] == 1  # only the accepted request
    allergies = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "AllergyIntolerance"]
    assert sorted((a["code"]["coding"][0]["code"], a["verificationStatus"]["coding"][0]["code"],
                   a["clinicalStatus"]["coding"][0]["code"]) for a in allergies) == \
        [("food.egg", "confirmed", "active"), ("food.wheat", "refuted", "inactive")]  # the undecided challenge is not one
    for e in bundle["entry"]:
        res = e["resource"]
        model = get_fhir_model_class(res["resourceType"]).model_validate(res)
        assert e["fullUrl"] == f"urn:uuid:{model.id}"
    obs = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    assert all(o["category"][0]["coding"][0]["code"] == "survey" for o in obs)
    codes = {(c["system"], c["code"]) for o in obs for c in o["code"]["coding"]}
    assert (C.OBSERVATION_SYSTEM, "itch-nrs") in codes and (C.OBSERVATION_SYSTEM, "sleep-loss-nrs") in codes
    assert (C.LOINC, "89870-0") in codes
    assert {f"{i}-total" for i in ("poem", "recap", "adct", "dlqi")} <= {c for s, c in codes if s == C.OBSERVATION_SYSTEM}
    poem_q = next(e["resource"] for e in bundle["entry"] if e["resource"].get("url") == f"{C.QUESTIONNAIRE}/poem")
    assert poem_q["code"][0] == {"system": C.LOINC, "code": "89862-7", "display": "Patient-Oriented Eczema Measure [POEM]"}
    # POEM score observations derive from their responses and carry the band
    poem_scores = [o for o in obs if o.get("derivedFrom") and o["code"]["coding"][0]["code"] == "89870-0"]
    assert sorted(o["valueQuantity"]["value"] for o in poem_scores) == [9, 11]
    assert {o["interpretation"][0]["text"] for o in poem_scores} == {"moderate"}
    # pseudonymous: no name, no notes, no free-text reason
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    assert "name" not in patient and patient["meta"]["security"][0]["code"] == "PSEUDED"
    text = json.dumps(bundle)
    assert "Owner" not in text and "note 0" not in text and "holidays" not in text and "Annie" not in text


def test_identity_only_with_consent(engine, people) -> None:
    _seed(engine, people, share_identity=True)
    bundle = _export(engine, people.owner, people.owner_pid)
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    assert patient["name"] == [{"text": "Owner"}] and "meta" not in patient
    assert "note 0" in json.dumps(bundle) and "Annie" in json.dumps(bundle)


@pytest.mark.parametrize("share_identity", [False, True])
def test_round_trip_restores_diary_and_scores(engine, people, share_identity) -> None:
    from gutskin.clinic.actors import SYSTEM
    from gutskin.clinic.fhir import import_bundle

    _seed(engine, people, share_identity)
    bundle = _export(engine, people.owner, people.owner_pid)
    summary = import_bundle(engine, SYSTEM, json.loads(json.dumps(bundle)), patient_ref="p-roundtrip")
    assert summary["created"] and summary["questionnaires"] == 5
    days0, scores0, answers0 = _snapshot(engine, people.owner_pid)
    days1, scores1, answers1 = _snapshot(engine, summary["patient_id"])
    if not share_identity:  # notes stay home in a pseudonymous bundle
        days0 = [{**d, "notes": None} for d in days0]
    assert days1 == days0 and scores1 == scores0 and answers1 == answers0
    # the same bundle again: the days clash and nothing more is stored
    from gutskin.clinic.errors import Conflict

    with pytest.raises(Conflict):
        import_bundle(engine, SYSTEM, bundle, patient_ref="p-roundtrip")
    assert _snapshot(engine, summary["patient_id"])[1] == scores0


def _bad(bundle, path_fn):  # type: ignore[no-untyped-def]
    b = copy.deepcopy(bundle)
    path_fn(b)
    return b


def _first(b, rt, pred=lambda r: True):  # type: ignore[no-untyped-def]
    for i, e in enumerate(b["entry"]):
        if e["resource"]["resourceType"] == rt and pred(e["resource"]):
            return i, e["resource"]
    raise AssertionError(rt)


def _itch(r) -> bool:  # type: ignore[no-untyped-def]
    return any(c.get("code") == "itch-nrs" for c in r["code"]["coding"])


def test_bad_bundles_are_rejected_by_resource_and_field_and_nothing_is_imported(engine, people) -> None:
    from gutskin.clinic.actors import SYSTEM
    from gutskin.clinic.errors import InvalidInput
    from gutskin.clinic.fhir import import_bundle
    from gutskin.store.db import transaction
    from gutskin.store.models import DiaryDay, Patient, QuestionnaireResponse
    from sqlalchemy import func, select

    _seed(engine, people)
    good = _export(engine, people.owner, people.owner_pid)

    def set_itch(b, v):  # type: ignore[no-untyped-def]
        _first(b, "Observation", _itch)[1]["valueInteger"] = v

    def qr_answer(b):  # type: ignore[no-untyped-def]
        _first(b, "QuestionnaireResponse")[1]["item"][0]["answer"] = [{"valueInteger": 9}]

    def qr_total(b):  # type: ignore[no-untyped-def]
        _first(b, "QuestionnaireResponse")[1]["item"][-1]["answer"] = [{"valueInteger": 27}]

    def foreign_code(b):  # type: ignore[no-untyped-def]
        _first(b, "Observation", _itch)[1]["code"] = {"coding": [{"system": C.LOINC, "code": "8867-4"}]}

    def foreign_type(b):  # type: ignore[no-untyped-def]
        b["entry"].append({"fullUrl": "urn:uuid:0f0e0d0c-0000-4000-8000-000000000001",
                           "resource": {"resourceType": "Condition", "subject": {"reference": "Patient/x"}}})

    def no_identifier(b):  # type: ignore[no-untyped-def]
        _first(b, "Patient")[1]["identifier"] = [{"system": "urn:oid:1.2.3", "value": "123"}]

    def formula_identifier(b):  # type: ignore[no-untyped-def]
        # the diary CSV refuses it (spreadsheet injection); stored from a bundle, the diary could not be exported
        _first(b, "Patient")[1]["identifier"] = [{"system": C.PATIENT_ID_SYSTEM, "value": '=HYPERLINK("x")'}]

    def other_subject(b):  # type: ignore[no-untyped-def]
        _first(b, "Observation", _itch)[1]["subject"] = {"reference": "Patient/someone-else"}

    def extra_field(b):  # type: ignore[no-untyped-def]
        _first(b, "Observation", _itch)[1]["valueWhatever"] = 1

    cases = [
        (lambda b: set_itch(b, 11), "Observation", "valueInteger", "0-10"),
        (lambda b: set_itch(b, "high"), "Observation", "valueInteger", ""),
        (extra_field, "Observation", "valueWhatever", ""),
        (qr_answer, "QuestionnaireResponse", "item", ""),
        (qr_total, "QuestionnaireResponse", "item[total]", "27"),
        (foreign_code, "Observation", "code.coding", "foreign"),
        (foreign_type, "Condition", "resourceType", "not part of a gutskin bundle"),
        # another system's Patient: imported only into a named patient (2026-12-07,
        # tests/interop/test_fhir_import_foreign_patient.py); without one the refusal says to name it
        (no_identifier, "Patient", "identifier", "--patient"),
        (formula_identifier, "Patient", "identifier.value", "not starting with ="),
        (other_subject, "Observation", "subject.reference", "Patient"),
        (lambda b: b.update(type="history"), "Bundle", "type", "collection"),
    ]
    with transaction(engine) as s:
        before = (s.scalar(select(func.count()).select_from(DiaryDay)), s.scalar(select(func.count()).select_from(Patient)),
                  s.scalar(select(func.count()).select_from(QuestionnaireResponse)))
    for mutate, resource, field, words in cases:
        bad = _bad(good, mutate)
        with pytest.raises(InvalidInput) as info:
            import_bundle(engine, SYSTEM, bad, patient_ref=None if mutate is no_identifier else "p-bad")
        msg = str(info.value)
        assert resource in msg.split(":")[0] and f": {field}" in msg and words in msg, msg
        if resource not in ("Bundle",):
            assert msg.startswith("entry[")
    with transaction(engine) as s:
        after = (s.scalar(select(func.count()).select_from(DiaryDay)), s.scalar(select(func.count()).select_from(Patient)),
                 s.scalar(select(func.count()).select_from(QuestionnaireResponse)))
    assert after == before


def test_conflict_midway_rolls_back_everything(engine, people) -> None:
    """A day already in the target diary: nothing of the bundle is stored (no questionnaire, no other day)."""
    from gutskin.clinic import diary
    from gutskin.clinic.actors import SYSTEM
    from gutskin.clinic.errors import Conflict
    from gutskin.clinic.fhir import import_bundle
    from gutskin.store.db import transaction

    _seed(engine, people)
    bundle = _export(engine, people.owner, people.owner_pid)
    with transaction(engine) as s:
        diary.put_day(s, people.stranger, people.stranger_pid, TODAY - dt.timedelta(days=5), diary.DayInput(itch=1))
        ext = s.get(__import__("gutskin.store.models", fromlist=["Patient"]).Patient, people.stranger_pid).external_id
    with pytest.raises(Conflict):
        import_bundle(engine, SYSTEM, bundle, patient_ref=ext)
    days, scores, _ = _snapshot(engine, people.stranger_pid)
    assert [d["itch"] for d in days] == [1] and scores == []


def test_export_authorization_and_audit(engine, people) -> None:
    from gutskin.clinic.errors import NotFound
    from gutskin.store.db import transaction
    from gutskin.store.models import AuditEvent
    from sqlalchemy import select

    _seed(engine, people)
    assert _export(engine, people.owner, people.owner_pid)["type"] == "collection"
    assert _export(engine, people.clinician, people.owner_pid)["type"] == "collection"
    for actor in (people.stranger, people.unlinked, people.admin):
        with pytest.raises(NotFound):
            _export(engine, actor, people.owner_pid)
    with pytest.raises(NotFound):
        _export(engine, people.owner, 987654)
    with transaction(engine) as s:
        rows = s.execute(select(AuditEvent.actor_user_id, AuditEvent.action).where(
            AuditEvent.object_type == "fhir_bundle")).all()
    assert sorted(rows) == sorted([(people.owner.user_id, "export"), (people.clinician.user_id, "export")])


def test_api_fhir_owner_linked_others_404(client, people) -> None:
    from tests.conftest import bearer

    owner = bearer(client, "owner@example.org")
    client.put(f"/api/v1/me/diary/{TODAY.isoformat()}", json={"itch": 6, "sleep_loss": 2}, headers=owner)
    pid = people.owner_pid
    for email, status in [("owner@example.org", 200), ("linked@clinic.example.org", 200),
                          ("stranger@example.org", 404), ("unlinked@clinic.example.org", 404),
                          ("admin@clinic.example.org", 404)]:
        r = client.get(f"/api/v1/patients/{pid}/fhir", headers=bearer(client, email))
        assert r.status_code == status, (email, r.text)
        if status == 200:
            assert r.headers["content-type"].startswith("application/fhir+json")
            assert r.json()["resourceType"] == "Bundle"
    assert client.get(f"/api/v1/patients/{pid}/fhir").status_code == 401
    assert client.get("/api/v1/patients/987654/fhir", headers=owner).status_code == 404


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    days=st.dictionaries(
        st.dates(dt.date(2024, 1, 1), dt.date(2025, 12, 31)),
        st.fixed_dictionaries({
            "itch": st.none() | st.integers(0, 10), "sleep_loss": st.none() | st.integers(0, 10),
            "flare": st.none() | st.booleans(), "poscorad": st.none() | st.floats(0, 103, allow_nan=False).map(lambda x: round(x, 1)),
            "poem": st.none() | st.integers(0, 28),
            "notes": st.none() | st.text(st.characters(categories=("L", "N", "P")) | st.just(" "), min_size=1, max_size=30),
            "factors": st.dictionaries(st.sampled_from(["food.egg", "treat.tci", "env.pollen", "gut.bristol"]),
                                       st.integers(1, 7).map(float), max_size=3)}),
        max_size=12),
    answers=st.lists(st.lists(st.none() | st.integers(0, 4), min_size=7, max_size=7), max_size=3),
    roles=st.lists(st.sampled_from([None, "patient", "caregiver"]), min_size=15, max_size=15),
)
def test_pure_mapping_round_trip(days, answers, roles) -> None:
    """build_bundle -> parse_bundle gives the same days and responses for any diary (pure, no database),
    with who entered each day and answer (patient, caregiver or not recorded)."""
    from gutskin.instruments import score
    from gutskin.interop.fhir import build_bundle
    from gutskin.interop.fhir_import import parse_bundle

    qrs = []
    for k, a in enumerate(answers):
        r = score("poem", {"answers": a})
        qrs.append({"id": k + 1, "instrument": "poem", "version": r["version"], "answered_on": dt.date(2026, 1, 1 + k),
                    "answers": {"answers": a}, "total": r["total"], "band": r["band"], "author_role": roles[12 + k]})
    day_roles = dict(zip(sorted(days), roles))
    data = {"patient": {"external_id": "p-prop", "share_identity": True},
            "days": [{"date": d.isoformat(), **v, "author_role": day_roles[d]} for d, v in days.items()],
            "questionnaires": qrs}
    parsed = parse_bundle(build_bundle(data))
    poem_of = {q["answered_on"]: q for q in qrs if q["total"] is not None}
    expected = {}
    for d, v in days.items():
        # the Observations this day is exported as (a diary POEM that its POEM response explains is not one)
        said = v["factors"] or any(v[k] is not None for k in v if k not in ("factors", "poem")) or (
            v["poem"] is not None and (d not in poem_of or int(poem_of[d]["total"]) != v["poem"]))
        if said or v["poem"] is not None:  # an empty day has nothing to say
            expected[d] = {**v, "factors": dict(v["factors"]), "author_role": day_roles[d] if said else None}
    for d, q in poem_of.items():  # answering POEM puts the total on that diary day, by whoever answered
        day = expected.setdefault(d, {"itch": None, "sleep_loss": None, "flare": None, "poscorad": None,
                                      "poem": None, "notes": None, "factors": {}, "author_role": None})
        day["poem"] = int(q["total"])
        day["author_role"] = day["author_role"] or q["author_role"]
    # author_ref (which co-caregiver, 0016): none here, no co-caregiver entered anything
    assert all(x.pop("author_ref") is None for x in parsed.days.values())
    assert parsed.days == expected
    assert [(q["answered_on"], q["answers"], q["total"], q["author_role"]) for q in parsed.questionnaires] == \
        [(q["answered_on"], q["answers"], q["total"], q["author_role"]) for q in qrs]


@pytest.mark.parametrize("days_used", [1, 2])
def test_a_treatment_statement_counts_its_days_in_words(engine, people, days_used: int) -> None:
    """'Used on 1 diary day', not '1 diary days' (the clinician review saw it in a receiving system)."""
    from gutskin.clinic import diary
    from gutskin.store.db import transaction

    with transaction(engine) as s:
        for k in range(days_used):
            diary.put_day(s, people.owner, people.owner_pid, TODAY - dt.timedelta(days=3 - k),
                          diary.DayInput(itch=2, factors={"treat.tcs": 1}))
    bundle = _export(engine, people.clinician, people.owner_pid)
    [statement] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "MedicationStatement"]
    expected = "Used on 1 diary day, last" if days_used == 1 else f"Used on {days_used} diary days, last"
    assert statement["dosage"][0]["text"].startswith(expected)
