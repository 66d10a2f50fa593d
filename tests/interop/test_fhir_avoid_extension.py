"""The avoid list travels as an explicit AllergyIntolerance extension (2026-12-06; SQLite and PostgreSQL).

Before, the import read it from the note text "On the patient's avoid list.": a receiving system
that drops or rewords notes (many EHRs keep notes apart, or translate them) lost the flag, and a food
confirmed and on the avoid list came back off it. The export now writes the avoid-list extension
(``valueBoolean``) on every AllergyIntolerance and keeps the note for receiving EHRs; the import reads
the extension, and the note only in a bundle exported before it.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from gutskin.interop import codes as C
from tests.interop.test_fhir_allergy_import import _allergy, _moved_bundle, _owner_ext, _records

AVOID_NOTE = "On the patient's avoid list."


def _flag(a: dict[str, Any]) -> list[Any]:
    return [x.get("valueBoolean") for x in a.get("extension") or [] if x.get("url") == C.AVOID_LIST_EXTENSION]


def test_the_export_states_the_avoid_list_as_an_extension_and_keeps_the_note(engine, people) -> None:  # type: ignore[no-untyped-def]
    bundle = _moved_bundle(engine, people)
    (_, peanut), (_, wheat) = _allergy(bundle, "food.peanut"), _allergy(bundle, "food.wheat")
    assert _flag(peanut) == [True] and _flag(wheat) == [False]
    assert AVOID_NOTE in [n["text"] for n in peanut["note"]]  # for a receiving EHR, as before
    assert AVOID_NOTE not in [n["text"] for n in wheat.get("note", [])]


def test_the_import_reads_the_extension_when_the_notes_are_gone_or_say_otherwise(engine, people) -> None:  # type: ignore[no-untyped-def]
    from gutskin.clinic.actors import SYSTEM
    from gutskin.clinic.fhir import import_bundle

    bundle = copy.deepcopy(_moved_bundle(engine, people))
    _, peanut = _allergy(bundle, "food.peanut")
    peanut.pop("note")  # a system in between kept no notes
    _, wheat = _allergy(bundle, "food.wheat")
    wheat["note"] = [{"text": AVOID_NOTE}]  # a stray note: the explicit flag (False) decides
    import_bundle(engine, SYSTEM, bundle, patient_ref=_owner_ext(engine, people))
    assert [(food, avoid) for food, _, avoid, *_ in _records(engine, people.owner_pid)] == [
        ("food.peanut", True), ("food.wheat", False)]


def test_a_bundle_exported_before_the_extension_is_read_from_its_note(engine, people) -> None:  # type: ignore[no-untyped-def]
    from gutskin.clinic.actors import SYSTEM
    from gutskin.clinic.fhir import import_bundle

    bundle = copy.deepcopy(_moved_bundle(engine, people))
    for food in ("food.peanut", "food.wheat"):
        _, a = _allergy(bundle, food)
        a.pop("extension")
    import_bundle(engine, SYSTEM, bundle, patient_ref=_owner_ext(engine, people))
    assert [(food, avoid) for food, _, avoid, *_ in _records(engine, people.owner_pid)] == [
        ("food.peanut", True), ("food.wheat", False)]


@pytest.mark.parametrize("spoil", [
    lambda a: a["extension"].append({"url": C.AVOID_LIST_EXTENSION, "valueBoolean": False}),
    lambda a: a["extension"].__setitem__(0, {"url": C.AVOID_LIST_EXTENSION, "valueString": "yes"}),
])
def test_a_doubtful_avoid_flag_is_refused_naming_the_field(engine, people, spoil) -> None:  # type: ignore[no-untyped-def]
    from gutskin.clinic.actors import SYSTEM
    from gutskin.clinic.errors import InvalidInput
    from gutskin.clinic.fhir import import_bundle

    bundle = copy.deepcopy(_moved_bundle(engine, people))
    i, a = _allergy(bundle, "food.peanut")
    spoil(a)
    with pytest.raises(InvalidInput) as err:
        import_bundle(engine, SYSTEM, bundle, patient_ref=_owner_ext(engine, people))
    assert str(err.value).startswith(f"entry[{i}] AllergyIntolerance/{a['id']}: extension: "), str(err.value)
    assert _records(engine, people.owner_pid) == []
