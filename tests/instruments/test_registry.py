"""The shared code path: gutskin.instruments.score(name, payload) -> dict."""

from __future__ import annotations

import json

import pytest

from gutskin.instruments import INSTRUMENTS, InstrumentInputError, poem, score, score_result


def test_score_returns_the_same_dict_as_the_result():
    payload = {"answers": [4, 2, 0, 1, 3, 2, 4]}
    d = score("poem", payload)
    assert d == poem(payload["answers"]).to_dict()
    assert json.loads(json.dumps(d)) == d
    assert score_result("poem", payload).total == 16


def test_unknown_instrument_and_unexpected_fields():
    with pytest.raises(InstrumentInputError) as e:
        score("poemx", {})
    assert e.value.field == "instrument" and "poem" in str(e.value)
    with pytest.raises(ValueError, match=r"^answer: unexpected field \(allowed: answers, bands\)"):
        score("poem", {"answers": [0] * 7, "answer": 1})
    with pytest.raises(ValueError, match=r"^bands: unexpected field \(allowed: answers\)"):
        score("adct", {"answers": [0] * 6, "bands": "x"})


def test_registry_names_are_the_cli_contract():
    assert set(INSTRUMENTS) == {
        "poem", "recap", "adct", "dlqi", "cdlqi", "scorad", "poscorad", "easi", "nrs", "bristol", "gsrs",
    }


def test_error_carries_field_and_problem():
    with pytest.raises(InstrumentInputError) as e:
        score("poem", {"answers": [0, 0, 0, 5, 0, 0, 0]})
    assert (e.value.field, e.value.problem) == ("answers[3]", "expected an integer 0-4 or null, got 5")
