"""Concurrency walk (2026-12-06): a clinician's write loaded what it changes (the challenge, the
appointment request) before it took the consent's lock, so on PostgreSQL (READ COMMITTED) a write
that had held the lock and committed meanwhile was not seen:
- the clinician's "Confirm" sent twice stored two allergy records for one challenge (and audited two);
- the clinic's "Accept" pressed while the patient withdrew the request turned the withdrawn request
  into a booked appointment.
The clinician's write now reads what it loaded again after the lock, and the request row is locked
by both sides. On SQLite writers take turns from BEGIN IMMEDIATE: the same tests hold there."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

from sqlalchemy import func, select

from gutskin.clinic import appointments, challenges
from gutskin.clinic.errors import ClinicError
from gutskin.store.db import transaction
from gutskin.store.models import AllergyRecord, AppointmentRequest
from tests.safety.lock_waits import until_waiting_or_done


def _second_while_first_open(engine, first: Callable, second: Callable) -> str:  # type: ignore[no-untyped-def]
    """``first`` written and not committed when ``second`` (its own transaction) starts; returns
    "done" or the error ``second`` met."""
    out: dict[str, str] = {}

    def run() -> None:
        try:
            with transaction(engine) as s:
                second(s)
            out["r"] = "done"
        except ClinicError as exc:
            out["r"] = f"{type(exc).__name__}: {exc}"

    racer = threading.Thread(target=run)
    with transaction(engine) as s:
        first(s)
        racer.start()
        until_waiting_or_done(engine, racer)
    racer.join(30)
    assert not racer.is_alive()
    return out["r"]


def test_confirm_sent_twice_stores_one_allergy_record(engine, people) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        ch = challenges.create_plan(s, people.clinician, people.owner_pid, challenges.PlanInput(
            food="food.egg", kind="home", released_for_home=True, start=dt.date.today(), baseline_days=7,
            doses=[challenges.DoseStep(0, "1/4 cooked egg")]))["id"]

    def confirm(s) -> None:  # type: ignore[no-untyped-def]
        challenges.confirm_outcome(s, people.clinician, ch, "confirmed", note="hives within the hour at the clinic")

    second = _second_while_first_open(engine, confirm, confirm)
    # the same outcome sent twice is the first one's answer (2026-12-07; it was "already recorded"): still one record
    assert second == "done", second
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(AllergyRecord).where(
            AllergyRecord.patient_id == people.owner_pid)) == 1


def test_the_clinic_cannot_book_a_request_the_patient_is_withdrawing(engine, people) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        rid = appointments.request_appointment(s, people.owner, people.owner_pid, "Flare on the hands", "soon")["id"]
    when = (dt.datetime.utcnow() + dt.timedelta(days=2)).replace(second=0, microsecond=0)
    second = _second_while_first_open(
        engine, lambda s: appointments.answer(s, people.owner, people.owner_pid, rid, "withdraw"),
        lambda s: appointments.respond(s, people.clinician, rid, "accept", when))
    assert second == "InvalidInput: status: this request is closed", second
    with transaction(engine) as s:
        a = s.get(AppointmentRequest, rid)
        assert (a.status, a.scheduled_for) == ("withdrawn", None)


def test_the_patient_cannot_withdraw_over_a_booking_being_written(engine, people) -> None:  # type: ignore[no-untyped-def]
    """The other order: the clinic books first; the patient's withdrawal then waits and applies to
    the booking (withdrawn, the clinic sees it withdrawn), nothing half-written."""
    with transaction(engine) as s:
        rid = appointments.request_appointment(s, people.owner, people.owner_pid, "Flare on the hands", "soon")["id"]
    when = (dt.datetime.utcnow() + dt.timedelta(days=2)).replace(second=0, microsecond=0)
    second = _second_while_first_open(
        engine, lambda s: appointments.respond(s, people.clinician, rid, "accept", when),
        lambda s: appointments.answer(s, people.owner, people.owner_pid, rid, "withdraw"))
    assert second == "done", second
    with transaction(engine) as s:
        assert s.get(AppointmentRequest, rid).status == "withdrawn"
