"""The demo clinic for ``make run``: one clinician and several patients with months of diary data.

Diaries come from the gut–skin axis simulator's virtual patients (known triggers, reactive
treatment, weekly POEM, missing days), end today, and are imported through the same CSV path as real files. Ana also has
a gut microbiome sample (``demo_stool_genus.csv``, the same file as ``docs/examples/stool-genus.csv``), uploaded through
the same path as a patient's upload, so the microbiome report can be seen without a file of one's own (until 2026-12-06
every demo account read "No samples yet" and no example table was shipped). Ana also has two food challenges her
clinician planned (since 2026-12-06; before, every challenge page was empty): a finished home egg reintroduction whose
verdict the real verdict code computed from her diary, reviewed by the clinician the day it came due (since 2026-12-07:
it was left open and read "overdue (29 days)" on the day the demo was loaded), and a running home dairy
reintroduction with step 1 taken three days ago and step 2 due today. Both go through the service functions a clinician
and a patient use (audited as them); the days between the steps pass the way tests/challenges let them pass, by
moving the plan's stored dates back (the service refuses plans and doses in the past). Idempotent: when the demo
clinician exists, nothing is written and the logins are printed again.

The demo's people live in :data:`ZONE` (since 2026-12-07): every patient profile has it as its time zone (chosen as
on My data, audited as the patient's), and "today" above is today there, not the loading machine's date. Before, the
profiles had no zone, so a clinician whose browser was ahead of the machine that loaded the demo (Auckland, or a
server on UTC in the evening) saw every diary end "yesterday" on the panel and today's chart day empty.
"""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy import select

from gutskin.clinic import accounts, appointments, sharing, zones
from gutskin.clinic import challenges as chal
from gutskin.clinic import microbiome as micro
from gutskin.clinic.accounts import actor_for
from gutskin.clinic.actors import SYSTEM
from gutskin.clinic.diary import import_diary_csv
from gutskin.diary.csvio import DiaryRow, write_diary_csv
from gutskin.store.db import get_engine, transaction
from gutskin.store.models import AllergyRecord, ChallengeDose, FoodChallenge, Patient, User

CLINICIAN = "clinician@demo.gutskin.org"
PATIENTS = ("ana", "ben", "chloe", "dev")
PASSWORD = "demo-password-1"  # demo only; production refuses demo data (see load_demo)
DAYS = 150
STOOL_FILE = "demo_stool_genus.csv"  # package data next to this module; docs/examples/stool-genus.csv is the same file
STOOL_DAYS_AGO = 20
#: Ana's food challenges, in days relative to today. Egg (finished): a 14-day baseline, doses on
#: reintroduction days 0, 2 and 4 and 48 h of observation, the last day 30 days ago. Dairy (running):
#: the same baseline, step 1 three days ago, step 2 due today, step 3 in three days.
CHALLENGE_PATIENT = "ana"
BASELINE_DAYS = 14
EGG_DOSES = ((0, "1/4 cooked egg"), (2, "1/2 cooked egg"), (4, "1 cooked egg"))
EGG_LAST_DAY_AGO = 30
DAIRY_DOSES = ((0, "5 ml milk"), (3, "30 ml milk"), (6, "100 ml milk"))
DAIRY_STEPS_TAKEN = 1
DAIRY_REINTRODUCTION_AGO = 3
DOSE_HOUR = 8  # every demo dose is taken at 08:00 in ZONE (stored with it): the verdict does not depend on the load time
#: where the demo's patients live (their profiles' time zone) and the demo clinic is; README's demo section says so
ZONE = "Europe/London"


def demo_today() -> dt.date:
    """The demo patients' today (in :data:`ZONE`), the day their diaries end."""
    return zones.today_in(ZONE)


def stool_table() -> bytes:
    """The demo's genus-level stool profile (one sample, QIIME 2 style lineages, 16S counts)."""
    from importlib.resources import files

    return files("gutskin.clinic").joinpath(STOOL_FILE).read_bytes()


def _rows_from_cohort(n: int, days: int, seed: int, today: dt.date) -> list[DiaryRow]:
    """Virtual patients of the gut–skin axis simulator, diaries ending ``today``."""
    from gutskin.axis.cohort import simulate_cohort

    start = today - dt.timedelta(days=days - 1)
    return list(simulate_cohort(n, days, seed, start=start, id_prefix="demo").rows)


def accounts_with_the_published_password(database_url: str) -> list[str]:
    """The demo accounts in this database that still sign in with the demo password printed in
    this file and in README. ``gutskin serve`` refuses to serve them in production: a database that
    once ran ``make run`` (or ``serve --demo`` before GUTSKIN_ENV was set) held a clinician account
    anyone could sign in to (operator review). A demo account given a new password is not listed."""
    from gutskin.clinic.passwords import verify_password

    emails = [CLINICIAN] + [f"{p}@demo.gutskin.org" for p in PATIENTS]
    with get_engine(database_url).connect() as conn:
        rows = conn.execute(select(User.email, User.password_hash).where(User.email.in_(emails))).all()
    return sorted(email for email, hashed in rows if verify_password(PASSWORD, hashed))


def load_demo(database_url: str, seed: int = 7) -> list[str]:
    """Create the demo clinic (once) and return lines describing the logins."""
    from gutskin.settings import get_settings

    if get_settings().is_production:
        raise RuntimeError("demo data is not loaded in production")
    engine = get_engine(database_url)
    lines = ["demo logins (password for all: %s):" % PASSWORD, f"  clinician: {CLINICIAN}"]
    lines += [f"  patient:   {p}@demo.gutskin.org" for p in PATIENTS]
    with transaction(engine) as s:
        if s.scalar(select(User.id).where(User.email == CLINICIAN)) is not None:
            return lines
        accounts.create_user(s, CLINICIAN, PASSWORD, "clinician", "Dr. Demo Allergist")
        patient_ids = {}
        for name in PATIENTS:
            u = accounts.create_user(s, f"{name}@demo.gutskin.org", PASSWORD, "patient", name.capitalize())
            p = s.scalar(select(Patient).where(Patient.owner_user_id == u.id))
            assert p is not None
            zones.set_profile_zone(s, actor_for(u), p.id, ZONE)  # as the patient chooses it on My data
            patient_ids[name] = (u, p)
        s.flush()
        ext_for = {}
        for i, name in enumerate(PATIENTS):
            u, p = patient_ids[name]
            ext_for[f"demo{i + 1:03d}"] = p.external_id
    today = demo_today()
    rows = _rows_from_cohort(len(PATIENTS), DAYS, seed, today)
    _keep_challenge_diet(rows, f"demo{PATIENTS.index(CHALLENGE_PATIENT) + 1:03d}", today)
    for r in rows:
        r.patient = ext_for[r.patient]
    buf = io.StringIO()
    write_diary_csv(rows, buf)
    buf.seek(0)
    buf.name = "demo.csv"  # type: ignore[attr-defined]
    import_diary_csv(engine, SYSTEM, buf)
    with transaction(engine) as s:
        clin = s.scalar(select(User).where(User.email == CLINICIAN))
        assert clin is not None
        for name in PATIENTS[:3]:
            u = s.scalar(select(User).where(User.email == f"{name}@demo.gutskin.org"))
            assert u is not None
            actor = actor_for(u)
            pid = s.scalar(select(Patient.id).where(Patient.owner_user_id == u.id))
            code = sharing.create_invite(s, actor, pid)["code"]
            sharing.accept_invite(s, actor_for(clin), code)
            if name == "ben":
                appointments.request_appointment(s, actor, pid, "Flare after the holidays; steroid cream not helping",
                                                 "soon", "weekday mornings", ZONE)
            if name == "ana":  # uploaded by Ana, as the Gut microbiome page does (audited as hers)
                micro.upload_sample(s, actor, pid, "stool-genus.csv", stool_table(), method="16S",
                                    collected_on=today - dt.timedelta(days=STOOL_DAYS_AGO))
            if name == CHALLENGE_PATIENT:  # same transaction: the demo's sharing and challenges, or none
                _challenges(s, actor_for(clin), actor, pid, today)
    return lines


# ----------------------------------------------------------------------------- food challenges


def _egg_plan(today: dt.date) -> tuple[dt.date, dt.date]:
    """(first baseline day, first reintroduction day) of the finished egg challenge."""
    r_start = today - dt.timedelta(days=EGG_LAST_DAY_AGO + EGG_DOSES[-1][0] + 2)  # 48 h: two days after the last dose
    return r_start - dt.timedelta(days=BASELINE_DAYS), r_start


def _dairy_plan(today: dt.date) -> tuple[dt.date, dt.date]:
    r_start = today - dt.timedelta(days=DAIRY_REINTRODUCTION_AGO)
    return r_start - dt.timedelta(days=BASELINE_DAYS), r_start


def _keep_challenge_diet(rows: list[DiaryRow], patient: str, today: dt.date) -> None:
    """The simulated diary of the challenge patient as a patient following the plans logs it: no
    egg (dairy) from the first baseline day to the end of the reintroduction except on dose days,
    when the food is logged. (The simulator draws the foods at random; neither is a trigger of this
    virtual patient, so her itch does not depend on them.)"""
    plans = [("food.egg", *_egg_plan(today), [d for d, _ in EGG_DOSES], today - dt.timedelta(days=EGG_LAST_DAY_AGO)),
             ("food.dairy", *_dairy_plan(today), [d for d, _ in DAIRY_DOSES[:DAIRY_STEPS_TAKEN]], today)]
    for food, first, r_start, dose_offsets, last in plans:
        dose_days = {r_start + dt.timedelta(days=k) for k in dose_offsets}
        for r in rows:
            if r.patient == patient and first <= r.date <= last:
                r.factors[food] = 1.0 if r.date in dose_days else 0.0


def _days_pass(s, challenge_id: int, days: int) -> None:  # type: ignore[no-untyped-def]
    """Let ``days`` days of a plan pass: its stored dates (and dose times) move back by that much,
    what the database would hold had the plan been made that much earlier."""
    if days <= 0:
        return
    d = dt.timedelta(days=days)
    c = s.get(FoodChallenge, challenge_id)
    for name in ("baseline_start", "baseline_end", "reintroduction_start", "reintroduction_end"):
        setattr(c, name, getattr(c, name) - d)
    for dose in s.scalars(select(ChallengeDose).where(ChallengeDose.challenge_id == challenge_id)):
        dose.planned_on -= d
        if dose.taken_at is not None:
            dose.taken_at -= d
    s.flush()


def _run_challenge(s, clinician, patient, pid: int, food: str, steps: tuple[tuple[int, str], ...],  # type: ignore[no-untyped-def]
                   baseline_start: dt.date, taken: int, today: dt.date) -> int:
    """The clinician plans a home challenge starting today; the patient takes the first ``taken``
    steps on their planned days at 08:00 in :data:`ZONE` (answering the safety check); the days pass
    until the plan starts on ``baseline_start``."""
    now = dt.datetime.now(zones.known(ZONE)).replace(tzinfo=None)  # the wall time in ZONE
    dose_at = now.replace(hour=DOSE_HOUR, minute=0, second=0, microsecond=0)
    if dose_at > now:
        dose_at -= dt.timedelta(days=1)
    plan = chal.PlanInput(food=food, kind="home", released_for_home=True, start=today, baseline_days=BASELINE_DAYS,
                          doses=[chal.DoseStep(k, amount) for k, amount in steps],
                          instructions=f"Demo: a home {chal.food_label(food)} reintroduction. Log every day; "
                                       "answer the safety check before each step.")
    cid = int(chal.create_plan(s, clinician, pid, plan)["id"])
    passed = 0  # days moved back so far
    no_symptoms = {k: False for k in chal.SAFETY_SYMPTOMS}
    for dose in s.scalars(select(ChallengeDose).where(ChallengeDose.challenge_id == cid)
                          .order_by(ChallengeDose.step)).all()[:taken]:
        until = (dose.planned_on - dose_at.date()).days  # days to pass so the step is due on the dose's day
        _days_pass(s, cid, until)
        passed += until
        chal.take_dose(s, patient, cid, dose.id, no_symptoms, taken_at=dose_at, today=dose_at.date(), zone=ZONE)
    _days_pass(s, cid, (today - baseline_start).days - passed)
    return cid


def _egg_reviewed(s, clinician, egg: int, verdict: str, today: dt.date) -> None:  # type: ignore[no-untyped-def]
    """The clinician recorded the egg's outcome the day it came due (the day after its last window),
    as the verdict reads: a reaction likely is confirmed, anything else refuted with a note. Until
    2026-12-07 the outcome was left open, so the demo's clinician read "Overdue since ... (29 days)"
    on the day the demo was loaded: a month-old review nobody had done is not the story of a clinic."""
    outcome = "confirmed" if verdict == "reaction_likely" else "refuted"
    note = ("Demo: the diary suggests a reaction; egg stays off the menu." if outcome == "confirmed" else
            "Demo: no reaction after 1/4, 1/2 and 1 cooked egg; egg can be eaten again.")
    out = chal.confirm_outcome(s, clinician, egg, outcome, note)
    reviewed = dt.datetime.combine(today - dt.timedelta(days=EGG_LAST_DAY_AGO - 1), dt.time(10, 0))
    c = s.get(FoodChallenge, egg)
    c.confirmed_at = c.updated_at = reviewed
    rec = s.get(AllergyRecord, int(out["allergy_record"]["id"]))
    rec.recorded_at = reviewed
    s.flush()


def _challenges(s, clinician, patient, pid: int, today: dt.date) -> None:  # type: ignore[no-untyped-def]
    """Ana's finished egg challenge (evaluated by the clinician) and her running dairy challenge."""
    egg_start, _ = _egg_plan(today)
    egg = _run_challenge(s, clinician, patient, pid, "food.egg", EGG_DOSES, egg_start, len(EGG_DOSES), today)
    verdict = chal.evaluate(s, clinician, egg)["verdict"]  # the real verdict on her diary
    _egg_reviewed(s, clinician, egg, str(verdict), today)
    dairy_start, _ = _dairy_plan(today)
    _run_challenge(s, clinician, patient, pid, "food.dairy", DAIRY_DOSES, dairy_start, DAIRY_STEPS_TAKEN, today)
