"""A refused plan shows the plan form again with what the clinician typed (it redirected to an
empty form: the dose steps, instructions and kind were lost for one wrong date)."""

from __future__ import annotations

import datetime as dt
import html
import re

from tests.challenges.test_pages import csrf, login, web  # noqa: F401  (fixture)


def test_refused_plan_keeps_what_was_typed(web) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    people, doc, _ = web
    login(doc, "linked@clinic.example.org")
    pid = people.owner_pid
    page = doc.get(f"/clinic/patients/{pid}/challenges")
    yesterday = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    doses = "0: 1 ml milk\n0: 10 ml milk\n0: 100 ml milk"
    form = {"food": "food.dairy", "custom_food": "", "kind": "supervised", "start": yesterday, "baseline_days": "9",
            "elimination_days": "3", "elimination_max_days": "10", "observation_hours": "36", "doses": doses,
            "instructions": "Bring the <antihistamine> & your inhaler", "csrf_token": csrf(page.text)}
    r = doc.post(f"/clinic/patients/{pid}/challenges", data=form, follow_redirects=False)
    assert r.status_code == 422 and "First day: the plan cannot start in the past" in r.text
    text = r.text
    assert '<option value="food.dairy" selected>' in text
    assert '<option value="supervised" selected>' in text
    assert f'name="start" value="{yesterday}"' in text
    for name, value in (("baseline_days", "9"), ("elimination_days", "3"), ("elimination_max_days", "10"),
                        ("observation_hours", "36")):
        assert re.search(rf'name="{name}"[^>]*value="{value}"', text), name
    assert f">{doses}</textarea>" in html.unescape(text)
    assert "Bring the &lt;antihistamine&gt; &amp; your inhaler</textarea>" in text  # escaped, never markup
    assert 'id="no-challenges"' in text  # nothing was created
    # corrected, it goes through
    r = doc.post(f"/clinic/patients/{pid}/challenges", data={**form, "start": dt.date.today().isoformat()},
                 follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/clinic/challenges/")
    # a fresh form has the defaults again
    fresh = doc.get(f"/clinic/patients/{pid}/challenges").text
    assert 'name="baseline_days" value="14"' in fresh and "></textarea>" in fresh and "selected>" not in fresh
