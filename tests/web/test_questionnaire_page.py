"""Weekly questionnaires in the browser: a blank answer keeps the others, a severe score says what to do."""

from __future__ import annotations

import html
import re

from tests.conftest import bearer
from tests.safety.test_attacks import login_page


def _csrf(text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)


def test_a_blank_answer_returns_the_form_with_the_answers_given_and_stores_nothing(client, people) -> None:
    login_page(client, "owner@example.org")
    form = {"csrf_token": _csrf(client.get("/questionnaire/poem").text)}
    form.update({f"q{i}": "3" for i in range(7) if i != 4})
    r = client.post("/questionnaire/poem", data=form)
    assert r.status_code == 422
    assert "Please answer every question (not yet: 5)." in html.unescape(r.text)
    assert len(re.findall(r'value="3" checked', r.text)) == 6  # nothing typed is lost
    assert client.get("/api/v1/me/questionnaires", headers=bearer(client, "owner@example.org")).json() == []


def test_a_very_severe_poem_says_what_to_do(client, people) -> None:
    login_page(client, "owner@example.org")
    form = {"csrf_token": _csrf(client.get("/questionnaire/poem").text), **{f"q{i}": "4" for i in range(7)}}
    r = client.post("/questionnaire/poem", data=form)
    assert r.status_code == 200 and "very severe" in r.text
    assert 'id="severe-guidance"' in r.text and 'href="/appointments"' in r.text
    form["q0"], form["q1"], form["q2"], form["q3"], form["q4"], form["q5"], form["q6"] = "0", "0", "0", "0", "0", "1", "0"
    mild = client.post("/questionnaire/poem", data=form)
    assert mild.status_code == 200 and 'id="severe-guidance"' not in mild.text


def test_an_unknown_questionnaire_is_the_sites_404_page(client, people) -> None:
    login_page(client, "owner@example.org")
    r = client.get("/questionnaire/adct")
    assert r.status_code == 404 and "<h1>Not found</h1>" in r.text and "POEM and RECAP" in r.text
