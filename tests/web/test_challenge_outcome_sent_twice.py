"""The clinician's "Record outcome" of a food challenge sent twice is one outcome (2026-12-07), SQLite and PostgreSQL.

The outcome form (its note: why the verdict is overridden) is sent with fetch since 2026-12-07
(static/app.js sentWithFetch): an answer lost on the way back is said as not sent, and Record outcome is
pressed again. The second was refused "the outcome of this challenge is already recorded", so the page said
the outcome had failed when it was stored. Now the same outcome, note and avoid list by the same clinician
within minutes answers as the first did and writes nothing; another outcome or note is still refused."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from gutskin.clinic import challenges
from gutskin.store.db import transaction
from gutskin.store.models import AllergyRecord, AuditEvent
from tests.conftest import People
from tests.safety.test_attacks import login_page

NOTE = "Hives within the hour at the clinic; the diary agrees"


def _count(engine, model, *where) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)))


def test_record_outcome_sent_twice_is_one_outcome(client, people: People, engine) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        ch = challenges.create_plan(s, people.clinician, people.owner_pid, challenges.PlanInput(
            food="food.egg", kind="home", released_for_home=True, start=dt.date.today(), baseline_days=7,
            doses=[challenges.DoseStep(0, "1/4 cooked egg")]))["id"]
    login_page(client, "linked@clinic.example.org")
    page = client.get(f"/clinic/challenges/{ch}").text
    assert 'id="outcome-form" data-send="fetch"' in page and 'id="outcome-send-status"' in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    form = {"csrf_token": csrf, "outcome": "confirmed", "avoid": "default", "note": NOTE}
    for _ in range(2):  # the first one's answer lost on the way back: pressed again
        r = client.post(f"/clinic/challenges/{ch}/outcome", data=form, follow_redirects=False)
        assert r.status_code == 303 and "error" not in r.headers["location"], r.headers.get("location")
    assert _count(engine, AllergyRecord, AllergyRecord.challenge_id == ch) == 1
    assert _count(engine, AuditEvent, AuditEvent.action == "confirm", AuditEvent.object_id == str(ch)) == 1
    shown = client.get(f"/clinic/challenges/{ch}").text
    assert "already recorded" not in shown and NOTE in shown
    # another outcome, or other words, is not the same one: refused as before
    with transaction(engine) as s:
        for outcome, note in (("refuted", NOTE), ("confirmed", "something else")):
            try:
                challenges.confirm_outcome(s, people.clinician, ch, outcome, note)
            except Exception as exc:  # noqa: BLE001 - the refusal is what is checked
                assert "already recorded" in str(exc), exc
            else:
                raise AssertionError((outcome, note))
    assert _count(engine, AllergyRecord, AllergyRecord.challenge_id == ch) == 1
