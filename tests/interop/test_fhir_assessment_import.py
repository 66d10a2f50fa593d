"""The clinic's EASI and SCORAD come back from a FHIR bundle (2026-12-06; the importer skipped them,
so export -> import lost them): re-scored from the findings the export now carries, and a stated
total, band or objective SCORAD that the findings do not give is an error naming the resource and
field, with nothing imported. Only the operator's import brings them in; one already recorded on
that day is a conflict. SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from gutskin.clinic.actors import SYSTEM
from gutskin.clinic.errors import Conflict, Forbidden, InvalidInput
from gutskin.clinic.fhir import export_bundle, import_bundle
from gutskin.interop import codes as C
from gutskin.store.db import transaction
from gutskin.store.models import DiaryDay, Patient, QuestionnaireResponse

REGIONS = {
    "head_neck": {"area_percent": 20, "erythema": 2, "induration": 1, "excoriation": 1, "lichenification": 0},
    "upper_limbs": {"area_percent": 40, "erythema": 2, "induration": 2, "excoriation": 1.5, "lichenification": 1},
    "trunk": {"area_percent": 5, "erythema": 1, "induration": 1, "excoriation": 0, "lichenification": 0},
    "lower_limbs": {"area_percent": 60, "erythema": 2.5, "induration": 2, "excoriation": 2, "lichenification": 1.5},
}
SIGNS = {"erythema": 2, "oedema_papulation": 1, "oozing_crusting": 1, "excoriation": 2, "lichenification": 0, "dryness": 1}


def _bundle(engine, people) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from gutskin.clinic import assessments, diary, questionnaires, zones

    with transaction(engine) as s:
        s.get(Patient, people.owner_pid).birth_year = 1980
        day = zones.patient_today(s, people.owner_pid) - dt.timedelta(days=3)
        diary.put_day(s, people.owner, people.owner_pid, day, diary.DayInput(itch=5))
        questionnaires.submit(s, people.owner, people.owner_pid, "poem", {"answers": [1, 2, 0, 0, 1, 3, 4]}, day)
        assessments.record(s, people.clinician, people.owner_pid, "easi", {"regions": REGIONS}, day)
        assessments.record(s, people.clinician, people.owner_pid, "scorad",
                           {"extent_percent": 30, "intensity": SIGNS, "itch": 6, "sleep_loss": 4}, day)
    with transaction(engine) as s:
        return export_bundle(s, people.clinician, people.owner_pid)


def _obs(b: dict[str, Any], code: str) -> tuple[int, dict[str, Any]]:
    return next((i, e["resource"]) for i, e in enumerate(b["entry"]) if e["resource"]["resourceType"] == "Observation"
                and any(c.get("code") == code for c in e["resource"]["code"].get("coding") or []))


def _finding(res: dict[str, Any], path: str) -> dict[str, Any]:
    return next(c for c in res["component"]
                if (c["code"]["coding"][0]["system"], c["code"]["coding"][0]["code"]) == (C.ASSESSMENT_FINDING_SYSTEM, path))


def _counts(engine) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (Patient, DiaryDay, QuestionnaireResponse))  # type: ignore[return-value]


def test_the_clinics_scores_come_back_as_the_clinics(engine, people) -> None:  # type: ignore[no-untyped-def]
    from gutskin.clinic.assessments import history

    bundle = _bundle(engine, people)
    summary = import_bundle(engine, SYSTEM, copy.deepcopy(bundle), patient_ref="p-copy")
    assert (summary["assessments"], summary["days"]) == (2, 1)
    with transaction(engine) as s:
        before = [{k: v for k, v in r.items() if k != "id"} for r in history(s, SYSTEM, people.owner_pid)]
        after = [{k: v for k, v in r.items() if k != "id"} for r in history(s, SYSTEM, summary["patient_id"])]
        rows = s.execute(select(QuestionnaireResponse.instrument, QuestionnaireResponse.answers,
                                QuestionnaireResponse.author_role, QuestionnaireResponse.author_user_id)
                         .where(QuestionnaireResponse.patient_id == summary["patient_id"],
                                QuestionnaireResponse.instrument.in_(("easi", "scorad")))
                         .order_by(QuestionnaireResponse.instrument)).all()
    assert after == before and [(r["instrument"], r["total"]) for r in after] == [("easi", 18.1), ("scorad", 40.5)]
    assert [tuple(r) for r in rows] == [("easi", {"age_years": before[0]["age_years"], "regions": REGIONS}, "clinician", None),
                                        ("scorad", {"extent_percent": 30, "intensity": SIGNS, "itch": 6, "sleep_loss": 4},
                                         "clinician", None)]
    # the same results again into that profile: the clinic keeps one per day, nothing is imported
    only_scores = copy.deepcopy(bundle)
    only_scores["entry"] = [e for e in only_scores["entry"]
                            if e["resource"]["resourceType"] not in ("Observation", "QuestionnaireResponse")
                            or e["resource"].get("category", [{}])[0].get("coding", [{}])[0].get("code") == "exam"]
    counts = _counts(engine)
    with pytest.raises(Conflict, match=r"already has a EASI on|already has a SCORAD on"):
        import_bundle(engine, SYSTEM, only_scores, patient_ref="p-copy")
    assert _counts(engine) == counts


def _set(path: str, value: Any, code: str = "easi-total"):  # type: ignore[no-untyped-def]
    def mutate(b: dict[str, Any]) -> None:
        _finding(_obs(b, code)[1], path)["valueQuantity"]["value"] = value
    return mutate


def _drop(path: str):  # type: ignore[no-untyped-def]
    def mutate(b: dict[str, Any]) -> None:
        res = _obs(b, "easi-total")[1]
        res["component"].remove(_finding(res, path))
    return mutate


def _band(b: dict[str, Any]) -> None:
    _obs(b, "easi-total")[1]["interpretation"] = [{"text": "mild"}]


def _objective(b: dict[str, Any]) -> None:
    _obs(b, "scorad-total")[1]["component"][0]["valueQuantity"]["value"] = 31


def _performer(b: dict[str, Any]) -> None:
    res = _obs(b, "scorad-total")[1]
    res["performer"] = [dict(res["subject"])]


def _derived(b: dict[str, Any]) -> None:  # would have passed as a questionnaire's score, not checked
    qr = next(e for e in b["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse")
    _obs(b, "easi-total")[1]["derivedFrom"] = [{"reference": qr["fullUrl"]}]


@pytest.mark.parametrize(("mutate", "code", "field", "words"), [
    (_set("regions.trunk.erythema", 3), "easi-total", "valueQuantity.value", "stated EASI total 18.1 but the findings score 18.7"),
    (_set("age_years", 5), "easi-total", "valueQuantity.value", "stated EASI total 18.1 but the findings score 15.7"),
    (_set("intensity.dryness", 3, "scorad-total"), "scorad-total", "valueQuantity.value",
     "stated SCORAD total 40.5 but the findings score 47.5"),
    (_set("regions.trunk.erythema", 0.5), "easi-total", "component", "0.5"),
    (_drop("regions.trunk.erythema"), "easi-total", "component", "erythema"),
    (_band, "easi-total", "interpretation", "stated EASI band 'mild' but the findings score 'moderate'"),
    (_objective, "scorad-total", "component[0].valueQuantity.value", "stated objective SCORAD 31.0 but the findings score 30.5"),
    (_performer, "scorad-total", "performer[0].reference", "the clinic's record"),
    (_derived, "easi-total", "code.coding", "only questionnaire scores"),
])
def test_a_score_its_findings_do_not_give_is_refused_by_resource_and_nothing_is_imported(
        engine, people, mutate, code, field, words) -> None:  # type: ignore[no-untyped-def]
    bundle = _bundle(engine, people)
    mutate(bundle)
    i, res = _obs(bundle, code)
    counts = _counts(engine)
    with pytest.raises(InvalidInput) as info:
        import_bundle(engine, SYSTEM, bundle, patient_ref="p-tampered")
    assert str(info.value).startswith(f"entry[{i}] Observation/{res['id']}: {field}: "), str(info.value)
    assert words in str(info.value), str(info.value)
    assert _counts(engine) == counts  # no profile, no day, no answer


def test_only_the_operator_imports_the_clinics_scores(engine, people) -> None:  # type: ignore[no-untyped-def]
    bundle = _bundle(engine, people)
    counts = _counts(engine)
    with pytest.raises(Forbidden, match="only the clinic"):
        import_bundle(engine, people.stranger, bundle, owner_user_id=people.stranger.user_id)
    assert _counts(engine) == counts


def test_a_score_without_its_findings_is_counted_not_imported(engine, people) -> None:  # type: ignore[no-untyped-def]
    """A bundle exported before the findings travelled carries the total alone: it cannot be checked,
    so it is not the clinic's record here; the import says how many it left (and takes the rest)."""
    bundle = _bundle(engine, people)
    for code in ("easi-total", "scorad-total"):
        res = _obs(bundle, code)[1]
        res["component"] = [c for c in res["component"] if c["code"]["coding"][0]["system"] != C.ASSESSMENT_FINDING_SYSTEM]
        if not res["component"]:
            del res["component"]
    summary = import_bundle(engine, SYSTEM, bundle, patient_ref="p-old")
    assert summary["assessments"] == 0 and summary["days"] == 1
    assert summary["ignored"]["Observation (clinic assessment without findings)"] == 2


GRADES = st.sampled_from([0, 1, 1.5, 2, 2.5, 3])
PERCENT = st.integers(0, 1000).map(lambda x: x / 10)
EASI_INPUT = st.fixed_dictionaries({
    "age_years": st.integers(0, 100),
    "regions": st.fixed_dictionaries({r: st.fixed_dictionaries({
        "area_percent": PERCENT, "erythema": GRADES, "induration": GRADES, "excoriation": GRADES, "lichenification": GRADES})
        for r in ("head_neck", "upper_limbs", "trunk", "lower_limbs")})})
SCORAD_INPUT = st.fixed_dictionaries({
    "extent_percent": PERCENT, "intensity": st.fixed_dictionaries({k: st.integers(0, 3) for k in SIGNS}),
    "itch": st.none() | st.integers(0, 100).map(lambda x: x / 10), "sleep_loss": st.none() | st.integers(0, 10)},
    optional={"bands": st.sampled_from(["classic", "four_strata"])})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(easi=EASI_INPUT, scorad=SCORAD_INPUT)
def test_pure_mapping_keeps_any_findings(easi: dict[str, Any], scorad: dict[str, Any]) -> None:
    """build_bundle -> parse_bundle gives back the scoring input, total, band and version of any EASI
    and SCORAD (no database), and a total changed by 0.1 is refused."""
    from gutskin.instruments import score
    from gutskin.interop.fhir import build_bundle
    from gutskin.interop.fhir_import import BundleError, parse_bundle

    rows = []
    for k, (instrument, payload) in enumerate((("easi", easi), ("scorad", scorad))):
        r = score(instrument, payload)
        rows.append({"id": k + 1, "instrument": instrument, "version": r["version"], "answered_on": dt.date(2026, 5, 1),
                     "answers": payload, "total": r["total"], "band": r["band"], "author_role": "clinician"})
    bundle = build_bundle({"patient": {"external_id": "p-prop"}, "questionnaires": rows})
    parsed = parse_bundle(copy.deepcopy(bundle))
    assert [(a["instrument"], a["answers"], a["total"], a["band"], a["version"], a["author_role"])
            for a in parsed.assessments] == [(q["instrument"], q["answers"], q["total"], q["band"], q["version"], "clinician")
                                             for q in rows]
    for e in bundle["entry"]:
        if e["resource"].get("valueQuantity") and e["resource"]["category"][0]["coding"][0]["code"] == "exam":
            e["resource"]["valueQuantity"]["value"] += 0.1
            with pytest.raises(BundleError, match="but the findings score"):
                parse_bundle(bundle)
            break
