"""A factor of one's own added late (the new patient's walk of 2026-12-07): tomato ticked on the
last 3 of 40 logged days, recorded on no day before it was added, read "Tomato: not judged — it
was on all 3 days with an itch score", next to a diary of 40 days with an itch score. It now says
it was on every day it was recorded, and how many those were. Patient and clinician panel,
SQLite and PostgreSQL."""

from __future__ import annotations

from tests.web.test_insights_acceptance import _logged_and_ready, panels


def test_a_factor_added_late_is_on_every_day_it_was_recorded(engine, people, client) -> None:
    r = _logged_and_ready(engine, people, 40, 5, lambda i, rng: {
        "food.dairy": rng.randint(0, 1), **({"food.tomato": 1} if i >= 37 else {})})
    by = {x["factor"]: x for x in r["triggers"]["not_enough_data"]}
    sentence = by["food.tomato"]["sentence"]
    assert sentence.startswith("Tomato: not judged — it was on every day it was recorded (3 days with an itch "
                               "score), so there are no days without it to compare with."), sentence
    assert "all 3 days" not in sentence
    for email, page in panels(client, people.owner_pid).items():
        assert "Tomato: not judged — it was on every day it was recorded (3 days with an itch score)" in page, email
        assert "on all 3 days" not in page, email
