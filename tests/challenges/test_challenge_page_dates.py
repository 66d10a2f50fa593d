"""Challenge pages wrote days two ways: ISO on the patient's plan ("Your egg challenge starts on 2026-12-19",
"baseline until 2026-12-27", "Foods to avoid ... until 2027-01-04") and on the clinician's challenge page and list
("2026-12-26 – 2027-01-04"), "Sat 19 Dec 2026" in the lists beside them (h2 walk, 2026-12-07). Every day a person
reads on a challenge page is now written one way, as the rest of the app writes a day (``day_words``), and a
page's own dates keep their machine-readable value in ``<time datetime=...>``. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import html
import re

from gutskin.web.pages.common import day_words
from tests.conftest import bearer
from tests.safety.test_attacks import login_page

ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _text(page: str) -> str:
    """What a reader sees: the page's text without its tags (attributes such as datetime= go with them)."""
    body = page.split("<main", 1)[-1]
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def _plan(client, people) -> dict:  # type: ignore[no-untyped-def]
    doc = bearer(client, "linked@clinic.example.org")
    start = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    r = client.post(f"/api/v1/patients/{people.owner_pid}/challenges", headers=doc, json={
        "food": "food.egg", "kind": "home", "released_for_home": True, "start": start, "elimination_days": 7,
        "elimination_max_days": 21, "baseline_days": 7,
        "doses": [{"day_offset": 0, "amount": "1/4 cooked egg"}, {"day_offset": 4, "amount": "1/2 cooked egg"}]})
    assert r.status_code == 201, r.text
    return r.json()


def test_the_patients_plan_writes_its_days_in_words(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    plan = _plan(client, people)
    login_page(client, "owner@example.org")
    page = client.get("/challenges").text
    text = _text(page)
    assert f"Your egg challenge starts on {day_words(plan['elimination_start'])}." in text, text
    first_dose = plan["doses"][0]["planned_on"]
    assert f"Egg step 1 (1/4 cooked egg, at home) is due on {day_words(first_dose)}." in text, text
    assert not ISO_DAY.findall(text), ISO_DAY.findall(text)


def test_the_clinicians_pages_write_days_in_words_with_time_elements(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    plan = _plan(client, people)
    login_page(client, "linked@clinic.example.org")
    detail = client.get(f"/clinic/challenges/{plan['id']}").text
    text = _text(detail)
    assert not ISO_DAY.findall(text), ISO_DAY.findall(text)
    for key in ("elimination_start", "elimination_end", "review_by", "baseline_start", "baseline_end",
                "reintroduction_start", "reintroduction_end"):
        iso = plan[key]
        assert f'<time datetime="{iso}">{day_words(iso)}</time>' in detail, key
    dose = plan["doses"][1]["planned_on"]
    assert f'<td><time datetime="{dose}">{day_words(dose)}</time></td>' in detail

    listing = client.get(f"/clinic/patients/{people.owner_pid}/challenges").text
    table = listing.split('aria-label="Food challenges"', 1)[1].split("</table>", 1)[0]
    assert not ISO_DAY.findall(_text(table)), _text(table)
    start, end = plan["reintroduction_start"], plan["reintroduction_end"]
    assert (f'<time datetime="{start}">{day_words(start)}</time> – '
            f'<time datetime="{end}">{day_words(end)}</time>') in table
