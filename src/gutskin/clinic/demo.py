"""The demo clinic for ``make run``: one clinician and several patients with months of diary data.

Diaries come from the gut–skin axis simulator's virtual patients (known triggers, reactive
treatment, weekly POEM, missing days), end today, and are imported through the same CSV path as real files. Ana also has
a gut microbiome sample (``demo_stool_genus.csv``, the same file as ``docs/examples/stool-genus.csv``), uploaded through
the same path as a patient's upload, so the microbiome report can be seen without a file of one's own (until 2026-12-06
every demo account read "No samples yet" and no example table was shipped). Idempotent: when the demo clinician exists,
nothing is written and the logins are printed again.
"""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy import select

from gutskin.clinic import accounts, appointments, sharing
from gutskin.clinic import microbiome as micro
from gutskin.clinic.accounts import actor_for
from gutskin.clinic.actors import SYSTEM
from gutskin.clinic.diary import import_diary_csv
from gutskin.diary.csvio import DiaryRow, write_diary_csv
from gutskin.store.db import get_engine, transaction
from gutskin.store.models import Patient, User

CLINICIAN = "clinician@demo.gutskin.org"
PATIENTS = ("ana", "ben", "chloe", "dev")
PASSWORD = "demo-password-1"  # demo only; production refuses demo data (see load_demo)
DAYS = 150
STOOL_FILE = "demo_stool_genus.csv"  # package data next to this module; docs/examples/stool-genus.csv is the same file
STOOL_DAYS_AGO = 20


def stool_table() -> bytes:
    """The demo's genus-level stool profile (one sample, QIIME 2 style lineages, 16S counts)."""
    from importlib.resources import files

    return files("gutskin.clinic").joinpath(STOOL_FILE).read_bytes()


def _rows_from_cohort(n: int, days: int, seed: int) -> list[DiaryRow]:
    """Virtual patients of the gut–skin axis simulator, diaries ending today."""
    from gutskin.axis.cohort import simulate_cohort

    start = dt.date.today() - dt.timedelta(days=days - 1)
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
            patient_ids[name] = (u, p)
        s.flush()
        ext_for = {}
        for i, name in enumerate(PATIENTS):
            u, p = patient_ids[name]
            ext_for[f"demo{i + 1:03d}"] = p.external_id
    rows = _rows_from_cohort(len(PATIENTS), DAYS, seed)
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
                                                 "soon", "weekday mornings")
            if name == "ana":  # uploaded by Ana, as the Gut microbiome page does (audited as hers)
                micro.upload_sample(s, actor, pid, "stool-genus.csv", stool_table(), method="16S",
                                    collected_on=dt.date.today() - dt.timedelta(days=STOOL_DAYS_AGO))
    return lines
