"""A world for the authorization matrix: the six personas, their API tokens and browser sessions,
and one of each object of patient A (day, appointment, microbiome sample, challenge, job ...)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from gutskin.clinic import appointments, diary, microbiome, sharing, simulations
from gutskin.store.db import transaction
from gutskin.store.models import Consent
from gutskin.web import security

PERSONAS = ("anonymous", "patient_a", "patient_b", "clinician_linked", "clinician_unlinked", "admin")
PROFILE = (Path(__file__).resolve().parents[1] / "web" / "data" / "metaphlan_profile.tsv").read_bytes()


@dataclass
class World:
    people: Any
    ids: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: dict[str, str] = field(default_factory=dict)

    def actor(self, persona: str):  # type: ignore[no-untyped-def]
        return {"patient_a": self.people.owner, "patient_b": self.people.stranger, "clinician_linked": self.people.clinician,
                "clinician_unlinked": self.people.unlinked, "admin": self.people.admin}[persona]

    def sign_in(self, s, settings, persona: str, user) -> None:  # type: ignore[no-untyped-def]
        """Give ``persona`` a browser session (cookie and CSRF token) and an API token of ``user``."""
        raw = security.start_session(s, user, 60)
        s.flush()
        loaded = security.load_session(s, raw)
        assert loaded is not None
        self.cookies[persona], self.csrf[persona] = raw, loaded[0].csrf_token
        self.tokens[persona] = {"Authorization": "Bearer " + security.issue_token(settings.secret_key, loaded[1], s,
                                                                                     settings.token_minutes)}


def build_world(engine, people, settings, with_challenge: bool = True,  # type: ignore[no-untyped-def]
                with_child: bool = False) -> World:
    """``with_child``: A also manages a child (``child_id``) kept with a third person account
    (``caregiver_id``), with an unused caregiver code (``caregiver_invite_id``)."""
    from gutskin.store.models import User

    w = World(people)
    a = people.owner
    day = dt.date.today() - dt.timedelta(days=3)
    with transaction(engine) as s:
        for i in range(20):
            diary.put_day(s, a, people.owner_pid, day - dt.timedelta(days=i), diary.DayInput(itch=3 + i % 4))
        w.ids["day"] = day.isoformat()
        w.ids["request_id"] = appointments.request_appointment(s, a, people.owner_pid, "Flare")["id"]
        w.ids["sample_pk"] = microbiome.upload_sample(s, a, people.owner_pid, "gut.tsv", PROFILE)["id"]
        w.ids["invite_id"] = sharing.create_invite(s, a, people.owner_pid)["id"]
        w.ids["consent_id"] = s.scalar(select(Consent.id).where(Consent.patient_id == people.owner_pid))
        w.ids["job"] = simulations.start_trial(s, people.clinician, ["placebo"], 1, 1, 1)
        if with_child:  # A's child, kept with a third person account (not a persona)
            from gutskin.clinic import accounts, caregivers

            w.ids["child_id"] = accounts.add_child_profile(s, a, "Sam", 2020).id
            helper = accounts.actor_for(accounts.register_patient(s, "helper@example.org", people.password, "Helper"))
            caregivers.redeem(s, helper, caregivers.create_code(s, a, w.ids["child_id"])["code"])
            w.ids["caregiver_id"] = caregivers.list_caregivers(s, a, w.ids["child_id"])[0]["id"]
            w.ids["caregiver_invite_id"] = caregivers.create_code(s, a, w.ids["child_id"])["id"]
        for persona in PERSONAS[1:]:
            w.sign_in(s, settings, persona, s.get(User, w.actor(persona).user_id))
    if with_challenge:
        _challenge_objects(engine, people, w)
    w.ids["patient_id"] = people.owner_pid
    return w


def _challenge_objects(engine, people, w: World) -> None:  # type: ignore[no-untyped-def]
    from gutskin.clinic import challenges as ch

    with transaction(engine) as s:
        # stopped before the egg plan is made: one food's reintroduction at a time (2026-12-07)
        other = ch.create_plan(s, people.clinician, people.owner_pid, ch.PlanInput(
            food="food.milk", kind="home", released_for_home=True, start=dt.date.today(), baseline_days=7,
            doses=[ch.DoseStep(0, "50 ml")]))
        ch.safety_check(s, people.owner, other["id"], ["hives"])  # a safety stop raises an alert for the clinician
        w.ids["alert_challenge_id"] = other["id"]
        plan = ch.PlanInput(food="food.egg", kind="home", released_for_home=True,
                            start=dt.date.today(), baseline_days=7, elimination_days=0,
                            doses=[ch.DoseStep(0, "1/4 egg"), ch.DoseStep(2, "1/2 egg")])
        out = ch.create_plan(s, people.clinician, people.owner_pid, plan)
        w.ids["challenge_id"] = out["id"]
        w.ids["dose_id"] = out["doses"][0]["id"]
    with transaction(engine) as s:
        alerts = ch.clinician_alerts(s, people.clinician)
        w.ids["alert_id"] = next(a["id"] for group in alerts.values() for a in group)


def patient_rows(engine, pids: list[int]) -> dict[str, list]:  # type: ignore[no-untyped-def]
    """Every row that belongs to the profiles ``pids``: by patient, by their challenges and by their
    appointment requests, table by table in primary-key order (to compare before and after a walk)."""
    from gutskin.store import models as m

    out: dict[str, list] = {}
    with transaction(engine) as s:
        chs = list(s.scalars(select(m.FoodChallenge.id).where(m.FoodChallenge.patient_id.in_(pids))))
        reqs = list(s.scalars(select(m.AppointmentRequest.id).where(m.AppointmentRequest.patient_id.in_(pids))))
        for table in m.Base.metadata.sorted_tables:
            cols = table.c
            if table.name == "patients":
                where = cols.id.in_(pids)
            elif "patient_id" in cols:
                where = cols.patient_id.in_(pids)
            elif "challenge_id" in cols:
                where = cols.challenge_id.in_(chs or [-1])
            elif table.name == "appointment_recipients":
                where = cols.request_id.in_(reqs or [-1])
            else:
                continue
            out[table.name] = [tuple(r) for r in s.execute(select(table).where(where).order_by(*table.primary_key.columns))]
    return out
