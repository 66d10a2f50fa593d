"""The patient's "Challenge results" say what a refuted challenge showed and who decided, not
"no allergy". Found in the wording review of 2026-12-06: after a challenge was refuted (doses of
a few grams, or none at all with the clinician's note), the patient (or a child's parent) read
"Egg: no allergy", an all-clear for any amount that the challenge does not support (docs/challenges.md: the clinician
decides the outcome from the doses taken and the diary). It reads "no reaction found (the clinic's
decision)"; a confirmed one "allergy confirmed by the clinic"."""

from __future__ import annotations

import html
import re

from gutskin.clinic import challenges as ch
from gutskin.store.db import transaction
from tests.challenges.test_services import _run_home_challenge
from tests.safety.test_attacks import login_page


def test_a_refuted_challenge_is_not_an_all_clear(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    done = _run_home_challenge(engine, people, reacts=False)
    with transaction(engine) as s:
        assert ch.confirm_outcome(s, people.clinician, done, "refuted")["allergy_record"]["status"] == "refuted"
    login_page(client, "owner@example.org")
    page = html.unescape(client.get("/challenges").text)
    results = " ".join(re.sub(r"<[^>]+>", " ", page[page.find("<h2>Challenge results</h2>"):]).split())
    assert "no reaction found (the clinic's decision)" in results, results[:400]
    assert "no allergy" not in results
