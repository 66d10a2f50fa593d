"""Insights through the store: authorization, not-enough-data, background computation, invalidation on write."""

from __future__ import annotations

import datetime as dt
import html
import re
import threading
import time

import pytest

from gutskin.clinic import diary
from gutskin.clinic.errors import NotFound
from gutskin.clinic.insights import clear_cache, insights_for, settle
from gutskin.store.db import transaction
from tests.conftest import bearer


def fill(engine, actor, pid, days: int, start: dt.date = dt.date(2026, 6, 1)) -> None:  # type: ignore[no-untyped-def]
    import random

    rng = random.Random(days)
    dairy = [rng.random() < 0.4 for _ in range(days)]
    with transaction(engine) as s:
        for i in range(days):
            itch = 3 + (3 if i > 0 and dairy[i - 1] else 0) + rng.choice((-1, 0, 0, 1))
            diary.put_day(s, actor, pid, start + dt.timedelta(days=i),
                          diary.DayInput(itch=min(max(itch, 0), 10), factors={"food.dairy": int(dairy[i])}))


def test_not_enough_data_then_ready_then_invalidated(engine, people) -> None:
    clear_cache()
    fill(engine, people.owner, people.owner_pid, 5)
    with transaction(engine) as s:
        r = insights_for(s, people.owner, people.owner_pid)
    assert r["status"] == "not_enough_data" and r["needed_days"] == 14
    fill(engine, people.owner, people.owner_pid, 60, start=dt.date(2026, 7, 1))
    with transaction(engine) as s:
        r = insights_for(s, people.clinician, people.owner_pid)
    r = settle(people.owner_pid, r, 60)
    assert r["status"] == "ready"
    assert r["forecast"]["origin"] == "2026-08-29" and len(r["forecast"]["days"]) == 7
    assert r["sleep_forecast"] is None  # no sleep-loss scores in this diary: no sleep forecast
    for day in r["forecast"]["days"]:
        assert abs(sum(day["probabilities"]) - 1) < 1e-6
    factors = {x["factor"]: x for group in ("triggers", "protective", "no_evidence", "not_enough_data")
               for x in r["triggers"][group]}
    assert factors["food.dairy"]["verdict"] == "likely_trigger" and factors["food.dairy"]["lag_days"] == 1
    # cached: immediate answer with the same content
    with transaction(engine) as s:
        assert insights_for(s, people.owner, people.owner_pid) == r
    # a write changes the version: the next answer is recomputed (new origin)
    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, dt.date(2026, 8, 30), diary.DayInput(itch=9))
    with transaction(engine) as s:
        r2 = insights_for(s, people.owner, people.owner_pid)
    r2 = settle(people.owner_pid, r2, 60)
    assert r2["forecast"]["origin"] == "2026-08-30"


def test_strangers_get_not_found(engine, people) -> None:
    fill(engine, people.owner, people.owner_pid, 20)
    for who in ("stranger", "unlinked", "admin"):
        with pytest.raises(NotFound), transaction(engine) as s:
            insights_for(s, people.actors()[who], people.owner_pid)


def test_insights_api(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    stranger = bearer(client, "stranger@example.org")
    for i in range(20):
        client.put(f"/api/v1/me/diary/{dt.date(2026, 9, 1) + dt.timedelta(days=i)}", json={"itch": 3 + i % 4}, headers=owner)
    r = client.get("/api/v1/me/insights", params={"wait": 10}, headers=owner)
    assert r.status_code == 200 and r.json()["status"] == "ready"
    assert client.get(f"/api/v1/patients/{people.owner_pid}/insights", headers=stranger).status_code == 404


def test_report_queues_insights_and_waits_only_after_the_transaction(engine, people) -> None:
    """Waiting inside the transaction would hold SQLite's only write lock (every diary write stalls)."""
    from gutskin.clinic import reports

    clear_cache()
    fill(engine, people.owner, people.owner_pid, 60, start=dt.date(2026, 7, 1))
    with transaction(engine) as s:
        data = reports.report_data(s, people.clinician, people.owner_pid, 12, today=dt.date(2026, 8, 30))
    assert data["insights"] == {"status": "computing"}
    with transaction(engine) as s:  # another writer gets in while the computation runs
        diary.put_day(s, people.owner, people.owner_pid, dt.date(2026, 8, 31), diary.DayInput(itch=3))
    settled = reports.settle_insights(data, 60)
    assert settled["insights"]["status"] == "ready" and data["insights"]["status"] == "computing"


def test_a_failing_computation_is_reported_once_not_polled_forever(engine, people, client, monkeypatch, caplog) -> None:
    import gutskin.insights as science

    clear_cache()
    fill(engine, people.owner, people.owner_pid, 20)

    def broken(*args, **kwargs):  # a bug in the science code
        raise RuntimeError("boom")

    monkeypatch.setattr(science, "patient_insights", broken)
    # it fails at once, often before the done-callback is attached: that callback then runs in
    # the requesting thread, which holds the cache lock (a plain Lock deadlocked here)
    answer: dict = {}

    def ask() -> None:
        with transaction(engine) as s:
            answer["r"] = insights_for(s, people.owner, people.owner_pid)

    t = threading.Thread(target=ask, daemon=True)
    t.start()
    t.join(30)
    assert not t.is_alive(), "insights_for deadlocked"
    assert settle(people.owner_pid, answer["r"], 30)["status"] == "failed"
    with transaction(engine) as s:  # cached for this diary version: no new attempt, no spinner
        assert insights_for(s, people.owner, people.owner_pid)["status"] == "failed"
    for _ in range(100):  # the failure is logged by the worker thread's callback
        if any("insights for patient" in rec.message for rec in caplog.records):
            break
        time.sleep(0.05)
    assert any("insights for patient" in rec.message for rec in caplog.records)
    # the page fragment says so (and does not poll again)
    from tests.safety.test_attacks import login_page

    login_page(client, "owner@example.org")
    panel = client.get("/insights/panel", params={"patient": people.owner_pid})
    assert panel.status_code == 200 and 'id="insights-failed"' in panel.text and "hx-get" not in panel.text
    # the next diary write tries again, now with working code
    monkeypatch.undo()
    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, dt.date(2026, 6, 21), diary.DayInput(itch=4))
    with transaction(engine) as s:
        r = insights_for(s, people.owner, people.owner_pid)
    assert settle(people.owner_pid, r, 60)["status"] == "ready"


def test_sleep_loss_gets_its_own_forecast_once_logged(engine, people) -> None:
    clear_cache()
    with transaction(engine) as s:
        for i in range(30):  # poor sleep after itchy days; itch itself steady
            diary.put_day(s, people.owner, people.owner_pid, dt.date(2026, 6, 1) + dt.timedelta(days=i),
                          diary.DayInput(itch=4, sleep_loss=8 if i >= 25 else 1))
    with transaction(engine) as s:
        r = insights_for(s, people.owner, people.owner_pid)
    r = settle(people.owner_pid, r, 60)
    sleep, itch = r["sleep_forecast"], r["forecast"]
    assert sleep["origin"] == itch["origin"] == "2026-06-30" and len(sleep["days"]) == 7
    assert sleep["n_observed"] == 30
    # five bad nights in a row: the next night is expected bad, while itch stays near 4
    assert sleep["days"][0]["mean"] > 5 > itch["days"][0]["mean"] > 3


def test_the_panel_speaks_to_the_patient_and_about_them_to_the_clinician(engine, people, client) -> None:
    from tests.web.test_insights_acceptance import panels

    clear_cache()
    fill(engine, people.owner, people.owner_pid, 60)
    with transaction(engine) as s:
        settle(people.owner_pid, insights_for(s, people.owner, people.owner_pid), 60)
    texts = panels(client, people.owner_pid)
    patient, clinician = texts["owner@example.org"], texts["linked@clinic.example.org"]
    # this diary ended on 2026-07-30: both are told the forecast runs from then (test_clinician_wording.py)
    for text in (patient, clinician):
        assert 'id="forecast-stale"' in text and "the 7 days after the last entry" in text
    patient, clinician = (t.replace("the 7 days after the last entry", "the next 7 days") for t in (patient, clinician))
    assert "Dairy: likely makes your itch worse" in patient and "the patient's" not in patient
    assert "Dairy: likely makes the patient's itch worse" in clinician and "your itch" not in clinician
    for text in (patient, clinician):  # the trigger's week with and without it, the same numbers for both
        pct = r"(under 1%|over 99%|\d+%)"
        m = re.search(r'<li class="what-if" data-factor="food.dairy">Dairy every day of the next 7 days: chance of a bad '
                      rf"day {pct}, average itch \d+\.\d out of 10; with no dairy: {pct}, average itch \d+\.\d out of 10\.</li>", text)
        assert m is not None, text
        with_, without = (int(re.sub(r"\D", "", g)) if g[0].isdigit() else (0 if g.startswith("under") else 100)
                          for g in m.groups())
        assert with_ > without + 20  # days after dairy are 3 points worse in this diary
    assert patient.split('id="what-if"')[1].split("</ul>")[0] == clinician.split('id="what-if"')[1].split("</ul>")[0]
