"""Factor Observations carry UCUM codes (°C as Cel, pollen per m3, applications and chips as
dimensionless counts), not only a free-text unit such as '0-10' that a receiving system cannot
read; the round trip is unchanged (tests/interop/test_fhir.py)."""

from __future__ import annotations

from gutskin.diary.factors import VOCABULARY
from gutskin.interop import codes as C
from tests.interop.test_fhir import _export, _seed


def test_factor_quantities_carry_ucum_codes(engine, people) -> None:
    _seed(engine, people)
    bundle = _export(engine, people.clinician, people.owner_pid)
    factor_obs = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
                  and e["resource"]["code"]["coding"][0]["system"] == C.FACTOR_SYSTEM]
    seen = {o["code"]["coding"][0]["code"]: o["valueQuantity"] for o in factor_obs}
    assert seen["env.pollen"] == {"value": 17.5, "unit": "grains/m³", "system": C.UCUM, "code": "{grains}/m3"}
    assert seen["treat.tcs"] == {"value": 2, "unit": "applications", "system": C.UCUM, "code": "{applications}"}
    assert seen["food.dairy"]["system"] == C.UCUM and seen["food.dairy"]["code"] == "1"
    assert all(q.get("system") == C.UCUM and q.get("code") for q in seen.values())


def test_every_vocabulary_unit_has_a_ucum_code() -> None:
    units = {f.unit for f in VOCABULARY.values()}
    assert units <= set(C.FACTOR_UCUM), units - set(C.FACTOR_UCUM)
    assert C.FACTOR_UCUM["°C"] == "Cel" and C.FACTOR_UCUM["%"] == "%"
