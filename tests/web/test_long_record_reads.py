"""Pages on a long record read what they show, not the whole record (bench/pages_long_record.py).

Counted, not timed: SQL statements per request (an ``before_cursor_execute`` listener on the
engine) and the diary rows a request's SELECTs returned (each SELECT of ``diary_days`` or
``factor_values`` counted again as ``SELECT count(*) FROM (<it>)`` on the same connection, the
bench's :func:`bench.pages_long_record.diary_rows_of`). Both databases (the ``db_url`` fixture). An insights job a page queues reads on its worker
thread, off the request path, a bounded window of its own (docs/insights.md): not counted.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid

from sqlalchemy import delete, event

from bench.pages_long_record import diary_rows_of
from gutskin.clinic import challenges as uc
from gutskin.clinic.diary import factor_ids
from gutskin.store.bulk import insert_diary_days, insert_factor_values
from gutskin.store.db import transaction
from gutskin.store.models import DiaryDay, FactorValue, Patient, utcnow

TODAY = dt.date.today()
FOODS = ("food.egg", "food.dairy", "food.wheat", "food.soy", "food.peanut", "food.fish", "food.sesame", "food.nuts")


def _login(client, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post("/login", data={"email": email, "password": password, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text


class Counter:
    """Statements and diary rows of the requests made while it listens."""

    def __init__(self, engine) -> None:  # type: ignore[no-untyped-def]
        self.engine, self.statements, self.rows = engine, 0, 0

    def _before(self, *_a) -> None:  # type: ignore[no-untyped-def]
        self.statements += 1

    def _after(self, conn, cursor, statement, params, context, executemany) -> None:  # type: ignore[no-untyped-def]
        # the request's reads: not those of an insights job it queued (a worker thread, off the
        # request path, reading the last GUTSKIN_INSIGHTS_MAX_DAYS days by design: docs/insights.md)
        if not threading.current_thread().name.startswith("gutskin-insights"):
            self.rows += diary_rows_of(conn, statement, params, executemany)

    def get(self, client, path: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
        self.statements = self.rows = 0
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        try:
            r = client.get(path)
        finally:
            event.remove(self.engine, "before_cursor_execute", self._before)
            event.remove(self.engine, "after_cursor_execute", self._after)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
        return self.statements, self.rows


def _plan(engine, people, foods) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        for food in foods:  # one food's reintroduction at a time: each plan starts 3 days after the one before
            uc.create_plan(s, people.clinician, people.owner_pid, uc.PlanInput(
                food=food, released_for_home=True, start=TODAY + dt.timedelta(days=3 + 3 * FOODS.index(food)),
                doses=[uc.DoseStep(0, "a quarter portion")]))


def test_clinic_challenge_list_reads_the_patient_once(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    """The clinician's list of a patient's challenges: as many statements for 8 challenges as for 2
    (it read the patient again for each challenge: 6 statements more)."""
    _login(client, "linked@clinic.example.org", people.password)
    count = Counter(engine)
    path = f"/clinic/patients/{people.owner_pid}/challenges"
    _plan(engine, people, FOODS[:2])
    two, _ = count.get(client, path)
    _plan(engine, people, FOODS[2:])
    eight, _ = count.get(client, path)
    page = client.get(path).text
    assert all(f"{f.split('.')[1]}" in page.lower() for f in FOODS)  # the 8 are listed
    assert eight == two, f"{two} statements with 2 challenges, {eight} with 8"


def _diary(engine, pid: int, first: dt.date, last: dt.date) -> None:  # type: ignore[no-untyped-def]
    """One row a day from ``first`` to ``last`` with itch and three factors, bulk-loaded."""
    now = utcnow()
    with transaction(engine) as s:
        fid = factor_ids(s, ("food.egg", "env.pollen", "life.stress"))
        days = [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
        insert_diary_days(s, [(pid, d, (d.toordinal() % 9), 1, None, None, 0, None, now) for d in days])
        insert_factor_values(s, [(pid, d, f, float(d.toordinal() % 3)) for d in days for f in fid.values()])


WINDOWED = {  # who, path, the oldest day the page shows or needs (its window)
    "patient /today": ("owner", "/today", 61),
    "patient /trends?weeks=4": ("owner", "/trends?weeks=4", 28),
    "patient /trends": ("owner", "/trends", 84),
    "patient /trends?weeks=52": ("owner", "/trends?weeks=52", 364),
    "clinician /clinic/patients/{id}": ("clinician", "/clinic/patients/{pid}", 84),
    "clinician /clinic/patients/{id}?weeks=52": ("clinician", "/clinic/patients/{pid}?weeks=52", 364),
    "clinician report.pdf": ("clinician", "/clinic/patients/{pid}/report.pdf", 84),
}


def test_windowed_pages_read_only_their_window(settings, engine, people) -> None:  # type: ignore[no-untyped-def]
    """A guard (held on the code it was written on): each page showing a window reads as many diary
    rows on a 3-year record as on the same record cut to the window plus a margin, and fewer than
    the whole record holds."""
    from fastapi.testclient import TestClient

    from gutskin.web import create_app

    _diary(engine, people.owner_pid, TODAY - dt.timedelta(days=3 * 365), TODAY)
    count = Counter(engine)
    with TestClient(create_app(settings)) as owner, TestClient(create_app(settings)) as clinician:
        _login(owner, "owner@example.org", people.password)
        _login(clinician, "linked@clinic.example.org", people.password)
        who = {"owner": owner, "clinician": clinician}
        long = {k: count.get(who[w], p.format(pid=people.owner_pid))[1] for k, (w, p, _) in WINDOWED.items()}
        with transaction(engine) as s:  # the same record without its first two years
            cut = TODAY - dt.timedelta(days=400)
            s.execute(delete(FactorValue).where(FactorValue.patient_id == people.owner_pid, FactorValue.day < cut))
            s.execute(delete(DiaryDay).where(DiaryDay.patient_id == people.owner_pid, DiaryDay.day < cut))
        short = {k: count.get(who[w], p.format(pid=people.owner_pid))[1] for k, (w, p, _) in WINDOWED.items()}
    whole = (3 * 365 + 1) * 4
    for k, (_, _, window) in WINDOWED.items():
        assert long[k] == short[k], f"{k}: {long[k]} diary rows on 3 years, {short[k]} on 400 days"
        assert long[k] < whole / 2, f"{k}: {long[k]} diary rows read for a {window}-day window"


def test_a_second_fhir_download_validates_only_new_kinds_of_entries(client, engine, people, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The FHIR download of a long record validated every kind of entry with the R4B models on each
    download (each factor's Observation a kind: ~340 on 5 years x 30 factors, ~1.5 s of 3.6-5 s).
    The kinds accepted once are not validated again; a new kind (a factor not logged before) is."""
    from fhir.resources.R4B.bundle import Bundle

    validated: list[str] = []  # resource types of the entries given to the R4B models

    def counting(obj, *a, **k):  # type: ignore[no-untyped-def]
        validated.extend(e["resource"]["resourceType"] for e in obj.get("entry") or [])
        return original(obj, *a, **k)

    original = Bundle.model_validate
    monkeypatch.setattr(Bundle, "model_validate", staticmethod(counting))
    _diary(engine, people.owner_pid, TODAY - dt.timedelta(days=59), TODAY)
    with transaction(engine) as s:  # a new custom factor's own name travels with the identity shared only (a
        # pseudonymized bundle numbers them, "food.custom_1", a kind seen before in this process; 2026-12-06)
        s.get(Patient, people.owner_pid).share_identity = True
    _login(client, "linked@clinic.example.org", people.password)
    path = f"/clinic/patients/{people.owner_pid}/fhir.json"

    def download() -> tuple[list[str], int]:
        validated.clear()
        r = client.get(path)
        assert r.status_code == 200, r.text[:300]
        # the Provenance names the download's instant (to the second): a shape of its own each second
        return [t for t in validated if t != "Provenance"], len(r.json()["entry"])

    download()
    again, entries = download()
    assert entries > 60 * 4, entries
    assert again == [], f"the second download validated {len(again)} of {entries} entries again: {again}"
    with transaction(engine) as s:  # a factor never logged before (in this process too): a new kind of Observation
        (kiwi,) = factor_ids(s, (f"food.kiwi_{uuid.uuid4().hex[:8]}",)).values()
        insert_factor_values(s, [(people.owner_pid, TODAY, kiwi, 1.0)])
    new, more = download()
    assert more == entries + 1 and new == ["Observation"], (new, more, entries)


def test_trends_and_clinic_page_read_the_newest_sample_only(settings, engine, people) -> None:  # type: ignore[no-untyped-def]
    """The line about the newest stool test next to the charts (patient's trends, clinician's patient
    page) read every sample with its taxonomic profile: 4 samples, 4 rows and 4 profiles. Now
    the trends read one row, the clinician's page (which lists every sample) one row per sample, and
    neither reads a profile; both still name the newest sample."""
    import numpy as np
    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from bench.pages_long_record import _sample_tsv
    from gutskin.clinic.actors import SYSTEM
    from gutskin.clinic.microbiome import upload_sample
    from gutskin.store.models import MicrobiomeSample
    from gutskin.web import create_app

    rng = np.random.default_rng(3)
    with transaction(engine) as s:
        for j in range(4):
            upload_sample(s, SYSTEM, people.owner_pid, f"s{j}.tsv", _sample_tsv(rng, f"S{j}"), sample_id=f"S{j}",
                          collected_on=TODAY - dt.timedelta(days=40 - 10 * j))
        newest = s.scalar(select(MicrobiomeSample.id).where(MicrobiomeSample.patient_id == people.owner_pid)
                          .order_by(MicrobiomeSample.id.desc()).limit(1))
    seen: list[tuple[int, bool]] = []  # (rows, profile column selected) of each SELECT of the samples

    def after(conn, cursor, statement, params, context, executemany) -> None:  # type: ignore[no-untyped-def]
        st = statement.lower()
        if st.lstrip().startswith("select") and "from microbiome_samples" in st:
            cur = conn.connection.driver_connection.cursor()
            cur.execute(f"SELECT count(*) FROM ({statement}) AS counted", params)
            seen.append((int(cur.fetchone()[0]), "microbiome_samples.profile" in st))
            cur.close()

    with TestClient(create_app(settings)) as owner, TestClient(create_app(settings)) as clinician:
        _login(owner, "owner@example.org", people.password)
        _login(clinician, "linked@clinic.example.org", people.password)
        for client, path, link in ((owner, "/trends", f"/microbiome/{newest}"),
                                   (clinician, f"/clinic/patients/{people.owner_pid}",
                                    f"/clinic/patients/{people.owner_pid}/microbiome/{newest}")):
            seen.clear()
            event.listen(engine, "after_cursor_execute", after)
            try:
                r = client.get(path)
            finally:
                event.remove(engine, "after_cursor_execute", after)
            assert r.status_code == 200 and link in r.text, (path, r.status_code)
            # the clinician's page lists every sample since 2026-12-06 (the microbiome walk: a timeline
            # with what may not be compared across samples), one small row each, never a profile
            # the trends read the day keys (id, collected_on, created_at) of every sample to pick the latest
            # by collection day, else upload day (5a5604c: no portable SQL orders by the upload's day on the
            # patient's clock), then that one sample's row: 4 + 1 small rows, still never a profile
            rows = 4 + 1 if path == "/trends" else 4
            assert sum(n for n, _ in seen) == rows, f"{path}: {seen} (rows, profile read) of the samples"
            assert not any(p for _, p in seen), f"{path}: the taxonomic profiles were read"


def test_report_and_clinic_page_read_the_answers_they_show(settings, engine, people) -> None:  # type: ignore[no-untyped-def]
    """Two years of weekly POEM (105 answers) and a DLQI long ago: the 12-week visit report reads the
    period's answers and the newest of each instrument, the clinician's page the newest 10 (and a
    count); they read every answer of the record. What they show is unchanged: the report's latest
    DLQI is the old one, the page says "The latest 10 of 106"."""
    from fastapi.testclient import TestClient
    from sqlalchemy import insert

    from gutskin.clinic import reports
    from gutskin.store.models import QuestionnaireResponse
    from gutskin.web import create_app

    now = utcnow()
    rows = [{"patient_id": people.owner_pid, "instrument": "poem", "version": "POEM", "answers": {"answers": [1] * 7},
             "answered_on": TODAY - dt.timedelta(days=7 * k), "total": float(k % 28), "band": "mild", "created_at": now}
            for k in range(105)]
    rows.append({"patient_id": people.owner_pid, "instrument": "dlqi", "version": "DLQI", "answers": {"answers": [1] * 10},
                 "answered_on": TODAY - dt.timedelta(days=500), "total": 10.0, "band": "moderate", "created_at": now})
    with transaction(engine) as s:
        s.execute(insert(QuestionnaireResponse), rows)
    read: list[int] = []

    def after(conn, cursor, statement, params, context, executemany) -> None:  # type: ignore[no-untyped-def]
        st = statement.lower()
        if st.lstrip().startswith("select") and "questionnaire_responses" in st:
            cur = conn.connection.driver_connection.cursor()
            cur.execute(f"SELECT count(*) FROM ({statement}) AS counted", params)
            read.append(int(cur.fetchone()[0]))
            cur.close()

    event.listen(engine, "after_cursor_execute", after)
    try:
        with transaction(engine) as s:
            data = reports.report_data(s, people.clinician, people.owner_pid, 12, today=TODAY)
        report_rows = sum(read)
        read.clear()
        with TestClient(create_app(settings)) as clinician:
            _login(clinician, "linked@clinic.example.org", people.password)
            page = clinician.get(f"/clinic/patients/{people.owner_pid}")
    finally:
        event.remove(engine, "after_cursor_execute", after)
    assert data["latest_scores"]["dlqi"]["total"] == 10.0
    assert data["latest_scores"]["poem"]["answered_on"] == TODAY
    assert len([t for t in data["trend"] if t["instrument"] == "poem"]) == 12  # weekly over 84 days
    assert report_rows <= 12 + 2 + 1, f"the 12-week report read {report_rows} questionnaire rows of 106"
    assert page.status_code == 200 and "The latest 10 of 106" in page.text
    assert page.text.count("<td>POEM</td>") == 10
    # the chart's 12 weeks of POEM, a count, the newest 10 (and the clinic's assessments: none)
    assert sum(read) <= 12 + 1 + 10 + 2, f"the clinician's page read {sum(read)} questionnaire rows of 106"
