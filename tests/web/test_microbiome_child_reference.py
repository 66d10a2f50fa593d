"""A 4-year-old's stool test is placed in the adult reference (the infant one holds babies of
6-13 months; the upload picks it under 3 years). Found in the parent walk of 2026-12-06: the
parent read a percentile among "Flemish Gut Flora Project adults" and "In adults, the difference
in gut diversity ... is small", with no word that the reference holds adults while a child's gut
microbiome is still developing. An 8-month-old (infant reference) and an adult are unchanged."""

from __future__ import annotations

import datetime as dt
import html
import re

from tests.conftest import bearer
from tests.safety.test_attacks import login_page
from tests.web.test_microbiome_gauge_edges import LOW

ADULT_EVIDENCE = "In adults, the difference in gut diversity"
CHILD_CAVEAT = "The reference holds adults."
#: a 16S genus table of 12,000 reads: compared with the adult reference at 10,000 reads
TABLE = LOW


def _upload(client, headers, query: str = "") -> dict:  # type: ignore[no-untyped-def]
    r = client.post(f"/api/v1/me/microbiome{query}", headers=headers, data={"method": "16S"},
                    files={"file": ("gut.tsv", TABLE, "text/tab-separated-values")})
    assert r.status_code == 201, r.text
    return r.json()


def test_a_four_year_old_in_the_adult_reference_is_told_so(client, people, engine) -> None:
    from gutskin.clinic import accounts
    from gutskin.store.db import transaction

    year = dt.date.today().year
    with transaction(engine) as s:
        mia = accounts.add_child_profile(s, people.owner, "Mia", year - 4).id
        ben = accounts.add_child_profile(s, people.owner, "Ben", year).id  # 8 months old, say
    owner = bearer(client, "owner@example.org")
    child = _upload(client, owner, f"?patient_id={mia}")["report"]
    assert child["age_group"] == "adult" and child["reference_comparison"]["comparable"] is True
    assert any(c.startswith(CHILD_CAVEAT) for c in child["caveats"]), child["caveats"]
    assert not any(line.startswith(ADULT_EVIDENCE) for line in child["plain_language"]), child["plain_language"]
    assert any(line.startswith("Most of the evidence linking gut bacteria and eczema comes from babies")
               for line in child["plain_language"]), child["plain_language"]
    assert child["child_age_years"] == 4
    login_page(client, "owner@example.org")
    with transaction(engine) as s:
        from gutskin.clinic import microbiome as micro
        pk = micro.list_samples(s, people.owner, mia)[0]["id"]
    page = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", client.get(f"/microbiome/{pk}?patient={mia}").text)).split())
    assert "The reference holds adults." in page and "In adults, the difference" not in page, page
    baby = _upload(client, owner, f"?patient_id={ben}")["report"]
    assert baby["age_group"] == "infant" and not any(c.startswith(CHILD_CAVEAT) for c in baby["caveats"])
    assert "child_age_years" not in baby
    adult = _upload(client, owner)["report"]  # the parent's own record: no birth year given, an adult
    assert any(line.startswith(ADULT_EVIDENCE) for line in adult["plain_language"])
    assert not any(c.startswith(CHILD_CAVEAT) for c in adult["caveats"])
