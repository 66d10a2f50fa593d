"""What each side is told after two paths walked in Chromium (tests/e2e/test_challenge_reaction_and_inconclusive.py,
h2, 2026-12-07), here on both databases:

1. An in-clinic challenge stopped by a reaction: the patient's page said, under the stop, "tell your clinic before you
   take another step" -- there is no further step.
2. A finished home challenge evaluated "inconclusive": the clinician's page listed "about 4 more dose(s) ..." beside an
   outcome form with only confirmed / refuted, and no word of what can be done; the patient's page said only "Your
   clinician will review the result" while the food is on no avoid list.
"""

from __future__ import annotations

import datetime as dt
import html

from gutskin.clinic import challenges as ch
from gutskin.clinic import diary
from gutskin.store.db import transaction
from tests.challenges.test_closed_status_words import egg_dose_given_in_clinic
from tests.challenges.test_home_walk_delayed import _finished
from tests.safety.test_attacks import login_page


def test_a_stop_in_clinic_offers_no_further_step(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    doc, cid = egg_dose_given_in_clinic(client, engine, people.owner_pid)
    r = client.post(f"/api/v1/challenges/{cid}/supervised-outcome", headers=doc,
                    json={"immediate_outcome": "positive", "stop_reason": "urticaria after 0.5 g"})
    assert r.status_code == 200
    with transaction(engine) as s:
        (step,) = ch.today_steps(s, people.owner, people.owner_pid)
    assert step["action"] == "stopped"
    assert "A late reaction to the last dose can still show until" in step["text"]  # the dose's window runs
    assert "another step" not in step["text"], step["text"]
    assert step["text"].endswith(ch.STOPPED_FLARE_ADVICE)


NOISY = [1, 7, 2, 8, 1, 6, 3]  # a baseline too variable for a home challenge to decide


def test_an_inconclusive_finished_challenge_says_what_next(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    cid, start, end, _window = _finished(engine, people)
    day, i = start, 0
    while day <= end:
        with transaction(engine) as s:
            diary.put_day(s, people.owner, people.owner_pid, day, diary.DayInput(itch=NOISY[i % len(NOISY)]))
        day, i = day + dt.timedelta(days=1), i + 1
    with transaction(engine) as s:
        assert ch.evaluate(s, people.clinician, cid)["verdict"] == "inconclusive"
        (step,) = ch.today_steps(s, people.owner, people.owner_pid)
    assert step["action"] == "review"
    assert "The diary could not show whether egg causes you a reaction (the result is unclear)" in step["text"]
    assert step["text"].endswith("Until then, ask your clinic before eating egg."), step["text"]

    login_page(client, "linked@clinic.example.org")
    page = html.unescape(client.get(f"/clinic/challenges/{cid}").text)
    assert 'id="verdict-next"' in page
    assert ("Either record the outcome from your own judgement (say in the note what it rests on), or stop this "
            "challenge and plan egg again, as a supervised oral food challenge in clinic, or at home with a longer "
            "baseline and more steps.") in page

    # once decided, neither is said any more
    with transaction(engine) as s:
        ch.confirm_outcome(s, people.clinician, cid, "refuted", note="ate egg at home without trouble since")
        steps = ch.today_steps(s, people.owner, people.owner_pid)
    assert not any("unclear" in str(st["text"]) for st in steps), steps
    assert 'id="verdict-next"' not in client.get(f"/clinic/challenges/{cid}").text
