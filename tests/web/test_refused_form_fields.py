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


def test_the_clinicians_invite_code_is_marked(client, people) -> None:
    login_page(client, "linked@clinic.example.org")
    page = client.get("/clinic")
    assert marked(page.text, "/clinic/link") == {}
    r = client.post("/clinic/link", data={"code": "NOT-A-CODE", "csrf_token": _csrf(page.text)})
    assert r.status_code in (400, 404, 409, 422) and 'role="alert"' in r.text
    assert marked(r.text, "/clinic/link") == {"code": "link-error"}


def test_an_appointment_cards_refused_answer_marks_its_field(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    made = client.post("/api/v1/me/appointments", headers=owner, json={"reason": "Flare on both arms", "urgency": "soon"})
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    login_page(client, "linked@clinic.example.org")
    page = client.get("/clinic/appointments")
    form = f"/clinic/appointments/{rid}"
    assert marked(page.text, form) == {}
    t = _csrf(page.text)
    r = client.post(form, data={"action": "accept", "time": "2020-01-06T09:30", "message": "", "csrf_token": t})
    assert r.status_code == 422 and "time: that time has already passed" in r.text
    assert marked(r.text, form) == {"time": f"request-error-{rid}"}
    r = client.post(form, data={"action": "decline", "time": "", "message": "", "csrf_token": t})
    assert r.status_code == 422 and "message: say why" in r.text
    assert marked(r.text, form) == {"message": f"request-error-{rid}"}


def test_a_refused_challenge_plan_marks_its_field(client, people) -> None:
    login_page(client, "linked@clinic.example.org")
    action = f"/clinic/patients/{people.owner_pid}/challenges"
    page = client.get(action)
    assert marked(page.text, action) == {}
    import datetime as dt
    form = {"food": "food.dairy", "custom_food": "", "kind": "home", "released_for_home": "1",
            "start": dt.date.today().isoformat(), "baseline_days": "14", "elimination_days": "0",
            "elimination_max_days": "", "observation_hours": "48", "doses": "0: 10 ml milk\n4: 50 ml milk",
            "instructions": "", "csrf_token": _csrf(page.text)}
    for change, field in (({"start": "06/12/2026"}, "start"), ({"doses": "0: 10 ml milk\nfifty ml"}, "doses"),
                          ({"baseline_days": "1"}, "baseline_days"), ({"custom_food": "!!!"}, "custom_food")):
        r = client.post(action, data={**form, **change}, follow_redirects=False)
        assert r.status_code == 422, (change, r.status_code)
        assert marked(r.text, action) == {field: "challenge-error"}, change


def test_a_dose_without_the_safety_check_marks_the_check(client, people, engine) -> None:
    from tests.challenges.test_services import egg_plan_at_first_dose

    out = egg_plan_at_first_dose(engine, people.clinician, people.owner_pid)
    cid, dose_id = int(out["id"]), out["doses"][0]["id"]
    login_page(client, "owner@example.org")
    page = client.get("/challenges")
    action = f"/challenges/{cid}/dose/{dose_id}"
    assert action in page.text and marked(page.text, action) == {}
    r = client.post(action, data={"csrf_token": _csrf(page.text)})  # "I have checked" not ticked
    assert r.status_code == 200 and "safety: confirm that you checked" in r.text
    assert marked(r.text, action) == {"checked": "challenge-error"}


def test_the_clinicians_challenge_page_marks_the_refused_field(client, people, engine) -> None:
    from gutskin.clinic import challenges as ch
    from gutskin.store.db import transaction

    with transaction(engine) as s:
        out = ch.create_plan(s, people.clinician, people.owner_pid, ch.PlanInput(
            food="food.egg", kind="supervised", released_for_home=False, baseline_days=7,
            doses=[ch.DoseStep(0, "1 mg"), ch.DoseStep(0, "10 mg")]))
    url = f"/clinic/challenges/{int(out['id'])}"
    login_page(client, "linked@clinic.example.org")
    page = client.get(url)
    assert page.status_code == 200 and marked(page.text, url) == {}
    t = _csrf(page.text)
    r = client.post(url + "/supervised-dose", data={"step": "1", "given_at": "", "amount": "1 mg", "csrf_token": t})
    assert r.status_code == 200 and "given_at: " in r.text, r.text[:300]
    assert marked(r.text, url + "/supervised-dose") == {"given_at": "challenge-error"}
    assert marked(r.text, url) == {"given_at": "challenge-error"}  # and no field of the page's other forms
    r = client.post(url + "/stop", data={"reason": " ", "csrf_token": t})
    assert r.status_code == 200 and "reason: say why" in r.text
    assert marked(r.text, url) == {"reason": "challenge-error"}
