"""README's start without the demo, run as written (new-user walk on a fresh server, 2026-12-07): the
quick start only said how to serve the demo clinic, and how a clinician account comes to be on a new
server (and that its first sign-in must choose a new password) only in the operator's section. The
two commands are read from README.md's quick start, run from the repository on a database of their
own (the only substitutions: the database file, the port and the `.venv/bin` they live in), and the
rest of the paragraph is walked over HTTP: a patient registers, makes an invite code, the clinician
signs in, can open nothing until they choose their own password, then links the patient."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.docs.test_readme_walk import BIN, README, ROOT, _bash, _env, _free_port

pytestmark = pytest.mark.slow

DB = "sqlite:////tmp/new.db"


def _line(pattern: str) -> str:
    quick = README.split("## Configuration", 1)[0]
    found = re.findall(r"`([^`]*" + pattern + r"[^`]*)`", quick)
    assert len(found) == 1, (pattern, found)
    return found[0]


def test_the_empty_start_of_the_quick_start_runs_as_written(tmp_path: Path) -> None:
    serve, create = _line(r"gutskin serve"), _line(r"gutskin users create")
    assert DB in serve and DB in create and "--role clinician" in create
    db = tmp_path / "new.db"
    port = _free_port()
    env = _env(tmp_path / "home", "unused")
    del env["GUTSKIN_DATABASE_URL"]  # the lines set it themselves
    env["GUTSKIN_NEW_PASSWORD"] = "operator-set-pass-1"  # no terminal here: README's clinic section says so
    here = {DB: f"sqlite:///{db}", ".venv/bin/gutskin": str(BIN / "gutskin")}
    for old, new in here.items():
        serve, create = serve.replace(old, new), create.replace(old, new)
    serve = re.sub(r"--port \d+", f"--port {port}", serve)
    proc = subprocess.Popen(["bash", "-c", serve], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.time() < deadline, "the server did not start"
            time.sleep(0.3)
        made = _bash(create, ROOT, env)
        assert made.returncode == 0, made.stderr
        assert "created clinician you@clinic.example" in made.stdout + made.stderr
        with httpx.Client(base_url=base, timeout=30) as web:
            assert "Create your account" in web.get("/register").text
            assert web.post("/api/v1/auth/register", json={"email": "pat@example.org", "password": "a-patient-pass-77",
                                                           "display_name": "Pat"}).status_code == 201
            pat = {"Authorization": "Bearer " + web.post("/api/v1/auth/token", json={
                "email": "pat@example.org", "password": "a-patient-pass-77"}).json()["access_token"]}
            code = web.post("/api/v1/me/invites", headers=pat).json()["code"]
            # the clinician signs in with the operator's password: nothing opens until their own is chosen
            got = web.post("/api/v1/auth/token", json={"email": "you@clinic.example", "password": "operator-set-pass-1"})
            assert got.status_code == 200, got.text
            doc = {"Authorization": "Bearer " + got.json()["access_token"]}
            refused = web.post("/api/v1/clinician/links", json={"code": code}, headers=doc)
            assert refused.status_code == 403, refused.text
            changed = web.post("/api/v1/me/password", json={"old_password": "operator-set-pass-1",
                                                            "new_password": "quiet-harbour-lantern-7"}, headers=doc)
            assert changed.status_code == 204, changed.text
            doc = {"Authorization": "Bearer " + web.post("/api/v1/auth/token", json={
                "email": "you@clinic.example", "password": "quiet-harbour-lantern-7"}).json()["access_token"]}
            linked = web.post("/api/v1/clinician/links", json={"code": code}, headers=doc)
            assert linked.status_code == 201, linked.text
            assert [p["name"] for p in web.get("/api/v1/clinician/patients", headers=doc).json()] == ["Pat"]
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert db.exists()  # the test's own file was used (the line's was replaced)
