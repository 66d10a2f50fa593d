"""A factor on every logged day (a maintenance cream) and one on none (messy-diaries walk,
2026-12-06): neither can be judged, and neither is a matter of "more days"."""

from __future__ import annotations

from tests.web.test_insights_acceptance import _logged_and_ready, panels


def test_a_daily_cream_is_not_told_it_needs_days_without(engine, people, client) -> None:
    """An emollient applied on all 40 days was listed under "Needs more days" as "needs at least
    14 days with and 14 without (you have 40 and 0)", which only stopping the cream would
    "fix". It now has its own heading and says there are no days without it to compare with;
    the API's sentence for a food never eaten no longer asks for 14 days with it."""
    r = _logged_and_ready(engine, people, 40, 3, lambda i, rng: {
        "treat.emollient": 1, "treat.tcs": 2, "food.soy": 0, "food.egg": rng.randint(0, 1)})
    by = {x["factor"]: x for x in r["triggers"]["not_enough_data"]}
    assert by["treat.emollient"]["sentence"].startswith(
        "Emollient: not judged — it was on every day it was recorded (40 days with an itch score), so there are no "
        "days without it")
    assert by["food.soy"]["sentence"] == (
        "Soy: not judged — none of the 40 days with an itch score had it, so there is nothing to compare.")
    for email, page in panels(client, people.owner_pid).items():
        every = page.split("<h2>The same on every day so far</h2>", 1)[1].split("</ul>", 1)[0]
        assert "Emollient: not judged — it was on every day it was recorded (40 days" in every
        assert "More topical steroid: not judged — it had the same value on all 40 days" in every
        assert "has 40 and 0)" not in page and "have 40 and 0)" not in page
        needs = page.split("<h2>Needs more days</h2>", 1)[1].split("</ul>", 1)[0] if "Needs more days" in page else ""
        assert "Emollient" not in needs and "steroid" not in needs
        advice = "ask the clinician who prescribed it"
        assert (advice in every) == (email == "owner@example.org")
    assert by["treat.tcs"]["sentence"].startswith(
        "More topical steroid: not judged — it had the same value on all 40 days with an itch score, so there is")
