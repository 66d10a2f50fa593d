"""README.md's commands, run as a new user runs them (docs walk, 2026-12-06).

The commands are read from README.md, the Makefile and docs/instruments.md themselves, not
copied here, so a README that drifts from what gutskin does breaks these tests. Each runs in a
fresh temporary folder with its own HOME (a fresh machine: no data directory, no secret key)
and a database of its own. The only substitutions are where a fresh machine differs from a
test: the database URL, `/backups` (a temporary folder) and the `.venv/bin` the commands live in.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the .venv/bin that `make run` installs gutskin into
README = (ROOT / "README.md").read_text(encoding="utf-8")

pytestmark = pytest.mark.slow


def _env(home: Path, db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUTSKIN_") and k != "XDG_DATA_HOME"}
    env.update(HOME=str(home), PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", GUTSKIN_DATABASE_URL=db_url)
    return env


def _bash(script: str, cwd: Path, env: dict[str, str], timeout: int = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def _fenced_block_after(text: str, heading: str) -> list[str]:
    section = text.split(heading, 1)[1]
    return section.split("```", 2)[1].splitlines()[1:]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sqlite_db(tmp_path: Path, name: str) -> str:
    return f"sqlite:///{tmp_path / name}"


def test_the_quick_start_import_line_runs_as_written(tmp_path: Path) -> None:
    """`GUTSKIN_DATABASE_URL=sqlite:////tmp/try.db .venv/bin/gutskin import diary docs/examples/diary.csv`,
    from the repository, on a database that does not exist yet (no `db upgrade` first)."""
    line = next(m.group(1) for m in re.finditer(r"`([^`]*gutskin import diary docs/examples/[^`]*)`", README))
    db = tmp_path / "try.db"
    line = line.replace("sqlite:////tmp/try.db", f"sqlite:///{db}").replace(".venv/bin/gutskin", str(BIN / "gutskin"))
    env = _env(tmp_path / "home", "unused")
    del env["GUTSKIN_DATABASE_URL"]  # the line sets it itself
    r = _bash(line, ROOT, env)
    assert r.returncode == 0, r.stderr
    assert "imported 3 rows" in r.stderr + r.stdout
    out = _bash("gutskin export diary", tmp_path, _env(tmp_path / "home", f"sqlite:///{db}"))
    assert out.returncode == 0, out.stderr
    # docs/diary-csv.md: the export column order, and the example's three days come back
    header, *rows = out.stdout.splitlines()
    example_header, *example_rows = (ROOT / "docs/examples/diary.csv").read_text().splitlines()
    factors = sorted(set(example_header.split(",")) - {"patient", "date", "itch", "sleep_loss", "flare"})
    assert header.split(",") == ["patient", "date", "itch", "sleep_loss", "poscorad", "poem", "flare", *factors]
    assert [r.split(",")[:2] for r in rows] == [r.split(",")[:2] for r in example_rows]
    assert not (tmp_path / "home").exists() or not any((tmp_path / "home").rglob("gutskin.db"))


def test_the_clinic_first_start_runs_as_written(db_url: str, tmp_path: Path) -> None:
    """README "Running it for a clinic": production settings, migrate, a clinician and an admin
    (the password from GUTSKIN_NEW_PASSWORD, as README says for a script), serve, and a backup
    taken while serving; the backup restores into a new database. On an empty database of each
    kind (README's block names PostgreSQL, 'or keep the SQLite file')."""
    url = db_url
    block = _fenced_block_after(README, "## Running it for a clinic")
    backups = tmp_path / "backups"
    backups.mkdir()
    port = _free_port()
    script = ["set -e"]
    saw = set()
    for line in block:
        command = re.split(r"(?:^|\s)#", line, maxsplit=1)[0].strip()
        if not command:
            continue
        if command.startswith("export GUTSKIN_DATABASE_URL="):
            command = f"export GUTSKIN_DATABASE_URL='{url}'"  # the test's database (README: 'or keep the SQLite file')
        elif command.startswith("gutskin serve "):
            # the documented server, in the background, until the backup below is taken
            command = command.replace("--port 8000", f"--port {port}") + " >serve.log 2>&1 & server=$!\n" + (
                f"for i in $(seq 1 120); do python3 -c \"import urllib.request as u; "
                f"u.urlopen('http://127.0.0.1:{port}/healthz', timeout=2)\" 2>/dev/null && break; sleep 0.5; done")
        command = command.replace("/backups/", f"{backups}/")
        saw.add(command.split()[1] if command.startswith("gutskin ") else command.split("=")[0])
        script.append(command)
    script.append("kill -INT $server; wait $server || true")
    assert {"db", "users", "serve", "backup"} <= saw, block
    env = _env(tmp_path / "home", "unused")
    env["GUTSKIN_NEW_PASSWORD"] = "a-clinic-password-1"
    r = _bash("\n".join(script), tmp_path, env, timeout=300)
    assert r.returncode == 0, (r.stdout, r.stderr, (tmp_path / "serve.log").read_text())
    assert "created clinician you@clinic.example" in r.stdout + r.stderr
    assert "created admin admin@clinic.example" in r.stdout + r.stderr
    assert "serving on" in (tmp_path / "serve.log").read_text()
    (backup,) = backups.iterdir()
    assert backup.stat().st_mode & 0o777 == 0o600  # README: backup files are readable by their owner only
    lines = gzip.decompress(backup.read_bytes()).decode().splitlines()
    assert any("you@clinic.example" in line for line in lines)
    # `gutskin restore FILE` brings a backup into an empty database of either kind
    restored = _sqlite_db(tmp_path, "restored.db")
    r = _bash(f"gutskin restore {backup} && gutskin db current", tmp_path, _env(tmp_path / "home", restored))
    assert r.returncode == 0, r.stderr
    assert re.fullmatch(r"\d{4}", r.stdout.strip()), r.stdout


def test_the_clinic_user_without_a_password_stops_as_readme_says(tmp_path: Path) -> None:
    """README: without a terminal `users create` "asks nothing and stops: give it in GUTSKIN_NEW_PASSWORD"."""
    line = next(re.split(r"\s#", ln, maxsplit=1)[0].strip() for ln in _fenced_block_after(README, "## Running it for a clinic")
                if "--role clinician" in ln)
    r = _bash(line, tmp_path, _env(tmp_path / "home", _sqlite_db(tmp_path, "g.db")))
    assert r.returncode == 2
    assert "GUTSKIN_NEW_PASSWORD" in r.stderr and len(r.stderr.splitlines()) == 1, r.stderr


def test_make_run_prints_the_database_and_the_demo_logins(tmp_path: Path) -> None:
    """The Makefile's `run` recipe on a fresh machine: README says it prints the database file and
    the demo logins (a clinician and four patients, password demo-password-1), and that a second
    run keeps the data and does not load the demo twice."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = next(ln.strip() for ln in makefile.split("\nrun:", 1)[1].splitlines() if "gutskin serve" in ln)
    port = _free_port()
    command = recipe.replace("$(VENV)/bin/", "").replace("$(PORT)", str(port))
    password = re.search(r"password `([^`]+)`", README).group(1)
    db = tmp_path / "demo.db"
    env = _env(tmp_path / "home", f"sqlite:///{db}")

    def serve_once() -> str:
        proc = subprocess.Popen(["bash", "-c", f"exec {command}"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL)
        out = []
        try:
            for line in proc.stdout:  # type: ignore[union-attr]
                out.append(line)
                if line.startswith("serving on"):
                    break
        finally:
            proc.send_signal(2)  # Ctrl-C, as README says
            rest, _ = proc.communicate(timeout=60)
        assert proc.returncode in (0, 130), "".join(out) + rest  # 130: stopped by Ctrl-C
        return "".join(out)

    first = serve_once()
    assert f"database: {db}" in first
    assert f"password for all: {password}" in first
    logins = re.findall(r"^\s+(clinician|patient):\s+(\S+)$", first, re.M)
    assert [role for role, _ in logins] == ["clinician", "patient", "patient", "patient", "patient"]
    names = [email.split("@")[0] for role, email in logins if role == "patient"]
    assert names == ["ana", "ben", "chloe", "dev"]  # README: Ana, Ben, Chloe and Dev
    assert all(name.capitalize() in README for name in names)
    assert f"serving on http://127.0.0.1:{port}" in first
    size = db.stat().st_size
    second = serve_once()
    assert f"database: {db}" in second
    r = _bash("gutskin export diary | cut -d, -f1 | sort | uniq -c", tmp_path, env)
    counts = [int(line.split()[0]) for line in r.stdout.splitlines() if not line.strip().endswith("patient")]
    assert len(counts) == 4 and all(c <= 150 for c in counts), r.stdout  # 150 days each at most, not twice
    assert db.stat().st_size < 2 * size


def test_the_instruments_examples_print_what_the_docs_show(tmp_path: Path) -> None:
    """docs/instruments.md's `$ echo … | gutskin score …` lines: the JSON fields they show, and the
    error line with its exit status."""
    block = (ROOT / "docs/instruments.md").read_text(encoding="utf-8").split("Example:", 1)[1].split("```")[1]
    lines = block.strip("\n").splitlines()
    pairs = [(lines[i][2:], lines[i + 1]) for i in range(len(lines)) if lines[i].startswith("$ ")]
    assert len(pairs) >= 2
    env = _env(tmp_path / "home", _sqlite_db(tmp_path, "g.db"))
    for command, shown in pairs:
        r = _bash(command, tmp_path, env)
        exit_note = re.search(r"\(exit (\d+)\)\s*$", shown)
        if exit_note:
            assert r.returncode == int(exit_note.group(1)), (command, r.stderr)
            assert r.stderr.strip() == shown[: exit_note.start()].strip(), command
        else:
            assert r.returncode == 0, (command, r.stderr)
            expected = json.loads(shown.replace(", ...}", "}"))
            got = json.loads(r.stdout)
            assert {k: got[k] for k in expected} == expected, command


def test_the_documented_json_fields_are_the_printed_ones(tmp_path: Path) -> None:
    """The key lists docs/insights.md, docs/challenges.md and docs/interop.md show for
    `triggers --json`, `forecast --json`, `challenge evaluate --json` and `import fhir`."""
    insights = (ROOT / "docs/insights.md").read_text(encoding="utf-8")
    challenges = (ROOT / "docs/challenges.md").read_text(encoding="utf-8")
    interop = (ROOT / "docs/interop.md").read_text(encoding="utf-8")

    def keys(fragment: str) -> set[str]:
        return set(re.findall(r'"(\w+)"', fragment))

    trigger_keys = keys(re.search(r"gutskin triggers DIARY\.csv --json\s+#\s*(\[.*\])", insights).group(1))
    forecast_keys = keys(re.search(r"gutskin forecast DIARY\.csv --horizon 7 --json\s+#\s*(\{.*\})", insights).group(1))
    challenge_json = json.loads(challenges.split("gutskin challenge evaluate DIARY.csv", 1)[1].splitlines()[1])
    fhir_keys = keys(re.search(r"`gutskin import fhir FILE[^|]*\|[^|]*\|[^|]*prints `(\{[^`]*\})`", interop).group(1))

    env = _env(tmp_path / "home", _sqlite_db(tmp_path, "g.db"))
    cohort = _bash("gutskin simulate cohort --patients 1 --days 60 --out coh --seed 3", tmp_path, env)
    assert cohort.returncode == 0, cohort.stderr
    diary = tmp_path / "coh" / "diary.csv"
    patient = diary.read_text().splitlines()[1].split(",")[0]

    r = _bash(f"gutskin triggers {diary} --json", tmp_path, env)
    assert r.returncode == 0, r.stderr
    assert {frozenset(rec) for rec in json.loads(r.stdout)} == {frozenset(trigger_keys)}

    r = _bash(f"gutskin forecast {diary} --horizon 7 --json", tmp_path, env)
    assert r.returncode == 0, r.stderr
    days = json.loads(r.stdout)[patient]
    assert len(days) == 7 and all(set(day) == forecast_keys and len(day["probabilities"]) == 11 for day in days)

    r = _bash(f"gutskin challenge evaluate {diary} --patient {patient} --food food.egg --start 2025-02-10 --json",
              tmp_path, env)
    assert r.returncode == 0, r.stderr
    assert set(json.loads(r.stdout)) == set(challenge_json)

    r = _bash(f"gutskin import diary {diary} && gutskin export fhir --patient {patient} --out b.json && "
              "gutskin import fhir b.json --patient copy-1", tmp_path, env)
    assert r.returncode == 0, r.stderr
    assert set(json.loads(r.stdout)) == fhir_keys


def test_a_header_only_diary_prints_what_insights_md_says(tmp_path: Path) -> None:
    text = " ".join((ROOT / "docs/insights.md").read_text(encoding="utf-8").split())
    said = re.search(r'the text output of `triggers` and `forecast` says "([^"]+)", that of `evaluate forecast` "([^"]+)"',
                     text)
    assert said, "docs/insights.md no longer says what a header-only diary prints"
    diary = tmp_path / "header.csv"
    diary.write_text((ROOT / "docs/examples/diary.csv").read_text().splitlines()[0] + "\n")
    env = _env(tmp_path / "home", _sqlite_db(tmp_path, "g.db"))
    for command, expected in [("triggers", said.group(1)), ("forecast", said.group(1)),
                              ("evaluate forecast", said.group(2))]:
        r = _bash(f"gutskin {command} header.csv", tmp_path, env)
        assert (r.returncode, r.stdout.strip()) == (0, expected.replace("FILE", "header.csv")), (command, r.stderr)
    for command, expected in [("triggers", "[]"), ("forecast", "{}")]:
        r = _bash(f"gutskin {command} header.csv --json", tmp_path, env)
        assert (r.returncode, r.stdout.strip()) == (0, expected), (command, r.stderr)


def test_the_default_database_is_where_readme_says(tmp_path: Path) -> None:
    """README: without GUTSKIN_DATABASE_URL the data stays in `~/.local/share/gutskin/gutskin.db`
    (printed at start), a new SQLite file readable by its owner only."""
    shown = re.search(r"by default `(~/[^`]+/gutskin\.db)`", " ".join(README.split())).group(1)
    home = tmp_path / "home"
    env = _env(home, "unused")
    del env["GUTSKIN_DATABASE_URL"]
    r = _bash("gutskin db upgrade", tmp_path, env)
    assert r.returncode == 0, r.stderr
    db = home / shown.removeprefix("~/")
    assert r.stderr.splitlines()[0] == f"database: {db}"
    assert db.stat().st_mode & 0o777 == 0o600


def _python_blocks() -> list[tuple[str, str]]:
    blocks = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for number, block in enumerate(re.findall(r"^```python\n(.*?)^```", path.read_text(encoding="utf-8"),
                                                  re.M | re.S)):
            blocks.append((f"{path.name}#{number + 1}", block))
    return blocks


@pytest.mark.parametrize(("where", "code"), _python_blocks(), ids=[w for w, _ in _python_blocks()])
def test_the_python_examples_run_as_written(where: str, code: str, tmp_path: Path) -> None:
    """Each ```python block of the docs, pasted into a fresh interpreter (docs/axis.md's used
    `datetime` without importing it: NameError)."""
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                       env=_env(tmp_path / "home", _sqlite_db(tmp_path, "g.db")), stdin=subprocess.DEVNULL)
    assert r.returncode == 0, f"{where}:\n{r.stderr}"


def test_db_downgrade_says_where_it_left_the_database(db_url: str, tmp_path: Path) -> None:
    """README: `gutskin db downgrade REV  # e.g. -1 ...; prints the revision reached`. It printed
    nothing (walk of 2026-12-07): `db upgrade` names the database and its revision, a downgrade
    left the operator to guess which database went back and how far. SQLite and PostgreSQL."""
    from gutskin.commands._common import database_label
    from gutskin.store.migrate import current_revision, head_revision, upgrade

    line = next(ln for ln in _fenced_block_after(README, "## Command line") if ln.startswith("gutskin db downgrade"))
    example = re.search(r"e\.g\. (-\d+)", line).group(1)
    assert "prints the revision reached" in line, line
    head = head_revision()
    env = _env(tmp_path / "home", db_url)
    try:
        r = _bash(f"gutskin db downgrade {example}", tmp_path, env)
        assert r.returncode == 0, r.stderr
        reached = f"{int(head) + int(example):04d}"
        assert current_revision(db_url) == reached
        assert r.stderr.splitlines() == [f"database: {database_label(db_url)}", f"at revision {reached}"], r.stderr
        assert _bash("gutskin db current", tmp_path, env).stdout.strip() == reached
    finally:
        upgrade(db_url)
    assert current_revision(db_url) == head


def test_the_readme_fhir_validate_figures_are_the_bench_s(tmp_path: Path) -> None:
    """README's bench table gave `fhir_validate` a bundle of "2,664 entries, 22 shapes"; since the
    bundle carries stool samples (60a1ff8) the bench's 1-year record has 2,709 entries and 35
    shapes (walk of 2026-12-07). The counts do not depend on the machine: the row must give the
    ones `--quick` prints."""
    r = subprocess.run([sys.executable, "-m", "bench.fhir_validate", "--quick", "--repeat", "1"], cwd=ROOT,
                       capture_output=True, text=True, timeout=300, env=_env(tmp_path / "home", "unused"),
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    printed = re.search(r"bundle of a 365-day diary with (\d+) stool samples: ([\d,]+) entries, (\d+) shapes", r.stdout)
    assert printed, r.stdout
    row = next(ln for ln in README.split("## Benchmarks", 1)[1].splitlines() if ln.startswith("| `fhir_validate`"))
    first = re.search(r"\(([\d,]+) entries, (\d+) shapes\)", row)
    assert first and first.groups() == printed.groups()[1:], (row, r.stdout)
    assert "1-year diary with a stool sample every 90 days" in row, row


@pytest.mark.parametrize("command", ["microbiome report {f} --age-group adult", "microbiome diversity {f} --json",
                                     "microbiome cohort {f} --outcome itch"])
def test_the_example_diary_given_to_a_microbiome_command_says_what_it_is(command: str, tmp_path: Path) -> None:
    """README names two example files; a newcomer who gives docs/examples/diary.csv to a microbiome
    command (the stool file's neighbour) read "lines 2, 3, 4, column 1: duplicate sample ID 'p01'"
    (walk of 2026-12-07). The other way round already said what to do; now both do, in one line."""
    diary = ROOT / "docs/examples/diary.csv"
    r = _bash("gutskin " + command.format(f=diary), tmp_path, _env(tmp_path / "home", _sqlite_db(tmp_path, "g.db")))
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1, r.stderr
    assert r.stderr.startswith(f"error: {diary}: line 1: a gutskin diary CSV"), r.stderr
    assert "gutskin import diary" in r.stderr and "duplicate sample" not in r.stderr, r.stderr
    stool = _bash(f"gutskin import diary {ROOT / 'docs/examples/stool-genus.csv'}", tmp_path,
                  _env(tmp_path / "home", _sqlite_db(tmp_path, "g.db")))
    assert stool.returncode == 2 and "gutskin microbiome report" in stool.stderr, stool.stderr


@pytest.mark.parametrize("args", ["", "db", "microbiome", "simulate"])
def test_a_bare_command_shows_its_help_once(args: str, tmp_path: Path) -> None:
    """README's Command line section: type `.venv/bin/gutskin …`. Typed alone, `gutskin` (or a bare
    group, `gutskin db`) printed its whole help twice, one copy under the other (walk of 2026-12-07:
    Typer's exception had already printed it when main() asked for it again). Once, exit 2."""
    r = _bash(f"gutskin {args}", tmp_path, _env(tmp_path / "home", _sqlite_db(tmp_path, "g.db")))
    out = r.stdout + r.stderr
    assert r.returncode == 2, out
    assert out.count("Usage: gutskin") == 1 and out.count("Commands") == 1, out
    assert f"Usage: gutskin {args}".rstrip() + " [OPTIONS] COMMAND" in " ".join(out.split()), out
