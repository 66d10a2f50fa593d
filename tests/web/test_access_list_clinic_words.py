"""The patient's access list (Sharing) says in words what the clinic's EASI and SCORAD and an app's sign-out
are (clinic walk on a fresh server, 2026-12-07): it read "Dr Linked added assessment", "viewed
assessments" and "You ended api token", object codes with the underscore taken out. Fails on the code
before."""

from __future__ import annotations

import html
import re

from gutskin.store.db import transaction
from tests.conftest import bearer
from tests.safety.test_attacks import login_page

_EASI = {"age_years": 40, "regions": {r: {"area_percent": 20, "erythema": 2, "induration": 1, "excoriation": 1,
                                           "lichenification": 0} for r in ("head_neck", "upper_limbs", "trunk", "lower_limbs")}}


def _rows(client) -> list[str]:  # type: ignore[no-untyped-def]
    page = html.unescape(client.get("/sharing").text)
    table = page.split("Recent access", 1)[1]
    return [" ".join(re.sub(r"<[^>]+>", " ", tr).split()) for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)]


def test_the_clinics_assessment_and_an_apps_sign_out_are_said_in_words(engine, client, people) -> None:
    from gutskin.clinic import assessments

    with transaction(engine) as s:
        assessments.record(s, people.clinician, people.owner_pid, "easi", dict(_EASI))
    with transaction(engine) as s:
        assessments.history(s, people.clinician, people.owner_pid)
    phone = bearer(client, "owner@example.org")
    assert client.delete("/api/v1/auth/token", headers=phone).status_code in (200, 204)
    login_page(client, "owner@example.org")
    rows = _rows(client)
    said = "\n".join(rows)
    assert "Dr Linked (linked@clinic.example.org) added a skin assessment by the clinic (EASI or SCORAD)" in said, said
    assert "Dr Linked (linked@clinic.example.org) viewed the clinic's skin assessments (EASI and SCORAD)" in said, said
    assert "You ended an app's sign-in to this account (API)" in said, said
    assert not re.search(r"\b(assessment|assessments|api token)$", said, re.M), said
