"""The clinician's panel on a small clinic: its numbers pinned (the same before and after the
panel was read with a fixed number of queries), and its statement count does not grow with
the number of patients (bench/clinic_scale.py: 5 statements per patient made a 500-patient
panel take seconds)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event, func, select

from gutskin.clinic import accounts, appointments, diary, questionnaires, sharing, summary
from gutskin.clinic.access import default_patient
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent

TODAY = dt.date.today()


def _patient(s, people, name: str):  # type: ignore[no-untyped-def]
    u = accounts.register_patient(s, f"{name}@example.org", people.password, name)
    actor = accounts.actor_for(u)
    pid = default_patient(s, actor).id
    sharing.accept_invite(s, people.clinician, sharing.create_invite(s, actor, pid)["code"])
    return actor, pid


def _log(s, actor, pid, days: dict[int, dict]) -> None:  # type: ignore[no-untyped-def]
    for offset, fields in days.items():
        diary.put_day(s, actor, pid, TODAY + dt.timedelta(days=offset), diary.DayInput(**fields))


def _clinic(engine, people) -> dict[str, int]:  # type: ignore[no-untyped-def]
    ids = {}
    with transaction(engine) as s:
        # steady: last 7 days itch 3, the 28 before itch 2; two POEMs, the newer one counts
        a, ids["steady"] = _patient(s, people, "steady")
        _log(s, a, ids["steady"], {-k: {"itch": 3 if k < 7 else 2} for k in range(35)})
        _log(s, a, ids["steady"], {-40: {"itch": 10}})  # outside both windows
        questionnaires.submit(s, a, ids["steady"], "poem", {"answers": [4] * 7}, TODAY - dt.timedelta(days=10))
        questionnaires.submit(s, a, ids["steady"], "poem", {"answers": [1, 2, 0, 0, 1, 3, 4]}, TODAY - dt.timedelta(days=3))
        # POEM only in the diary (imported), itch 8, last entry two days ago
        a, ids["diary_poem"] = _patient(s, people, "diarypoem")
        _log(s, a, ids["diary_poem"], {-k: {"itch": 8} for k in range(2, 9)})
        _log(s, a, ids["diary_poem"], {-5: {"itch": 8, "poem": 20}, -8: {"itch": 8, "poem": 5}})
        # never logged, two open requests
        a, ids["silent"] = _patient(s, people, "silent")
        appointments.request_appointment(s, a, ids["silent"], "bad flare", "urgent", "any time")
        appointments.request_appointment(s, a, ids["silent"], "check-up", "routine", "mornings")
        # last entry 20 days ago
        a, ids["lapsed"] = _patient(s, people, "lapsed")
        _log(s, a, ids["lapsed"], {-k: {"itch": 6} for k in range(20, 26)})
        # a day ahead of the clinician (time zones): the patient's today is tomorrow
        a, ids["ahead"] = _patient(s, people, "ahead")
        _log(s, a, ids["ahead"], {1: {"itch": 9}, 0: {"itch": 9}, -1: {"itch": 9}})
        # the stranger logs too but shares with nobody
        _log(s, people.stranger, people.stranger_pid, {0: {"itch": 10}})
    return ids


def test_panel_numbers_on_a_small_clinic(engine, people) -> None:
    ids = _clinic(engine, people)
    with transaction(engine) as s:
        before = s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.object_type == "panel_summary"))
        rows = summary.panel(s, people.clinician, today=TODAY)
    got = {r["patient_id"]: r for r in rows}
    assert [r["patient_id"] for r in rows] == [ids["silent"], ids["diary_poem"], ids["steady"], ids["ahead"], ids["lapsed"],
                                               people.owner_pid]
    pick = ("itch_last7", "itch_prev28", "worsening", "poem", "poem_band", "days_since_last_entry", "open_requests",
            "urgent_requests", "itch_severity", "need")
    assert {k: got[ids["steady"]][k] for k in pick} == dict(zip(pick, (3.0, 2.0, 1.0, 11.0, "moderate", 0, 0, 0,
                                                                      "none or mild", 4.0)))
    assert {k: got[ids["diary_poem"]][k] for k in pick} == dict(zip(pick, (8.0, 8.0, 0.0, 20.0, "severe", 2, 0, 0,
                                                                          "severe", 5.29)))
    assert {k: got[ids["silent"]][k] for k in pick} == dict(zip(pick, (None, None, None, None, None, None, 2, 1,
                                                                      None, 8.0)))  # no itch this week: band unknown
    assert {k: got[ids["lapsed"]][k] for k in pick} == dict(zip(pick, (None, 6.0, None, None, None, 20, 0, 0,
                                                                      None, 2.86)))  # was "none or mild" at itch 6
    assert {k: got[ids["ahead"]][k] for k in pick} == dict(zip(pick, (9.0, None, None, None, None, 0, 0, 0,
                                                                     "very severe", 3.0)))
    assert people.stranger_pid not in got
    with transaction(engine) as s:  # one audit row per patient shown
        after = s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.object_type == "panel_summary"))
        audited = set(s.scalars(select(AuditEvent.patient_id).where(AuditEvent.object_type == "panel_summary")).all())
    assert after - before == len(rows)
    assert audited == set(got)


def _statements(engine, fn) -> int:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if not statement.strip().upper().startswith(("BEGIN", "COMMIT", "PRAGMA", "SAVEPOINT", "RELEASE")):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_panel_and_queue_statements_do_not_grow_with_patients(engine, people) -> None:
    _clinic(engine, people)

    def panel() -> None:
        with transaction(engine) as s:
            summary.panel(s, people.clinician, today=TODAY)

    def queue() -> None:
        with transaction(engine) as s:
            appointments.queue(s, people.clinician, include_closed=True)

    few_panel, few_queue = _statements(engine, panel), _statements(engine, queue)
    with transaction(engine) as s:
        for k in range(6):
            a, pid = _patient(s, people, f"more{k}")
            _log(s, a, pid, {-j: {"itch": k} for j in range(0, 30, 3)})
            if k % 2:
                appointments.request_appointment(s, a, pid, "rash", "soon", "")
    assert _statements(engine, panel) == few_panel
    assert _statements(engine, queue) == few_queue
