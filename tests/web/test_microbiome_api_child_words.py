"""The microbiome API speaks of the child on a child's profile, as the pages do (b5ed260): the
upload's answer and GET /api/v1/patients/{id}/microbiome give 'Leo's diversity was not compared
...' and 'what causes Leo's flares; discuss results with Leo's clinician', where they said 'Your
diversity', 'your flares', 'your clinician' of the child's stool test (left over from the wording
review of 2026-12-06). The parent's own profile keeps 'your'; what is stored is unchanged."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from gutskin.store.db import transaction
from gutskin.store.models import MicrobiomeSample
from tests.conftest import bearer

PROFILE = (Path(__file__).parent / "data" / "metaphlan_profile.tsv").read_bytes()


def _upload(client, headers, **params):  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/me/microbiome", headers=headers, params=params,
                    files={"file": ("gut.tsv", PROFILE, "text/tab-separated-values")}, data={"method": "shotgun"})
    assert r.status_code == 201, r.text
    return r.json()


def _words(sample: dict) -> str:
    return " ".join(sample["report"]["plain_language"])


def test_a_childs_profile_is_spoken_of_by_name_and_the_parents_own_keeps_your(client, people, engine) -> None:
    owner = bearer(client, "owner@example.org")
    leo = client.post("/api/v1/me/children", json={"display_name": "Leo"}, headers=owner).json()["patient_id"]
    uploaded = _words(_upload(client, owner, patient_id=leo))
    (listed,) = client.get(f"/api/v1/patients/{leo}/microbiome", headers=owner).json()
    for text in (uploaded, _words(listed)):
        assert "Leo's diversity was not compared" in text, text
        assert "what causes Leo's flares; discuss results with Leo's clinician" in text, text
        assert "your" not in text.lower(), text
    own = _words(_upload(client, owner))  # the parent's own profile
    assert "Your diversity was not compared" in own and "what causes your flares" in own
    assert "with your clinician" in own and "Leo" not in own
    (own_listed,) = client.get(f"/api/v1/patients/{people.owner_pid}/microbiome", headers=owner).json()
    assert _words(own_listed) == own
    with transaction(engine) as s:  # the stored report is unchanged (it says "your")
        stored = s.scalars(select(MicrobiomeSample).where(MicrobiomeSample.patient_id == leo)).one()
        assert "what causes your flares" in " ".join(stored.diversity["plain_language"])
