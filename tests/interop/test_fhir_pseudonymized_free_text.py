"""A pseudonymized FHIR bundle (Patient ``meta.security`` PSEUDED) carries no text a person typed
(2026-12-06; SQLite and PostgreSQL).

A rich record with identifying words in every free-text field a person can fill: custom factor
names (a food, a treatment, a factor of a group the patient made up), diary notes, the profile's
name and region, an appointment reason, the clinician's name and e-mail, a clinic dose amount, a
typed stopping reason that became the immediate reaction's reason, the clinician's outcome note and
the allergy record's note, and an earlier decision of the same food. The pseudonymized export holds
none of those words; the custom factors are there under neutral codes, stable across the bundle, so
the values stay analysable, and the bundle still imports. With the identity shared, the words travel.
"""

from __future__ import annotations

import datetime as dt
import json

from gutskin.interop import codes as C

WORDS = ("quillfeather", "zephyrlane", "dr linked", "linked@clinic")


def _rich(engine, people) -> None:  # type: ignore[no-untyped-def]
    from gutskin.clinic import appointments, diary, zones
    from gutskin.store.db import transaction
    from gutskin.store.models import AllergyRecord, ChallengeDose, FoodChallenge, Patient, utcnow

    pid, owner, doc = people.owner_pid, people.owner, people.clinician
    with transaction(engine) as s:
        p = s.get(Patient, pid)
        p.display_name, p.region, p.birth_year = "Ann Quillfeather", "Zephyrlane", 1990
        today = zones.patient_today(s, pid)
    with transaction(engine) as s:
        for k in range(6):
            diary.put_day(s, owner, pid, today - dt.timedelta(days=20 - k), diary.DayInput(
                itch=k, notes="cake at Grandma Quillfeather's on Zephyrlane" if k == 2 else None,
                factors={"food.grandma_quillfeather_cake": k % 2, "treat.quillfeather_balm": 1,
                         "zephyrlane.dust": 1, "food.egg": 1}))
        a = appointments.request_appointment(s, owner, pid, "flare after Zephyrlane fair", "soon")
        appointments.respond(s, doc, a["id"], "accept", dt.datetime.combine(today + dt.timedelta(days=9), dt.time(9, 30)))
        t0 = today - dt.timedelta(days=60)
        typed = "ate Quillfeather pie on Zephyrlane before the dose"
        for n, (outcome, reason) in enumerate((("refuted", None), ("confirmed", typed))):
            start = t0 + dt.timedelta(days=20 * n)
            c = FoodChallenge(
                patient_id=pid, clinician_user_id=doc.user_id, food="food.egg", kind="supervised",
                status="confirmed", baseline_start=start, baseline_end=start + dt.timedelta(days=7),
                reintroduction_start=start + dt.timedelta(days=8), reintroduction_end=start + dt.timedelta(days=12),
                stop_reason=reason, stopped_at=utcnow() if reason else None,
                immediate_outcome="stopped" if reason else "negative",
                verdict={"verdict": "reaction_likely" if reason else "no_reaction", "probability": 0.4, "effect": 0.5,
                         **({"late_verdict": "no_reaction", "reasons": [f"immediate reaction: {reason}"]} if reason else {})},
                verdict_at=utcnow(), outcome=outcome, outcome_note=f"Quillfeather note {n}",
                confirmed_at=utcnow() - dt.timedelta(days=10 - n))
            s.add(c)
            s.flush()
            s.add(ChallengeDose(challenge_id=c.id, step=1, planned_on=start + dt.timedelta(days=8),
                                amount="2 g of Quillfeather egg cake", setting="clinic", status="taken",
                                taken_at=dt.datetime.combine(start + dt.timedelta(days=8), dt.time(10)),
                                safety={"reactions": ["hives"] if reason else []}))
            s.add(AllergyRecord(patient_id=pid, food="food.egg", status=outcome, avoid=outcome == "confirmed",
                                challenge_id=c.id, recorded_by_user_id=doc.user_id,
                                note=f"Zephyrlane record note {n}",
                                recorded_at=utcnow() - dt.timedelta(days=10 - n)))
            s.flush()


def _export(engine, actor, pid):  # type: ignore[no-untyped-def]
    from gutskin.clinic.fhir import export_bundle
    from gutskin.store.db import transaction

    with transaction(engine) as s:
        return export_bundle(s, actor, pid)


def _factor_values(bundle) -> dict[str, list[tuple[str, float]]]:  # type: ignore[no-untyped-def]
    out: dict[str, list[tuple[str, float]]] = {}
    for e in bundle["entry"]:
        r = e["resource"]
        codes = [c for c in (r.get("code") or {}).get("coding", []) if c["system"] == C.FACTOR_SYSTEM]
        if r["resourceType"] == "Observation" and codes:
            out.setdefault(codes[0]["code"], []).append((r["effectiveDateTime"], r["valueQuantity"]["value"]))
    return {k: sorted(v) for k, v in out.items()}


def test_a_pseudonymized_bundle_carries_no_typed_text(engine, people) -> None:  # type: ignore[no-untyped-def]
    from gutskin.interop.fhir_import import parse_bundle
    from gutskin.store.db import transaction
    from gutskin.store.models import Patient

    _rich(engine, people)
    for actor in (people.clinician, people.owner):
        bundle = _export(engine, actor, people.owner_pid)
        [patient] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"]
        assert patient["meta"]["security"][0]["code"] == "PSEUDED"
        text = json.dumps(bundle, ensure_ascii=False).lower()
        leaked = [w for w in (*WORDS, "grandma", "pie on", "egg cake") if w in text]
        assert not leaked, leaked
        # the custom factors are there under neutral codes, one per factor across the whole bundle
        values = _factor_values(bundle)
        assert {"food.custom_1", "treat.custom_2", "custom.custom_3", "food.egg"} <= set(values), sorted(values)
        assert [v for _, v in values["food.custom_1"]] == [k % 2 for k in range(6)]
        [balm] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "MedicationStatement"]
        assert balm["medicationCodeableConcept"]["coding"][0]["code"] == "treat.custom_2"
        assert balm["medicationCodeableConcept"]["text"] == "custom factor 2"
        [egg] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "AllergyIntolerance"]
        assert egg["recorder"] == {"display": "the clinic"}
        assert egg["reaction"][0]["description"] == "after a clinic dose, step 1 (amount recorded in gutskin)"
        notes = " ".join(n["text"] for n in egg["note"])
        assert "immediate reaction: reason recorded in gutskin" in notes and "Earlier: refuted" in notes, notes
        [appt] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Appointment"] or [None]
        if actor is people.clinician:
            assert appt is not None and appt["participant"][1]["actor"] == {"display": "the clinic"}
        parsed = parse_bundle(json.loads(json.dumps(bundle)))  # still a gutskin bundle an import reads
        assert sum(1 for d in parsed.days.values() if "food.custom_1" in d["factors"]) == 6

    with transaction(engine) as s:  # shared identity: the patient's words travel, as before
        s.get(Patient, people.owner_pid).share_identity = True
    text = json.dumps(_export(engine, people.clinician, people.owner_pid), ensure_ascii=False).lower()
    shared = ("quillfeather", "zephyrlane", "dr linked", "grandma_quillfeather_cake", "2 g of quillfeather egg cake",
              "ate quillfeather pie", "zephyrlane record note 1")
    assert all(w in text for w in shared), [w for w in shared if w not in text]


def test_gutskins_own_immediate_reaction_words_stay_in_a_pseudonymized_bundle() -> None:
    """Only typed reasons are replaced: the safety check's answers and the signs of clinic doses are
    gutskin's fixed words (``challenges.evaluate``) and keep the note useful."""
    from gutskin.clinic.fhir import _generated_reason

    assert _generated_reason("stopped in clinic")
    assert _generated_reason("safety check: hives, vomiting")
    assert _generated_reason("objective signs at step 2 (hives; swelling of the lips, face, tongue or throat)")
    assert not _generated_reason("safety check: Quillfeather's hives")
    assert not _generated_reason("objective signs at step 2 (hives) at Zephyrlane")
    assert not _generated_reason("ate Quillfeather pie")
