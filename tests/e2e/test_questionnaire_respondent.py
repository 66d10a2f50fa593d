"""Who is answering a child's POEM, in headless Chromium against a real server, on SQLite and
PostgreSQL (2026-12-07): Pat adds Mia (10) and opens her POEM; the form first asks "Who is
answering?"; "I am answering for Mia" shows the parent's version ("your child's skin"), scored and
stored as a proxy report; choosing Mia herself shows the self-report wording; the allergist's page
says "(parent-reported)" beside the score."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest

from tests.e2e.test_challenges import token
from tests.e2e.test_family import add_child
from tests.e2e.test_journeys import create_clinician, login, register

pytestmark = pytest.mark.e2e



def doctor_and_parent_of_mia(server, browser):  # type: ignore[no-untyped-def]
    """Dr Allergist (doc@clinic.example.org) and Pat (pat@example.org) with a 10-year-old child, Mia:
    Pat's page, Mia's patient id and Pat's API token."""
    create_clinician(server, "doc@clinic.example.org", "--name", "Dr Allergist")
    pat = browser.new_context().new_page()
    register(pat, server.base, "pat@example.org", "Pat")
    mia = add_child(pat, server.base, "Mia", str(dt.date.today().year - 10))
    return pat, mia, token(server.base, "pat@example.org")

def test_a_parent_says_who_answers_the_childs_poem(server, browser) -> None:  # type: ignore[no-untyped-def]
    base = server.base
    pat, mia, parent = doctor_and_parent_of_mia(server, browser)
    code = httpx.post(f"{base}/api/v1/me/invites?patient_id={mia}", headers=parent).json()["code"]
    assert httpx.post(f"{base}/api/v1/clinician/links", json={"code": code},
                      headers=token(base, "doc@clinic.example.org")).status_code == 201

    from axe_playwright_python.sync_playwright import Axe

    from tests.e2e.test_accessibility import run_axe

    axe = Axe()
    pat.goto(f"{base}/questionnaire/poem?patient={mia}")
    assert pat.locator("#respondent legend").inner_text() == "Who is answering?"
    assert pat.locator("input[name=q0]").count() == 0  # no question before the choice
    assert run_axe(pat, axe, "/questionnaire/poem") == []  # WCAG A/AA, as every page
    pat.get_by_label("I am answering for Mia").check()
    pat.click("#who-form button[type=submit]")
    assert "your child's skin" in pat.locator("h1").inner_text()
    assert run_axe(pat, axe, "/questionnaire/poem") == []
    assert "You are answering for Mia" in pat.locator("#respondent-line").inner_text()
    for i, v in enumerate([1, 2, 0, 0, 1, 3, 4]):  # 11
        pat.locator(f"input[name=q{i}][value='{v}']").check()
    pat.click("form[method=post][action^='/questionnaire/'] button[type=submit]")
    assert pat.locator("#score strong").inner_text() == "11"
    got = httpx.get(f"{base}/api/v1/me/questionnaires?patient_id={mia}", headers=parent).json()
    assert [(q["instrument"], q["total"], q["respondent"]) for q in got] == [("poem", 11, "proxy")]

    pat.goto(f"{base}/questionnaire/poem?patient={mia}")  # Mia answers next time: her own wording
    pat.get_by_label("Mia (answers the questions").check()
    pat.click("#who-form button[type=submit]")
    heading = pat.locator("h1").inner_text()
    assert "your skin" in heading and "child" not in heading
    pat.click("#respondent-line a")  # change who is answering: the question again
    assert pat.locator("#respondent legend").inner_text() == "Who is answering?"

    doc = browser.new_context().new_page()
    login(doc, base, "doc@clinic.example.org")
    doc.wait_for_url(re.compile(r"/clinic"))
    doc.goto(f"{base}/clinic/patients/{mia}")
    assert doc.locator("table[aria-label=Scores] td.score").first.inner_text() == "11 (parent-reported)"
