"""The clinician side of a real clinic: server time of its pages and API calls.

World (full run): one clinician with 500 patients sharing, each with 2 years of daily diary
(~90 % of days logged, 10 factors a day), weekly POEM, a few appointment requests (some
open), food challenges (past, active, a few with unacknowledged safety alerts) and an audit
backlog; a second clinician with one patient (the one-patient panel, a baseline). Built with
bulk inserts (the import path's ``insert_rows``) and store models, on SQLite and PostgreSQL.

Each call goes through the real app in-process (FastAPI TestClient: no network, the app's own
lifespan, sessions and authorization); printed per call: median and p95 in ms, the ratio of
the median to ``GET /healthz`` measured in the same run, and SQL statements per request
(an N+1 shows as a count that grows with the number of patients).

    python -m bench.clinic_scale [--quick] [--patients N] [--days N] [--repeat N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time

from bench.world import PASSWORD, add_home_challenge, bearer, factor_value, login, on_each_database, poem_row

FACTORS = ("food.dairy", "food.egg", "food.wheat", "food.sugar", "env.pollen", "env.humidity", "env.dust",
           "life.stress", "gut.bristol", "treat.emollient")


def build_world(url: str, n_patients: int, days: int, seed: int = 11) -> dict[str, object]:
    """Bulk-load the clinic; returns the logins and ids the calls need."""
    import numpy as np
    from sqlalchemy import insert, select

    from gutskin.clinic.diary import factor_ids
    from gutskin.clinic.passwords import hash_password
    from gutskin.store.bulk import insert_diary_days, insert_factor_values, insert_rows
    from gutskin.store.db import get_engine, transaction
    from gutskin.store.models import (
        AppointmentRequest, ChallengeAlert, Consent, Patient, QuestionnaireResponse, User, utcnow)

    rng = np.random.default_rng(seed)
    engine = get_engine(url)
    today = dt.date.today()
    now = utcnow()
    first = today - dt.timedelta(days=days - 1)
    pw = hash_password(PASSWORD)
    with transaction(engine) as s:
        s.execute(insert(User), [
            {"email": "clinician@scale.example.org", "password_hash": pw, "role": "clinician", "display_name": "Dr Scale"},
            {"email": "solo@scale.example.org", "password_hash": pw, "role": "clinician", "display_name": "Dr Solo"},
            *({"email": f"p{i}@scale.example.org", "password_hash": pw, "role": "patient", "display_name": f"Patient {i}",
               "created_at": dt.datetime.combine(first, dt.time(9))} for i in range(n_patients)),
        ])
        uid = dict(s.execute(select(User.email, User.id)).all())
        s.execute(insert(Patient), [
            {"external_id": f"p-scale{i:05d}", "owner_user_id": uid[f"p{i}@scale.example.org"], "relationship": "self",
             "display_name": f"Patient {i}", "created_at": dt.datetime.combine(first, dt.time(9))}
            for i in range(n_patients)])
        pids = [pid for (pid,) in s.execute(select(Patient.id).order_by(Patient.id)).all()]
        clin, solo = uid["clinician@scale.example.org"], uid["solo@scale.example.org"]
        s.execute(insert(Consent), [{"patient_id": p, "clinician_user_id": clin,
                                     "created_at": dt.datetime.combine(first, dt.time(10))} for p in pids]
                  + [{"patient_id": pids[0], "clinician_user_id": solo, "created_at": dt.datetime.combine(first, dt.time(10))}])
        fid = factor_ids(s, FACTORS)
        dates = [first + dt.timedelta(days=k) for k in range(days)]
        day_rows: list[tuple] = []
        value_rows: list[tuple] = []
        poems: list[dict] = []
        for n, pid in enumerate(pids):
            level = rng.uniform(1, 7)
            logged = rng.random(days) < 0.9
            logged[-3:] = n % 7 != 0  # most patients logged lately; every 7th has been silent a few days
            itch = np.clip(np.round(level + rng.normal(0, 1.5, days) + 2 * np.sin(np.arange(days) / 40 + n)), 0, 10)
            for k, d in enumerate(dates):
                if not logged[k]:
                    continue
                poem = int(rng.integers(0, 29)) if k % 7 == 0 else None
                day_rows.append((pid, d, int(itch[k]), int(min(10, max(0, itch[k] - 2))), None, poem,
                                 int(itch[k] >= 8), None, now))
                for name in FACTORS:
                    value_rows.append((pid, d, fid[name], factor_value(rng, name, small_counts=("treat.emollient",))))
                if poem is not None:
                    poems.append(poem_row(rng, pid, d, now))
            if len(value_rows) > 200_000:
                insert_diary_days(s, day_rows)
                insert_factor_values(s, value_rows)
                day_rows, value_rows = [], []
        insert_diary_days(s, day_rows)
        insert_factor_values(s, value_rows)
        for k in range(0, len(poems), 20_000):
            s.execute(insert(QuestionnaireResponse), poems[k:k + 20_000])
        appts = []
        for n, pid in enumerate(pids):
            for j in range(3):
                created = now - dt.timedelta(days=int(rng.integers(1, days)))
                status = ("accepted", "declined", "open" if n % 5 == 0 else "withdrawn")[j]
                appts.append({"patient_id": pid, "reason": "flare again", "urgency": ("routine", "soon", "urgent")[(n + j) % 3],
                              "preferred_times": "mornings", "patient_zone": "Europe/Berlin", "status": status,
                              "scheduled_for": created + dt.timedelta(days=7) if status == "accepted" else None,
                              "clinician_user_id": clin if status != "open" else None, "message": "",
                              "created_at": created, "updated_at": created})
        s.execute(insert(AppointmentRequest), appts)
        challenges = []
        for n, pid in enumerate(pids):
            if n % 10 == 1:  # a past challenge, evaluated and confirmed
                b = today - dt.timedelta(days=int(rng.integers(60, max(61, days - 60))))
                challenges.append((pid, "food.egg", "confirmed", b))
            if n % 20 == 2:  # an active challenge in its reintroduction phase
                challenges.append((pid, "food.dairy", "active", today - dt.timedelta(days=16)))
            if n % 50 == 3:  # stopped for safety: an alert waits
                challenges.append((pid, "food.wheat", "stopped", today - dt.timedelta(days=15)))
        alerts = []
        for pid, food, status, b in challenges:
            ch_id = add_home_challenge(s, pid, clin, food, status, b, today, now)
            if status == "stopped":
                alerts.append({"challenge_id": ch_id, "patient_id": pid, "kind": "safety_stop", "symptoms": ["hives"],
                               "created_at": now})
        if alerts:
            s.execute(insert(ChallengeAlert), alerts)
        audit = []
        for pid in pids:  # an audit backlog: the patient's own writes and the clinician's reads over the period
            for k in range(0, days, max(1, days // 150)):
                at = dt.datetime.combine(first + dt.timedelta(days=k), dt.time(12))
                audit.append((at, None, "", pid, "write" if k % 2 else "read", "diary_day" if k % 2 else "panel_summary", ""))
        insert_rows(s, "audit_events", ("at", "actor_user_id", "actor_label", "patient_id", "action", "object_type",
                                        "object_id"), audit)
    return {"patient_ids": pids, "patient0": pids[0], "clinician": clin}


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] * 1000


def measure(url: str, world: dict, repeat: int) -> list[tuple[str, float, float, float]]:
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    from gutskin.settings import Settings
    from gutskin.store.db import get_engine
    from gutskin.web import create_app

    settings = Settings(database_url=url, secret_key="bench-secret-key-that-is-long-enough-123456", env="test")
    statements = [0]

    def count(*_a) -> None:  # type: ignore[no-untyped-def]
        statements[0] += 1

    event.listen(get_engine(url), "before_cursor_execute", count)
    pid = world["patient0"]
    out = []
    clinic = TestClient(create_app(settings))
    with clinic:
        solo = TestClient(clinic.app)
        patient = TestClient(clinic.app)
        login(clinic, "clinician@scale.example.org")
        login(solo, "solo@scale.example.org")
        login(patient, "p0@scale.example.org")
        api_c = bearer(clinic, "clinician@scale.example.org")
        api_p = bearer(patient, "p0@scale.example.org")
        calls = [
            ("GET /healthz (baseline)", clinic, "/healthz", {}),
            ("one-patient panel /clinic (baseline)", solo, "/clinic", {}),
            ("clinician: /clinic panel page", clinic, "/clinic", {}),
            ("clinician: API /clinician/patients", clinic, "/api/v1/clinician/patients", api_c),
            ("clinician: /clinic/patients/{id} (12 wk)", clinic, f"/clinic/patients/{pid}", {}),
            ("clinician: /clinic/patients/{id}?weeks=52", clinic, f"/clinic/patients/{pid}?weeks=52", {}),
            ("clinician: API trends 52 wk", clinic, f"/api/v1/patients/{pid}/trends?weeks=52", api_c),
            ("clinician: API diary (all)", clinic, f"/api/v1/patients/{pid}/diary", api_c),
            ("clinician: API questionnaires", clinic, f"/api/v1/patients/{pid}/questionnaires", api_c),
            ("clinician: /clinic/appointments", clinic, "/clinic/appointments", {}),
            ("clinician: API appointments (open)", clinic, "/api/v1/clinician/appointments", api_c),
            ("clinician: /clinic/challenges (alerts)", clinic, "/clinic/challenges", {}),
            ("clinician: API challenge-alerts", clinic, "/api/v1/clinician/challenge-alerts", api_c),
            ("clinician: /clinic/patients/{id}/challenges", clinic, f"/clinic/patients/{pid}/challenges", {}),
            ("clinician: visit report PDF", clinic, f"/clinic/patients/{pid}/report.pdf", {}),
            ("clinician: FHIR export", clinic, f"/api/v1/patients/{pid}/fhir", api_c),
            ("patient: /today", patient, "/today", {}),
            ("patient: /trends", patient, "/trends", {}),
            ("patient: /trends?weeks=52", patient, "/trends?weeks=52", {}),
            ("patient: API me/diary (all)", patient, "/api/v1/me/diary", api_p),
            ("patient: API me/trends 52 wk", patient, "/api/v1/me/trends?weeks=52", api_p),
            ("patient: /data", patient, "/data", {}),
            ("patient: /data/diary.csv", patient, "/data/diary.csv", {}),
            ("patient: API me/export.json", patient, "/api/v1/me/export.json", api_p),
            ("patient: /data/report.pdf", patient, "/data/report.pdf", {}),
            ("patient: API me/audit", patient, "/api/v1/me/audit", api_p),
            ("patient: /sharing", patient, "/sharing", {}),
            ("clinician: API insights status", clinic, f"/api/v1/patients/{pid}/insights", api_c),
        ]
        base = None
        for name, client, path, headers in calls:
            lat = []
            n_stmt = 0
            reps = 3 if "insights" in name else repeat
            for _ in range(reps):
                statements[0] = 0
                t = time.perf_counter()
                r = client.get(path, headers=headers)
                lat.append(time.perf_counter() - t)
                n_stmt = statements[0]
                if r.status_code != 200:
                    raise RuntimeError(f"{path}: {r.status_code} {r.text[:300]}")
            med, p95 = pct(lat, .5), pct(lat, .95)
            base = base or med
            out.append((name, med, p95, n_stmt))
            print(f"    {name:46s} median {med:8.1f} ms  p95 {p95:8.1f} ms  {med / base:7.1f}x healthz  "
                  f"{n_stmt:5d} SQL", flush=True)
    event.remove(get_engine(url), "before_cursor_execute", count)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="50 patients x 120 days")
    ap.add_argument("--patients", type=int)
    ap.add_argument("--days", type=int)
    ap.add_argument("--repeat", type=int)
    ap.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    args = ap.parse_args()
    n = args.patients or (50 if args.quick else 500)
    days = args.days or (120 if args.quick else 730)
    repeat = args.repeat or (5 if args.quick else 15)
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}; world: {n} patients sharing with one "
          f"clinician, {days} days of diary each (~90 % logged, {len(FACTORS)} factors a day), weekly POEM, "
          f"3 appointment requests each, challenges; {repeat} requests per call, in-process (TestClient)")
    random.seed(1)
    on_each_database(args.db, lambda url: build_world(url, n, days), lambda url, world: measure(url, world, repeat))


if __name__ == "__main__":
    main()
