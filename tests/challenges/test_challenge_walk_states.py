"""The challenge pages walked with a challenge in each state (planned, running, waiting, held, stopped
for a reaction, finished with each verdict and outcome), as the clinician and the patient read them
(2026-12-07). What read wrong, each fixed here:

* waiting: the patient's "Coming up" said "Egg step 2 ... is due on <today>" under the step's own
  "Next step 2 ... is due on <tomorrow>, not before 09:12 UTC" (the reminder ignored the wait);
* held by a late reaction: "Coming up" said step 2 "is due on <today>", and the card said "Next step 3
  ... is due on ..." under "Step 2 is on hold", as if step 3 went ahead without it;
* finished, with late-reaction alerts: the clinician's challenge page said "The patient's next step is
  held until you acknowledge this alert" when no step was left;
* planned (not started): the clinician's challenge page said "Step 1 is held at home until 7 are
  logged" and offered "Let step 1 start with 0 days" before the baseline had begun.

SQLite and PostgreSQL (``engine``/``client``)."""

from __future__ import annotations

import datetime as dt
import html
import re

from gutskin.clinic import challenges as ch
from gutskin.clinic import diary
from gutskin.store.db import transaction
from gutskin.store.models import ChallengeDose
from tests.challenges.test_late_reaction_alerts import _after_step_one
from tests.challenges.test_services import _run_home_challenge, create
from tests.safety.test_attacks import login_page

TODAY = dt.date.today()


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _coming_up(page: str) -> str:
    m = re.search(r'<ul class="reminders">(.*?)</ul>', page, re.S)
    assert m, "no Coming up list"
    return _text(m.group(1))


def _patient_page(client) -> str:  # type: ignore[no-untyped-def]
    client.cookies.clear()
    assert login_page(client, "owner@example.org").status_code == 303
    return client.get("/challenges").text


def _clinician_page(client, cid: int) -> str:  # type: ignore[no-untyped-def]
    client.cookies.clear()
    assert login_page(client, "linked@clinic.example.org").status_code == 303
    r = client.get(f"/clinic/challenges/{cid}")
    assert r.status_code == 200
    return r.text


def test_coming_up_says_the_waiting_steps_day_as_its_card_does(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    cid = _after_step_one(engine, people.clinician, people.owner, people.owner_pid)
    with transaction(engine) as s:  # step 1 taken 4 hours ago (a day late): step 2, planned today, waits 20 hours
        dose = s.query(ChallengeDose).filter_by(challenge_id=cid, step=1).one()
        dose.taken_at = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=4)
    with transaction(engine) as s:
        (step,) = ch.today_steps(s, people.owner, people.owner_pid, TODAY)
        (reminder,) = [r for r in ch.reminders(s, people.owner, people.owner_pid, TODAY) if r["kind"] == "next_step"]
    due = str(step["next_due"])
    assert due > TODAY.isoformat() and reminder["due"] == due, (step, reminder)  # the reminder said today
    page = _patient_page(client)
    assert f"Egg step 2 (1/2 cooked egg, at home) is due on {ch._day_words(dt.date.fromisoformat(due))}" in _coming_up(page)
    assert f"is due on {ch._day_words(TODAY)}" not in _coming_up(page)


def test_a_held_step_is_on_hold_in_coming_up_and_no_later_step_is_announced(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    _after_step_one(engine, people.clinician, people.owner, people.owner_pid)
    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, TODAY, diary.DayInput(itch=2, flare=True))
    page = _patient_page(client)
    card = _text(page[page.index('<section class="card step"'):page.index("</section>")])
    assert "Step 2 (1/2 cooked egg) is on hold." in card and "Next step 3" not in card, card
    coming = _coming_up(page)
    assert "Egg step 2 (1/2 cooked egg, at home) is on hold until the clinic has reviewed" in coming, coming
    assert "is due on" not in coming, coming


def test_a_finished_challenges_late_alert_does_not_say_a_step_is_held(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    cid = _run_home_challenge(engine, people, reacts=True)  # its diary after each dose alerts late reactions
    text = _text(_clinician_page(client, cid))
    assert "Late reaction" in text and "No dose step is left to hold" in text, text[:1500]
    assert "next step is held" not in text


def test_a_planned_challenge_offers_no_short_baseline_start_before_its_baseline(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    cid = int(create(engine, people, start=TODAY + dt.timedelta(days=5))["id"])
    page = _clinician_page(client, cid)
    assert "active (upcoming)" in _text(page)
    assert 'id="first-step-baseline"' not in page and "Let step 1 start" not in page
    with transaction(engine) as s:  # once the baseline has begun, the count and the choices are there
        from tests.challenges.test_services import shift_back_in

        shift_back_in(s, cid, 6)
    page = _clinician_page(client, cid)
    assert 'id="first-step-baseline"' in page and "Let step 1 start with 0 days" in page
    client.cookies.clear()
    login_page(client, "unlinked@clinic.example.org")
    assert client.get(f"/clinic/challenges/{cid}").status_code == 404


def test_the_verdicts_counts_agree_with_their_numbers(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    """The verdict's line read "... 1 doses" for a challenge stopped after its first dose (clinician
    walk, 2026-12-07): its counts take the singular for one, through the one number helper."""
    cid = _run_home_challenge(engine, people, reacts=False)
    with transaction(engine) as s:
        for dose in s.query(ChallengeDose).filter(ChallengeDose.challenge_id == cid, ChallengeDose.step > 1):
            dose.status, dose.taken_at = "planned", None
    with transaction(engine) as s:
        v = ch.evaluate(s, people.owner, cid)
    assert v["doses"] == 1, v
    text = _text(_clinician_page(client, cid))
    assert "1 dose;" in text and "1 doses" not in text, re.findall(r"[^.]*observation-window[^.]*", text)
    assert f"{v['baseline_days']} baseline days," in text
