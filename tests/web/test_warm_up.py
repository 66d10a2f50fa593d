"""Start-up warming (2026-12-07): on a freshly started server the first visit report PDF waited for
WeasyPrint, matplotlib and their fonts to load, and the first microbiome upload for scikit-bio,
biom-format, h5py and numba (1-4 s each on the 2-core machine; ``bench.visit_report``). ``gutskin
serve`` now loads them in a background thread at start-up (``GUTSKIN_WARM_UP``, gutskin.web.warmup).

No timing here: a fresh interpreter (the test process has these libraries loaded already) serves the
app as ``gutskin serve`` builds it, waits for the warm-up, then a clinician downloads a report and the
patient uploads a stool table; neither imports any of the heavy libraries any more. And ``gutskin
serve`` itself turns the warm-up on."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.conftest import TEST_SECRET

GUTSKIN = str(Path(sys.executable).with_name("gutskin"))
HEAVY = ("weasyprint", "pydyf", "fontTools", "matplotlib", "skbio", "biom", "h5py", "numba", "llvmlite", "scipy", "pandas")

SERVE_AS_GUTSKIN_SERVE = r"""
import json, sys
HEAVY = tuple(sys.argv[1].split(","))
pid = int(sys.argv[2])
def heavy():
    return {m for m in list(sys.modules) if m.split(".")[0] in HEAVY}
from fastapi.testclient import TestClient
from gutskin.web import create_serving_app
app = create_serving_app()
out = {"before": sorted(heavy())}
with TestClient(app) as c:
    out["warmed"] = app.state.warm_up.wait(600)
    out["after_warm_up"] = sorted(heavy())
    def bearer(email):
        r = c.post("/api/v1/auth/token", json={"email": email, "password": "correct-horse-battery"})
        return {"Authorization": "Bearer " + r.json()["access_token"]}
    r = c.get(f"/api/v1/patients/{pid}/report.pdf", headers=bearer("linked@clinic.example.org"))
    out["report"] = [r.status_code, r.headers.get("content-type"), r.content[:5].decode("latin-1")]
    table = "genus\tS1\nBacteroides\t400\nFaecalibacterium\t300\nBifidobacterium\t120\nEscherichia\t80\nPrevotella\t50\n"
    r = c.post("/api/v1/me/microbiome", headers=bearer("owner@example.org"), data={"method": "16S"},
               files={"file": ("stool.tsv", table.encode(), "text/tab-separated-values")})
    out["upload"] = [r.status_code, r.text[:300]]
    out["after_requests"] = sorted(heavy())
print("RESULT " + json.dumps(out))
"""


def _seed(engine, people) -> None:  # type: ignore[no-untyped-def]
    """Six weeks of diary and a weekly POEM: the report draws its charts."""
    from gutskin.clinic import diary, questionnaires
    from gutskin.store.db import transaction

    today = dt.date.today()
    with transaction(engine) as s:
        for k in range(42):
            day = today - dt.timedelta(days=k)
            diary.put_day(s, people.owner, people.owner_pid, day,
                          diary.DayInput(itch=k % 9, sleep_loss=k % 5, flare=k % 9 >= 7, factors={"food.dairy": k % 2}))
            if k % 7 == 0:
                questionnaires.submit(s, people.owner, people.owner_pid, "poem", {"answers": [k % 5, 1, 2, 0, 3, 1, 2]}, day)


def _env(db_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "GUTSKIN_WARM_UP"}
    return {**env, "GUTSKIN_DATABASE_URL": db_url, "GUTSKIN_SECRET_KEY": TEST_SECRET, "GUTSKIN_ENV": "test", **extra}


def test_after_the_warm_up_the_first_report_and_upload_load_no_library(db_url, engine, people) -> None:  # type: ignore[no-untyped-def]
    _seed(engine, people)
    done = subprocess.run([sys.executable, "-c", SERVE_AS_GUTSKIN_SERVE, ",".join(HEAVY), str(people.owner_pid)],
                          env=_env(db_url, GUTSKIN_WARM_UP="1"), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.split("RESULT ", 1)[1])
    assert out["warmed"] is True
    assert out["report"] == [200, "application/pdf", "%PDF-"]
    assert out["upload"][0] == 201, out["upload"]
    warmed = set(out["after_warm_up"])
    assert {"weasyprint", "matplotlib.figure", "skbio", "biom", "h5py"} <= warmed - set(out["before"])
    # the first report and the first upload of this server found every heavy library loaded
    assert sorted(set(out["after_requests"]) - warmed) == [], sorted({m.rsplit(".", 1)[0] for m in set(out["after_requests"]) - warmed})


def test_gutskin_serve_turns_the_warm_up_on(sqlite_url) -> None:  # type: ignore[no-untyped-def]
    port = _free_port()
    proc = subprocess.Popen([GUTSKIN, "serve", "--port", str(port)], env=_env(sqlite_url), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    loaded = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("loaded the visit report and microbiome libraries in"):
                loaded.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 600  # a bound on the wait on a loaded machine, not a figure under test
        while not loaded.is_set() and proc.poll() is None and time.monotonic() < deadline:
            loaded.wait(0.5)
        said = "".join(lines)
        assert loaded.is_set(), said
        assert "loading the visit report and microbiome libraries in the background" in said
        assert f"serving on http://127.0.0.1:{port}" in said
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
