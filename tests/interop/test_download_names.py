"""Downloads about one profile are named by its identifier and the day, as the diary CSV
(``gutskin-diary-<identifier>-<YYYY-MM-DD>.csv``): the API's FHIR export was
``patient-<numeric id>-fhir.json`` and the visit report (API and the clinician's button)
``visit-report-<numeric id>.pdf``, a number that means nothing outside the server."""

from __future__ import annotations

import datetime as dt
import re

from tests.conftest import bearer
from tests.safety.test_attacks import login_page


def _name(r) -> str:  # type: ignore[no-untyped-def]
    assert r.status_code == 200, r.text[:300]
    return re.search(r'filename="([^"]+)"', r.headers["content-disposition"]).group(1)  # type: ignore[union-attr]


def test_fhir_and_report_downloads_carry_the_profile_identifier_and_day(client, people, engine) -> None:
    from gutskin.store.db import transaction
    from gutskin.store.models import Patient

    with transaction(engine) as s:
        ext = s.get(Patient, people.owner_pid).external_id
    pid = people.owner_pid
    owner = bearer(client, "owner@example.org")
    doc = bearer(client, "linked@clinic.example.org")
    assert client.put(f"/api/v1/me/diary/{dt.date.today().isoformat()}", json={"itch": 5}, headers=owner).status_code == 200
    days = {dt.date.today().isoformat()}
    names = {
        "csv": _name(client.get("/api/v1/me/export.csv", headers=owner)),
        "fhir owner": _name(client.get(f"/api/v1/patients/{pid}/fhir", headers=owner)),
        "fhir clinician": _name(client.get(f"/api/v1/patients/{pid}/fhir", headers=doc)),
        "pdf clinician": _name(client.get(f"/api/v1/patients/{pid}/report.pdf?weeks=2", headers=doc)),
    }
    login_page(client, "linked@clinic.example.org")
    names["pdf clinician page"] = _name(client.get(f"/clinic/patients/{pid}/report.pdf?weeks=2"))
    days.add(dt.date.today().isoformat())  # a run across midnight
    day = "(" + "|".join(sorted(days)) + ")"
    what = {"csv": ("diary", "csv"), "fhir owner": ("fhir", "json"), "fhir clinician": ("fhir", "json"),
            "pdf clinician": ("report", "pdf"), "pdf clinician page": ("report", "pdf")}
    for key, name in names.items():
        kind, suffix = what[key]
        assert re.fullmatch(rf"gutskin-{kind}-{re.escape(ext)}-{day}\.{suffix}", name), (key, name)
