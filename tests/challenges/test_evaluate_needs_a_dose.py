"""A challenge not started yet offered "Evaluate from the diary", and the server stored a verdict for
a challenge in which nothing had been eaten (h2, 2026-12-07). Now the page says why there is nothing to
evaluate in place of the button, and the API and the page's form refuse with that reason; the button
comes once a dose is taken."""

from __future__ import annotations

import html

from tests.challenges.test_closed_status_words import egg_dose_given_in_clinic
from tests.conftest import bearer
from tests.safety.test_attacks import login_page

HOME = {"food": "food.egg", "kind": "home", "released_for_home": True, "baseline_days": 7,
        "doses": [{"day_offset": 0, "amount": "1/4 cooked egg"}, {"day_offset": 4, "amount": "1/2 cooked egg"}]}


def test_no_evaluation_before_the_first_dose(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    doc = bearer(client, "linked@clinic.example.org")
    cid = client.post(f"/api/v1/patients/{people.owner_pid}/challenges", json=HOME, headers=doc).json()["id"]

    r = client.post(f"/api/v1/challenges/{cid}/evaluate", headers=doc)
    assert r.status_code == 422, r.text
    said = r.text
    assert "nothing to evaluate yet: no dose has been taken" in said and "step 1 is due on" in said
    assert client.get(f"/api/v1/challenges/{cid}", headers=doc).json()["verdict"] is None  # nothing stored

    login_page(client, "linked@clinic.example.org")
    page = html.unescape(client.get(f"/clinic/challenges/{cid}").text)
    assert 'id="evaluate"' not in page and f'action="/clinic/challenges/{cid}/evaluate"' not in page
    assert 'id="evaluate-later"' in page and "Nothing to evaluate yet: no dose has been taken" in page
    # a form posted anyway (an old tab) comes back with the reason, and no verdict is stored
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    back = html.unescape(client.post(f"/clinic/challenges/{cid}/evaluate", data={"csrf_token": token}).text)
    assert 'id="challenge-error"' in back and "no dose has been taken" in back
    assert 'id="no-verdict"' in back

    # stopped before any dose: still nothing to evaluate, and the page says what to do instead
    assert client.post(f"/api/v1/challenges/{cid}/stop", headers=doc, json={"reason": "holiday"}).status_code == 200
    r = client.post(f"/api/v1/challenges/{cid}/evaluate", headers=doc)
    assert r.status_code == 422 and "stopped before any dose was taken" in r.text
    page = html.unescape(client.get(f"/clinic/challenges/{cid}").text)
    assert 'id="evaluate"' not in page and "record the outcome (with the reason)" in page


def test_evaluation_is_offered_once_a_dose_is_taken(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    doc, cid = egg_dose_given_in_clinic(client, engine, people.owner_pid)
    login_page(client, "linked@clinic.example.org")
    page = client.get(f"/clinic/challenges/{cid}").text
    assert 'id="evaluate"' in page and 'id="evaluate-later"' not in page
    r = client.post(f"/api/v1/challenges/{cid}/evaluate", headers=doc)
    assert r.status_code == 200 and r.json()["verdict"]
