"""Each QuestionnaireResponse answer has the value type its Questionnaire item declares.

A receiving system (the HL7 validator, an EHR's forms engine) checks a response against the
Questionnaire it names; the bundle carries both, so they must agree.
"""

from __future__ import annotations

import datetime as dt

from gutskin.interop.fhir import build_bundle

VALUE_OF = {"integer": "valueInteger", "decimal": "valueDecimal", "string": "valueString", "boolean": "valueBoolean"}


def test_answers_have_the_type_of_their_questionnaire_item() -> None:
    day = dt.date(2026, 11, 2)
    data = {
        "patient": {"external_id": "p-answertypes", "share_identity": False},
        "questionnaires": [
            {"id": 1, "instrument": "poem", "version": "1", "answered_on": day, "answers": {"answers": [1, 2, 0, 0, 1, 3, 4]},
             "total": 11, "band": "moderate"},
            {"id": 2, "instrument": "dlqi", "version": "1", "answered_on": day,
             "answers": {"answers": [1, [1, 2], 0, 0, 1, 3, 1, 1, 1, 1]}, "total": 12, "band": "very large effect"},
            {"id": 3, "instrument": "recap", "version": "1", "answered_on": day, "answers": {"answers": [1, 2, 0, 0, 1, 3, 4]},
             "total": 11, "band": "not controlled"},
        ],
        "as_of": day, "generated_at": dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC),
    }
    bundle = build_bundle(data)
    resources = [e["resource"] for e in bundle["entry"]]
    # a canonical names a Questionnaire by url and version (url|version)
    item_types = {(f"{q['url']}|{q['version']}", i["linkId"]): i["type"] for q in resources
                  if q["resourceType"] == "Questionnaire" for i in q["item"]}
    checked = 0
    for qr in (r for r in resources if r["resourceType"] == "QuestionnaireResponse"):
        for item in qr["item"]:
            declared = item_types[(qr["questionnaire"], item["linkId"])]
            for answer in item.get("answer", []):
                assert list(answer) == [VALUE_OF[declared]], (qr["questionnaire"], item["linkId"], answer, declared)
                checked += 1
    assert checked == 7 + 11 + 7 + 3  # every item answer and the three totals


def test_bundles_exported_before_still_import_with_integer_totals() -> None:
    """Bundles written before the change answered integer totals with valueInteger; they still import."""
    import copy

    from gutskin.interop.fhir_import import parse_bundle

    day = dt.date(2026, 11, 2)
    bundle = build_bundle({
        "patient": {"external_id": "p-oldbundle", "share_identity": False},
        "questionnaires": [{"id": 1, "instrument": "poem", "version": "1", "answered_on": day,
                            "answers": {"answers": [1, 2, 0, 0, 1, 3, 4]}, "total": 11, "band": "moderate"}],
        "as_of": day, "generated_at": dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)})
    old = copy.deepcopy(bundle)
    for e in old["entry"]:
        for item in e["resource"].get("item", []) if e["resource"]["resourceType"] == "QuestionnaireResponse" else []:
            if item["linkId"] == "total":
                item["answer"] = [{"valueInteger": 11}]
    assert [q["total"] for q in parse_bundle(old).questionnaires] == [q["total"] for q in parse_bundle(bundle).questionnaires] == [11]
