"""The clinician's challenge page writes the verdict's probability of a reaction as the insights
do (gutskin.insights.wording.risk_percent): a posterior of 0.999 is "over 99%", never "100 %",
which the data cannot promise (nor "0 %" for one that is only small). Found in the wording
review of 2026-12-06: the page formatted it with '%.0f', so a clear reaction read "probability
of a reaction 100 %"."""

from __future__ import annotations

import datetime as dt
import html
import re

from gutskin.clinic import challenges as ch
from gutskin.insights.wording import risk_percent
from gutskin.store.db import transaction
from tests.challenges.test_verdict_patient_zone import _challenge_in_the_past
from tests.safety.test_attacks import login_page


def test_a_clear_reaction_is_not_a_certain_one(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    cid, _, _ = _challenge_in_the_past(engine, people, None, dt.time(9, 0), None)
    with transaction(engine) as s:
        v = ch.evaluate(s, people.clinician, cid)
    assert v["verdict"] == "reaction_likely" and 0.995 <= v["probability"] < 1.0, v  # what the model says
    login_page(client, "linked@clinic.example.org")
    page = html.unescape(client.get(f"/clinic/challenges/{cid}").text)
    card = " ".join(re.sub(r"<[^>]+>", " ", page[page.find('id="verdict"'):][:1500]).split())
    assert f"probability of a reaction {risk_percent(v['probability'])}" in card, card
    assert "over 99%" in card and "100 %" not in card, card


def test_the_itch_effect_names_its_scale(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    """The verdict's effect read "itch +5.0 points on reaction days" with no scale (found in the
    same review); it now reads "itch +5.0 points (0–10 scale) in the observation windows vs the baseline"
    ("on reaction days" until 2026-12-06: beside the verdict "no reaction" it read as days with a reaction)."""
    cid, _, _ = _challenge_in_the_past(engine, people, None, dt.time(9, 0), None)
    with transaction(engine) as s:
        v = ch.evaluate(s, people.clinician, cid)
    login_page(client, "linked@clinic.example.org")
    page = html.unescape(client.get(f"/clinic/challenges/{cid}").text)
    card = " ".join(re.sub(r"<[^>]+>", " ", page[page.find('id="verdict"'):][:1500]).split())
    assert f"itch {v['effect']:+.1f} points (0–10 scale) in the observation windows vs the baseline (90 % interval" in card, card
    assert "reaction days" not in card, card


def test_an_itch_fall_is_written_with_a_minus_sign(client, engine, people, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A fall in itch after the doses read "itch -2.4 points" with a hyphen (the page formatted it
    with '%+.1f'); pages write a minus sign, U+2212, as the panel does (gutskin.diary.numbers.signed)."""
    import tests.challenges.test_verdict_patient_zone as zone_tests

    monkeypatch.setattr(zone_tests, "REACTION_ITCH", 0)  # itch falls on the days after each dose
    cid, _, _ = _challenge_in_the_past(engine, people, None, dt.time(9, 0), None)
    with transaction(engine) as s:
        v = ch.evaluate(s, people.clinician, cid)
    assert v["effect"] < -1.0, v
    login_page(client, "linked@clinic.example.org")
    page = html.unescape(client.get(f"/clinic/challenges/{cid}").text)
    card = " ".join(re.sub(r"<[^>]+>", " ", page[page.find('id="verdict"'):][:1500]).split())
    assert f"itch \u2212{abs(v['effect']):.1f} points (0–10 scale)" in card, card
    assert f"itch -{abs(v['effect']):.1f}" not in card, card
