"""A new patient's first day, found in the day-one browser review (session 8): what a reload, a
double click or a caregiver meets on the patient pages."""

from __future__ import annotations

import re

from tests.conftest import bearer
from tests.safety.test_attacks import login_page


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_a_questionnaire_sent_twice_on_one_day_is_stored_once(client, people) -> None:
    """Reloading the POEM result page (the browser posts the form again) or a double click on
    Score stored a second POEM of the same day: two rows in the history, two points on the trends
    page and in the clinic's view. The day's answer is now replaced, and the change audited."""
    login_page(client, "owner@example.org")
    csrf = _csrf(client.get("/questionnaire/poem").text)
    first = client.post("/questionnaire/poem", data={"csrf_token": csrf, **{f"q{i}": "2" for i in range(7)}})
    assert first.status_code == 200 and "Score <strong>14</strong>" in first.text
    again = client.post("/questionnaire/poem", data={"csrf_token": csrf, **{f"q{i}": "2" for i in range(7)}})
    assert again.status_code == 200 and "Score <strong>14</strong>" in again.text
    corrected = client.post("/questionnaire/poem", data={"csrf_token": csrf, **{f"q{i}": "1" for i in range(7)}})
    assert "Score <strong>7</strong>" in corrected.text

    owner = bearer(client, "owner@example.org")
    answered = client.get("/api/v1/me/questionnaires", headers=owner).json()
    assert [(q["instrument"], q["total"]) for q in answered] == [("poem", 7.0)]
    day = answered[0]["answered_on"]
    assert [d["poem"] for d in client.get(f"/api/v1/me/diary?start={day}&end={day}", headers=owner).json()] == [7]
    trends = client.get("/trends?weeks=4").text
    assert trends.count(f"<li>{day}: <strong>") == 1 and f"<li>{day}: <strong>7</strong> (mild)</li>" in trends
    # the API the same way; another instrument that day is its own answer
    r = client.post("/api/v1/me/questionnaires/poem", json={"answers": [3] * 7}, headers=owner)
    assert r.status_code in (200, 201) and r.json()["total"] == 21 and r.json()["id"] == answered[0]["id"]
    client.post("/api/v1/me/questionnaires/recap", json={"answers": [1] * 7}, headers=owner)
    answered = client.get("/api/v1/me/questionnaires", headers=owner).json()
    assert sorted((q["instrument"], q["total"]) for q in answered) == [("poem", 21.0), ("recap", 7.0)]
    # the replaced answers are in the access list as changes, the first as the addition
    log = [e["action"] for e in client.get("/api/v1/me/audit", headers=owner).json() if e["object"] == "questionnaire"]
    assert sorted(log) == ["create"] * 2 + ["update"] * 3, log


def test_another_day_is_another_answer(client, people) -> None:
    """The weekly questionnaire of last week stays: only the same day's answer is replaced."""
    owner = bearer(client, "owner@example.org")
    for day, value in (("2026-11-20", 1), ("2026-11-27", 2), ("2026-11-27", 3)):
        r = client.post("/api/v1/me/questionnaires/poem", json={"answers": [value] * 7, "answered_on": day}, headers=owner)
        assert r.status_code in (200, 201), r.text
    answered = client.get("/api/v1/me/questionnaires", headers=owner).json()
    assert [(q["answered_on"], q["total"]) for q in answered] == [("2026-11-20", 7.0), ("2026-11-27", 21.0)]


def test_a_childs_questionnaires_ask_about_the_child(client, people) -> None:
    """On a child's profile POEM asked the caregiver how many nights eczema disturbed "your
    sleep" and RECAP "How has your eczema been?": a parent answered about their own nights (the
    forms read exactly as on their own profile). A child's profile asks the proxy wording, and a
    severe result speaks of the child."""
    login_page(client, "owner@example.org")
    csrf = _csrf(client.get("/data").text)
    r = client.post("/profiles/child", data={"csrf_token": csrf, "display_name": "Mia"}, follow_redirects=False)
    cid = int(r.headers["location"].rsplit("=", 1)[1])
    poem = client.get(f"/questionnaire/poem?patient={cid}").text
    assert "has your child&#39;s skin been" in poem and "disturbing their sleep (nights)" in poem
    assert "your skin" not in poem and "your sleep" not in poem
    recap = client.get(f"/questionnaire/recap?patient={cid}").text
    assert "How has your child&#39;s eczema been?" in recap and "your eczema" not in recap.replace("your child", "")
    for own in ("/questionnaire/poem", f"/questionnaire/poem?patient={people.owner_pid}"):
        page = client.get(own).text
        assert "has your skin been" in page and "disturbing your sleep (nights)" in page and "child" not in page
    severe = client.post(f"/questionnaire/poem?patient={cid}", data={"csrf_token": csrf, **{f"q{i}": "4" for i in range(7)}})
    assert severe.status_code == 200 and 'id="severe-guidance"' in severe.text
    assert "Your child&#39;s eczema was very severe over the last week" in severe.text
    assert "You are on the record of <strong>Mia</strong>." in severe.text
    mine = client.post("/questionnaire/poem", data={"csrf_token": csrf, **{f"q{i}": "4" for i in range(7)}})
    assert "Your eczema was very severe over the last week" in mine.text
