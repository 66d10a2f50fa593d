"""The clinician's running challenges list says when a home step waits out the hours after the last
dose, as the patient's page does (2026-12-07).

A step taken late (step 1 of an egg plan taken this morning instead of yesterday) leaves step 2,
planned today, at least 20 hours away: the patient's page says "Next step 2 ... is due on ...,
not before HH:MM", but *Challenges* listed it as "due today" and the challenge page said nothing.
Both now say "waiting" and from which date and time, on the patient's clock (the profile's zone),
from one function (``gutskin.clinic.challenges.step_wait``).

SQLite and PostgreSQL (``engine``/``client``)."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from gutskin.clinic import challenges as ch
from gutskin.store.db import transaction
from gutskin.store.models import ChallengeDose, Patient
from tests.challenges.test_clinician_running_challenges import _page, _running_table
from tests.challenges.test_late_reaction_alerts import _after_step_one

ZONE = "Asia/Tokyo"


def _taken_hours_ago(engine, cid: int, pid: int, hours: int) -> dt.datetime:  # type: ignore[no-untyped-def]
    """Step 1 was taken ``hours`` ago in Tokyo (the profile's zone too); returns its naive UTC time."""
    when = dt.datetime.now(dt.UTC).replace(tzinfo=None, second=0, microsecond=0) - dt.timedelta(hours=hours)
    with transaction(engine) as s:
        s.get(Patient, pid).time_zone = ZONE
        dose = s.query(ChallengeDose).filter_by(challenge_id=cid, step=1).one()
        dose.taken_at, dose.entered_zone = when, ZONE
    return when


def _day_words(d: dt.date) -> str:
    return f"{d:%a} {d.day} {d:%b %Y}"


def test_a_step_waiting_after_the_last_dose_is_listed_as_waiting_with_the_patients_time(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    cid = _after_step_one(engine, people.clinician, people.owner, people.owner_pid)
    taken = _taken_hours_ago(engine, cid, people.owner_pid, 4)

    # what the patient is told, worked out here: 20 hours after the dose, on the Tokyo clock; not
    # later on the patient's today (a morning dose), so from tomorrow at the earliest
    ready = taken.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(ZONE)).replace(tzinfo=None) + dt.timedelta(hours=20)
    today = dt.datetime.now(ZoneInfo(ZONE)).date()
    due = max(today + dt.timedelta(days=1), ready.date())
    at = f"{ready:%H:%M}" if ready.date() == due else None

    with transaction(engine) as s:
        (step,) = ch.today_steps(s, people.owner, people.owner_pid, zone=ZONE)
        (row,) = ch.clinician_alerts(s, people.clinician)["running"]
    assert step["action"] != "dose" and step["next_due"] == due.isoformat(), step
    assert (f", not before {at}:" if at else f"due on {ch._day_words(due)}:") in str(step["next_text"]), step["next_text"]
    assert row["next_status"] == "waiting", row  # was "due" (or "overdue" where Tokyo is a day ahead): step 2 is planned today
    assert row["wait"] == {"until": (taken + dt.timedelta(hours=20)).isoformat(timespec="minutes") + "Z",
                           "due": due.isoformat(), "at": at, "zone": ZONE, "hours": 20}, row
    words = (f"Step 2 (1/2 cooked egg, at home): waiting at least 20 hours after the last dose; may be given from "
             f"{_day_words(due)}" + (f", not before {at} ({ZONE} time)" if at else ""))
    assert row["next_words"] == words

    table = _running_table(_page(client, "linked@clinic.example.org"))
    assert words in table and "next-waiting" in table, table
    detail = client.get(f"/clinic/challenges/{cid}").text  # the challenge page: the same words
    cell = re.search(r'<td id="next-step" class="next-waiting">(.*?)</td>', detail, re.S)
    assert cell and cell.group(1) == words, cell

    _taken_hours_ago(engine, cid, people.owner_pid, 21)  # the wait is over: due today again, on both pages
    table = _running_table(_page(client, "linked@clinic.example.org"))
    assert "waiting" not in table and "Step 2 (1/2 cooked egg, at home): due" in table, table
    with transaction(engine) as s:
        (step,) = ch.today_steps(s, people.owner, people.owner_pid, zone=ZONE)
    assert step["action"] == "dose", step

    stranger = _page(client, "unlinked@clinic.example.org")  # a clinician the patient never linked
    assert "Owner" not in stranger
    assert client.get(f"/clinic/challenges/{cid}").status_code == 404


def test_the_clinician_also_reads_the_time_on_their_own_clock(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    """Steps planned two days apart wait 42 hours: a dose 4 hours ago leaves 38, always a later day than
    the patient's today in any zone, so the line gives a time; a clinician in New York also reads it on
    their clock (the rest of the page's times are theirs); in the patient's own zone it is said once."""
    cid = _after_step_one(engine, people.clinician, people.owner, people.owner_pid)
    taken = _taken_hours_ago(engine, cid, people.owner_pid, 4)
    with transaction(engine) as s:
        s.query(ChallengeDose).filter_by(challenge_id=cid, step=1).one().planned_on -= dt.timedelta(days=1)
    until = (taken + dt.timedelta(hours=42)).replace(tzinfo=dt.UTC)
    tokyo = until.astimezone(ZoneInfo(ZONE))
    table = _running_table(_page(client, "linked@clinic.example.org"))
    assert f"waiting at least 42 hours after the last dose; may be given from {_day_words(tokyo.date())}, " \
           f"not before {tokyo:%H:%M} ({ZONE} time)" in table, table
    client.cookies.set("tz", "America/New_York")
    here = until.astimezone(ZoneInfo("America/New_York"))
    said = f"(your time: {here:%a} {here.day} {here:%b %Y, %H:%M} (America/New_York))"
    assert said in client.get("/clinic/challenges").text
    assert said in client.get(f"/clinic/challenges/{cid}").text
    client.cookies.set("tz", ZONE)
    assert "your time:" not in client.get(f"/clinic/challenges/{cid}").text
