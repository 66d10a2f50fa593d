"""An uploaded stool sample is compared with the reference of the child's age on the day it was
collected, not on the day it is uploaded: a sample taken at age 1 and uploaded years later (a
family bringing its paper results into the app) was compared with the adult reference (the
years-of-data walk, 2026-12-06)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from gutskin.clinic import accounts
from gutskin.clinic import microbiome as micro
from gutskin.store.db import transaction
from gutskin.store.models import MicrobiomeSample
from tests.conftest import bearer
from tests.safety.test_attacks import login_page

PROFILE = (Path(__file__).parent / "data" / "metaphlan_profile.tsv").read_bytes()


def _child(engine, people, born: int) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return accounts.add_child_profile(s, people.owner, "Leo", born).id


def _group(engine, sample_pk: int) -> str:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return s.get(MicrobiomeSample, sample_pk).diversity["age_group"]


def test_the_age_on_the_collection_day_picks_the_reference(client, engine, people) -> None:
    born = dt.date.today().year - 5  # 4 or 5 now: the adult reference today
    leo = _child(engine, people, born)
    at_one = dt.date(born + 1, 6, 1)
    with transaction(engine) as s:  # the use case (CLI, tests)
        old = micro.upload_sample(s, people.owner, leo, "p.tsv", PROFILE, collected_on=at_one)
        new = micro.upload_sample(s, people.owner, leo, "p.tsv", PROFILE, collected_on=dt.date.today())
        undated = micro.upload_sample(s, people.owner, leo, "p.tsv", PROFILE)
    assert old["report"]["age_group"] == "infant"  # was "adult"
    assert new["report"]["age_group"] == "adult" and undated["report"]["age_group"] == "adult"

    login_page(client, "owner@example.org")  # the page
    page = client.get(f"/microbiome?patient={leo}").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post(f"/microbiome?patient={leo}", data={"csrf_token": csrf, "method": "shotgun",
                                                        "collected_on": at_one.isoformat()},
                    files={"file": ("p.tsv", PROFILE, "text/plain")}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert _group(engine, int(r.headers["location"].split("/")[2].split("?")[0])) == "infant"

    token = bearer(client, "owner@example.org")  # the API
    r = client.post(f"/api/v1/me/microbiome?patient_id={leo}", headers=token,
                    data={"collected_on": at_one.isoformat()},
                    files={"file": ("p.tsv", PROFILE, "text/plain")})
    assert r.status_code in (200, 201), r.text
    assert r.json()["report"]["age_group"] == "infant"
