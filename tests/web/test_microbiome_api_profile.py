"""POST /api/v1/me/microbiome honours ?patient_id= like every other /me route (acceptance test, 2026-12-06).

It ignored it: a caregiver's upload for a child's profile was stored in the caregiver's own
record, and a stranger's ?patient_id=<someone else's profile> answered 201 (into the stranger's
own record) instead of 404.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import bearer

PROFILE = (Path(__file__).parent / "data" / "metaphlan_profile.tsv").read_bytes()


def _upload(client, headers, **params):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/me/microbiome", headers=headers, params=params,
                       files={"file": ("gut.tsv", PROFILE, "text/tab-separated-values")}, data={"method": "shotgun"})


def _samples(client, headers, pid: int) -> list:  # type: ignore[no-untyped-def]
    r = client.get(f"/api/v1/patients/{pid}/microbiome", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_childs_sample_goes_to_the_childs_record(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    child = client.post("/api/v1/me/children", json={"display_name": "Mia"}, headers=owner).json()["patient_id"]
    r = _upload(client, owner, patient_id=child)
    assert r.status_code == 201, r.text
    assert [s["id"] for s in _samples(client, owner, child)] == [r.json()["id"]]
    assert _samples(client, owner, people.owner_pid) == []  # not in the parent's own record


def test_someone_elses_profile_is_404_and_nothing_is_stored(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    stranger = bearer(client, "stranger@example.org")
    child = client.post("/api/v1/me/children", json={"display_name": "Mia"}, headers=owner).json()["patient_id"]
    for pid in (people.owner_pid, child, 10_000):
        r = _upload(client, stranger, patient_id=pid)
        assert r.status_code == 404, (pid, r.status_code, r.text)
    assert _samples(client, stranger, people.stranger_pid) == []
    assert _samples(client, owner, people.owner_pid) == [] and _samples(client, owner, child) == []
    assert _upload(client, stranger).status_code == 201  # without ?patient_id=: the caller's own profile, as before
    assert len(_samples(client, stranger, people.stranger_pid)) == 1


def test_collected_on_is_exactly_yyyy_mm_dd(client, people) -> None:
    """The API's date parameters follow the diary's rule (docs/diary-csv.md); collected_on read
    2025-W14-2 and 20250401 as 1 April 2025 (date.fromisoformat's other ISO spellings)."""
    owner = bearer(client, "owner@example.org")
    for bad in ("2025-W14-2", "20250401", "2025-04-01x"):
        r = client.post("/api/v1/me/microbiome", headers=owner, files={"file": ("gut.tsv", PROFILE, "text/tab-separated-values")},
                        data={"method": "shotgun", "collected_on": bad})
        assert r.status_code == 422 and r.json()["detail"].startswith("collected_on: expected a date YYYY-MM-DD"), (bad, r.text)
    assert _samples(client, owner, people.owner_pid) == []
    r = client.post("/api/v1/me/microbiome", headers=owner, files={"file": ("gut.tsv", PROFILE, "text/tab-separated-values")},
                    data={"method": "shotgun", "collected_on": "2025-04-01"})
    assert r.status_code == 201 and r.json()["collected_on"] == "2025-04-01"


def test_a_multi_sample_table_names_its_samples_without_a_false_ellipsis(client, people) -> None:
    """'(S1, S2 …)' suggested more samples than the two the file holds; the … now marks only a cut list."""
    owner = bearer(client, "owner@example.org")
    two = b"#OTU ID\tS1\tS2\nBacteroides\t10\t20\nPrevotella\t5\t1\n"
    r = client.post("/api/v1/me/microbiome", headers=owner, files={"file": ("t.tsv", two, "text/tab-separated-values")},
                    data={"method": "16S"})
    assert r.status_code == 422 and r.json()["detail"] == "sample_id: the file holds 2 samples (S1, S2); say which is yours"
    many = ("#OTU ID\t" + "\t".join(f"S{i}" for i in range(12)) + "\nBacteroides" + "\t3" * 12 + "\n").encode()
    r = client.post("/api/v1/me/microbiome", headers=owner, files={"file": ("t.tsv", many, "text/tab-separated-values")},
                    data={"method": "16S"})
    assert r.status_code == 422 and "(S0, S1, S2, S3, S4, S5, S6, S7, S8, S9 …); say which" in r.json()["detail"], r.text
