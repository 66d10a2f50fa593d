"""Weekly questionnaires in the browser: a blank answer keeps the others, a severe score says what to do."""

from __future__ import annotations

import html
import re

from tests.conftest import bearer
from tests.safety.test_attacks import login_page


def _csrf(text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)


def test_a_blank_answer_is_asked_about_once_then_scored_as_the_paper_sheet_does(client, people) -> None:
    """The official POEM/RECAP sheets let a person leave out one question (scored 0); the form
    refused to score until every question was answered. A blank is now asked about first (it is
    usually a slip), nothing stored; pressing Score again scores it with the blank."""
    login_page(client, "owner@example.org")
    owner = bearer(client, "owner@example.org")
    form = {"csrf_token": _csrf(client.get("/questionnaire/poem").text)}
    form.update({f"q{i}": "3" for i in range(7) if i != 4})
    r = client.post("/questionnaire/poem", data=form)
    assert r.status_code == 422
    assert "Question 5 is not answered. Answer it, or press Score again to leave it blank" in html.unescape(r.text)
    assert len(re.findall(r'value="3" checked', r.text)) == 6  # nothing typed is lost
    assert client.get("/api/v1/me/questionnaires", headers=owner).json() == []
    again = {**form, "blank_ok": re.search(r'name="blank_ok" value="([^"]*)"', r.text).group(1)}  # type: ignore[union-attr]
    done = client.post("/questionnaire/poem", data=again)
    assert done.status_code == 200 and 'id="blank-note"' in done.text and "Score <strong>18</strong>" in done.text
    [stored] = client.get("/api/v1/me/questionnaires", headers=owner).json()
    assert stored["total"] == 18 and stored["instrument"] == "poem"
    # a confirmation for another blank does not score a different one
    other = {**{k: v for k, v in again.items() if k != "q2"}, "q4": "3"}
    assert client.post("/questionnaire/poem", data=other).status_code == 422


def test_two_blank_answers_cannot_be_scored_and_say_so(client, people) -> None:
    login_page(client, "owner@example.org")
    form = {"csrf_token": _csrf(client.get("/questionnaire/recap").text), "blank_ok": "3,5"}
    form.update({f"q{i}": "1" for i in range(7) if i not in (2, 4)})
    r = client.post("/questionnaire/recap", data=form)
    assert r.status_code == 422
    text = html.unescape(r.text)
    assert "Please answer every question (not yet: 3, 5)." in text and "two or more blank" in text
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
