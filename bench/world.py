"""What bench.clinic_scale and bench.pages_long_record both build their worlds from, and how they
run on each database (one copy of each since 2026-12-06; the two benches had grown the same loops).

Not a bench itself: the rows (a factor's daily value, a weekly POEM, a home food challenge with its
three doses), the logins of the in-process clients, and the run over SQLite and PostgreSQL. The
random draws are made in the order the benches made them, so their worlds and figures are the
same as before.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from pathlib import Path

PASSWORD = "bench password 123"


def factor_value(rng, name: str, small_counts: Iterable[str] = ()) -> float:  # type: ignore[no-untyped-def]
    """One day's value of a factor: pollen grains (normal, 20 +- 30, not below 0), humidity (30-90 %),
    Bristol type (1-7), stress (0-10), a count of 0-2 for the names in ``small_counts``, else
    present on 30 % of days (foods, exposures, treatments)."""
    if name == "env.pollen":
        return float(max(0, round(rng.normal(20, 30))))
    if name == "env.humidity":
        return float(round(rng.uniform(30, 90)))
    if name == "gut.bristol":
        return float(rng.integers(1, 8))
    if name == "life.stress":
        return float(rng.integers(0, 11))
    if name in small_counts:
        return float(rng.integers(0, 3))
    return float(rng.random() < 0.3)


def poem_row(rng, patient_id: int, day: dt.date, now: dt.datetime) -> dict:  # type: ignore[no-untyped-def]
    """A POEM answered on ``day``: seven answers 0-4, their total and band, as a questionnaire row."""
    from gutskin.clinic.summary import poem_band

    answers = [int(x) for x in rng.integers(0, 5, 7)]
    total = float(sum(answers))
    return {"patient_id": patient_id, "instrument": "poem", "version": "POEM (Charman 2004)", "answered_on": day,
            "answers": {"answers": answers}, "total": total, "band": poem_band(total), "created_at": now}


def add_home_challenge(s, patient_id: int, clinician_id: int, food: str, status: str,  # type: ignore[no-untyped-def]
                       baseline_start: dt.date, today: dt.date, now: dt.datetime) -> int:
    """A home challenge released by the clinician: 14 days of baseline, then three doses two days
    apart from day 14, taken at 08:00 when due (a stopped one took none). ``status``: active,
    confirmed (outcome refuted) or stopped (for safety: hives). Returns its id."""
    from gutskin.store.models import ChallengeDose, FoodChallenge

    b = baseline_start
    ch = FoodChallenge(patient_id=patient_id, clinician_user_id=clinician_id, food=food, kind="home",
                       released_for_home=True, status=status, baseline_start=b, baseline_end=b + dt.timedelta(days=13),
                       reintroduction_start=b + dt.timedelta(days=14), reintroduction_end=b + dt.timedelta(days=20),
                       observation_hours=48, outcome="refuted" if status == "confirmed" else None,
                       stop_reason="safety: hives" if status == "stopped" else None,
                       stopped_at=now if status == "stopped" else None)
    s.add(ch)
    s.flush()
    for step in range(3):
        planned = b + dt.timedelta(days=14 + 2 * step)
        taken = planned <= today and status != "stopped"
        s.add(ChallengeDose(challenge_id=ch.id, step=step + 1, planned_on=planned, amount=f"{step + 1}/4 portion",
                            setting="home", status="taken" if taken else "planned",
                            taken_at=dt.datetime.combine(planned, dt.time(8)) if taken else None))
    return ch.id


def login(client, email: str) -> None:  # type: ignore[no-untyped-def]
    """Sign a TestClient in through the login form (its session cookie, as a browser's)."""
    import re

    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    r = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]


def bearer(client, email: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """An API token's Authorization header for ``email``."""
    r = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def on_each_database(db: str, build: Callable[[str], object], measure: Callable[[str, object], object]) -> None:
    """For SQLite and PostgreSQL (``db`` "both") or one of them: a new migrated database
    (bench.import_diary.fresh_db; PostgreSQL at GUTSKIN_TEST_PG_URL), ``build(url)`` timed and
    printed as "world built in", ``measure(url, world)``, then the database is dropped."""
    import tempfile

    from bench.import_diary import fresh_db
    from gutskin.store.db import dispose_engines

    kinds = ("sqlite", "postgresql") if db == "both" else (db,)
    with tempfile.TemporaryDirectory() as d:
        for kind in kinds:
            url, drop = fresh_db(kind, Path(d))
            try:
                t = time.perf_counter()
                world = build(url)
                print(f"  {kind}: world built in {time.perf_counter() - t:.0f} s", flush=True)
                measure(url, world)
            finally:
                dispose_engines()
                drop()
