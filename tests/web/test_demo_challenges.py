"""The demo clinic shows food challenges (2026-12-06): Ana has a finished home egg reintroduction
with the verdict the real verdict code computed from her diary, and a running home dairy
reintroduction with step 1 taken three days ago and step 2 due today.

Before, the demo had no challenge, so the patient's challenge page, the clinician's challenge
panel, a challenge's detail page, the reminders and the verdict were empty for every demo account.
The challenges are made through the service functions a clinician and a patient use (audited as
them); the dates are relative to today like the demo's diary.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import secrets

import pytest
from sqlalchemy import func, select

from gutskin.clinic import challenges as chal
from gutskin.clinic.accounts import actor_for
from gutskin.clinic.demo import CLINICIAN, PASSWORD, demo_today, load_demo
from gutskin.store.db import transaction
from gutskin.store.models import (
    AuditEvent,
    ChallengeDose,
    Factor,
    FactorValue,
    FoodChallenge,
    Patient,
    User,
)
from tests.safety.test_attacks import login_page

ANA = "ana@demo.gutskin.org"


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _user_and_patient(s, email: str) -> tuple[User, int]:  # type: ignore[no-untyped-def]
    u = s.scalar(select(User).where(User.email == email))
    return u, s.scalar(select(Patient.id).where(Patient.owner_user_id == u.id))


def test_the_demo_has_a_finished_and_a_running_challenge(db_url: str, engine) -> None:  # type: ignore[no-untyped-def]
    today = demo_today()  # the demo patients' today (their profiles' zone), not this machine's date
    load_demo(db_url)
    with transaction(engine) as s:
        events = s.scalar(select(func.count()).select_from(AuditEvent))
    load_demo(db_url)  # a second start adds nothing
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == events
        assert s.scalar(select(func.count()).select_from(ChallengeDose)) == 6
        clin = s.scalar(select(User).where(User.email == CLINICIAN))
        ana, pid = _user_and_patient(s, ANA)
        rows = s.scalars(select(FoodChallenge).order_by(FoodChallenge.id)).all()
        assert [(c.patient_id, c.food, c.kind, c.released_for_home, c.clinician_user_id) for c in rows] == [
            (pid, "food.egg", "home", True, clin.id), (pid, "food.dairy", "home", True, clin.id)]
        egg, dairy = rows

        # the finished egg challenge: all steps taken by Ana, ended 30 days ago, evaluated, and its outcome
        # recorded by the clinician the day it came due (2026-12-07: it was left open, "overdue (29 days)")
        assert egg.reintroduction_end == today - dt.timedelta(days=30)
        assert egg.status == "confirmed" and egg.confirmed_by_user_id == clin.id
        assert egg.outcome == ("confirmed" if egg.verdict["verdict"] == "reaction_likely" else "refuted")
        assert egg.confirmed_at.date() == today - dt.timedelta(days=29)
        egg_doses = s.scalars(select(ChallengeDose).where(ChallengeDose.challenge_id == egg.id)
                              .order_by(ChallengeDose.step)).all()
        assert [d.status for d in egg_doses] == ["taken"] * 3
        assert all(d.recorded_by_user_id == ana.id and d.taken_at.date() == d.planned_on for d in egg_doses)
        assert all(egg.reintroduction_start <= d.planned_on < egg.reintroduction_end for d in egg_doses)
        stored = dict(egg.verdict)
        assert stored["verdict"] in ("no_reaction", "inconclusive")
        assert stored["diary_exposures"] == []  # the diary keeps the plan: no egg outside the doses
        # the verdict is the real code's on the demo diary: evaluating again gives the same
        again = chal.evaluate(s, actor_for(clin), egg.id)
        assert again == stored

        # the diary logs egg on the dose days only, from the first baseline day to the end
        egg_days = set(s.scalars(select(FactorValue.day).join(Factor, Factor.id == FactorValue.factor_id).where(
            FactorValue.patient_id == pid, Factor.name == "food.egg", FactorValue.value > 0,
            FactorValue.day >= egg.baseline_start, FactorValue.day <= egg.reintroduction_end)).all())
        assert egg_days == {d.planned_on for d in egg_doses}

        # the running dairy challenge: step 1 taken three days ago, step 2 due today
        assert dairy.status == "active"
        dairy_doses = s.scalars(select(ChallengeDose).where(ChallengeDose.challenge_id == dairy.id)
                                .order_by(ChallengeDose.step)).all()
        assert [(d.status, d.planned_on) for d in dairy_doses] == [
            ("taken", today - dt.timedelta(days=3)), ("planned", today), ("planned", today + dt.timedelta(days=3))]
        steps = chal.today_steps(s, actor_for(ana), pid)
        assert [(x["food"], x["action"]) for x in steps] == [("food.dairy", "dose")]
        due = chal.reminders(s, actor_for(ana), pid)
        assert {"kind": "next_step", "food": "food.dairy", "due": today.isoformat()}.items() <= due[-1].items()
        assert not any(r["kind"] == "review_result" for r in due)

        # audited as the clinician (plans, verdict) and as Ana (doses)
        acts = {(e.actor_user_id, e.action, e.object_type) for e in s.scalars(
            select(AuditEvent).where(AuditEvent.patient_id == pid))}
        assert {(clin.id, "create", "food_challenge"), (ana.id, "take", "challenge_dose"),
                (clin.id, "evaluate", "food_challenge")} <= acts


def test_the_demo_challenges_on_the_pages(client, db_url: str, engine) -> None:  # type: ignore[no-untyped-def]
    load_demo(db_url)
    with transaction(engine) as s:
        _, pid = _user_and_patient(s, ANA)
        egg, dairy = s.scalars(select(FoodChallenge.id).order_by(FoodChallenge.id)).all()

    assert login_page(client, ANA, PASSWORD).status_code == 303
    page = _text(client.get("/challenges").text)
    assert "Step 2: eat 30 ml milk today" in page, page[:3000]

    client.cookies.clear()
    assert login_page(client, CLINICIAN, PASSWORD).status_code == 303
    listing = client.get(f"/clinic/patients/{pid}/challenges")
    assert listing.status_code == 200
    assert f"/clinic/challenges/{egg}" in listing.text and f"/clinic/challenges/{dairy}" in listing.text
    detail = _text(client.get(f"/clinic/challenges/{egg}").text)
    assert re.search(r"no reaction|inconclusive", detail, re.I), detail[:3000]
    assert "closed: outcome recorded" in detail, detail[:3000]

    client.cookies.clear()
    assert login_page(client, "dev@demo.gutskin.org", PASSWORD).status_code == 303  # shares with nobody
    assert client.get(f"/clinic/challenges/{egg}").status_code in (403, 404)
    assert client.get(f"/api/v1/challenges/{egg}").status_code in (401, 404)


def test_production_still_refuses_the_demo(sqlite_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from gutskin.settings import get_settings
    from gutskin.store.db import get_engine

    monkeypatch.setenv("GUTSKIN_ENV", "production")
    monkeypatch.setenv("GUTSKIN_SECRET_KEY", secrets.token_urlsafe(48))
    get_settings.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="not loaded in production"):
            load_demo(sqlite_url)
    finally:
        get_settings.cache_clear()
    with transaction(get_engine(sqlite_url)) as s:
        assert s.scalar(select(func.count()).select_from(FoodChallenge)) == 0
        assert s.scalar(select(func.count()).select_from(User)) == 0


def test_the_demo_shows_no_challenge_overdue_on_the_day_it_is_loaded(client, db_url: str, engine) -> None:  # type: ignore[no-untyped-def]
    """2026-12-07: the demo's finished egg challenge read "Overdue since ... (29 days)" on the clinician's
    Challenges page the day the demo was loaded (its outcome was left open a month after its last window).
    The demo is a current story on any day: nothing overdue, no open alert, the dairy step due today."""
    load_demo(db_url)
    with transaction(engine) as s:
        clin = s.scalar(select(User).where(User.email == CLINICIAN))
        got = chal.clinician_alerts(s, actor_for(clin))
    assert [r for r in got["due"] if r["overdue_days"]] == [], got["due"]
    assert got["alerts"] == []
    assert login_page(client, CLINICIAN, PASSWORD).status_code == 303
    page = _text(client.get("/clinic/challenges").text)
    assert "Overdue" not in page and "No open safety alerts." in page, page[:3000]
    panel = _text(client.get("/clinic").text)
    assert "Overdue" not in panel and "Safety alerts" not in panel, panel[:3000]
