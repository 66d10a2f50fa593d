"""Every page of one patient with years of data, against the same pages on a 30-day record.

World: one patient ("long") with 5 years of daily diary (itch, sleep loss, flare, 30 factors a
day), 260 POEMs (weekly), 20 food challenges (19 finished, one active), 10 microbiome samples;
one patient ("short") with 30 days of the same (4 POEMs, 1 challenge, 1 sample); one clinician
linked to both. Built with bulk inserts (the import path's ``insert_rows``) and the store models.

Every GET page the patient and the clinician can open is called for both patients through the
real app in-process (FastAPI TestClient: the app's own sessions and authorization). Printed per
page: the median on the long record, the median on the short one, their ratio (a page showing a
fixed window should stay near 1x), SQL statements, and the diary rows (``diary_days`` +
``factor_values`` rows) the page fetched on the long record. ``--quick``: 1 year instead of 5.

    python -m bench.pages_long_record [--quick] [--years N] [--repeat N] [--db sqlite|postgresql|both]

PostgreSQL as in bench.clinic_scale (``--db``, default both; the server of GUTSKIN_TEST_PG_URL).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import threading
import time

from bench.world import PASSWORD, add_home_challenge, bearer, factor_value, login, on_each_database, poem_row

FOODS = ("dairy", "egg", "wheat", "soy", "peanut", "fish", "sugar", "tomato", "citrus", "nuts")
FACTORS = (*(f"food.{f}" for f in FOODS), "env.pollen", "env.humidity", "env.dust", "env.heat", "env.cold",
           "env.wool", "env.sweat", "env.detergent", "env.pets", "env.swimming", "life.stress", "life.exercise",
           "life.alcohol", "gut.bristol", "gut.bloating", "treat.emollient", "treat.steroid", "treat.antihistamine",
           "treat.wetwrap", "treat.bath")
assert len(FACTORS) == 30
TAXA = ("Bacteroides", "Prevotella", "Faecalibacterium", "Bifidobacterium", "Ruminococcus", "Roseburia",
        "Akkermansia", "Escherichia", "Lactobacillus", "Streptococcus", "Blautia", "Alistipes")


def _sample_tsv(rng, name: str) -> bytes:  # type: ignore[no-untyped-def]
    counts = rng.integers(5, 500, len(TAXA))
    return (f"genus\t{name}\n" + "".join(f"{t}\t{c}\n" for t, c in zip(TAXA, counts))).encode()


def seed_patient(s, rng, fid: dict, pid: int, clin: int, days: int, n_challenges: int,  # type: ignore[no-untyped-def]
                 n_samples: int, today: dt.date) -> None:
    """``days`` of diary up to today, a weekly POEM, challenges and microbiome samples."""
    import numpy as np
    from sqlalchemy import insert

    from gutskin.clinic.actors import SYSTEM
    from gutskin.clinic.microbiome import upload_sample
    from gutskin.store.bulk import insert_diary_days, insert_factor_values
    from gutskin.store.models import QuestionnaireResponse, utcnow

    now = utcnow()
    first = today - dt.timedelta(days=days - 1)
    itch = np.clip(np.round(4 + rng.normal(0, 1.5, days) + 2 * np.sin(np.arange(days) / 40)), 0, 10)
    day_rows, value_rows, poems = [], [], []
    for k in range(days):
        d = first + dt.timedelta(days=k)
        day_rows.append((pid, d, int(itch[k]), int(min(10, max(0, itch[k] - 2))), None, None, int(itch[k] >= 8), None, now))
        for name in FACTORS:
            value_rows.append((pid, d, fid[name], factor_value(rng, name)))
        if (days - 1 - k) % 7 == 0:
            poems.append(poem_row(rng, pid, d, now))
    insert_diary_days(s, day_rows)
    for k in range(0, len(value_rows), 200_000):
        insert_factor_values(s, value_rows[k:k + 200_000])
    s.execute(insert(QuestionnaireResponse), poems)
    for j in range(n_challenges):
        active = j == n_challenges - 1
        b = today - dt.timedelta(days=16) if active else first + dt.timedelta(days=int((days - 60) * j / n_challenges))
        add_home_challenge(s, pid, clin, f"food.{FOODS[j % len(FOODS)]}", "active" if active else "confirmed", b, today, now)
    for j in range(n_samples):
        upload_sample(s, SYSTEM, pid, f"sample{j}.tsv", _sample_tsv(rng, f"S{j + 1}"), sample_id=f"S{j + 1}",
                      collected_on=first + dt.timedelta(days=int(days * (j + 0.5) / n_samples)))


def build_world(url: str, long_days: int) -> dict[str, int]:
    import numpy as np
    from sqlalchemy import insert, select

    from gutskin.clinic.diary import factor_ids
    from gutskin.clinic.passwords import hash_password
    from gutskin.store.db import get_engine, transaction
    from gutskin.store.models import Consent, Patient, User

    rng = np.random.default_rng(5)
    today = dt.date.today()
    pw = hash_password(PASSWORD)
    with transaction(get_engine(url)) as s:
        s.execute(insert(User), [
            {"email": "clinician@long.example.org", "password_hash": pw, "role": "clinician", "display_name": "Dr Long"},
            *({"email": f"{w}@long.example.org", "password_hash": pw, "role": "patient", "display_name": f"Patient {w}",
               "created_at": dt.datetime.combine(today - dt.timedelta(days=n), dt.time(9))}
              for w, n in (("long", long_days), ("short", 30)))])
        uid = dict(s.execute(select(User.email, User.id)).all())
        clin = uid["clinician@long.example.org"]
        pids = {}
        for w, n in (("long", long_days), ("short", 30)):
            p = Patient(external_id=f"p-{w}", owner_user_id=uid[f"{w}@long.example.org"], relationship="self",
                        display_name=f"Patient {w}", created_at=dt.datetime.combine(today - dt.timedelta(days=n), dt.time(9)))
            s.add(p)
            s.flush()
            pids[w] = p.id
            s.add(Consent(patient_id=p.id, clinician_user_id=clin,
                          created_at=dt.datetime.combine(today - dt.timedelta(days=n), dt.time(10))))
        fid = factor_ids(s, FACTORS)
        seed_patient(s, rng, fid, pids["long"], clin, long_days, 20, 10, today)
        seed_patient(s, rng, fid, pids["short"], clin, 30, 1, 1, today)
    return pids


def diary_rows_of(conn, statement: str, params, executemany: bool) -> int:  # type: ignore[no-untyped-def]
    """Rows of ``diary_days``/``factor_values`` a SELECT returned: the same statement counted again
    (``SELECT count(*) FROM (<statement>)`` with its parameters, on the same connection, so in the
    same transaction), for either database; 0 for other statements."""
    st = statement.lstrip().lower()
    if executemany or not st.startswith("select") or not ("diary_days" in st or "factor_values" in st):
        return 0
    cur = conn.connection.driver_connection.cursor()
    try:
        cur.execute(f"SELECT count(*) FROM ({statement}) AS counted", params)
        return int(cur.fetchone()[0])
    finally:
        cur.close()


def pages(pid: int, sample: int, today: dt.date) -> list[tuple[str, str, str]]:
    """(who, label, path) of every GET page; ``pid``: the patient, ``sample``: their newest sample."""
    old = (today - dt.timedelta(days=20)).isoformat()
    return [
        ("patient", "/today", "/today"),
        ("patient", "/today?date=20 days ago", f"/today?date={old}"),
        ("patient", "API me/diary (days list, all)", "/api/v1/me/diary"),
        ("patient", "API me/diary (last 30 days)", f"/api/v1/me/diary?start={(today - dt.timedelta(days=29)).isoformat()}"
                                                    f"&end={today.isoformat()}"),
        ("patient", "/trends?weeks=4", "/trends?weeks=4"),
        ("patient", "/trends (12 wk)", "/trends"),
        ("patient", "/trends?weeks=52", "/trends?weeks=52"),
        ("patient", "/insights", "/insights"),
        ("patient", "API insights?wait=10 (first: computed)", f"/api/v1/patients/{pid}/insights?wait=10"),
        ("patient", "/insights/panel (cached result)", f"/insights/panel?patient={pid}"),
        ("patient", "/challenges", "/challenges"),
        ("patient", "/microbiome", "/microbiome"),
        ("patient", "/microbiome/{newest}", f"/microbiome/{sample}"),
        ("patient", "/data", "/data"),
        ("patient", "/data/diary.csv (all)", "/data/diary.csv"),
        ("patient", "/data/archive.json (all)", "/data/archive.json"),
        ("patient", "FHIR export (all)", f"/api/v1/patients/{pid}/fhir"),
        ("patient", "/data/report.pdf", "/data/report.pdf"),
        ("patient", "/appointments", "/appointments"),
        ("patient", "/sharing", "/sharing"),
        ("patient", "/caregivers", "/caregivers"),
        ("patient", "/account", "/account"),
        ("clinician", "/clinic panel", "/clinic"),
        ("clinician", "/clinic/patients/{id} (12 wk)", f"/clinic/patients/{pid}"),
        ("clinician", "/clinic/patients/{id}?weeks=4", f"/clinic/patients/{pid}?weeks=4"),
        ("clinician", "/clinic/patients/{id}?weeks=52", f"/clinic/patients/{pid}?weeks=52"),
        ("clinician", "/clinic/patients/{id}/challenges", f"/clinic/patients/{pid}/challenges"),
        ("clinician", "/clinic/patients/{id}/microbiome/{s}", f"/clinic/patients/{pid}/microbiome/{sample}"),
        ("clinician", "visit report PDF", f"/clinic/patients/{pid}/report.pdf"),
        ("clinician", "FHIR export (fhir.json)", f"/clinic/patients/{pid}/fhir.json"),
        ("clinician", "/clinic/appointments", "/clinic/appointments"),
        ("clinician", "/clinic/challenges", "/clinic/challenges"),
        ("clinician", "/insights/panel (cached result)", f"/insights/panel?patient={pid}"),
    ]


def measure(url: str, pids: dict[str, int], repeat: int) -> list[dict]:
    from fastapi.testclient import TestClient
    from sqlalchemy import event, select

    from gutskin.settings import Settings
    from gutskin.store.db import get_engine, transaction
    from gutskin.store.models import MicrobiomeSample
    from gutskin.web import create_app

    engine = get_engine(url)
    with transaction(engine) as s:
        newest = {w: s.scalar(select(MicrobiomeSample.id).where(MicrobiomeSample.patient_id == p)
                              .order_by(MicrobiomeSample.id.desc()).limit(1)) for w, p in pids.items()}
    settings = Settings(database_url=url, secret_key="bench-secret-key-that-is-long-enough-123456", env="test")
    counts = {"sql": 0, "rows": 0}

    def before(conn, cursor, statement, *_a) -> None:  # type: ignore[no-untyped-def]
        counts["sql"] += 1

    def after(conn, cursor, statement, params, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if not threading.current_thread().name.startswith("gutskin-insights"):  # the request's own reads
            counts["rows"] += diary_rows_of(conn, statement, params, executemany)

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    out = []
    today = dt.date.today()
    with TestClient(create_app(settings)) as doc:
        clients, tokens = {}, {}
        for w in ("long", "short"):
            p = TestClient(doc.app)
            login(p, f"{w}@long.example.org")
            clients[("patient", w)] = p
            tokens[("patient", w)] = bearer(p, f"{w}@long.example.org")
        login(doc, "clinician@long.example.org")
        for w in ("long", "short"):
            clients[("clinician", w)] = doc
            tokens[("clinician", w)] = bearer(doc, "clinician@long.example.org")
        plans = {w: pages(pids[w], newest[w], today) for w in ("long", "short")}
        for i, (who, label, _path) in enumerate(plans["long"]):
            res = {}
            for w in ("long", "short"):
                path = plans[w][i][2]
                client = clients[(who, w)]
                lat = []
                reps = 1 if "first" in label else min(repeat, 3) if "insights" in label or "pdf" in label.lower() or "(all)" in label else repeat
                for _ in range(reps):
                    counts["sql"] = counts["rows"] = 0
                    t = time.perf_counter()
                    r = client.get(path, headers=tokens[(who, w)] if path.startswith("/api/") else {})
                    lat.append(time.perf_counter() - t)
                    if r.status_code != 200 or "computing" in r.text[:200]:
                        raise RuntimeError(f"{path}: {r.status_code} {r.text[:300]}")
                lat.sort()
                res[w] = (lat[len(lat) // 2], counts["sql"], counts["rows"])
            ratio = res["long"][0] / res["short"][0]
            flag = "  <-- slow" if res["long"][0] > 1 else ("  <-- grows" if ratio > 3 else "")
            rows = f"diary rows {res['long'][2]:6d} / {res['short'][2]:4d}"
            print(f"    {who:9s} {label:40s} long {res['long'][0] * 1000:8.1f} ms  short {res['short'][0] * 1000:7.1f} ms"
                  f"  {ratio:6.1f}x  SQL {res['long'][1]:4d} / {res['short'][1]:3d} {rows}{flag}", flush=True)
            out.append({"who": who, "page": label, "long": res["long"][0], "short": res["short"][0], "ratio": ratio})
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "after_cursor_execute", after)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="1 year instead of 5, 3 requests per page")
    ap.add_argument("--years", type=float)
    ap.add_argument("--repeat", type=int)
    ap.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    args = ap.parse_args()
    years = args.years or (1 if args.quick else 5)
    days = int(round(365.25 * years))
    repeat = args.repeat or (3 if args.quick else 7)
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}; long record: {days} days of diary "
          f"({len(FACTORS)} factors a day), {len(range(0, days, 7))} POEMs, 20 challenges, 10 microbiome samples; "
          f"baseline: the same pages on a 30-day record in the same run; median of {repeat} requests "
          f"(3 for insights, PDFs and whole-record exports), in-process (TestClient)")
    on_each_database(args.db, lambda url: build_world(url, days), lambda url, pids: measure(url, pids, repeat))

if __name__ == "__main__":
    main()
