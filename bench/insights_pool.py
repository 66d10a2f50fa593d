"""Insights jobs: how long a small patient's insights wait behind one huge record (SQLite).

Patient A imported a 100-year diary (36,600 days, the most one import may hold); patient B has
60 days. B's insights are asked for just after A's, as when A's import is followed by B's page.
Baseline, measured in the same run: B's insights on an idle pool. Figures are ratios to it:

* ``before``: one worker thread for everybody, A's job reading the whole diary (the code before
  GUTSKIN_INSIGHTS_WORKERS / GUTSKIN_INSIGHTS_MAX_DAYS);
* ``now``: the defaults (2 workers, the last 5 years).

Also A's own job, whole diary vs capped. Configurations are set through the module's pool and
MAX_DAYS (what the settings set at start-up).

    python -m bench.insights_pool            # A: 36,600 days, 20 factors
    python -m bench.insights_pool --quick    # A: 7,300 days, 8 factors
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import random
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def diary_csv(days: int, factors: int, seed: int) -> str:
    rng = random.Random(seed)
    names = [f"food.f{i:02d}" for i in range(factors)]
    out = io.StringIO()
    out.write("patient,date,itch,sleep_loss," + ",".join(names) + "\n")
    start = dt.date(2026, 1, 1) - dt.timedelta(days=days)
    exposed = [0] * factors
    for d in range(days):
        exposed = [int(rng.random() < 0.3) for _ in range(factors)]
        itch = min(10, max(0, 3 + 2 * exposed[0] + rng.choice((-1, 0, 0, 1))))
        out.write(f"x,{start + dt.timedelta(days=d)},{itch},{rng.randint(0, 4)}," + ",".join(map(str, exposed)) + "\n")
    return out.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    days, factors = (7_300, 8) if args.quick else (36_600, 20)

    from gutskin.clinic import accounts, insights
    from gutskin.clinic.access import default_patient
    from gutskin.clinic.diary import import_diary_csv
    from gutskin.store.db import get_engine, transaction
    from gutskin.store.migrate import upgrade

    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp / 'bench.db'}"
    upgrade(url)
    engine = get_engine(url)
    with transaction(engine) as s:
        a = accounts.actor_for(accounts.register_patient(s, "a@example.org", "correct-horse-battery"))
        b = accounts.actor_for(accounts.register_patient(s, "b@example.org", "correct-horse-battery"))
        pa, pb = default_patient(s, a).id, default_patient(s, b).id
    t0 = time.perf_counter()
    import_diary_csv(engine, a, io.StringIO(diary_csv(days, factors, 1)), into=pa)
    import_diary_csv(engine, b, io.StringIO(diary_csv(60, 3, 2)), into=pb)
    imported = time.perf_counter() - t0

    def ask(actor, pid) -> None:  # type: ignore[no-untyped-def]
        with transaction(engine) as s:
            insights.insights_for(s, actor, pid)

    def configure(workers: int, max_days: int) -> None:
        assert insights.idle(3600)
        insights._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gutskin-insights")
        insights.WORKERS, insights.MAX_DAYS = workers, max_days
        insights.clear_cache()

    def b_after_a() -> tuple[float, float]:
        """Seconds until B's result is there (B asked right after A), and until A's is."""
        insights.clear_cache()
        t = time.perf_counter()
        ask(a, pa)
        ask(b, pb)
        b_done = a_done = None
        while b_done is None or a_done is None:
            with insights._changed:
                insights._changed.wait(0.5)
            now, jobs = time.perf_counter() - t, insights.jobs()
            b_done = b_done if b_done is not None or pb in jobs else now
            a_done = a_done if a_done is not None or pa in jobs else now
        return b_done, a_done

    def alone(actor, pid) -> float:  # type: ignore[no-untyped-def]
        insights.clear_cache()
        t = time.perf_counter()
        ask(actor, pid)
        assert insights.idle(3600)
        return time.perf_counter() - t

    capped = insights.MAX_DAYS
    configure(1, capped)
    alone(b, pb)  # warm-up: numba's compiled filter, imports
    baseline = min(alone(b, pb) for _ in range(3))
    configure(1, 0)
    a_whole = alone(a, pa)
    before_b, _ = b_after_a()
    configure(2, capped)
    a_capped = alone(a, pa)
    now_b, _ = b_after_a()
    print(json.dumps({
        "a_days": days, "a_factors": factors, "import_s": round(imported, 1),
        "b_alone_s": round(baseline, 3),
        "b_wait_before_ratio": round(before_b / baseline, 1), "b_wait_now_ratio": round(now_b / baseline, 1),
        "a_job_whole_s": round(a_whole, 2), "a_job_capped_s": round(a_capped, 2),
        "a_capped_over_whole": round(a_capped / a_whole, 2),
    }))


if __name__ == "__main__":
    main()
