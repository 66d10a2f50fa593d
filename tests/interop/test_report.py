"""Visit report PDF (issue 8): rendered for real, text and page count checked, a page rasterized."""

from __future__ import annotations

import datetime as dt
import io
import json

import numpy as np
import pytest

from tests.interop.test_fhir import add_challenge

TODAY = dt.date.today()


def _pdf_text(pdf: bytes) -> tuple[int, str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(p.extract_text() for p in reader.pages)


def _ink(pdf: bytes, page: int = 0) -> float:
    """Share of non-white pixels of a page rendered at 50 dpi (pypdfium2, no poppler needed)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    img = doc[page].render(scale=50 / 72, grayscale=True).to_pil()
    a = np.asarray(img.convert("L"), dtype=float)
    doc.close()
    return float((a < 200).mean())


def _seed_full(engine, people, days: int = 84) -> None:  # type: ignore[no-untyped-def]
    """A realistic 12-week diary: itch follows dairy with a lag of one day, weekly POEM and RECAP, a topical steroid."""
    from gutskin.clinic import appointments, diary, questionnaires
    from gutskin.store.db import transaction
    from gutskin.store.models import MicrobiomeSample

    rng = np.random.default_rng(8)
    dairy = rng.random(days) < 0.4
    itch = np.clip(np.round(3 + 3 * np.roll(dairy, 1) + rng.normal(0, 1, days)), 0, 10).astype(int)
    with transaction(engine) as s:
        pid = people.owner_pid
        for k in range(days):
            if k % 9 == 4:
                continue  # a few missing days
            day = TODAY - dt.timedelta(days=days - 1 - k)
            f = {"food.dairy": int(dairy[k]), "env.pollen": float(rng.integers(0, 60))}
            if itch[k] >= 6:
                f["treat.tcs"] = 1
            diary.put_day(s, people.owner, pid, day, diary.DayInput(itch=int(itch[k]), sleep_loss=int(max(itch[k] - 2, 0)),
                                                                     flare=bool(itch[k] >= 7), factors=f))
        for w in range(days // 7):
            day = TODAY - dt.timedelta(days=days - 1 - 7 * w)
            a = [int(x) for x in np.clip(rng.integers(0, 5, 7), 0, 4)]
            questionnaires.submit(s, people.owner, pid, "poem", {"answers": a}, day)
            questionnaires.submit(s, people.owner, pid, "recap", {"answers": [max(x - 1, 0) for x in a]}, day)
        appointments.request_appointment(s, people.owner, pid, "flare", "soon")
        add_challenge(s, pid, "food.egg", "confirmed", "reaction_likely", people.clinician.user_id)
        add_challenge(s, pid, "food.wheat", None, "inconclusive", people.clinician.user_id)
        s.add(MicrobiomeSample(patient_id=pid, sample_id="S1", collected_on=TODAY - dt.timedelta(days=30), method="16S",
                               source_format="tsv", profile={"features": {"Bacteroides": 40, "Faecalibacterium": 30,
                                                                          "Bifidobacterium": 20, "Escherichia": 10}},
                               diversity={"shannon": 1.28, "observed": 4}))


def _report(engine, actor, pid, weeks=12, wait=120.0):  # type: ignore[no-untyped-def]
    from gutskin.clinic import reports
    from gutskin.store.db import transaction

    with transaction(engine) as s:
        data = reports.report_data(s, actor, pid, weeks)
    data = reports.settle_insights(data, wait)
    return data, reports.render_pdf(data)


@pytest.fixture
def sqlite_engine(sqlite_url):  # type: ignore[no-untyped-def]
    from gutskin.store.db import get_engine

    return get_engine(sqlite_url)


def test_full_report_two_pages_text_and_ink(sqlite_engine) -> None:
    from tests.conftest import People

    people = People(sqlite_engine)
    _seed_full(sqlite_engine, people)
    data, pdf = _report(sqlite_engine, people.clinician, people.owner_pid)
    assert pdf.startswith(b"%PDF")
    pages, text = _pdf_text(pdf)
    assert 1 <= pages <= 2
    flat = " ".join(text.split())
    for words in ("Visit report", "Data completeness", "Itch and sleep loss", "POEM and RECAP", "Latest scores",
                  "Topical steroid", "Food challenges", "Egg", "reaction likely", "confirmed", "inconclusive", "Gut microbiome", "Bacteroides", "7-day itch forecast", "Dairy",
                  "Sleep loss, next 7 nights: chance of at least one bad night"):
        assert words in flat, words
    assert data["insights"]["status"] == "ready"
    # the dairy trigger planted in the diary is named with its evidence
    assert any(t["factor"] == "food.dairy" for t in data["insights"]["triggers"]["triggers"])
    logged = data["completeness"]["logged_days"]
    assert f"{logged} of 84" in flat
    # charts are vector: the PDF has no raster image of a chart
    assert b"/Subtype /Image" not in pdf and b"/Subtype/Image" not in pdf
    assert _ink(pdf, 0) > 0.02
    if pages == 2:
        assert _ink(pdf, 1) > 0.002


def test_diary_poem_scores_count_as_scores_in_the_report(engine, people) -> None:
    """POEM totals imported with the diary were plotted, while the same page said "0
    questionnaire(s)" and "No questionnaire answered yet"."""
    from gutskin.clinic import diary
    from gutskin.store.db import transaction

    with transaction(engine) as s:
        for k, total in enumerate((18, 12, 9)):
            diary.put_day(s, people.owner, people.owner_pid, TODAY - dt.timedelta(days=14 - 7 * k),
                          diary.DayInput(itch=4, poem=total))
    data, pdf = _report(engine, people.owner, people.owner_pid, weeks=4, wait=0)
    assert data["completeness"]["questionnaires"] == 3
    assert data["latest_scores"]["poem"]["total"] == 9.0 and data["latest_scores"]["poem"]["band"] == "moderate"
    flat = " ".join(_pdf_text(pdf)[1].split())
    assert "No questionnaire answered yet" not in flat and "3 scores" in flat
    assert "may not be causal" in flat or data["insights"]["status"] != "ready"


def test_empty_patient_gets_a_valid_report_that_says_so(engine, people) -> None:
    data, pdf = _report(engine, people.owner, people.owner_pid, weeks=4)
    pages, text = _pdf_text(pdf)
    assert pages == 1
    flat = " ".join(text.split())
    assert "No data yet" in flat and "has not logged any diary day" in flat
    assert _ink(pdf, 0) > 0.002


def test_report_access_and_audit(engine, people) -> None:
    from sqlalchemy import select

    from gutskin.clinic.errors import InvalidInput, NotFound
    from gutskin.store.db import transaction
    from gutskin.store.models import AuditEvent

    for actor in (people.stranger, people.unlinked, people.admin):
        with pytest.raises(NotFound):
            _report(engine, actor, people.owner_pid)
    with pytest.raises(InvalidInput):
        _report(engine, people.owner, people.owner_pid, weeks=0)
    _report(engine, people.clinician, people.owner_pid, weeks=4)
    with transaction(engine) as s:
        rows = s.execute(select(AuditEvent.actor_user_id).where(AuditEvent.object_type == "visit_report")).scalars().all()
    assert rows == [people.clinician.user_id]


def test_api_report_and_page_button(client, people) -> None:
    from tests.conftest import bearer

    owner = bearer(client, "owner@example.org")
    client.put(f"/api/v1/me/diary/{TODAY.isoformat()}", json={"itch": 6, "sleep_loss": 2, "flare": True}, headers=owner)
    pid = people.owner_pid
    for email, status in [("owner@example.org", 200), ("linked@clinic.example.org", 200),
                          ("stranger@example.org", 404), ("unlinked@clinic.example.org", 404)]:
        r = client.get(f"/api/v1/patients/{pid}/report.pdf", params={"weeks": 4}, headers=bearer(client, email))
        assert r.status_code == status, (email, r.text[:200])
        if status == 200:
            assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
            assert _pdf_text(r.content)[0] <= 2
    assert client.get(f"/api/v1/patients/{pid}/report.pdf").status_code == 401
    # the clinician's page offers the download; the page route serves it with the session cookie
    login = client.post("/login", data={"email": "linked@clinic.example.org", "password": people.password,
                                        "csrf_token": _login_csrf(client)}, follow_redirects=False)
    assert login.status_code in (302, 303), login.text[:300]
    page = client.get(f"/clinic/patients/{pid}")
    assert page.status_code == 200 and f"/clinic/patients/{pid}/report.pdf" in page.text
    got = client.get(f"/clinic/patients/{pid}/report.pdf?weeks=4")
    assert got.status_code == 200 and got.content.startswith(b"%PDF")
    assert client.get(f"/clinic/patients/{people.stranger_pid}/report.pdf").status_code == 404


def _login_csrf(client) -> str:  # type: ignore[no-untyped-def]
    import re

    html = client.get("/login").text
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return m.group(1) if m else ""


def test_cli_report_export_import(sqlite_url, tmp_path, monkeypatch) -> None:
    """The three commands end to end on a file database, through the Typer app."""
    from typer.testing import CliRunner

    from gutskin.cli import app
    from gutskin.store.db import get_engine
    from tests.conftest import People

    monkeypatch.setenv("GUTSKIN_DATABASE_URL", sqlite_url)
    from gutskin.settings import get_settings

    if hasattr(get_settings, "cache_clear"):
        get_settings.cache_clear()
    engine = get_engine(sqlite_url)
    people = People(engine)
    _seed_full(engine, people, days=28)
    from gutskin.store.db import transaction
    from gutskin.store.models import Patient

    with transaction(engine) as s:
        ext = s.get(Patient, people.owner_pid).external_id
    runner = CliRunner()
    out = tmp_path / "r.pdf"
    r = runner.invoke(app, ["report", "--patient", ext, "--weeks", "4", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert _pdf_text(out.read_bytes())[0] <= 2
    bundle = tmp_path / "b.json"
    r = runner.invoke(app, ["export", "fhir", "--patient", str(people.owner_pid), "--out", str(bundle)])
    assert r.exit_code == 0, r.output
    assert json.loads(bundle.read_text())["resourceType"] == "Bundle"
    r = runner.invoke(app, ["import", "fhir", str(bundle), "--patient", "p-copy"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert summary["created"] and summary["questionnaires"] == 8
    bad = json.loads(bundle.read_text())
    k = next(i for i, e in enumerate(bad["entry"]) if e["resource"]["resourceType"] == "Observation")
    bad["entry"][k]["resource"]["status"] = "preliminary"
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    r = runner.invoke(app, ["import", "fhir", str(tmp_path / "bad.json"), "--patient", "p-copy2"])
    assert r.exit_code == 2 and f"entry[{k}] Observation/" in r.output and "status" in r.output
    r = runner.invoke(app, ["report", "--patient", "p-nobody", "--out", str(out)])
    assert r.exit_code == 2 and "no patient" in r.output


def test_crowded_report_still_fits_two_pages() -> None:
    """Many triggers, challenges and a long period: the compact layout keeps every section within two pages."""
    from gutskin.interop.report import render_pdf

    end = TODAY
    start = end - dt.timedelta(days=52 * 7 - 1)
    dates = [start + dt.timedelta(days=i) for i in range(52 * 7)]
    rng = np.random.default_rng(3)
    itch = [int(x) for x in rng.integers(0, 11, len(dates))]
    trig = [{"factor": f"food.f{i}", "label": f"Food number {i}", "verdict": "likely_trigger", "effect": 1.5,
             "lag_days": 1, "probability": 0.95, "exposed_days": 40, "unexposed_days": 300,
             "sentence": "A long plain-language sentence explaining the evidence for this factor in some detail."}
            for i in range(15)]
    days = [{"date": (end + dt.timedelta(days=k + 1)).isoformat(), "median": 5, "bands": {"50": [4, 6], "80": [2, 8]},
             "p_severe": 0.2} for k in range(7)]
    data = {
        "patient": {"name": "Crowded", "external_id": "p-crowded", "birth_year": 1980},
        "weeks": 52, "start": start, "end": end, "generated_on": end,
        "series": {"dates": [d.isoformat() for d in dates], "itch": itch, "sleep_loss": itch[::-1],
                   "flare": [x >= 8 for x in itch]},
        "trend": [{"instrument": i, "answered_on": start + dt.timedelta(days=7 * w), "total": float((w * 3) % 29), "band": "x"}
                  for w in range(52) for i in ("poem", "recap")],
        "latest_scores": {i: {"answered_on": end, "total": 10.0, "band": "moderate"} for i in ("poem", "recap", "adct", "dlqi")},
        "treatments": [{"name": f"treat.t{i}", "label": f"Treatment {i}", "days_used": 30, "last_used": end, "active": True}
                       for i in range(5)],
        "challenges": [{"food": f"food.x{i}", "food_label": f"Food {i}", "kind": "home", "status": "evaluated",
                        "verdict": "inconclusive", "outcome": None, "summary": "diary verdict: inconclusive (50 %)",
                        "finished_on": end} for i in range(10)],
        "microbiome": {"sample_id": "S", "collected_on": end, "method": "16S", "diversity": {"shannon": 3.1},
                       "statement": "Shannon diversity at the 40th percentile of the adult reference.",
                       "top_taxa": [("Bacteroides", 0.3)], "linked_taxa": ["Bifidobacterium: found"]},
        "completeness": {"days_in_window": len(dates), "logged_days": len(dates), "percent_logged": 100.0,
                         "itch_days": len(dates), "sleep_days": len(dates), "flare_days": 30, "questionnaires": 104,
                         "last_entry": end, "logged_days_total": len(dates)},
        "insights": {"status": "ready", "triggers": {"triggers": trig, "protective": trig[:5], "no_evidence": [],
                                                     "not_enough_data": []},
                     "forecast": {"days": days, "flare_risk": 0.5, "flare_threshold": 7, "origin": end.isoformat(),
                                  "n_observed": 300}},
    }
    pdf = render_pdf(data)
    pages, text = _pdf_text(pdf)
    flat = " ".join(text.split())
    assert pages <= 2
    for words in ("Food challenges", "Gut microbiome", "7-day itch forecast", "Food number 0", "Treatment 4"):
        assert words in flat, words


def test_the_pdf_renderer_loads_data_urls_only(tmp_path) -> None:
    """Defence in depth: were an URL ever to slip into the report's HTML, rendering would not
    read a server file or make a request; the report's own charts (data: URLs) still load."""
    import base64
    import http.server
    import threading

    from gutskin.interop.report import render_html_pdf

    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    secret = tmp_path / "secret.css"
    secret.write_text("body { background: red }")
    svg = base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">'
                           b'<rect width="40" height="40" fill="#123456"/></svg>').decode()
    html = (f'<html><head><link rel="stylesheet" href="http://127.0.0.1:{server.server_port}/x.css">'
            f'<link rel="stylesheet" href="file://{secret}"></head><body>'
            f'<img src="http://127.0.0.1:{server.server_port}/x.png"><img src="data:image/svg+xml;base64,{svg}"></body></html>')
    try:
        doc = render_html_pdf(html)
    finally:
        server.shutdown()
    assert hits == []  # no request left the renderer
    assert _drawn_colours(doc.write_pdf()) >= {"0.0706 0.2039 0.3373"}  # the data: image's #123456 square is drawn


def _drawn_colours(pdf: bytes) -> set[str]:
    """Fill colours (``r g b rg``, 4 decimals) set in the PDF's content streams."""
    import re
    import zlib

    colours = set()
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, flags=re.S):
        try:
            text = zlib.decompress(stream).decode("latin-1")
        except zlib.error:
            continue
        for r, g, b in re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) rg", text):
            colours.add(" ".join(f"{float(x):.4f}" for x in (r, g, b)))
    return colours
