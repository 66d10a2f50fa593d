"""Bundles written the way other systems write them (integration walk, 2026-12-07).

gutskin's own resources, sent by a hospital EHR as a ``transaction`` (POST entries, ``urn:uuid:``
fullUrls, references to the Patient by ``Patient?identifier=<system>|<value>``) or passed on as a
FHIR server's ``searchset`` (``search.mode``, ``link``, an OperationOutcome entry), and values as
other systems write them (an NRS as a ``valueQuantity`` in UCUM ``{score}``, a day as an
``effectivePeriod``), were all refused before ("type: expected 'collection'", "valueInteger: expected
an integer 0-10", "effectiveDateTime: expected a date"). What must still be refused is refused by
name and nothing is stored: a search result with a next page (partial), an OperationOutcome
reporting an error, a DELETE entry, an NRS as a valueCodeableConcept, a period over two days, one
bad resource deep inside a long bundle; FHIR XML and NDJSON say what they are instead of
"not JSON (Expecting value …)". SQLite and PostgreSQL.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from urllib.parse import quote

import pytest
from typer.testing import CliRunner

from gutskin.clinic import diary, fhir
from gutskin.clinic.actors import SYSTEM
from gutskin.clinic.errors import InvalidInput, NotFound
from gutskin.interop import codes as C
from gutskin.interop.fhir_import import BundleError, parse_bundle
from gutskin.store.db import transaction
from tests.conftest import People

START = dt.date(2026, 3, 1)  # a fixed past diary (no wall clock)
N_DAYS = 40


def _exported(engine, people: People) -> dict:  # type: ignore[no-untyped-def,type-arg]
    with transaction(engine) as s:
        for k in range(N_DAYS):
            diary.put_day(s, people.owner, people.owner_pid, START + dt.timedelta(days=k),
                          diary.DayInput(itch=k % 11, sleep_loss=(3 * k) % 11, flare=k % 5 == 0))
    with transaction(engine) as s:
        return fhir.export_bundle(s, people.owner, people.owner_pid)


def _patient(bundle: dict) -> dict:  # type: ignore[type-arg]
    return next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")


def _observations(bundle: dict, code: str) -> list[dict]:  # type: ignore[type-arg]
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
            and any(c.get("code") == code for c in e["resource"]["code"]["coding"])]


def _as_transaction(bundle: dict) -> dict:  # type: ignore[type-arg]
    """As an EHR sends it: POST entries, the Patient created if not there, references to the Patient
    by its gutskin identifier (URL-encoded, as a client library writes a query)."""
    t = copy.deepcopy(bundle)
    t["type"] = "transaction"
    pe = _patient(t)
    ident = next(x["value"] for x in pe["resource"]["identifier"] if x["system"] == C.PATIENT_ID_SYSTEM)
    conditional = "Patient?identifier=" + quote(f"{C.PATIENT_ID_SYSTEM}|{ident}", safe="")
    pe["resource"]["identifier"].insert(0, {"system": "urn:oid:1.2.36.146.595.217.0.1", "value": "MRN-77"})
    pe["resource"]["meta"] = {**pe["resource"].get("meta", {}),
                              "profile": ["http://hl7.org/fhir/StructureDefinition/Patient"]}
    for e in t["entry"]:
        res = e["resource"]
        e["request"] = ({"method": "POST", "url": "Patient", "ifNoneExist": f"identifier={ident}"}
                        if res is pe["resource"] else {"method": "POST", "url": res["resourceType"]})
        if res["resourceType"] == "Observation":
            res["subject"] = {"reference": conditional}
            res["extension"] = [{"url": "http://hospital.example/fhir/StructureDefinition/ward", "valueString": "4B"}]
            res["contained"] = [{"resourceType": "Device", "id": "app", "deviceName": [
                {"name": "gutskin", "type": "user-friendly-name"}]}]
            res["device"] = {"reference": "#app"}
    return t


def _as_searchset(bundle: dict) -> dict:  # type: ignore[type-arg]
    s = copy.deepcopy(bundle)
    s["type"] = "searchset"
    s["total"] = len(s["entry"])
    s["link"] = [{"relation": "self", "url": "https://ehr.example/fhir/Observation?patient=77&_include=*"}]
    for e in s["entry"]:
        e["search"] = {"mode": "include" if e["resource"]["resourceType"] == "Patient" else "match"}
    s["entry"].append({"resource": {"resourceType": "OperationOutcome", "issue": [
        {"severity": "information", "code": "informational", "diagnostics": "search took 12 ms"}]},
        "search": {"mode": "outcome"}})
    return s


def test_transaction_and_searchset_bundles_import_the_diary(engine, people: People) -> None:  # type: ignore[no-untyped-def]
    bundle = _exported(engine, people)
    with transaction(engine) as s:
        want = [(d["date"], d["itch"], d["sleep_loss"], d["flare"])
                for d in diary.list_days(s, SYSTEM, people.owner_pid)]
    assert len(want) == N_DAYS
    for k, sent in enumerate((_as_transaction(bundle), _as_searchset(bundle))):
        summary = fhir.import_bundle(engine, SYSTEM, sent, patient_ref=f"p-ehr-{k}")
        assert summary["days"] == N_DAYS, summary
        with transaction(engine) as s:
            pid = fhir.resolve_patient(s, SYSTEM, f"p-ehr-{k}").id
            got = [(d["date"], d["itch"], d["sleep_loss"], d["flare"]) for d in diary.list_days(s, SYSTEM, pid)]
        assert got == want


def test_values_as_other_systems_write_them(engine, people: People) -> None:  # type: ignore[no-untyped-def]
    bundle = _exported(engine, people)
    b = copy.deepcopy(bundle)
    itch = _observations(b, "itch-nrs")
    sleep = _observations(b, "sleep-loss-nrs")
    # an NRS as a quantity of UCUM {score}; a day as a period within that day; a time zone offset
    v = itch[0].pop("valueInteger")
    itch[0]["valueQuantity"] = {"value": v, "unit": "{score}", "system": "http://unitsofmeasure.org", "code": "{score}"}
    day = itch[1].pop("effectiveDateTime")
    itch[1]["effectivePeriod"] = {"start": f"{day}T00:00:00+01:00", "end": f"{day}T23:59:59+01:00"}
    day2 = sleep[2]["effectiveDateTime"]
    sleep[2]["effectiveDateTime"] = f"{day2}T23:30:00-05:00"
    parsed = parse_bundle(b)
    plain = parse_bundle(bundle)
    assert parsed.days == plain.days and len(parsed.days) == N_DAYS

    refused = [
        ("valueCodeableConcept", lambda o: (o.pop("valueInteger"), o.update(valueCodeableConcept={"text": "4"}))),
        ("valueQuantity.code", lambda o: (o.pop("valueInteger"), o.update(
            valueQuantity={"value": 4, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"}))),
        ("valueQuantity.value", lambda o: (o.pop("valueInteger"), o.update(valueQuantity={"value": 4.5}))),
        ("effectivePeriod", lambda o: (o.pop("effectiveDateTime"), o.update(
            effectivePeriod={"start": "2026-03-05", "end": "2026-03-06"}))),
    ]
    for fld, change in refused:
        b = copy.deepcopy(bundle)
        obs = _observations(b, "itch-nrs")[7]
        change(obs)
        with pytest.raises(BundleError) as err:
            parse_bundle(b)
        assert err.value.field == fld, (fld, str(err.value))
        assert f"Observation/{obs['id']}" in err.value.where


def test_what_must_be_refused_is_refused_by_name_and_nothing_stored(engine, people: People) -> None:  # type: ignore[no-untyped-def]
    bundle = _exported(engine, people)
    cases = []
    partial = _as_searchset(bundle)
    partial["link"].append({"relation": "next", "url": "https://ehr.example/fhir?_getpages=abc&_offset=40"})
    cases.append((partial, "Bundle: link[1]", "next page"))
    failed = _as_searchset(bundle)
    failed["entry"][-1]["resource"]["issue"] = [{"severity": "error", "code": "too-costly",
                                                 "diagnostics": "result truncated at 40 matches"}]
    cases.append((failed, f"entry[{len(failed['entry']) - 1}] OperationOutcome: issue[0]", "truncated"))
    delete = _as_transaction(bundle)
    delete["entry"][5]["request"] = {"method": "DELETE", "url": "Observation/1"}
    cases.append((delete, "entry[5] ", "request.method"))
    deep = _as_transaction(bundle)
    i = max(i for i, e in enumerate(deep["entry"]) if e["resource"]["resourceType"] == "Observation")
    deep["entry"][i]["resource"]["effectiveDateTime"] = "2026-02-30"  # one bad day, the last entry of its kind
    cases.append((deep, f"entry[{i}] Observation/", "effectiveDateTime"))
    for k, (sent, where, said) in enumerate(cases):
        with pytest.raises(InvalidInput) as err:
            fhir.import_bundle(engine, SYSTEM, sent, patient_ref=f"p-refused-{k}")
        assert str(err.value).startswith(where) and said in str(err.value), (k, str(err.value))
        with transaction(engine) as s, pytest.raises(NotFound):
            fhir.resolve_patient(s, SYSTEM, f"p-refused-{k}")  # no profile, no day


def test_xml_and_ndjson_are_refused_by_name(db_url, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    xml = '<?xml version="1.0"?>\n<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/></Bundle>\n'
    from gutskin.interop.fhir_import import load_bundle_text

    ndjson = "\n".join(json.dumps({"resourceType": "Observation", "id": f"o{k}", "status": "final"}) for k in range(3))
    for text, said in ((xml, "FHIR XML is not supported"), ("\ufeff" + xml, "FHIR XML is not supported"),
                       (ndjson, "NDJSON"), ("{not json", "not JSON")):
        with pytest.raises(BundleError) as err:
            load_bundle_text(text)
        assert said in str(err.value)
    assert load_bundle_text('\ufeff{"resourceType": "Bundle"}') == {"resourceType": "Bundle"}

    from gutskin.cli import app

    monkeypatch.setenv("GUTSKIN_DATABASE_URL", db_url)
    from gutskin.settings import get_settings

    if hasattr(get_settings, "cache_clear"):
        get_settings.cache_clear()
    for name, text, said in (("b.xml", xml, "FHIR XML is not supported"), ("b.ndjson", ndjson, "NDJSON")):
        (tmp_path / name).write_text(text)
        r = CliRunner().invoke(app, ["import", "fhir", str(tmp_path / name)])
        assert r.exit_code != 0 and said in r.output, r.output
