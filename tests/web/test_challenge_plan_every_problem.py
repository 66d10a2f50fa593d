"""The clinician's challenge plan says every problem of a refused plan at once (2026-12-07): it refused one
field per Save (the first day's format, then the baseline, then a dose line...). Now a list at the top of the
form links to each field, each field is marked and described by its own message, and what was typed is kept;
the API's refusal names them all too. SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re

import pytest

from gutskin.clinic import challenges as uc
from gutskin.clinic.errors import InvalidInput
from gutskin.store.db import transaction
from tests.safety.test_attacks import login_page


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_a_plan_with_four_wrong_fields_says_all_four(client, people) -> None:
    login_page(client, "linked@clinic.example.org")
    action = f"/clinic/patients/{people.owner_pid}/challenges"
    form = {"food": "food.dairy", "custom_food": "", "kind": "home", "released_for_home": "",
            "start": "06/12/2026", "baseline_days": "1", "elimination_days": "0", "elimination_max_days": "",
            "observation_hours": "48", "doses": "0: 10 ml milk\nfifty ml", "instructions": "",
            "csrf_token": _csrf(client.get(action).text)}
    r = client.post(action, data=form, follow_redirects=False)
    assert r.status_code == 422
    box = re.search(r'<div class="error-summary" id="challenge-error" role="alert"[^>]*>(.*?)</div>', r.text, re.S)
    assert box, r.text[-3000:]
    listed = [(href, html.unescape(t)) for href, t in re.findall(r'<li><a href="#([^"]+)">(.*?)</a></li>', box.group(1))]
    assert [h for h, _ in listed] == ["challenge-released_for_home", "challenge-start", "challenge-baseline_days",
                                      "challenge-doses"], listed
    assert listed[1][1].startswith("First day: expected a day YYYY-MM-DD")
    for href, text in listed:
        control = re.search(r'<(?:input|select|textarea)[^>]*id="' + href + r'"[^>]*>', r.text).group(0)  # type: ignore[union-attr]
        assert 'aria-invalid="true"' in control and f'aria-describedby="{href}-error"' in control, control
        said = re.search(r'<span class="error-message" id="' + href + r'-error">(.*?)</span>', r.text).group(1)  # type: ignore[union-attr]
        assert html.unescape(said) == text
    assert "aria-invalid" not in re.search(r'<input[^>]*id="challenge-observation_hours"[^>]*>', r.text).group(0)  # type: ignore[union-attr]
    assert 'value="06/12/2026"' in r.text and "fifty ml</textarea>" in r.text  # what was typed, to correct


def test_the_plan_rules_name_every_problem(engine, people) -> None:
    plan = uc.PlanInput(food="food.egg", kind="home", released_for_home=False, start=None, baseline_days=1,
                        elimination_days=0, elimination_max_days=None, observation_hours=10,
                        doses=[uc.DoseStep(0, "")], instructions="")
    with transaction(engine) as s, pytest.raises(InvalidInput) as refused:
        uc.create_plan(s, people.clinician, people.owner_pid, plan)
    assert [p.split(":")[0] for p in refused.value.problems] == [  # type: ignore[attr-defined]
        "released_for_home", "baseline_days", "observation_hours", "doses[0].amount"]
    assert str(refused.value).startswith("released_for_home: ") and "; baseline_days: " in str(refused.value)
    ok = uc.PlanInput(food="food.egg", kind="supervised", released_for_home=False,
                      start=None, baseline_days=uc.DEFAULT_BASELINE_DAYS, elimination_days=0, elimination_max_days=None,
                      observation_hours=48, doses=[uc.DoseStep(0, "1/4 cooked egg")], instructions="")
    assert uc.plan_problems(ok) == []
