"""Use cases with several users (owner, linked clinician, stranger, unlinked clinician, admin), on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from gutskin.clinic import accounts, appointments, diary, export, questionnaires, sharing, summary
from gutskin.clinic.errors import AuthenticationFailed, Conflict, Forbidden, InvalidInput, NotFound, RateLimited
from gutskin.store.db import transaction
from gutskin.store.models import (
    AppointmentRequest,
    AuditEvent,
    Consent,
    DiaryDay,
    FactorValue,
    Patient,
    QuestionnaireResponse,
    User,
)

DAY = dt.date(2026, 11, 1)


def log(engine, actor, pid, day=DAY, itch=4, **factors):  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return diary.put_day(s, actor, pid, day, diary.DayInput(itch=itch, sleep_loss=2, flare=False, factors=factors))


def audit_rows(engine, patient_id):  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return [(e.actor_user_id, e.action, e.object_type) for e in s.scalars(
            select(AuditEvent).where(AuditEvent.patient_id == patient_id).order_by(AuditEvent.id))]


def test_owner_writes_and_reads_own_diary(engine, people) -> None:
    out = log(engine, people.owner, people.owner_pid, itch=6, **{"food.dairy": 1, "env.pollen": 30.5})
    assert out["itch"] == 6 and out["factors"] == {"env.pollen": 30.5, "food.dairy": 1.0}
    with transaction(engine) as s:
        days = diary.list_days(s, people.owner, people.owner_pid)
    assert [d["date"] for d in days] == ["2026-11-01"]
    # editing replaces the day's factors as a whole
    log(engine, people.owner, people.owner_pid, itch=2, **{"food.egg": 1})
    with transaction(engine) as s:
        (day,) = diary.list_days(s, people.owner, people.owner_pid)
    assert day["itch"] == 2 and day["factors"] == {"food.egg": 1.0}


def test_linked_clinician_reads_but_cannot_write(engine, people) -> None:
    log(engine, people.owner, people.owner_pid)
    with transaction(engine) as s:
        assert len(diary.list_days(s, people.clinician, people.owner_pid)) == 1
    with pytest.raises(NotFound):
        log(engine, people.clinician, people.owner_pid)


def test_trends_count_exposure_days_not_measurements(engine, people) -> None:
    log(engine, people.owner, people.owner_pid, day=DAY, **{"food.dairy": 1, "life.stress": 4, "env.pollen": 12})
    log(engine, people.owner, people.owner_pid, day=DAY + dt.timedelta(days=1), **{"food.dairy": 0, "life.stress": 6})
    with transaction(engine) as s:
        t = summary.trends(s, people.clinician, people.owner_pid, weeks=4, today=DAY + dt.timedelta(days=2))
    # a food eaten and a pollen count are days *with* something; a stress rating is a measurement
    assert t["factor_days"] == {"env.pollen": ["2026-11-01"], "food.dairy": ["2026-11-01"]}
    assert t["factor_labels"] == {"env.pollen": "Pollen", "food.dairy": "Dairy"}
    assert t["logged_days"] == 2


@pytest.mark.parametrize("who", ["stranger", "unlinked", "admin"])
def test_others_get_not_found_for_every_use_case(engine, people, who: str) -> None:
    actor = people.actors()[who]
    log(engine, people.owner, people.owner_pid)
    pid = people.owner_pid
    calls = [
        lambda s: diary.list_days(s, actor, pid),
        lambda s: diary.put_day(s, actor, pid, DAY, diary.DayInput(itch=1)),
        lambda s: diary.delete_day(s, actor, pid, DAY),
        lambda s: summary.trends(s, actor, pid),
        lambda s: questionnaires.history(s, actor, pid),
        lambda s: questionnaires.submit(s, actor, pid, "poem", {"answers": [0] * 7}),
        lambda s: sharing.create_invite(s, actor, pid),
        lambda s: sharing.list_access(s, actor, pid),
        lambda s: appointments.request_appointment(s, actor, pid, "help"),
        lambda s: appointments.my_requests(s, actor, pid),
        lambda s: export.diary_csv(s, actor, pid),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            with transaction(engine) as s:
                call(s)
    # nothing the stranger did was stored
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(AppointmentRequest)) == 0
        assert s.scalar(select(DiaryDay.itch).where(DiaryDay.patient_id == pid)) == 4


def test_missing_patient_and_foreign_patient_look_the_same(engine, people) -> None:
    with pytest.raises(NotFound) as a, transaction(engine) as s:
        diary.list_days(s, people.stranger, people.owner_pid)
    with pytest.raises(NotFound) as b, transaction(engine) as s:
        diary.list_days(s, people.stranger, 999_999)
    assert str(a.value) == str(b.value)


def test_reads_and_writes_are_audited_without_values(engine, people) -> None:
    log(engine, people.owner, people.owner_pid, itch=9)
    with transaction(engine) as s:
        diary.list_days(s, people.clinician, people.owner_pid)
    rows = audit_rows(engine, people.owner_pid)
    assert (people.owner.user_id, "create", "diary_day") in rows
    assert (people.clinician.user_id, "read", "diary") in rows
    with transaction(engine) as s:
        texts = [f"{e.action} {e.object_type} {e.object_id}" for e in s.scalars(select(AuditEvent))]
    assert not any("9" == part for t in texts for part in t.split())


def test_revoke_ends_access_at_once(engine, people) -> None:
    with transaction(engine) as s:
        (grant,) = sharing.list_access(s, people.owner, people.owner_pid)
        assert grant["email"] == "linked@clinic.example.org"
        assert [p.id for p in sharing.linked_patients(s, people.clinician)] == [people.owner_pid]
    with transaction(engine) as s:
        sharing.revoke(s, people.owner, people.owner_pid, grant["consent_id"])
    with pytest.raises(NotFound), transaction(engine) as s:
        diary.list_days(s, people.clinician, people.owner_pid)
    with transaction(engine) as s:
        assert sharing.linked_patients(s, people.clinician) == []
        assert summary.panel(s, people.clinician) == []
    # the stranger cannot revoke someone else's consent
    with pytest.raises(NotFound), transaction(engine) as s:
        sharing.revoke(s, people.stranger, people.stranger_pid, grant["consent_id"])


def test_invite_codes_are_single_use_and_for_clinicians_only(engine, people) -> None:
    with transaction(engine) as s:
        code = sharing.create_invite(s, people.stranger, people.stranger_pid)["code"]
    with pytest.raises(Forbidden), transaction(engine) as s:
        sharing.accept_invite(s, people.owner, code)
    with transaction(engine) as s:
        assert sharing.accept_invite(s, people.unlinked, code.lower()) == people.stranger_pid
    with pytest.raises(NotFound), transaction(engine) as s:
        sharing.accept_invite(s, people.clinician, code)
    with pytest.raises(NotFound), transaction(engine) as s:
        sharing.accept_invite(s, people.clinician, "AAAA-BBBB-CCCC")


def test_invalid_day_input_names_the_field(engine, people) -> None:
    cases = [
        (diary.DayInput(itch=11), "itch"),
        (diary.DayInput(sleep_loss=-1), "sleep_loss"),
        (diary.DayInput(factors={"Dairy": 1}), "factors.Dairy"),
        (diary.DayInput(factors={"life.stress": 12}), "factors.life.stress"),
        (diary.DayInput(factors={"food.egg": float("nan")}), "factors.food.egg"),
    ]
    for entry, field in cases:
        with pytest.raises(InvalidInput, match=field.replace(".", r"\.")), transaction(engine) as s:
            diary.put_day(s, people.owner, people.owner_pid, DAY, entry)
    with pytest.raises(InvalidInput, match="future"), transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, dt.date.today() + dt.timedelta(days=5), diary.DayInput(itch=1))


def test_poem_questionnaire_scored_with_band_and_on_the_diary(engine, people) -> None:
    with transaction(engine) as s:
        out = questionnaires.submit(s, people.owner, people.owner_pid, "poem", {"answers": [4, 4, 2, 1, 2, 3, 4]}, DAY)
    assert out["total"] == 20 and out["band"] == "severe"
    with transaction(engine) as s:
        assert s.get(DiaryDay, (people.owner_pid, DAY)).poem == 20
        assert questionnaires.due(s, people.owner_pid, DAY) == ["recap"]
        assert questionnaires.history(s, people.clinician, people.owner_pid)[0]["band"] == "severe"
    with pytest.raises(InvalidInput, match=r"answers\[0\]"), transaction(engine) as s:
        questionnaires.submit(s, people.owner, people.owner_pid, "poem", {"answers": [5, 0, 0, 0, 0, 0, 0]})


def test_panel_ranks_worsening_patient_first(engine, people) -> None:
    today = dt.date(2026, 11, 20)
    with transaction(engine) as s:
        code = sharing.create_invite(s, people.stranger, people.stranger_pid)["code"]
        sharing.accept_invite(s, people.clinician, code)
    for i in range(35):
        d = today - dt.timedelta(days=i)
        worse = 8 if i < 7 else 2
        log(engine, people.owner, people.owner_pid, day=d, itch=worse)
        log(engine, people.stranger, people.stranger_pid, day=d, itch=3)
    with transaction(engine) as s:
        rows = summary.panel(s, people.clinician, today=today)
    assert [r["patient_id"] for r in rows] == [people.owner_pid, people.stranger_pid]
    assert rows[0]["worsening"] == 6.0 and rows[1]["worsening"] == 0.0
    assert rows[0]["days_since_last_entry"] == 0
    with pytest.raises(Forbidden), transaction(engine) as s:
        summary.panel(s, people.owner)


def test_an_urgent_severe_new_patient_outranks_a_stable_mild_one(engine, people) -> None:
    """A new patient (2 days, itch 8 and 6, an urgent request) ranked below a stable patient with
    itch 2 and nothing open: urgency and the itch level did not count."""
    from gutskin.clinic import appointments

    today = dt.date(2026, 11, 20)
    with transaction(engine) as s:
        sharing.accept_invite(s, people.clinician, sharing.create_invite(s, people.stranger, people.stranger_pid)["code"])
    for i in range(35):
        log(engine, people.stranger, people.stranger_pid, day=today - dt.timedelta(days=i), itch=2)
    log(engine, people.owner, people.owner_pid, day=today - dt.timedelta(days=1), itch=8)
    log(engine, people.owner, people.owner_pid, day=today, itch=6)
    with transaction(engine) as s:
        appointments.request_appointment(s, people.owner, people.owner_pid, "Rash spreading fast", "urgent")
    with transaction(engine) as s:
        rows = summary.panel(s, people.clinician, today=today)
    assert [r["patient_id"] for r in rows] == [people.owner_pid, people.stranger_pid]
    assert rows[0]["urgent_requests"] == 1 and rows[0]["itch_severity"] == "severe"


def test_a_patient_ahead_in_time_is_never_minus_one_day_ago(engine, people) -> None:
    """Clinician in Los Angeles on the 20th, patient in Auckland already on the 21st."""
    viewer = dt.date(2026, 11, 20)
    log(engine, people.owner, people.owner_pid, day=viewer + dt.timedelta(days=1), itch=5)
    with transaction(engine) as s:
        row = summary.panel(s, people.clinician, today=viewer)[0]
        chart = summary.trends(s, people.clinician, people.owner_pid, 4, today=viewer)
    assert row["days_since_last_entry"] == 0 and row["itch_last7"] == 5.0
    assert chart["dates"][-1] == "2026-11-21" and chart["itch"][-1] == 5


def test_appointments_flow(engine, people) -> None:
    with transaction(engine) as s:
        req = appointments.request_appointment(s, people.owner, people.owner_pid, "Flare", "urgent", "mornings")
    with transaction(engine) as s:
        assert [r["id"] for r in appointments.queue(s, people.clinician)] == [req["id"]]
        assert appointments.queue(s, people.unlinked) == []
    soon = dt.datetime.combine(dt.date.today() + dt.timedelta(days=7), dt.time(9, 30))
    with pytest.raises(NotFound), transaction(engine) as s:
        appointments.respond(s, people.unlinked, req["id"], "accept", soon)
    with pytest.raises(InvalidInput, match="message"), transaction(engine) as s:
        appointments.respond(s, people.clinician, req["id"], "decline")
    with pytest.raises(InvalidInput, match="time: that time has already passed"), transaction(engine) as s:
        appointments.respond(s, people.clinician, req["id"], "accept", soon - dt.timedelta(days=30))
    with transaction(engine) as s:
        out = appointments.respond(s, people.clinician, req["id"], "propose", soon, "Tuesday?")
    assert out["status"] == "proposed" and out["scheduled_for"] == soon.isoformat(timespec="minutes") + "Z"
    with transaction(engine) as s:
        (mine,) = appointments.my_requests(s, people.owner, people.owner_pid)
    assert mine["status"] == "proposed" and mine["message"] == "Tuesday?"
    with pytest.raises(InvalidInput, match="urgency"), transaction(engine) as s:
        appointments.request_appointment(s, people.owner, people.owner_pid, "x", "whenever")


def test_caregiver_manages_child_profile(engine, people) -> None:
    with transaction(engine) as s:
        child = accounts.add_child_profile(s, people.owner, "Mia", 2019)
        cid = child.id
    log(engine, people.owner, cid, itch=7)
    with pytest.raises(NotFound), transaction(engine) as s:
        diary.list_days(s, people.stranger, cid)
    with pytest.raises(NotFound), transaction(engine) as s:  # consent for the parent's profile is not for the child
        diary.list_days(s, people.clinician, cid)
    with pytest.raises(InvalidInput, match="birth_year"), transaction(engine) as s:
        accounts.add_child_profile(s, people.owner, "Old", 1800)


def test_delete_account_removes_every_personal_record(engine, people) -> None:
    log(engine, people.owner, people.owner_pid, **{"food.dairy": 1})
    with transaction(engine) as s:
        accounts.add_child_profile(s, people.owner, "Mia")
        questionnaires.submit(s, people.owner, people.owner_pid, "poem", {"answers": [1] * 7}, DAY)
        appointments.request_appointment(s, people.owner, people.owner_pid, "Flare")
    with pytest.raises(AuthenticationFailed), transaction(engine) as s:
        accounts.delete_account(s, people.owner, "wrong password")
    with transaction(engine) as s:
        accounts.delete_account(s, people.owner, people.password)
    with transaction(engine) as s:
        assert s.scalar(select(User.id).where(User.id == people.owner.user_id)) is None
        assert s.scalar(select(func.count()).select_from(Patient).where(Patient.owner_user_id == people.owner.user_id)) == 0
        for table in (DiaryDay, FactorValue, QuestionnaireResponse, AppointmentRequest):
            assert s.scalar(select(func.count()).select_from(table)) == 0, table
        assert s.scalar(select(func.count()).select_from(Consent).where(Consent.patient_id == people.owner_pid)) == 0
        # the stranger's account is untouched
        assert s.get(User, people.stranger.user_id) is not None


def _attempt(engine, email: str, password: str):  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        accounts.record_login_attempt(s, email)
    with transaction(engine) as s:
        accounts.admit_login_attempt(s, email)
    with transaction(engine) as s:
        return accounts.authenticate(s, email, password)


def test_login_rate_limit_and_generic_errors(engine, people) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationFailed) as err:
            _attempt(engine, "owner@example.org", "nope")
        assert str(err.value) == "wrong email or password"
    with pytest.raises(RateLimited):
        _attempt(engine, "owner@example.org", people.password)
    with pytest.raises(AuthenticationFailed) as unknown:
        _attempt(engine, "nobody@example.org", "whatever")
    assert str(unknown.value) == "wrong email or password"


def test_a_burst_of_parallel_guesses_gets_at_most_the_limit_of_password_checks(engine, people) -> None:
    """Counting a failure only after its password check let 22 of 40 parallel guesses through."""
    import threading

    outcomes: list[str] = []
    start = threading.Barrier(16)

    def guess() -> None:
        start.wait()
        try:
            _attempt(engine, "owner@example.org", "a-wrong-guess")
        except RateLimited:
            outcomes.append("limited")
        except AuthenticationFailed:
            outcomes.append("checked")

    threads = [threading.Thread(target=guess) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 16
    assert outcomes.count("checked") <= 5
    with pytest.raises(RateLimited):  # and the right password waits out the window too
        _attempt(engine, "owner@example.org", people.password)


def test_password_hashing_runs_at_most_hash_slots_at_once(people) -> None:
    import threading
    import time

    from gutskin.clinic import passwords

    inner = passwords._hasher()
    busy, peak, lock = 0, 0, threading.Lock()

    class Counting:
        def verify(self, password: str, hashed: str) -> bool:
            nonlocal busy, peak
            with lock:
                busy += 1
                peak = max(peak, busy)
            time.sleep(0.02)
            with lock:
                busy -= 1
            return inner.verify(password, hashed)

    saved = passwords._hasher
    passwords._hasher = lambda: Counting()  # type: ignore[assignment,return-value]
    try:
        hashed = inner.hash("some-password-1")
        threads = [threading.Thread(target=passwords.verify_password, args=("x", hashed)) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        passwords._hasher = saved  # type: ignore[assignment]
    assert peak == passwords.HASH_SLOTS


def test_registration_validates(engine) -> None:
    with transaction(engine) as s:
        accounts.register_patient(s, "New@Example.org", "long enough password")
    with pytest.raises(Conflict), transaction(engine) as s:
        accounts.register_patient(s, "new@example.org", "long enough password")
    with pytest.raises(InvalidInput, match="email"), transaction(engine) as s:
        accounts.register_patient(s, "not-an-email", "long enough password")
    with pytest.raises(InvalidInput, match="password"), transaction(engine) as s:
        accounts.register_patient(s, "short@example.org", "short")


def test_export_json_archive_holds_everything(engine, people) -> None:
    import json

    log(engine, people.owner, people.owner_pid, **{"food.egg": 1})
    with transaction(engine) as s:
        archive = json.loads(export.archive_json(s, people.owner))
    (p,) = archive["patients"]
    assert p["diary"][0]["factors"] == {"food.egg": 1.0}
    assert p["food_challenges"] == [] and p["allergy_records"] == [] and p["microbiome_samples"] == []
    assert p["sharing"][0]["revoked_at"] is None
    assert any(e["action"] == "read" for e in p["access_log"]) or p["access_log"]


def test_archive_includes_challenges_and_samples(engine, people) -> None:
    import json
    from pathlib import Path

    from gutskin.clinic import challenges, microbiome

    profile = (Path(__file__).parent / "data" / "metaphlan_profile.tsv").read_bytes()
    with transaction(engine) as s:
        challenges.create_plan(s, people.clinician, people.owner_pid, challenges.PlanInput(
            food="food.egg", released_for_home=True, start=dt.date.today(), baseline_days=7,
            doses=[challenges.DoseStep(0, "1/4 egg")]))
        microbiome.upload_sample(s, people.owner, people.owner_pid, "gut.tsv", profile)
    with transaction(engine) as s:
        (p,) = json.loads(export.archive_json(s, people.owner))["patients"]
    assert [c["food"] for c in p["food_challenges"]] == ["food.egg"]
    assert len(p["microbiome_samples"]) == 1
