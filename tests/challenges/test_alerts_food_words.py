"""The clinician's safety-alert table names the food in words ("Tree nuts"), not the diary's
factor code ("food.tree_nut"), as every other challenge page does; the stopped challenge's
status says "stopped" once."""

from __future__ import annotations

import datetime as dt
import re

from tests.challenges.test_pages import login, web  # noqa: F401  (fixture)


def test_the_alert_row_names_the_food(web) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from gutskin.clinic import challenges as ch
    from gutskin.store.db import transaction

    people, doc, pat = web
    with transaction(doc.app.state.engine) as s:
        plan = ch.create_plan(s, people.clinician, people.owner_pid, ch.PlanInput(
            food="food.tree_nut", kind="home", released_for_home=True, start=dt.date.today(), baseline_days=7,
            doses=[ch.DoseStep(0, "1 almond")]))
        ch.safety_check(s, people.owner, int(plan["id"]), ["hives"])  # type: ignore[arg-type]
    login(doc, "linked@clinic.example.org")
    page = doc.get("/clinic/challenges").text
    [row] = re.findall(r'<tr class="alert-row">(.*?)</tr>', page, re.S)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)  # cells carry a data-label (phone cards) since 2026-12-07
    assert cells[1] == "Owner" and cells[2] == "Tree nuts", cells
    assert "food.tree_nut" not in page
    detail = doc.get(f"/clinic/challenges/{plan['id']}").text
    assert '<td id="challenge-status">stopped</td>' in detail  # it read "stopped (stopped)"
