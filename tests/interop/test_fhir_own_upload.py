"""A patient's (or a parent's) own FHIR upload on My data (2026-12-07): before, only the clinician's
patient page took a bundle. The same flow for a profile the account manages: preview what will be
added (nothing saved), confirm, all or nothing, audited; the same file again is refused naming the
day (nothing doubled); the clinic's EASI/SCORAD and allergies in one's own gutskin export are skipped
and listed, not a refusal of the whole file; a stranger, a co-caregiver or a clinician cannot import
into the profile. Also: a bundle of questionnaire answers alone (RECAP, no diary day to clash)
imported twice stored them twice; now the second import is refused naming the questionnaire.
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import delete, func, select

from gutskin.clinic import assessments, diary, questionnaires
from gutskin.clinic.actors import SYSTEM
from gutskin.clinic.errors import Conflict
from gutskin.clinic.fhir import export_bundle, import_bundle
from gutskin.store.db import transaction
from gutskin.store.models import AllergyRecord, AuditEvent, DiaryDay, FactorValue, QuestionnaireResponse
from tests.interop.test_fhir_import_foreign_patient import ITCH, LOINC_POEM, POEM_ANSWERS, ehr_bundle
from tests.safety.test_attacks import login_page

_EASI = {"age_years": 40, "regions": {r: {"area_percent": 20, "erythema": 2, "induration": 1, "excoriation": 1,
                                           "lichenification": 0} for r in ("head_neck", "upper_limbs", "trunk", "lower_limbs")}}


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def _preview(client, pid: int, content: bytes, name: str = "record.json"):  # type: ignore[no-untyped-def]
    token = _csrf(client.get("/data").text)
    return client.post(f"/profiles/{pid}/fhir/preview", data={"csrf_token": token},
                       files={"file": (name, content, "application/fhir+json")})


def _confirm_form(page: str) -> dict[str, str]:
    form = re.search(r'<form method="post" action="([^"]+)/fhir/import" id="fhir-confirm-form">(.*?)</form>', page, re.S)
    assert form, page[:3000]
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form.group(2)))


def _state(engine, pid: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return (s.scalar(select(func.count()).select_from(DiaryDay).where(DiaryDay.patient_id == pid)),
                s.scalar(select(func.count()).select_from(QuestionnaireResponse).where(QuestionnaireResponse.patient_id == pid)))


def _audits(engine, pid: int) -> list[tuple[int | None, str, str]]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return [tuple(r) for r in s.execute(select(AuditEvent.actor_user_id, AuditEvent.action, AuditEvent.object_type)
                                            .where(AuditEvent.patient_id == pid,
                                                   AuditEvent.object_type.in_(("fhir_bundle", "fhir_import_preview")))
                                            .order_by(AuditEvent.id)).all()]


def _named_maja(engine, pid: int) -> None:  # type: ignore[no-untyped-def]
    from gutskin.store.models import Patient

    with transaction(engine) as s:
        p = s.get(Patient, pid)
        p.display_name, p.birth_year = "Maja Lindqvist", 2016


def test_the_owner_previews_then_imports_into_their_own_record(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    pid = people.owner_pid
    _named_maja(engine, pid)
    login_page(client, "owner@example.org")
    page = client.get("/data").text
    assert f'action="/profiles/{pid}/fhir/preview" enctype="multipart/form-data"' in page
    assert "at most 20 MB" in page
    content = json.dumps(ehr_bundle(), indent=1).encode()
    r = _preview(client, pid, content)
    assert r.status_code == 200, r.text[:3000]
    days = len(set(POEM_ANSWERS) | set(LOINC_POEM) | set(ITCH))
    assert f'<li id="fhir-days">{days} diary days</li>' in r.text
    assert '<li id="fhir-questionnaires">3 questionnaires</li>' in r.text
    assert _state(engine, pid) == (0, 0)  # the preview saved nothing
    assert _audits(engine, pid) == [(people.owner.user_id, "read", "fhir_import_preview")]
    form = _confirm_form(r.text)
    assert f'action="/profiles/{pid}/fhir/import"' in r.text and "Import into my record" in r.text
    r = client.post(f"/profiles/{pid}/fhir/import", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/data?fhir_imported="), r.text[:2000]
    assert _state(engine, pid) == (days, 3)
    assert _audits(engine, pid)[-1] == (people.owner.user_id, "import", "fhir_bundle")
    page = client.get(r.headers["location"]).text
    assert (f'id="fhir-imported-{pid}">Imported {days} diary days, 3 questionnaires and 2 identifiers of another '
            "system.</p>") in page
    # signed: a link cannot write the line
    assert "fhir-imported-" not in client.get(f"/data?fhir_imported={pid}+Imported+500+days").text

    # the same file again: refused naming the first day already there, nothing doubled
    r = _preview(client, pid, content)
    assert r.status_code == 409 and f"already has a diary entry on {min(set(POEM_ANSWERS) | set(LOINC_POEM) | set(ITCH))}" in r.text
    assert 'id="fhir-confirm-form"' not in r.text
    r = client.post(f"/profiles/{pid}/fhir/import", data=form)  # the old confirmation posted again
    assert r.status_code == 409 and "nothing was imported" in r.text
    assert _state(engine, pid) == (days, 3)


def test_own_gutskin_export_comes_back_without_the_clinic_findings(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    """The person's export (as from gutskin at another clinic) with a clinician's EASI and a food
    allergy: imported as their own, the diary and answers come in and the clinic's findings are
    listed as skipped (the whole file was refused before: only a clinic may bring them in)."""
    pid = people.owner_pid
    today = dt.date(2026, 11, 20)
    with transaction(engine) as s:
        diary.put_day(s, people.owner, pid, today - dt.timedelta(days=1), diary.DayInput(itch=4, factors={"food.egg": 1}))
        diary.put_day(s, people.owner, pid, today, diary.DayInput(itch=6, flare=True))
        questionnaires.submit(s, people.owner, pid, "recap", {"answers": [1, 2, 0, 0, 1, 3, 4]}, today)
        assessments.record(s, people.clinician, pid, "easi", _EASI, today)
        s.add(AllergyRecord(patient_id=pid, food="food.egg", status="confirmed", avoid=True, challenge_id=None,
                            recorded_by_user_id=people.clinician.user_id, note="",
                            recorded_at=dt.datetime(2026, 11, 20, 10, 0)))
    with transaction(engine) as s:
        bundle = export_bundle(s, SYSTEM, pid)
    with transaction(engine) as s:  # a fresh record here: the export is all there is of it
        for model in (FactorValue, DiaryDay, QuestionnaireResponse, AllergyRecord):
            s.execute(delete(model).where(model.patient_id == pid))
    login_page(client, "owner@example.org")
    r = _preview(client, pid, json.dumps(bundle).encode())
    assert r.status_code == 200, r.text[:3000]
    assert '<li id="fhir-days">2 diary days</li>' in r.text and '<li id="fhir-questionnaires">1 questionnaire</li>' in r.text
    assert "1 × clinic assessment (EASI or SCORAD): only a clinic you share with can bring it in" in r.text
    assert "1 × food allergy decided by a clinician: only a clinic you share with can bring it in" in r.text
    assert "Import into my record" in r.text
    r = client.post(f"/profiles/{pid}/fhir/import", data=_confirm_form(r.text), follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    with transaction(engine) as s:
        got = {(q.instrument, q.answered_on) for q in s.scalars(select(QuestionnaireResponse).where(
            QuestionnaireResponse.patient_id == pid))}
        allergies = s.scalar(select(func.count()).select_from(AllergyRecord).where(AllergyRecord.patient_id == pid))
        days = {d.day: (d.itch, d.flare) for d in s.scalars(select(DiaryDay).where(DiaryDay.patient_id == pid))}
    assert got == {("recap", today)} and allergies == 0
    assert days == {today - dt.timedelta(days=1): (4, None), today: (6, 1)}


def test_answers_alone_imported_twice_are_not_doubled(people, engine) -> None:  # type: ignore[no-untyped-def]
    """A bundle of RECAP answers only (no diary day): the second import is refused naming the
    questionnaire and day; one answer a day stays one (questionnaires.submit keeps one)."""
    pid = people.owner_pid
    day = dt.date(2026, 11, 2)
    with transaction(engine) as s:
        questionnaires.submit(s, people.owner, pid, "recap", {"answers": [1, 2, 0, 0, 1, 3, 4]}, day)
        bundle = export_bundle(s, SYSTEM, pid)
    assert _state(engine, pid) == (0, 1)
    with pytest.raises(Conflict, match=f"already has a RECAP answered on {day.isoformat()}; nothing was imported"):
        import_bundle(engine, people.owner, bundle, into=pid, skip_clinic_findings=True)
    with pytest.raises(Conflict, match="already has a RECAP"):
        import_bundle(engine, SYSTEM, bundle, patient_ref=str(pid))
    assert _state(engine, pid) == (0, 1)


def test_bad_files_are_refused_by_name_and_nothing_is_saved(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    pid = people.owner_pid
    _named_maja(engine, pid)
    bad_value = ehr_bundle()
    bad_value["entry"][-1]["resource"]["valueQuantity"]["value"] = 14
    login_page(client, "owner@example.org")
    for content, name, words in (
            (b"{not json", "a.json", "a.json: not JSON"),
            (b"", "empty.json", "empty.json: the file is empty"),
            (json.dumps(bad_value).encode(), "v.json",
             "entry[8] Observation/itch-2: valueQuantity.value: expected a value 0-10, got 14")):
        r = _preview(client, pid, content, name)
        assert r.status_code == 422, (name, r.status_code)
        assert words in r.text, (name, re.findall(r'id="fhir-error">(.*?)</p>', r.text, re.S))
        assert 'id="fhir-confirm-form"' not in r.text
    token = _csrf(client.get("/data").text)
    r = client.post(f"/profiles/{pid}/fhir/import", data={"csrf_token": token, "bundle": "not base64!"})
    assert r.status_code == 422 and "did not come back whole" in r.text
    assert _state(engine, pid) == (0, 0)


def test_a_stranger_a_co_caregiver_and_a_clinician_cannot_import_into_the_profile(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    from gutskin.clinic import accounts, caregivers

    pid = people.owner_pid
    _named_maja(engine, pid)
    with transaction(engine) as s:
        child_id = accounts.add_child_profile(s, people.owner, "Mia", 2019).id
        code = caregivers.create_code(s, people.owner, child_id)["code"]
    with transaction(engine) as s:
        caregivers.redeem(s, people.stranger, code)  # the stranger helps keep the child, nothing of A's own
    login_page(client, "owner@example.org")
    form = _confirm_form(_preview(client, pid, json.dumps(ehr_bundle()).encode()).text)
    before = _audits(engine, pid), _audits(engine, child_id)
    for email, target, status in (("stranger@example.org", pid, 404), ("stranger@example.org", child_id, 404),
                                  ("linked@clinic.example.org", pid, 403)):
        client.cookies.clear()
        login_page(client, email)
        token = _csrf(client.get("/account").text)
        r = client.post(f"/profiles/{target}/fhir/preview", data={"csrf_token": token},
                        files={"file": ("x.json", json.dumps(ehr_bundle()).encode(), "application/json")})
        assert r.status_code == status, (email, target, r.status_code)
        r = client.post(f"/profiles/{target}/fhir/import", data={**form, "csrf_token": token})
        assert r.status_code == status, (email, target, r.status_code)
        assert "Maja" not in r.text
    assert _state(engine, pid) == (0, 0) and _state(engine, child_id) == (0, 0)
    assert (_audits(engine, pid), _audits(engine, child_id)) == before
    # the parent imports into the child's profile (the form is on My data for each managed profile)
    client.cookies.clear()
    login_page(client, "owner@example.org")
    assert f'action="/profiles/{child_id}/fhir/preview"' in client.get("/data").text


def test_my_data_downloads_the_record_and_takes_it_back_with_who_answered(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    """My data's FHIR download (2026-12-07: the browser had no way to the person's FHIR record) of a
    child's profile: a POEM the parent answered for the child and one the child answered travel with
    their respondent (the diary CSV has no column for it, docs/interop.md); uploaded back into the
    emptied profile, each keeps who answered. Audited as an export; a stranger gets 404."""
    from gutskin.clinic import accounts

    day = dt.date(2026, 11, 10)
    with transaction(engine) as s:
        child_id = accounts.add_child_profile(s, people.owner, "Mia", 2016).id
        questionnaires.submit(s, people.owner, child_id, "poem", {"answers": [2, 2, 1, 1, 2, 1, 1]}, day, respondent="proxy")
        questionnaires.submit(s, people.owner, child_id, "recap", {"answers": [1, 2, 0, 0, 1, 3, 4]},
                              day + dt.timedelta(days=1), respondent="self")
    login_page(client, "owner@example.org")
    assert f'href="/data/fhir.json?patient={child_id}"' in client.get("/data").text
    before = len(_audits(engine, child_id))
    r = client.get(f"/data/fhir.json?patient={child_id}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/fhir+json")
    assert r.headers["content-disposition"].startswith('attachment; filename="') and r.headers["content-disposition"].endswith('.json"')
    assert _audits(engine, child_id)[before:] == [(people.owner.user_id, "export", "fhir_bundle")]
    bundle = r.json()
    sources = {e["resource"]["questionnaire"].split("|")[0].rsplit("/", 1)[1]: e["resource"]["source"]["reference"]
               for e in bundle["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse"}
    kinds = {e.get("fullUrl"): e["resource"]["resourceType"] for e in bundle["entry"]}
    assert kinds[sources["poem"]] == "RelatedPerson" and kinds[sources["recap"]] == "Patient", sources

    with transaction(engine) as s:
        for model in (FactorValue, DiaryDay, QuestionnaireResponse):
            s.execute(delete(model).where(model.patient_id == child_id))
    r = _preview(client, child_id, json.dumps(bundle).encode(), "mia.json")
    assert r.status_code == 200 and "Import into Mia&#39;s record" in r.text, r.text[:3000]
    r = client.post(f"/profiles/{child_id}/fhir/import", data=_confirm_form(r.text), follow_redirects=False)
    assert r.status_code == 303
    with transaction(engine) as s:
        got = {q.instrument: q.respondent for q in s.scalars(select(QuestionnaireResponse).where(
            QuestionnaireResponse.patient_id == child_id))}
    assert got == {"poem": "proxy", "recap": "self"}

    client.cookies.clear()
    login_page(client, "stranger@example.org")
    assert client.get(f"/data/fhir.json?patient={child_id}").status_code == 404


def test_the_diary_csv_stays_in_the_shared_format_and_my_data_says_where_who_answered_is(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    """Decision of 2026-12-07 (docs/diary-csv.md, *Who answered a POEM*): the interchange format reads
    every column but the core ones as a numeric factor, so the diary CSV gets no respondent column;
    a child's proxy POEM exports as the format's ``poem`` and reads back, and My data names where who
    answered is kept (the FHIR record, the JSON archive)."""
    import io

    from gutskin.clinic import accounts
    from gutskin.diary.csvio import iter_diary_csv

    day = dt.date(2026, 11, 10)
    with transaction(engine) as s:
        child_id = accounts.add_child_profile(s, people.owner, "Mia", 2016).id
        questionnaires.submit(s, people.owner, child_id, "poem", {"answers": [2, 2, 1, 1, 2, 1, 1]}, day, respondent="proxy")
    login_page(client, "owner@example.org")
    text = client.get(f"/data/diary.csv?patient={child_id}").text
    assert text.splitlines()[0] == "patient,date,itch,sleep_loss,poscorad,poem,flare"
    rows = list(iter_diary_csv(io.StringIO(text)))
    assert [(r.date, r.poem) for r in rows] == [(day, 10)]
    page = client.get("/data").text
    assert "Nor does it say who answered a POEM (the person or a parent): the health record (FHIR) and the JSON archive do." in page
