"""Refused forms tie their error to the field it is about (WCAG 1.3.1, 3.3.1), the forms the accessibility
walk of 2026-12-06 left (docs/web.md "Accessibility"): the weekly questionnaires (every question still
unanswered is marked), the diary form, the sharing invite code, one appointment card's answer and the
food-challenge forms. The field has aria-invalid="true" and aria-describedby naming the message, which
is role=alert; fields the message is not about are not marked."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from tests.conftest import bearer
from tests.safety.test_attacks import login_page


class _Fields(HTMLParser):
    """Every element with its attributes, and the form (by action) each control is in."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str], str | None]] = []
        self.form: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.form = a.get("action", "")
        self.elements.append((tag, a, self.form))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None


def _parse(text: str) -> _Fields:
    p = _Fields()
    p.feed(text)
    return p


def marked(text: str, form: str) -> dict[str, str]:
    """{field name: the id its aria-describedby names} for the controls of ``form`` marked aria-invalid,
    each checked to point at a role=alert element of the page."""
    p = _parse(text)
    alerts = {a["id"] for _, a, _ in p.elements if a.get("role") == "alert" and a.get("id")}
    out: dict[str, str] = {}
    for tag, a, f in p.elements:
        if f is None or not f.startswith(form) or tag not in ("input", "select", "textarea"):
            continue
        if a.get("aria-invalid") == "true":
            d = a.get("aria-describedby", "")
            assert d in alerts, (a, alerts)
            out[a["name"]] = d
    return out


def _csrf(text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]


def test_a_questionnaire_marks_each_unanswered_question(client, people) -> None:
    login_page(client, "owner@example.org")
    for instrument in ("poem", "recap"):
        page = client.get(f"/questionnaire/{instrument}")
        assert marked(page.text, f"/questionnaire/{instrument}") == {}  # nothing marked before a Score
        form = {"csrf_token": _csrf(page.text), **{f"q{i}": "1" for i in range(7) if i not in (2, 5)}}
        r = client.post(f"/questionnaire/{instrument}", data=form)
        assert r.status_code == 422 and "not yet: 3, 6" in r.text
        assert marked(r.text, f"/questionnaire/{instrument}") == {"q2": "questionnaire-error", "q5": "questionnaire-error"}
        assert r.text.count("(not answered)") == 2
        # one blank: asked about, that one question marked
        form["q2"] = "0"
        r = client.post(f"/questionnaire/{instrument}", data=form)
        assert r.status_code == 422 and "Question 6 is not answered" in r.text
        assert marked(r.text, f"/questionnaire/{instrument}") == {"q5": "questionnaire-error"}


def test_a_refused_diary_save_marks_its_field(client, people) -> None:
    login_page(client, "owner@example.org")
    page = client.get("/today")
    base = {"csrf_token": _csrf(page.text), "date": re.search(r'name="date" value="([^"]+)"', page.text).group(1),  # type: ignore[union-attr]
            "base": re.search(r'name="base" value="([^"]*)"', page.text).group(1)}  # type: ignore[union-attr]
    stress = re.search(r'name="(f:life\.stress)"', page.text)
    assert stress, "the diary form has the stress scale"
    cases = [
        ({"f:life.stress": "99"}, "f:life.stress"),
        ({"itch": "lots"}, "itch"),
        ({"custom_name": "!!!"}, "custom_name"),
        ({"custom_name": "tomato", "custom_group": "nonsense"}, "custom_group"),
    ]
    for extra, field in cases:
        r = client.post("/today", data={**base, "itch": "3", **extra})
        assert r.status_code == 422, (extra, r.status_code)
        assert "Could not save" in r.text
        assert marked(r.text, "/today") == {field: "save-error"}, extra
