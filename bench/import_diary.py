"""Diary CSV import: throughput (rows/s) and peak memory on SQLite and PostgreSQL.

Bounded memory is shown as a ratio: peak RSS of importing N rows over peak RSS of importing
N/10 rows, each in a fresh process (≈1 means memory does not grow with the file). Speed is
shown against a baseline measured in the same run: parsing and validating the same file
without storing it.

    python -m bench.import_diary            # 1,000,000 rows
    python -m bench.import_diary --quick    # 100,000 rows
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

PG_ADMIN = os.environ.get("GUTSKIN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def write_file(path: Path, rows: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    days_per_patient = 365
    start = dt.date(2020, 1, 1)
    with open(path, "w") as fh:
        fh.write("patient,date,itch,sleep_loss,flare,food.dairy,env.pollen,life.stress,treat.tcs\n")
        for i in range(rows):
            p, d = divmod(i, days_per_patient)
            fh.write(
                f"b{p:06d},{start + dt.timedelta(days=d)},{rng.randint(0, 10)},{rng.randint(0, 10)},{rng.randint(0, 1)},"
                f"{rng.randint(0, 1)},{rng.random() * 80:.1f},{rng.randint(0, 10)},{rng.randint(0, 1)}\n"
            )


def child(mode: str, url: str, path: str) -> None:
    """Runs in a fresh process: import (or only parse) and print seconds and peak RSS."""
    t0 = time.perf_counter()
    if mode == "parse":
        from gutskin.diary.csvio import iter_diary_csv

        n = sum(1 for _ in iter_diary_csv(path))
    else:
        from gutskin.clinic.actors import SYSTEM
        from gutskin.clinic.diary import import_diary_csv
        from gutskin.store.db import get_engine

        n = import_diary_csv(get_engine(url), SYSTEM, path).rows
    secs = time.perf_counter() - t0
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"rows": n, "seconds": secs, "peak_mib": peak_kib / 1024}))


def run_child(mode: str, url: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.import_diary", "--child", mode, url, str(path)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def fresh_db(kind: str, tmp: Path) -> tuple[str, callable]:
    from gutskin.store.migrate import upgrade

    if kind == "sqlite":
        url = f"sqlite:///{tmp / f'{uuid.uuid4().hex}.db'}"
        upgrade(url)
        return url, lambda: None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"gutskin_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    upgrade(url)

    def drop() -> None:
        from gutskin.store.db import dispose_engines

        dispose_engines()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return url, drop


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rows", type=int)
    ap.add_argument("--child", nargs=3)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    big = args.rows or (100_000 if args.quick else 1_000_000)
    small = big // 10
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        files = {n: tmp / f"diary_{n}.csv" for n in (small, big)}
        for n, f in files.items():
            write_file(f, n)
        parse = run_child("parse", "-", files[big])
        print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}")
        print(f"baseline parse+validate only: {parse['rows'] / parse['seconds']:,.0f} rows/s, peak {parse['peak_mib']:.0f} MiB")
        for kind in ("sqlite", "postgresql"):
            res = {}
            for n, f in files.items():
                url, drop = fresh_db(kind, tmp)
                try:
                    res[n] = run_child("import", url, f)
                finally:
                    drop()
            r = res[big]
            rate = r["rows"] / r["seconds"]
            print(
                f"{kind:10s} import {r['rows']:,} rows: {rate:,.0f} rows/s "
                f"({rate / (parse['rows'] / parse['seconds']):.2f}x of parse-only), peak {r['peak_mib']:.0f} MiB; "
                f"memory ratio {big:,} vs {small:,} rows: {r['peak_mib'] / res[small]['peak_mib']:.2f}"
            )


if __name__ == "__main__":
    main()
