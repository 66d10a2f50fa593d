"""Ids inside request bodies (JSON fields, form fields) are range-checked before any query, on
both databases: an out-of-range or non-integer id is a 422 naming the field, never a 500
(``{"dose_id": 99999999999999999999}`` made SQLite raise OverflowError, ``2147483648`` is out of
PostgreSQL's integer range, a form ``dose_id`` of ``"²"`` passed ``str.isdigit`` and made ``int()``
raise). ``gutskin.web.idguard`` covers paths and query strings; this covers bodies
(``idguard.BodyId``, ``idguard.form_id``)."""

from __future__ import annotations

import re

import pytest

from gutskin.web.idguard import MAX_ID, form_id
from gutskin.clinic.errors import InvalidInput
from tests.conftest import bearer
from tests.safety.test_attacks import login_page

PLAN = {"food": "food.wheat", "kind": "home", "released_for_home": True, "baseline_days": 7,
        "doses": [{"day_offset": 0, "amount": "1 slice"}]}
BAD_IDS = [99999999999999999999, -99999999999999999999, MAX_ID + 1, 0, -1, 1.5, "abc", "²"]


def _challenge(client, people) -> tuple[int, dict[str, str]]:  # type: ignore[no-untyped-def]
    doc = bearer(client, "linked@clinic.example.org")
    r = client.post(f"/api/v1/patients/{people.owner_pid}/challenges", json=PLAN, headers=doc)
    assert r.status_code == 201, r.text
    return r.json()["id"], bearer(client, "owner@example.org")


def _csrf(client, path: str) -> str:  # type: ignore[no-untyped-def]
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def test_every_integer_id_field_of_a_request_body_is_range_checked(client) -> None:
    """A body field ``id`` / ``*_id`` typed integer must carry the id range in the schema (a new
    ``foo_id: int`` without ``BodyId`` fails here)."""
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    request_models = set()
    for ops in spec["paths"].values():
        for op in ops.values():
            for media in op.get("requestBody", {}).get("content", {}).values():
                ref = media.get("schema", {}).get("$ref", "")
                if ref:
                    request_models.add(ref.rsplit("/", 1)[-1])
    seen = []

    def walk(name: str) -> None:
        for field, prop in schemas[name].get("properties", {}).items():
            variants = prop.get("anyOf", [prop])
            for v in variants:
                if "$ref" in v:
                    walk(v["$ref"].rsplit("/", 1)[-1])
                if v.get("type") == "array" and "$ref" in v.get("items", {}):
                    walk(v["items"]["$ref"].rsplit("/", 1)[-1])
                if v.get("type") == "integer" and (field == "id" or field.endswith("_id")):
                    seen.append((name, field))
                    assert v.get("minimum", v.get("exclusiveMinimum", -1) + 1) >= 1, (name, field, v)
                    assert v.get("maximum", MAX_ID + 1) <= MAX_ID, (name, field, v)

    for name in request_models:
        walk(name)
    assert ("SymptomsIn", "dose_id") in seen  # the walk reaches the fields it guards


@pytest.mark.parametrize("bad", BAD_IDS)
def test_an_out_of_range_id_in_a_json_body_is_a_422_naming_it(client, people, bad) -> None:
    cid, owner = _challenge(client, people)
    r = client.post(f"/api/v1/me/challenges/{cid}/safety", json={"symptoms": [], "dose_id": bad}, headers=owner)
    assert r.status_code == 422, (bad, r.status_code, r.text)
    assert r.json()["detail"].startswith("dose_id"), r.text


def test_an_in_range_id_in_a_json_body_still_reaches_the_rules(client, people) -> None:
    cid, owner = _challenge(client, people)
    r = client.post(f"/api/v1/me/challenges/{cid}/safety", json={"symptoms": [], "dose_id": MAX_ID}, headers=owner)
    assert r.status_code == 404 and r.json() == {"detail": "dose not found"}
    dose = client.get(f"/api/v1/challenges/{cid}", headers=owner).json()["doses"][0]["id"]
    r = client.post(f"/api/v1/me/challenges/{cid}/safety", json={"symptoms": [], "dose_id": dose}, headers=owner)
    assert r.status_code == 200 and r.json()["stopped"] is False


@pytest.mark.parametrize("bad", ["99999999999999999999", "2147483648", "²", "-3", "1.5"])
def test_an_out_of_range_dose_id_in_the_safety_form_is_refused_without_a_crash(client, people, bad) -> None:
    cid, owner = _challenge(client, people)
    login_page(client, "owner@example.org")
    r = client.post(f"/challenges/{cid}/safety", data={"csrf_token": _csrf(client, "/challenges"), "dose_id": bad},
                    follow_redirects=False)
    assert r.status_code == 303 and "error=" in r.headers["location"], (bad, r.status_code, r.text[:300])
    page = client.get(r.headers["location"])
    assert "The link or form you used: expected an id" in page.text
    assert client.get(f"/api/v1/challenges/{cid}", headers=owner).json()["status"] == "active"


@pytest.mark.parametrize("bad", ["99999999999", "2147483648", "²", "-1", "x"])
def test_an_out_of_range_profile_id_in_the_import_form_is_a_422(client, people, bad) -> None:
    login_page(client, "owner@example.org")
    csv = b"patient,date,itch\nold-app,2019-03-01,4\n"
    r = client.post("/data/import", data={"csrf_token": _csrf(client, "/data"), "patient": bad},
                    files={"file": ("d.csv", csv, "text/csv")})
    assert r.status_code == 422 and "Profile: expected an id" in r.text, (bad, r.status_code, r.text[:300])
    owner = bearer(client, "owner@example.org")
    assert client.get("/api/v1/me/diary?start=2019-01-01&end=2019-12-31", headers=owner).json() == []  # nothing stored


def test_a_non_ascii_birth_year_is_a_422_not_a_crash(client, people) -> None:
    login_page(client, "owner@example.org")
    r = client.post("/profiles/child", data={"csrf_token": _csrf(client, "/data"), "display_name": "Kid", "birth_year": "²"})
    assert r.status_code == 422, (r.status_code, r.text[:300])


def test_form_id_reads_only_plain_ids() -> None:
    assert form_id("", "x") is None and form_id("  ", "x") is None
    assert form_id(" 42 ", "x") == 42 and form_id(str(MAX_ID), "x") == MAX_ID
    for bad in ("0", "-1", str(MAX_ID + 1), "9" * 5000, "²", "١٢", "1.0", "+1", "1_0"):
        with pytest.raises(InvalidInput):
            form_id(bad, "x")
