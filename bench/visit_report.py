"""The first visit report PDF and the first microbiome upload of a freshly started server, with and
without the start-up warm-up (``gutskin serve``'s ``GUTSKIN_WARM_UP``, gutskin.web.warmup).

World: the demo clinic (``load_demo``: a clinician, three linked patients with 150 days of diary,
POEMs, food challenges, a stool sample) in a SQLite file. Each run is a fresh Python process (the
libraries not loaded yet, as a server just started) serving the real app in-process (FastAPI
TestClient: the app's sessions, authorization and audit):

- ``cold``: as before the warm-up: the clinician downloads patient A's report (``first report``),
  then patient B's (``baseline``: a first report too, its insights computed, but in a process that
  has made one), then A's again (``again``: insights cached); the patient uploads a stool table
  (``first upload``) and again (``baseline upload``).
- ``warmed``: the same after ``warmup.warm_up()`` (what the serving app's background thread does;
  its own time printed as ``warm-up``).
- in both, last: the render alone of B's report (``render``, the PDF cache bypassed) against the same
  render with the charts' SVG embedded as matplotlib writes it (``render as before``: before
  ``charts.flat_svg``, 2026-12-07), three of each alternating, the least CPU of each. ``again
  report`` is served from the PDF cache since then.

Printed: CPU seconds of the process (``time.process_time``: robust to other users' load on this
shared machine; the report's insights run in a worker thread of the same process) and wall seconds,
and each first call as a ratio to its baseline measured in the same process. The median of
``--runs`` processes per mode (1 with ``--quick``).

    .venv/bin/python -m bench.visit_report [--quick] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SECRET = "bench-secret-key-that-is-long-enough-123456"
TABLE = ("genus\tS{n}\nBacteroides\t4{n}0\nFaecalibacterium\t300\nBifidobacterium\t12{n}\nEscherichia\t80\n"
         "Prevotella\t5{n}\nRoseburia\t33\nAkkermansia\t{n}7\n")


def _timed(fn):  # type: ignore[no-untyped-def]
    c, w = time.process_time(), time.perf_counter()
    out = fn()
    return out, {"cpu": time.process_time() - c, "wall": time.perf_counter() - w}


def child(url: str, mode: str) -> dict:
    """One fresh process: the calls of ``mode`` (cold | warmed), timed."""
    import re

    from fastapi.testclient import TestClient

    from gutskin.clinic.demo import CLINICIAN, PASSWORD
    from gutskin.settings import Settings
    from gutskin.web import create_app

    heavy = ("weasyprint", "matplotlib", "skbio", "biom", "h5py", "numba")
    out: dict = {"loaded_at_start": sorted(m for m in heavy if m in sys.modules)}
    app = create_app(Settings(database_url=url, secret_key=SECRET, env="test"))
    with TestClient(app) as c:
        def login(email: str) -> None:
            form = c.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
            r = c.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token}, follow_redirects=False)
            assert r.status_code == 303, r.text[:300]

        def report(pid: int):  # type: ignore[no-untyped-def]
            def call() -> None:
                r = c.get(f"/clinic/patients/{pid}/report.pdf")
                assert r.status_code == 200 and r.content[:5] == b"%PDF-", r.text[:300]
            return _timed(call)[1]

        def upload(n: int):  # type: ignore[no-untyped-def]
            def call() -> None:
                r = c.post("/api/v1/me/microbiome", headers=patient, data={"method": "16S"},
                           files={"file": (f"stool{n}.tsv", TABLE.format(n=n).encode(), "text/tab-separated-values")})
                assert r.status_code == 201, r.text[:300]
            return _timed(call)[1]

        login(CLINICIAN)
        r = c.post("/api/v1/auth/token", json={"email": "ana@demo.gutskin.org", "password": PASSWORD})
        patient = {"Authorization": f"Bearer {r.json()['access_token']}"}
        a, b = c.get("/api/v1/me", headers=patient).json()["patient_id"], None
        from sqlalchemy import select

        from gutskin.store.db import get_engine, transaction
        from gutskin.store.models import Consent

        with transaction(get_engine(url)) as s:
            b = next(p for p in s.scalars(select(Consent.patient_id)) if p != a)
        if mode == "warmed":
            from gutskin.web import warmup

            out["warm_up"] = _timed(warmup.warm_up)[1]
        out["first_report"] = report(a)
        out["baseline_report"] = report(b)
        out["again_report"] = report(a)
        out["first_upload"] = upload(1)
        out["baseline_upload"] = upload(2)
        # the render alone of patient B's report (insights ready), the PDF cache bypassed: with the charts'
        # <use> references drawn out (charts.flat_svg, 2026-12-07) and with matplotlib's SVG as it was
        from gutskin.clinic import reports
        from gutskin.clinic.actors import Actor
        from gutskin.clinic.demo import CLINICIAN as clinician
        from gutskin.interop import charts
        from gutskin.interop import report as pdf
        from gutskin.store.models import User

        with transaction(get_engine(url)) as s:
            data = reports.report_data(s, Actor(s.scalar(select(User.id).where(User.email == clinician)), "clinician"), b)
        data = reports.settle_insights(data, 120)
        flat, before, now = charts.flat_svg, [], []
        for _ in range(3):  # alternating, the least of each: the machine's load changes meanwhile
            charts.flat_svg = lambda svg: svg  # type: ignore[assignment]
            try:
                before.append(_timed(lambda: pdf._render_pdf(data))[1])
            finally:
                charts.flat_svg = flat  # type: ignore[assignment]
            now.append(_timed(lambda: pdf._render_pdf(data))[1])
        out["render_as_before"] = min(before, key=lambda t: t["cpu"])
        out["render"] = min(now, key=lambda t: t["cpu"])
    return out


def run_child(url: str, mode: str) -> dict:
    env = {**os.environ, "GUTSKIN_DATABASE_URL": url, "GUTSKIN_SECRET_KEY": SECRET, "GUTSKIN_ENV": "test"}
    env.pop("GUTSKIN_WARM_UP", None)
    done = subprocess.run([sys.executable, "-m", "bench.visit_report", "--child", mode, "--url", url],
                          env=env, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"bench.visit_report: the {mode} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="one process per mode")
    ap.add_argument("--runs", type=int, default=None, help="processes per mode (default 3; 1 with --quick)")
    ap.add_argument("--child", choices=("cold", "warmed"), help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.url, args.child)))
        return
    runs = args.runs or (1 if args.quick else 3)
    from gutskin.clinic.demo import load_demo
    from gutskin.store.migrate import upgrade

    with tempfile.TemporaryDirectory() as d:
        url = f"sqlite:///{Path(d) / 'visit_report.db'}"
        os.environ.update({"GUTSKIN_DATABASE_URL": url, "GUTSKIN_SECRET_KEY": SECRET, "GUTSKIN_ENV": "test"})
        t = time.perf_counter()
        upgrade(url)
        load_demo(url)
        print(f"visit report and microbiome upload, first call of a fresh process ({runs} process(es) per mode; "
              f"demo clinic built in {time.perf_counter() - t:.0f} s)", flush=True)
        results: dict[str, list[dict]] = {"cold": [], "warmed": []}
        for _ in range(runs):
            for mode in ("cold", "warmed"):  # alternating: the machine's load changes over time
                results[mode].append(run_child(url, mode))
    rows = (("first_report", "baseline_report"), ("again_report", "baseline_report"),
            ("first_upload", "baseline_upload"), ("render", "render_as_before"))
    for mode in ("cold", "warmed"):
        rs = results[mode]
        print(f"  {mode}: libraries loaded before the app: {', '.join(rs[0]['loaded_at_start']) or 'none'}")
        if mode == "warmed":
            print(f"    warm-up (background thread at start-up): {statistics.median(r['warm_up']['cpu'] for r in rs):.2f} s CPU, "
                  f"{statistics.median(r['warm_up']['wall'] for r in rs):.2f} s wall")
        for call, base in rows:
            cpu = statistics.median(r[call]["cpu"] for r in rs)
            wall = statistics.median(r[call]["wall"] for r in rs)
            bcpu = statistics.median(r[base]["cpu"] for r in rs)
            ratio = statistics.median(r[call]["cpu"] / r[base]["cpu"] for r in rs)
            print(f"    {call.replace('_', ' '):16s} {cpu:5.2f} s CPU ({wall:5.2f} s wall)  "
                  f"{ratio:4.2f}x its baseline ({base.replace('_', ' ')}: {bcpu:.2f} s CPU)")
    for call, base in (("first_report", "baseline_report"), ("first_upload", "baseline_upload")):
        cold = statistics.median(r[call]["cpu"] - r[base]["cpu"] for r in results["cold"])
        warm = statistics.median(r[call]["cpu"] - r[base]["cpu"] for r in results["warmed"])
        print(f"  {call.replace('_', ' ')}: {cold:+.2f} s CPU over its baseline without the warm-up, {warm:+.2f} s with it")


if __name__ == "__main__":
    main()
