"""FHIR bundles of a years-long diary: validated with the R4B models one entry per shape (the
entries that differ only in UUIDs, calendar days and numbers of one kind decide together), so a
4-year export is not 10 s of validation (the years-of-data walk, 2026-12-06: a clinician's FHIR
download of 4 years, 25,000 Observations, took 8-12 s, 10 s of it validating each one), while a
bad value anywhere in the bundle is still found and named by its place."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from gutskin.interop.fhir import FhirMappingError, build_bundle, one_per_shape, validate_bundle
from gutskin.interop.fhir_import import BundleError, parse_bundle


def _record(days: int, start: dt.date = dt.date(2027, 6, 1)) -> dict:
    out = []
    for k in range(days):
        d = start + dt.timedelta(days=k)  # over 29 Feb 2028 and two new years
        out.append({"date": d.isoformat(), "itch": k % 11, "sleep_loss": (k * 3) % 11, "flare": k % 9 == 0,
                    "poscorad": round((k % 70) * 1.3, 1) if k % 7 == 0 else None, "poem": k % 29 if k % 7 == 3 else None,
                    "notes": f"day {k}: ok" if k % 30 == 0 else None, "author_role": "patient",
                    "factors": {"food.egg": float(k % 2), "env.pollen": (k % 40) / 4, "gut.bristol": float(1 + k % 7),
                                "treat.emollient": float(k % 3)}})
    return {"patient": {"external_id": "p-long", "share_identity": False}, "days": out, "questionnaires": []}


def test_a_long_bundle_hands_the_models_one_entry_per_shape() -> None:
    """A 400-day bundle is thousands of entries of a few dozen shapes, and validate_bundle accepts
    it. (How much faster than entry by entry is measured in ``python -m bench.fhir_validate``, not
    here: speed lives in bench/, ratios in one run.)"""
    bundle = build_bundle(_record(400))
    n = len(bundle["entry"])
    keep = one_per_shape(bundle["entry"])
    assert n > 2500 and len(keep) < 60
    assert keep == sorted(keep) and keep[0] == 0  # the first entry of each shape, in bundle order
    validate_bundle(bundle)
    # one shape per kind of entry: the same bundle one day longer has no new shape
    assert len(one_per_shape(build_bundle(_record(401))["entry"])) == len(keep)


def _last(bundle: dict, pred) -> int:  # type: ignore[no-untyped-def]
    return max(i for i, e in enumerate(bundle["entry"]) if pred(e["resource"]))


BAD = {
    "integer out of range": (lambda r: "valueInteger" in r, lambda r: r.update(valueInteger=2**31)),
    "integer with a fraction": (lambda r: "valueInteger" in r, lambda r: r.update(valueInteger=2.5)),
    "no such day": (lambda r: "effectiveDateTime" in r, lambda r: r.update(effectiveDateTime="2027-02-29")),
    "day with a time but no zone": (lambda r: "effectiveDateTime" in r,
                                    lambda r: r.update(effectiveDateTime="2028-02-29T10:00:00")),
    "not a number": (lambda r: "valueQuantity" in r, lambda r: r["valueQuantity"].update(value=float("nan"))),
    "id with a space": (lambda r: r["resourceType"] == "Observation", lambda r: r.update(id="a b")),
    "empty text": (lambda r: "text" in r.get("code", {}), lambda r: r["code"].update(text="")),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_value_late_in_a_long_bundle_is_found_and_placed(name: str) -> None:
    good = build_bundle(_record(120))
    pick, spoil = BAD[name]
    bad = copy.deepcopy(good)
    i = _last(bad, pick)
    assert i > 500
    spoil(bad["entry"][i]["resource"])
    with pytest.raises(FhirMappingError, match=rf"^entry\.{i}\.resource\."):
        validate_bundle(bad)
    with pytest.raises(BundleError, match=rf"^entry\[{i}\] Observation"):
        parse_bundle(bad)
    validate_bundle(good)
    assert len(parse_bundle(good).days) == 120
