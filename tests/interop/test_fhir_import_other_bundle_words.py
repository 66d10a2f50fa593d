"""A FHIR file of another system that gutskin does not import, uploaded by a parent on My data (the
real-files walk, 2026-12-07): the refusal says in words what the file is and what gutskin imports,
the technical rule kept in brackets; nothing is stored. Before, an International Patient Summary
(a ``document`` bundle, what a hospital's patient portal hands out) read only "Bundle: type: expected
one of collection, transaction, batch, searchset, got 'document'", and an EHR bundle with a diagnosis
"'Condition' is not part of a gutskin bundle (expected one of Patient, ...)". SQLite and PostgreSQL.
"""

from __future__ import annotations

import html
import json
import re

import pytest

from gutskin.interop.fhir_import import BundleError, parse_bundle
from tests.interop.test_fhir_import_foreign_patient import ehr_bundle
from tests.interop.test_fhir_own_upload import _named_maja, _preview, _state
from tests.safety.test_attacks import login_page


def _ips() -> dict:  # type: ignore[type-arg]
    """An International Patient Summary as a patient portal exports it (HL7 IPS, trimmed)."""
    ehr = ehr_bundle("collection")
    patient = ehr["entry"][0]
    return {"resourceType": "Bundle", "id": "ips-1", "type": "document", "timestamp": "2026-11-30T10:05:00+01:00",
            "identifier": {"system": "urn:oid:2.16.724.4.8.10.200.10", "value": "4e7b8f1a"},
            "entry": [
                {"fullUrl": "urn:uuid:comp-1", "resource": {
                    "resourceType": "Composition", "id": "comp-1", "status": "final",
                    "type": {"coding": [{"system": "http://loinc.org", "code": "60591-5",
                                         "display": "Patient summary Document"}]},
                    "subject": {"reference": "Patient/pat-4711"}, "date": "2026-11-30T10:05:00+01:00",
                    "author": [{"display": "Akademiska sjukhuset"}], "title": "Patient Summary",
                    "section": [{"title": "Problem list", "code": {"coding": [{"system": "http://loinc.org",
                                                                               "code": "11450-4"}]},
                                 "entry": [{"reference": "Condition/ad-1"}]}]}},
                patient,
                {"fullUrl": "urn:uuid:ad-1", "resource": {
                    "resourceType": "Condition", "id": "ad-1",
                    "code": {"coding": [{"system": "http://snomed.info/sct", "code": "24079001",
                                         "display": "Atopic dermatitis"}]},
                    "subject": {"reference": "Patient/pat-4711"}}}]}


def _with_condition() -> dict:  # type: ignore[type-arg]
    b = ehr_bundle("collection")
    b["entry"].append(_ips()["entry"][2])
    return b


def test_the_words_say_what_the_file_is_and_keep_the_rule() -> None:
    with pytest.raises(BundleError) as e:
        parse_bundle(_ips(), target_named=True)
    assert (e.value.where, e.value.field) == ("Bundle", "type")
    assert e.value.message.startswith("this file is a FHIR document (a Composition with what it cites: a patient "
                                      "summary such as the International Patient Summary"), e.value.message
    assert "gutskin imports diary days (itch, sleep, flares, factors), questionnaire answers" in e.value.message
    assert e.value.message.endswith("nothing was imported (expected one of collection, transaction, batch, searchset, "
                                    "got 'document')")
    with pytest.raises(BundleError) as e:
        parse_bundle(_with_condition(), target_named=True)
    assert e.value.field == "resourceType" and e.value.where.endswith("Condition/ad-1")
    assert e.value.message.startswith("'Condition' (a diagnosis) is not part of a gutskin bundle: send a bundle "
                                      "without the Condition entries; gutskin imports diary days"), e.value.message


def test_a_parent_uploading_a_patient_summary_is_told_in_words(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    pid = people.owner_pid
    _named_maja(engine, pid)
    login_page(client, "owner@example.org")
    for bundle, said in ((_ips(), "this file is a FHIR document"),
                         (_with_condition(), "(a diagnosis) is not part of a gutskin bundle: send a bundle without "
                                             "the Condition entries")):
        r = _preview(client, pid, json.dumps(bundle).encode(), "summary.json")
        shown = html.unescape(" ".join(re.findall(r'id="fhir-error">(.*?)</p>', r.text, re.S)))
        assert r.status_code == 422 and said in shown, (r.status_code, shown or r.text[:2000])
        assert "nothing was imported" in shown and 'id="fhir-confirm-form"' not in r.text
    assert _state(engine, pid) == (0, 0)


def test_a_patient_inside_a_resource_is_found_and_named() -> None:
    """Some systems put the Patient inside an Observation ("contained", referenced "#p") instead of an
    entry: it read "Bundle: entry: expected exactly one Patient, found 0", as if there were none."""
    b = ehr_bundle("collection")
    patient = b["entry"].pop(0)["resource"]
    obs = next(e["resource"] for e in b["entry"] if e["resource"]["id"] == "itch-0")
    obs["contained"] = [{**patient, "id": "p"}]
    with pytest.raises(BundleError) as e:
        parse_bundle(b, target_named=True)
    k = next(i for i, x in enumerate(b["entry"]) if x["resource"] is obs)
    assert (e.value.where, e.value.field) == (f"entry[{k}] Observation/itch-0", "contained"), str(e.value)
    assert e.value.message.startswith("the Patient is contained in this resource, not an entry of the bundle: send "
                                      "the Patient as an entry of its own"), e.value.message


def test_an_answer_without_its_optional_day_says_it_is_missing() -> None:
    """QuestionnaireResponse.authored is optional in FHIR: a bundle leaving it out read "authored: expected
    a date YYYY-MM-DD", which does not say that it is missing nor why it is needed."""
    b = ehr_bundle("collection")
    qr = next(e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse")
    del qr["authored"]
    with pytest.raises(BundleError) as e:
        parse_bundle(b, target_named=True)
    assert e.value.field == "authored" and e.value.where.endswith(f"QuestionnaireResponse/{qr['id']}")
    assert e.value.message.startswith("missing: the day it was answered is needed to place it in the record"), \
        e.value.message


def test_an_observation_of_another_kind_is_named_by_its_code() -> None:
    """An EHR's body weight among the diary values read "no gutskin code and no known LOINC code (foreign
    observation)", naming neither which code nor what to do."""
    b = ehr_bundle("collection")
    b["entry"].append({"fullUrl": "https://ehr.example/fhir/Observation/w-1", "resource": {
        "resourceType": "Observation", "id": "w-1", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7", "display": "Body weight"}],
                 "text": "Weight"},
        "subject": {"reference": "Patient/pat-4711"}, "effectiveDateTime": "2026-11-20",
        "valueQuantity": {"value": 21.5, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"}}})
    with pytest.raises(BundleError) as e:
        parse_bundle(b, target_named=True)
    assert (e.value.where, e.value.field) == (f"entry[{len(b['entry']) - 1}] Observation/w-1", "code.coding")
    assert e.value.message.startswith("no gutskin code and no known LOINC code (foreign observation: Weight, "
                                      "http://loinc.org|29463-7 'Body weight'): gutskin keeps no record of it; send a "
                                      "bundle without this Observation"), e.value.message
