"""The clinician's other food-challenge forms sent twice are one change (2026-12-07), SQLite and PostgreSQL.

The supervised dose ("Symptoms seen"), the immediate outcome (its notes and stopping reason) and Stop
challenge (its reason) are sent with fetch since 2026-12-07 (static/app.js sentWithFetch, as Record outcome
since 4956183): an answer lost on the way back is said as not sent, and the button is pressed again. A second
stop was refused "this challenge is not running" (so the page said the stop had failed when it was stored),
a second positive immediate outcome likewise, and a second dose was recorded (and audited) again. Now the same
form by the same clinician within minutes answers as the first did and writes nothing; other words are still
refused."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from gutskin.clinic import challenges
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent, ChallengeDose, FoodChallenge
from tests.challenges.test_services import shift_back
from tests.conftest import bearer, earlier_today
from tests.safety.test_attacks import login_page

PLAN = {"food": "food.egg", "kind": "supervised", "released_for_home": False, "baseline_days": 7,
        "doses": [{"day_offset": 0, "amount": "3 mg protein"}, {"day_offset": 0, "amount": "30 mg protein"}]}


def _count(engine, model, *where) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)))


def _audited(engine, action: str, object_type: str, object_id: int) -> int:  # type: ignore[no-untyped-def]
    return _count(engine, AuditEvent, AuditEvent.action == action, AuditEvent.object_type == object_type,
                  AuditEvent.object_id == str(object_id))


def _open(client, people, engine) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    doc = bearer(client, "linked@clinic.example.org")
    r = client.post(f"/api/v1/patients/{people.owner_pid}/challenges", json=PLAN, headers=doc)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    shift_back(engine, cid, 7)
    login_page(client, "linked@clinic.example.org")
    page = client.get(f"/clinic/challenges/{cid}").text
    return cid, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def _twice(client, url: str, form: dict) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):  # the first one's answer lost on the way back: pressed again
        r = client.post(url, data=form, follow_redirects=False)
        assert r.status_code == 303 and "error" not in r.headers["location"], r.headers.get("location")


def test_the_forms_are_sent_with_fetch(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    cid, _csrf = _open(client, people, engine)
    page = client.get(f"/clinic/challenges/{cid}").text
    for form_id, status_id in (("supervised-dose-form", "dose-send-status"),
                               ("supervised-outcome-form", "immediate-send-status"), ("stop-form", "stop-send-status")):
        form = re.search(rf'(?s)<form[^>]*id="{form_id}">(.*?)</form>', page)
        assert form is not None, form_id
        assert 'data-send="fetch"' in form.group(0) and f'id="{status_id}"' in form.group(1), form_id


def test_stop_sent_twice_stops_once(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    cid, csrf = _open(client, people, engine)
    reason = "Vomited twice after the 3 mg dose; sent to the emergency room"
    _twice(client, f"/clinic/challenges/{cid}/stop", {"csrf_token": csrf, "reason": reason})
    assert _audited(engine, "stop", "food_challenge", cid) == 1
    with transaction(engine) as s:
        ch = s.get(FoodChallenge, cid)
        assert (ch.status, ch.stop_reason) == ("stopped", reason)
    shown = client.get(f"/clinic/challenges/{cid}").text
    assert "not running" not in shown and reason in shown
    # another reason is not the same stop: refused as before
    r = client.post(f"/clinic/challenges/{cid}/stop", data={"csrf_token": csrf, "reason": "something else"},
                    follow_redirects=False)
    assert "error" in r.headers["location"]
    assert _audited(engine, "stop", "food_challenge", cid) == 1


def test_supervised_dose_sent_twice_is_one_dose(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    cid, csrf = _open(client, people, engine)
    symptoms = "Two hives on the chin at 15 minutes, gone by 40"
    form = {"csrf_token": csrf, "step": "1", "zone": "", "given_at": earlier_today(minutes=20).astimezone().isoformat(),
            "amount": "3 mg protein", "symptoms": symptoms}
    _twice(client, f"/clinic/challenges/{cid}/supervised-dose", form)
    with transaction(engine) as s:
        doses = s.scalars(select(ChallengeDose).where(ChallengeDose.challenge_id == cid, ChallengeDose.step == 1)).all()
        assert [(d.status, d.symptoms) for d in doses] == [("taken", symptoms)]
        dose_id = doses[0].id
    assert _audited(engine, "record", "challenge_dose", dose_id) == 1
    # other symptoms for the same step: a correction, written and audited as before
    _twice(client, f"/clinic/challenges/{cid}/supervised-dose", {**form, "symptoms": "none after all"})
    assert _audited(engine, "record", "challenge_dose", dose_id) == 2


def test_immediate_outcome_sent_twice_is_one_outcome(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    cid, csrf = _open(client, people, engine)
    form = {"csrf_token": csrf, "immediate_outcome": "positive", "stop_reason": "Urticaria and wheeze after 3 mg",
            "notes": "Adrenaline given at 10:42, observed 4 hours"}
    _twice(client, f"/clinic/challenges/{cid}/supervised-outcome", form)
    assert _audited(engine, "record", "challenge_outcome", cid) == 1
    with transaction(engine) as s:
        ch = s.get(FoodChallenge, cid)
        assert (ch.status, ch.immediate_outcome, ch.stop_reason) == ("stopped", "positive", form["stop_reason"])
    # other notes are not the same outcome: refused as before
    with transaction(engine) as s:
        try:
            challenges.record_supervised_outcome(s, people.clinician, cid, "positive", "other words", form["stop_reason"])
        except Exception as exc:  # noqa: BLE001 - the refusal is what is checked
            assert "not running" in str(exc), exc
        else:
            raise AssertionError("a different outcome was taken as the same one")
    assert _audited(engine, "record", "challenge_outcome", cid) == 1


def test_the_patients_stop_pressed_twice_stops_once(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    """The patient's Stop this challenge (a fixed reason, a plain post) pressed twice: the second was refused
    "this challenge is not running"; it is now the same stop (its audited "stop" is the patient's)."""
    cid, _csrf = _open(client, people, engine)
    client.cookies.clear()
    login_page(client, "owner@example.org")
    page = client.get("/challenges").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    for _ in range(2):
        r = client.post(f"/challenges/{cid}/stop", data={"csrf_token": csrf, "reason": "stopped by the patient"},
                        follow_redirects=False)
        assert r.status_code == 303 and "done=" in r.headers["location"], r.headers.get("location")
    assert _audited(engine, "stop", "food_challenge", cid) == 1
