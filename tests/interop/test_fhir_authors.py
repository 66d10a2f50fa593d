"""Who answered: questionnaire answers and diary days keep their author (the patient, or the parent on a
child's profile) in the store, in the FHIR export (QuestionnaireResponse.author/.source, Observation.performer,
a RelatedPerson with v3 RoleCode PRN), through the import, and on the clinician's patient page. The export's
canonicals carry the Questionnaire version, and a Provenance names gutskin as the assembler. SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from sqlalchemy import select

from gutskin.interop import codes as C

TODAY = dt.date.today()
POEM = [1, 2, 0, 0, 1, 3, 4]


def _child_world(engine, people):  # type: ignore[no-untyped-def]
    """The owner logs Mia's (their child's) diary and POEM, and their own POEM; returns Mia's profile id."""
    from gutskin.clinic import accounts, diary, questionnaires
    from gutskin.store.db import transaction

    with transaction(engine) as s:
        mia = accounts.add_child_profile(s, people.owner, "Mia", birth_year=TODAY.year - 6).id
        questionnaires.submit(s, people.owner, mia, "poem", {"answers": POEM}, TODAY - dt.timedelta(days=2), respondent="proxy")
        diary.put_day(s, people.owner, mia, TODAY - dt.timedelta(days=1), diary.DayInput(itch=5, factors={"food.egg": 1}))
        questionnaires.submit(s, people.owner, people.owner_pid, "poem", {"answers": POEM}, TODAY - dt.timedelta(days=2))
        diary.put_day(s, people.owner, people.owner_pid, TODAY - dt.timedelta(days=1), diary.DayInput(itch=2))
    return mia


def _shared_child_and_an_unrecorded_answer(engine, people) -> int:  # type: ignore[no-untyped-def]
    """The child's world shared with the linked clinician, plus a RECAP of the parent's own from
    before authors were recorded; returns the child's profile id."""
    from gutskin.clinic import questionnaires, sharing
    from gutskin.store.db import transaction
    from gutskin.store.models import QuestionnaireResponse

    mia = _child_world(engine, people)
    with transaction(engine) as s:
        sharing.accept_invite(s, people.clinician, sharing.create_invite(s, people.owner, mia)["code"])
        questionnaires.submit(s, people.owner, people.owner_pid, "recap", {"answers": POEM}, TODAY - dt.timedelta(days=9))
        old = s.scalars(select(QuestionnaireResponse).where(QuestionnaireResponse.instrument == "recap")).one()
        old.author_user_id = old.author_role = old.respondent = None  # answered before who answered was recorded
    return mia


def _export(engine, actor, pid):  # type: ignore[no-untyped-def]
    from gutskin.clinic.fhir import export_bundle
    from gutskin.store.db import transaction

    with transaction(engine) as s:
        return export_bundle(s, actor, pid)


def _resources(bundle, kind: str) -> list[dict]:  # type: ignore[type-arg]
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _url_of(bundle, kind: str) -> dict[str, str]:  # type: ignore[type-arg]
    return {e["resource"]["id"]: e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind}


def test_the_store_records_who_entered_answers_and_days(engine, people) -> None:
    from gutskin.store.db import transaction
    from gutskin.store.models import DiaryDay, QuestionnaireResponse

    mia = _child_world(engine, people)
    with transaction(engine) as s:
        rows = {(q.patient_id, "qr"): (q.author_user_id, q.author_role) for q in s.scalars(select(QuestionnaireResponse))}
        rows.update({(d.patient_id, d.day): (d.author_user_id, d.author_role) for d in s.scalars(select(DiaryDay))})
    me = people.owner.user_id
    assert rows[(mia, "qr")] == (me, "caregiver")
    assert rows[(mia, TODAY - dt.timedelta(days=1))] == (me, "caregiver")
    assert rows[(mia, TODAY - dt.timedelta(days=2))] == (me, "caregiver")  # the day POEM's total went on
    assert rows[(people.owner_pid, "qr")] == (me, "patient")
    assert rows[(people.owner_pid, TODAY - dt.timedelta(days=1))] == (me, "patient")


def test_diary_csv_imports_record_the_importing_account_and_the_operator_as_unknown(engine, people) -> None:
    import io

    from gutskin.clinic import accounts, diary
    from gutskin.clinic.actors import SYSTEM
    from gutskin.store.db import transaction
    from gutskin.store.models import DiaryDay

    with transaction(engine) as s:
        mia = accounts.add_child_profile(s, people.owner, "Mia").id
    csv = "patient,date,itch\nx,2026-01-01,3\nx,2026-01-02,4\n"
    diary.import_diary_csv(engine, people.owner, io.StringIO(csv), into=mia)
    diary.import_diary_csv(engine, SYSTEM, io.StringIO(csv.replace("x,", "p-clinic-file,")))
    with transaction(engine) as s:
        got = {(d.patient_id == mia, d.author_user_id, d.author_role) for d in s.scalars(select(DiaryDay))}
    assert got == {(True, people.owner.user_id, "caregiver"), (False, None, None)}


def test_a_caregivers_answer_names_a_related_person_and_a_self_report_the_patient(engine, people) -> None:
    from fhir.resources.R4B.relatedperson import RelatedPerson

    mia = _child_world(engine, people)
    child = _export(engine, people.owner, mia)
    [patient_url] = _url_of(child, "Patient").values()
    [related] = _resources(child, "RelatedPerson")
    RelatedPerson.model_validate(related)
    related_url = _url_of(child, "RelatedPerson")[related["id"]]
    assert related["patient"] == {"reference": patient_url}
    [coding] = related["relationship"][0]["coding"]
    assert (coding["system"], coding["code"]) == ("http://terminology.hl7.org/CodeSystem/v3-RoleCode", "PRN")
    [qr] = _resources(child, "QuestionnaireResponse")
    assert qr["author"] == qr["source"] == {"reference": related_url}
    day_obs = [o for o in _resources(child, "Observation") if "derivedFrom" not in o]
    assert day_obs and all(o["performer"] == [{"reference": related_url}] for o in day_obs)

    own = _export(engine, people.owner, people.owner_pid)
    [own_patient] = _url_of(own, "Patient").values()
    assert _resources(own, "RelatedPerson") == []  # nobody else answered
    [qr] = _resources(own, "QuestionnaireResponse")
    assert qr["author"] == qr["source"] == {"reference": own_patient}
    assert all(o["performer"] == [{"reference": own_patient}]
               for o in _resources(own, "Observation") if "derivedFrom" not in o)


def test_answers_without_a_recorded_author_name_none(engine, people) -> None:
    """Rows from before authors were recorded (NULL) say nothing about who answered."""
    from gutskin.clinic import questionnaires
    from gutskin.store.db import transaction
    from gutskin.store.models import DiaryDay, QuestionnaireResponse

    with transaction(engine) as s:
        questionnaires.submit(s, people.owner, people.owner_pid, "poem", {"answers": POEM}, TODAY)
        for row in (*s.scalars(select(QuestionnaireResponse)), *s.scalars(select(DiaryDay))):
            row.author_user_id = row.author_role = None
        for q in s.scalars(select(QuestionnaireResponse)):
            q.respondent = None  # nor who answered (0017)
    bundle = _export(engine, people.owner, people.owner_pid)
    [qr] = _resources(bundle, "QuestionnaireResponse")
    assert "author" not in qr and "source" not in qr and _resources(bundle, "RelatedPerson") == []


def test_canonicals_carry_the_version_of_an_exported_questionnaire(engine, people) -> None:
    from gutskin.clinic import questionnaires
    from gutskin.store.db import transaction
    from gutskin.store.models import QuestionnaireResponse

    with transaction(engine) as s:
        questionnaires.submit(s, people.owner, people.owner_pid, "poem", {"answers": POEM}, TODAY - dt.timedelta(days=8))
        questionnaires.submit(s, people.owner, people.owner_pid, "poem", {"answers": POEM}, TODAY)
        questionnaires.submit(s, people.owner, people.owner_pid, "recap", {"answers": POEM}, TODAY)
        # an answer stored under an earlier wording of the instrument's version keeps its own Questionnaire
        first = s.scalars(select(QuestionnaireResponse).order_by(QuestionnaireResponse.answered_on)).first()
        first.version = "POEM (Charman 2004), draft of 2003"
    bundle = _export(engine, people.owner, people.owner_pid)
    canonicals = {f"{q['url']}|{q['version']}" for q in _resources(bundle, "Questionnaire")}
    assert len(canonicals) == 3  # POEM twice (two versions), RECAP
    for qr in _resources(bundle, "QuestionnaireResponse"):
        url, _, version = qr["questionnaire"].partition("|")
        assert version and not re.search(r"\s", qr["questionnaire"]), qr["questionnaire"]
        assert qr["questionnaire"] in canonicals
        [full] = [x["valueString"] for x in qr["extension"] if x["url"] == C.VERSION_EXTENSION]
        assert version == re.sub(r"[^A-Za-z0-9.]+", "-", full).strip("-")
    assert {qr["questionnaire"].split("|")[1] for qr in _resources(bundle, "QuestionnaireResponse")} == {
        "POEM-Charman-2004-draft-of-2003", "POEM-Charman-2004-7-items-0-4-total-0-28",
        "RECAP-Howells-2020-7-items-0-4-total-0-28"}


def test_provenance_names_gutskin_and_covers_every_exported_resource(engine, people) -> None:
    from fhir.resources.R4B.device import Device
    from fhir.resources.R4B.provenance import Provenance

    import gutskin

    mia = _child_world(engine, people)
    bundle = _export(engine, people.owner, mia)
    [prov] = _resources(bundle, "Provenance")
    [device] = _resources(bundle, "Device")
    Provenance.model_validate(prov)
    Device.model_validate(device)
    assert device["version"] == [{"value": gutskin.__version__}]
    assert device["deviceName"][0]["name"] == "gutskin"
    [agent] = prov["agent"]
    assert agent["who"]["reference"] == _url_of(bundle, "Device")[device["id"]]
    assert agent["type"]["coding"][0]["code"] == "assembler"
    assert prov["recorded"] == bundle["timestamp"]
    exported = {e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] not in ("Provenance", "Device")}
    assert {t["reference"] for t in prov["target"]} == exported
    assert len(prov["target"]) == len(exported)


def test_import_keeps_who_answered_and_ignores_provenance(engine, people) -> None:
    from gutskin.clinic.actors import SYSTEM
    from gutskin.clinic.fhir import import_bundle
    from gutskin.store.db import transaction
    from gutskin.store.models import DiaryDay, Patient, QuestionnaireResponse

    mia = _child_world(engine, people)
    summary = import_bundle(engine, SYSTEM, _export(engine, people.owner, mia), patient_ref="p-mia-copy")
    assert summary["ignored"]["Provenance"] == 1 and summary["ignored"]["Device"] == 1
    assert summary["ignored"]["RelatedPerson"] == 1
    own = import_bundle(engine, SYSTEM, _export(engine, people.owner, people.owner_pid), patient_ref="p-own-copy")
    with transaction(engine) as s:
        ids = {p.external_id: p.id for p in s.scalars(select(Patient))}

        def authors(pid: int) -> set[tuple]:  # type: ignore[type-arg]
            return {(q.author_user_id, q.author_role) for q in
                    s.scalars(select(QuestionnaireResponse).where(QuestionnaireResponse.patient_id == pid))} | \
                   {(d.author_user_id, d.author_role) for d in s.scalars(select(DiaryDay).where(DiaryDay.patient_id == pid))}

        # the role travels; the account that entered it is the other system's (not known here)
        assert authors(ids["p-mia-copy"]) == {(None, "caregiver")}
        assert authors(ids["p-own-copy"]) == {(None, "patient")} and own["questionnaires"] == 1


def test_an_author_outside_the_bundle_is_refused_naming_the_entry(engine, people) -> None:
    from gutskin.interop.fhir_import import BundleError, parse_bundle

    mia = _child_world(engine, people)
    bundle = _export(engine, people.owner, mia)
    i, qr = next((i, e["resource"]) for i, e in enumerate(bundle["entry"])
                 if e["resource"]["resourceType"] == "QuestionnaireResponse")
    qr["author"] = {"reference": "RelatedPerson/somebody-else"}
    with pytest.raises(BundleError, match=rf"entry\[{i}\] QuestionnaireResponse/.*: author.reference: must reference"):
        parse_bundle(bundle)


def test_export_authorization_is_unchanged(engine, people, client) -> None:
    """The child's record: its caregiver exports it; a stranger and an unlinked clinician get 404."""
    from gutskin.clinic.errors import NotFound
    from tests.conftest import bearer

    mia = _child_world(engine, people)
    for actor in (people.stranger, people.unlinked, people.clinician):  # the clinician is linked to the owner's own record only
        with pytest.raises(NotFound):
            _export(engine, actor, mia)
    assert client.get(f"/api/v1/patients/{mia}/fhir", headers=bearer(client, "stranger@example.org")).status_code == 404
    r = client.get(f"/api/v1/patients/{mia}/fhir", headers=bearer(client, "owner@example.org"))
    assert r.status_code == 200 and any(e["resource"]["resourceType"] == "RelatedPerson" for e in r.json()["entry"])


def test_the_clinician_page_says_who_answered(engine, people, client) -> None:
    from tests.safety.test_attacks import login_page

    mia = _shared_child_and_an_unrecorded_answer(engine, people)
    login_page(client, "linked@clinic.example.org")

    def rows(pid: int) -> list[str]:
        page = client.get(f"/clinic/patients/{pid}")
        assert page.status_code == 200
        text = html.unescape(page.text)
        return [" ".join(re.sub(r"<[^>]+>", " ", r).split()) for r in re.findall(r"<tr>.*?</tr>", text, re.S)]

    child = rows(mia)
    assert any("POEM" in r and r.endswith("the parent") for r in child), child
    assert any("Egg" in r and r.endswith("the parent") for r in child), child  # the logged day
    own = rows(people.owner_pid)
    assert any("POEM" in r and r.endswith("the patient") for r in own), own
    assert any("RECAP" in r and r.endswith("not recorded") for r in own), own
    assert not any("the parent" in r for r in own)


def test_the_visit_report_says_who_answered_the_latest_scores(engine, people) -> None:
    from tests.interop.test_report import _pdf_text, _report

    mia = _shared_child_and_an_unrecorded_answer(engine, people)
    data, pdf = _report(engine, people.clinician, mia, wait=0)
    assert data["latest_scores"]["poem"]["author_role"] == "caregiver"
    text = " ".join(_pdf_text(pdf)[1].split())
    assert "Answered by" in text and re.search(r"POEM \d\d \w+ \d{4} 11 of 28 \(parent-reported\) moderate the parent", text), text
    _, pdf = _report(engine, people.clinician, people.owner_pid, wait=0)
    text = " ".join(_pdf_text(pdf)[1].split())
    assert re.search(r"POEM \d\d \w+ \d{4} 11 of 28 moderate the patient", text), text
    assert re.search(r"RECAP \d\d \w+ \d{4} 11 of 28 [\w ]+ not recorded", text), text
