"""Times in API answers say they are UTC (``...Z``), as appointment times already did: an app
in Auckland reading a bare ``2026-12-04T23:10:00`` would take it as local time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.conftest import bearer

PROFILE = (Path(__file__).parent / "data" / "metaphlan_profile.tsv").read_bytes()


def _utc(value: str) -> dt.datetime:
    assert value.endswith("Z"), value
    when = dt.datetime.fromisoformat(value)
    assert when.utcoffset() == dt.timedelta(0)
    return when


def test_invite_access_audit_and_upload_times_end_in_z(client, people) -> None:
    h = bearer(client, "owner@example.org")
    now = dt.datetime.now(dt.UTC)
    invite = client.post("/api/v1/me/invites", headers=h).json()
    assert _utc(invite["expires_at"]) > now  # still valid: read as UTC, it lies ahead
    access = client.get("/api/v1/me/access", headers=h).json()
    assert access and all(_utc(a["since"]) <= now + dt.timedelta(minutes=1) for a in access)
    up = client.post("/api/v1/me/microbiome", headers=h, files={"file": ("mine.tsv", PROFILE, "text/tab-separated-values")},
                     data={"method": "shotgun"})
    assert up.status_code == 201, up.text
    assert abs(_utc(up.json()["uploaded_at"]) - now) < dt.timedelta(minutes=5)
    events = client.get("/api/v1/me/audit", headers=h).json()
    assert events and all(abs(_utc(e["at"]) - now) < dt.timedelta(days=1) for e in events)


def test_food_challenge_times_end_in_z(client, people) -> None:
    """Challenge answers marked their instants last: a dose taken 'now' read back unmarked in
    Auckland was 13 hours off."""
    from gutskin.clinic import challenges as ch
    from tests.challenges.test_services import egg_plan_at_first_dose

    out = egg_plan_at_first_dose(client.app.state.engine, people.clinician, people.owner_pid)
    h = bearer(client, "owner@example.org")
    now = dt.datetime.now(dt.UTC)
    dose = out["doses"][0]["id"]
    safety = {k: False for k in ch.SAFETY_SYMPTOMS}
    r = client.post(f"/api/v1/me/challenges/{out['id']}/doses/{dose}", headers=h, json={"safety": safety})
    assert r.status_code == 200, r.text
    got = client.get(f"/api/v1/challenges/{out['id']}", headers=h).json()
    taken = [d["taken_at"] for d in got["doses"] if d["taken_at"]]
    assert taken and all(abs(_utc(t) - now) < dt.timedelta(minutes=5) for t in taken)
    assert abs(_utc(got["created_at"]) - now) < dt.timedelta(minutes=5)
