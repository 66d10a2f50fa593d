"""Home reintroduction walk (2026-12-06): delayed eczematous reactions after the plan's last day.

A patient in New York does a home egg reintroduction (doses on days 0, 2 and 4, 48 h windows):
step 1 on time, step 2 missed and taken a day late near midnight, step 3 taken on the plan's
last day in the evening (home doses may be taken late until then). The eczema flares about 36 h
after step 3. Before, the verdict read the diary only to the plan's last day, so the flare was
left out ("no reaction"), and the patient's page said "All steps ... are done"
on the two days the window still covered. Time passes by moving the plan back
(tests.challenges.test_services.shift_back), never by patching the clock.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from gutskin.clinic import challenges as ch
from gutskin.clinic import diary
from gutskin.clinic.errors import InvalidInput
from gutskin.store.db import transaction
from gutskin.store.models import ChallengeDose, FoodChallenge
from tests.challenges.test_services import create, shift_back

NY = "America/New_York"
STEPS = [ch.DoseStep(0, "1/4 cooked egg"), ch.DoseStep(2, "1/2 cooked egg"), ch.DoseStep(4, "1 cooked egg")]


def _take(engine, cid: int, local_times: list[dt.datetime]) -> None:  # type: ignore[no-untyped-def]
    """The doses as taken at these New York wall times (stored as UTC with their zone)."""
    with transaction(engine) as s:
        doses = s.scalars(select(ChallengeDose).where(ChallengeDose.challenge_id == cid).order_by(ChallengeDose.step))
        for d, t in zip(doses, local_times, strict=False):
            d.status, d.entered_zone = "taken", NY
            d.taken_at = t.replace(tzinfo=ZoneInfo(NY)).astimezone(dt.UTC).replace(tzinfo=None)


def _log(engine, people, first: dt.date, last: dt.date, high: set[dt.date]) -> None:  # type: ignore[no-untyped-def]
    day = first
    while day <= last:
        with transaction(engine) as s:
            diary.put_day(s, people.owner, people.owner_pid, day,
                          diary.DayInput(itch=8 if day in high else 2 + day.toordinal() % 2))
        day += dt.timedelta(days=1)


def _late_last_dose(engine, people, days_ago: int):  # type: ignore[no-untyped-def]
    """The walk's plan, moved back so that its last planned day was ``days_ago`` days ago; doses
    taken as in the module docstring. Returns (challenge id, plan's last day, the last dose)."""
    cid = create(engine, people, doses=STEPS)["id"]
    with transaction(engine) as s:
        c = s.get(FoodChallenge, cid)
        shift = (c.reintroduction_end - dt.date.today()).days + days_ago
    shift_back(engine, cid, shift)
    with transaction(engine) as s:
        c = s.get(FoodChallenge, cid)
        start, rs, end = c.baseline_start, c.reintroduction_start, c.reintroduction_end
    times = [dt.datetime.combine(rs, dt.time(8)), dt.datetime.combine(rs + dt.timedelta(days=3), dt.time(23, 30)),
             dt.datetime.combine(end, dt.time(21))]
    _take(engine, cid, times)
    return cid, start, end, times[-1]


def test_a_flare_after_a_last_dose_taken_on_the_plans_last_day_counts(engine, people) -> None:  # type: ignore[no-untyped-def]
    cid, start, end, last = _late_last_dose(engine, people, days_ago=4)
    flare = {end + dt.timedelta(days=1), end + dt.timedelta(days=2)}  # from about 36 h after the whole egg (21:00)
    _log(engine, people, start, end + dt.timedelta(days=3), flare)
    with transaction(engine) as s:
        v = ch.evaluate(s, people.clinician, cid)
        status = s.get(FoodChallenge, cid).status
    # window days: 08:00 dose -> its day and the next two; 23:30 and 21:00 doses -> the next two days each
    assert v["challenge_days"] == 7, v  # old code: 5 (the whole egg's two days were cut off)
    # one flare after three doses (the model adds the same rise at each) is not yet a decided reaction,
    # but it is no longer "no reaction" (old code: no_reaction, probability 0.01)
    assert v["verdict"] == "inconclusive" and v["probability"] > 0.5 and v["effect"] > 1.0, v
    assert status == "evaluated"


def test_the_patient_observes_until_the_last_window_ends(engine, people) -> None:  # type: ignore[no-untyped-def]
    cid, start, end, last = _late_last_dose(engine, people, days_ago=-1)  # today: the day after the plan's last
    today = end + dt.timedelta(days=1)
    with transaction(engine) as s:
        step = ch.today_steps(s, people.owner, people.owner_pid, day=today, zone=NY)[0]
        avoid = ch.avoid_list(s, people.owner, people.owner_pid, day=today)
        due = ch.reminders(s, people.owner, people.owner_pid, day=today)
    assert step["action"] == "observe", step  # old code: "review", "All steps of the egg challenge are done."
    assert step["text"].startswith("Observation: log your itch and skin today")
    assert "After that your clinician will review the result." in step["text"]
    assert [(a["food"], a["until"]) for a in avoid] == [("food.egg", (end + dt.timedelta(days=2)).isoformat())]
    assert not [r for r in due if r["kind"] == "review_result"]
    with transaction(engine) as s:  # the day after the window: review
        step = ch.today_steps(s, people.owner, people.owner_pid, day=end + dt.timedelta(days=3), zone=NY)[0]
    assert step["action"] == "review"


def test_no_reaction_is_not_a_verdict_while_the_window_runs(engine, people) -> None:  # type: ignore[no-untyped-def]
    """Evaluated the evening after the last dose (a calm diary so far): inconclusive, not
    "no reaction", which the clinician could confirm as refuted before a late reaction shows."""
    cid, start, end, last = _late_last_dose(engine, people, days_ago=0)  # the last dose was taken today
    _log(engine, people, start, end, set())
    with transaction(engine) as s:
        v = ch.evaluate(s, people.clinician, cid)
        status = s.get(FoodChallenge, cid).status
    assert v["verdict"] == "inconclusive", v  # old code: no_reaction
    assert v["observation_until"] == (end + dt.timedelta(days=2)).isoformat()
    assert any("a late reaction may still show" in r for r in v["reasons"])
    assert status == "active"


def test_a_step_taken_late_at_night_keeps_the_plans_spacing_before_the_next(engine, people) -> None:  # type: ignore[no-untyped-def]
    """Step 2 (1/2 egg) missed on its day and taken at 23:30 the next: step 3 (a whole egg, planned
    two days after step 2) was offered and taken 20 hours later, inside step 2's 6-48 h window, so
    a late reaction to the 1/2 egg would show after the whole egg. Now it waits the plan's 48 h
    less 6 h of slack (42 h), and the step says from when."""
    cid = create(engine, people, doses=STEPS)["id"]
    shift_back(engine, cid, 7 + 4)  # step 3's planned day is today
    with transaction(engine) as s:
        doses = s.scalars(select(ChallengeDose).where(ChallengeDose.challenge_id == cid)
                          .order_by(ChallengeDose.step)).all()
        third = doses[2].id
        now = ch.utcnow()
        for d, ago in zip(doses[:2], (60, 21), strict=True):  # step 2 taken 21 h ago (late, at night)
            d.status, d.taken_at, d.entered_zone = "taken", now - dt.timedelta(hours=ago), None
    with transaction(engine) as s:
        step = ch.today_steps(s, people.owner, people.owner_pid, day=dt.date.today())[0]
    assert step["action"] != "dose", step  # old code: "dose" (20 hours had passed)
    assert "at least 42 hours after the last dose" in step["next_text"], step
    with transaction(engine) as s, pytest.raises(InvalidInput, match="wait at least 42 hours"):
        ch.take_dose(s, people.owner, cid, third, {k: False for k in ch.SAFETY_SYMPTOMS}, today=dt.date.today())
    with transaction(engine) as s:  # 43 h after step 2: step 3 is offered and taken
        s.get(ChallengeDose, doses[1].id).taken_at = ch.utcnow() - dt.timedelta(hours=43)
    with transaction(engine) as s:
        assert ch.today_steps(s, people.owner, people.owner_pid, day=dt.date.today())[0]["action"] == "dose"
        assert ch.take_dose(s, people.owner, cid, third, {k: False for k in ch.SAFETY_SYMPTOMS},
                            today=dt.date.today())["dose"]["status"] == "taken"


def test_the_patient_is_told_what_to_do_on_a_late_reaction(engine, people) -> None:  # type: ignore[no-untyped-def]
    """The safety check asks only for immediate signs; the observation days and the next step said
    nothing about a flare, so the whole egg was offered after one with no word."""
    cid = create(engine, people, doses=STEPS)["id"]
    shift_back(engine, cid, 7 + 2)  # step 1 two days ago, step 2 today
    with transaction(engine) as s:
        first = s.scalars(select(ChallengeDose).where(ChallengeDose.challenge_id == cid, ChallengeDose.step == 1)).one()
        first.status, first.taken_at = "taken", ch.utcnow() - dt.timedelta(hours=47)
    with transaction(engine) as s:
        step = ch.today_steps(s, people.owner, people.owner_pid, day=dt.date.today())[0]
    assert step["action"] == "dose", step
    assert step["text"].endswith("If your eczema has flared since the last step, do not take this one: "
                                 "tell your clinic first."), step
    with transaction(engine) as s:  # the day after: observation
        s.get(ChallengeDose, first.id).taken_at = ch.utcnow() - dt.timedelta(hours=10)
    with transaction(engine) as s:
        step = ch.today_steps(s, people.owner, people.owner_pid, day=dt.date.today())[0]
    assert step["action"] == "observe" and step["text"].endswith(ch.FLARE_ADVICE), step


def test_a_patient_who_stops_after_a_dose_keeps_observing(engine, people) -> None:  # type: ignore[no-untyped-def]
    """Stopped early (not for safety) ten hours after step 1: the page said only "This egg challenge
    was stopped: ..." while a late reaction to the dose could still show for a day and a half."""
    cid = create(engine, people, doses=STEPS)["id"]
    shift_back(engine, cid, 7)
    with transaction(engine) as s:
        first = s.scalars(select(ChallengeDose).where(ChallengeDose.challenge_id == cid, ChallengeDose.step == 1)).one()
        first.status, first.taken_at = "taken", ch.utcnow() - dt.timedelta(hours=10)
        until = (first.taken_at + dt.timedelta(hours=48)).date()
    with transaction(engine) as s:
        ch.stop_challenge(s, people.owner, cid, "busy week, will try again later")
    with transaction(engine) as s:
        step = ch.today_steps(s, people.owner, people.owner_pid, day=dt.date.today())[0]
    assert step["action"] == "stopped" and "guidance" not in step
    assert (f"A late reaction to the last dose can still show until {ch._day_words(until)}: keep logging your itch "
            "and skin every day until then.") in step["text"], step
    assert step["text"].endswith(ch.STOPPED_FLARE_ADVICE) and "another step" not in step["text"]  # none is left
    with transaction(engine) as s:  # three days later the window is over: the stop alone
        step = ch.today_steps(s, people.owner, people.owner_pid, day=dt.date.today() + dt.timedelta(days=3))[0]
    assert step["text"] == "This egg challenge was stopped after step 1 (reason given: busy week, will try again later)."


def _finished(engine, people):  # type: ignore[no-untyped-def]
    """The walk's plan finished three days ago, each step taken at 09:00 on its day; returns
    (challenge id, first logged day, last day, the window days of the doses)."""
    cid = create(engine, people, doses=STEPS)["id"]
    shift_back(engine, cid, 7 + 6 + 3)
    with transaction(engine) as s:
        c = s.get(FoodChallenge, cid)
        start, end = c.baseline_start, c.reintroduction_end
        doses = s.scalars(select(ChallengeDose).where(ChallengeDose.challenge_id == cid)).all()
        for d in doses:
            d.status, d.taken_at = "taken", dt.datetime.combine(d.planned_on, dt.time(9))
        window = {d.planned_on + dt.timedelta(days=k) for d in doses for k in (0, 1, 2)}
    return cid, start, end, window


def test_a_steroid_step_up_a_cold_and_pollen_on_the_window_days_are_named(engine, people) -> None:  # type: ignore[no-untyped-def]
    """Calm itch after every dose, but the patient put on a topical steroid twice a day on the window
    days (it hides a late reaction), had a cold, and the pollen was high: the verdict read
    "no reaction" and said nothing of them. Now each is a reason, and the step-up keeps the verdict
    from "no reaction"."""
    cid, start, end, window = _finished(engine, people)
    day = start
    while day <= end:
        factors = {"treat.tcs": 2.0, "env.pollen": 90.0} if day in window else {"env.pollen": 10.0}
        with transaction(engine) as s:
            diary.put_day(s, people.owner, people.owner_pid, day, diary.DayInput(
                itch=2 + day.toordinal() % 2, factors=factors,
                notes="stuffy nose, a bad cold" if day == min(window) + dt.timedelta(days=1) else None))
        day += dt.timedelta(days=1)
    with transaction(engine) as s:
        v = ch.evaluate(s, people.clinician, cid)
    assert v["verdict"] == "inconclusive", v  # old code: no_reaction
    said = " | ".join(v["reasons"])
    assert "topical steroid used more on the days after the doses than on the other days (2.0 vs 0.0 a day)" in said
    assert "a possible infection on" in said and "'cold'" in said
    assert "Pollen was higher on the days after the doses" in said
    assert v["confounders"] and all(r in v["reasons"] for r in v["confounders"])


def test_a_flare_on_pollen_days_stays_a_reaction_with_the_pollen_named(engine, people) -> None:  # type: ignore[no-untyped-def]
    """Itch rises after each dose while the pollen is high on those days: the verdict stays with the
    diary (reaction likely) and names the pollen for the clinician; no steroid step-up, no illness."""
    cid, start, end, window = _finished(engine, people)
    day = start
    while day <= end:
        high = day in window
        with transaction(engine) as s:
            diary.put_day(s, people.owner, people.owner_pid, day, diary.DayInput(
                itch=7 if day in window and day != min(window) else 2 + day.toordinal() % 2,
                factors={"env.pollen": 80.0 if high else 5.0}))
        day += dt.timedelta(days=1)
    with transaction(engine) as s:
        v = ch.evaluate(s, people.clinician, cid)
    assert v["verdict"] == "reaction_likely", v
    assert [r for r in v["reasons"] if "Pollen" in r] and not [r for r in v["reasons"] if "steroid" in r or "infection" in r]


def test_the_clinician_reviews_the_same_reasons_and_the_late_dose_on_the_page(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    """The clinician's challenge page shows what the verdict says: inconclusive, with the steroid
    step-up and the cold listed (the page lists the verdict's reasons)."""
    import html

    from tests.safety.test_attacks import login_page

    cid, start, end, window = _finished(engine, people)
    day = start
    while day <= end:
        with transaction(engine) as s:
            diary.put_day(s, people.owner, people.owner_pid, day, diary.DayInput(
                itch=2 + day.toordinal() % 2, factors={"treat.tcs": 2.0} if day in window else {},
                notes="a cold" if day == max(window) else None))
        day += dt.timedelta(days=1)
    with transaction(engine) as s:
        ch.evaluate(s, people.clinician, cid)
    login_page(client, "linked@clinic.example.org")
    page = html.unescape(client.get(f"/clinic/challenges/{cid}").text)
    assert "inconclusive" in page and "topical steroid used more on the days after the doses" in page
    assert "a possible infection on" in page and "'cold'" in page
    assert "no reaction was seen, but a treatment step-up on those days may hide one" in page


def test_a_challenge_stopped_early_is_decided_once_its_last_window_is_over(engine, people) -> None:  # type: ignore[no-untyped-def]
    """Stopped four days after step 1 (steps 2 and 3 skipped): the planned end is still ahead, but no
    window is, so the diary decides; while step 1's window ran it was not "no reaction" yet."""
    cid, start, end, window = _finished(engine, people)
    with transaction(engine) as s:
        c = s.get(FoodChallenge, cid)
        for d in s.scalars(select(ChallengeDose).where(ChallengeDose.challenge_id == cid, ChallengeDose.step > 1)):
            d.status, d.taken_at = "skipped", None
        c.status, c.stop_reason, c.stopped_at = "stopped", "moving house", ch.utcnow()
        c.reintroduction_end = dt.date.today() + dt.timedelta(days=3)  # the planned end still ahead
    day = start
    while day <= dt.date.today():
        with transaction(engine) as s:
            diary.put_day(s, people.owner, people.owner_pid, day, diary.DayInput(itch=2 + day.toordinal() % 2))
        day += dt.timedelta(days=1)
    with transaction(engine) as s:
        v = ch.evaluate(s, people.clinician, cid)
    assert v["verdict"] == "no_reaction" and "observation_until" not in v, v
