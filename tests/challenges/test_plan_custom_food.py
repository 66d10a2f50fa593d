"""The plan form's other food is typed in words, as the diary's own factor: "Sesame seeds" plans a
challenge of food.sesame_seeds. Only the factor name was taken ("or another food factor",
placeholder food.sesame): "sesame" was refused with "factor name 'sesame': expected 'group.name'
in lower case letters…" (found walking the clinician's journey)."""

from __future__ import annotations

import datetime as dt
import html
import re

from tests.challenges.test_pages import csrf, login, web  # noqa: F401  (fixture)


def test_another_food_is_typed_in_words(web) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    people, doc, _ = web
    login(doc, "linked@clinic.example.org")
    pid = people.owner_pid
    page = doc.get(f"/clinic/patients/{pid}/challenges")
    form = {"food": "food.dairy", "kind": "home", "released_for_home": "1", "start": dt.date.today().isoformat(),
            "baseline_days": "7", "elimination_days": "0", "observation_hours": "48", "doses": "0: 1 tsp tahini",
            "csrf_token": csrf(page.text)}
    r = doc.post(f"/clinic/patients/{pid}/challenges", data={**form, "custom_food": "!!!"}, follow_redirects=False)
    assert r.status_code == 422 and "Another food, in words: name the food in letters or digits, e.g. sesame" in html.unescape(r.text)
    assert 'name="custom_food" maxlength="80" placeholder="e.g. sesame" value="!!!"' in html.unescape(r.text)
    r = doc.post(f"/clinic/patients/{pid}/challenges", data={**form, "custom_food": " Sesame seeds "}, follow_redirects=False)
    assert r.status_code == 303, html.unescape(r.text)[-3000:]
    detail = doc.get(r.headers["location"]).text
    assert re.search(r"<h1>Sesame seeds challenge", detail), detail[:1500]
    listing = doc.get(f"/clinic/patients/{pid}/challenges").text
    assert listing.count('href="/clinic/challenges/') == 1
    # the full name, as before (after the sesame seeds' reintroduction: one food at a time, 2026-12-07)
    later = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    r = doc.post(f"/clinic/patients/{pid}/challenges",
                 data={**form, "custom_food": "food.sesame", "doses": "0: 1 tsp tahini", "start": later},
                 follow_redirects=False)
    assert r.status_code == 303


def test_a_food_named_after_an_allergen_owns_its_words() -> None:
    """A challenge of food.sesame_seeds with a dose of "1 tsp tahini" was refused as naming sesame
    ("names sesame, but this challenge is for sesame seeds"); goat's milk and goat cheese likewise.
    A dose naming another allergen is still refused."""
    from gutskin.clinic.challenges import other_food_named

    assert other_food_named("food.sesame_seeds", "1 tsp tahini") is None
    assert other_food_named("food.goat_milk", "5 g goat cheese") is None
    assert other_food_named("food.sesame_seeds", "1 boiled egg") == "egg"
    assert other_food_named("food.dairy", "1/4 cooked egg") == "egg"
    assert other_food_named("food.tomato", "1 slice of bread") == "wheat"
