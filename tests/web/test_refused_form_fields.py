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


def invalid_fields(text: str, form: str) -> dict[str, str]:
    """{field name: its aria-describedby} for the controls of ``form`` marked aria-invalid, each pointing at an
    element of the page (a field's own message, _field_error.html)."""
    p = _parse(text)
    ids = {a["id"] for _, a, _ in p.elements if a.get("id")}
    out: dict[str, str] = {}
    for tag, a, f in p.elements:
        if f is not None and f.startswith(form) and tag in ("input", "select", "textarea") and a.get("aria-invalid") == "true":
            assert a.get("aria-describedby", "") in ids, a
            out[a["name"]] = a["aria-describedby"]
    return out


def marked(text: str, form: str) -> dict[str, str]:
    """{field name: the id its aria-describedby names} for the controls of ``form`` marked aria-invalid,
    each checked to point at a role=alert element of the page."""
    p = _parse(text)
    alerts = {a["id"] for _, a, _ in p.elements if a.get("role") == "alert" and a.get("id")}
    out: dict[str, str] = {}
    for tag, a, f in p.elements:
        if f is None or not f.startswith(form) or tag not in ("input", "select", "textarea"):
            continue
        if a.get("aria-invalid") == "true":  # described by the message (and maybe a hint on the field's scale too)
            d = [i for i in a.get("aria-describedby", "").split() if i in alerts]
            assert len(d) == 1, (a, alerts)
            out[a["name"]] = d[0]
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
    assert r.status_code == 422 and "Time: that time has already passed" in r.text
    assert marked(r.text, form) == {"time": f"request-error-{rid}"}
    r = client.post(form, data={"action": "decline", "time": "", "message": "", "csrf_token": t})
    assert r.status_code == 422 and "Message: say why" in r.text
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
        # every problem at once since 2026-12-07: each field described by its own message (not role=alert: the
        # list of problems at the top, challenge-error, is the alert; tests/web/test_challenge_plan_every_problem.py)
        assert invalid_fields(r.text, action) == {field: f"challenge-{field}-error"}, change
        assert 'id="challenge-error" role="alert"' in r.text


def test_a_dose_without_the_safety_check_marks_the_check(client, people, engine) -> None:
    from tests.challenges.test_services import egg_plan_at_first_dose

    out = egg_plan_at_first_dose(engine, people.clinician, people.owner_pid)
    cid, dose_id = int(out["id"]), out["doses"][0]["id"]
    login_page(client, "owner@example.org")
    page = client.get("/challenges")
    action = f"/challenges/{cid}/dose/{dose_id}"
    assert action in page.text and marked(page.text, action) == {}
    r = client.post(action, data={"csrf_token": _csrf(page.text)})  # "I have checked" not ticked
    assert r.status_code == 200 and "Safety check: confirm that you checked" in r.text
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
    assert r.status_code == 200 and "Given at: " in r.text, r.text[:300]
    assert marked(r.text, url + "/supervised-dose") == {"given_at": "challenge-error"}
    assert marked(r.text, url) == {"given_at": "challenge-error"}  # and no field of the page's other forms
    r = client.post(url + "/stop", data={"reason": " ", "csrf_token": t})
    assert r.status_code == 200 and "Reason: say why" in r.text
    assert marked(r.text, url) == {"reason": "challenge-error"}


class _Forms(HTMLParser):
    """The post forms of a page: action, enctype and each field with the value it would send."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.cur: dict | None = None
        self.textarea: dict | None = None
        self.select: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self.cur = {"action": a.get("action", ""), "fields": [], "enctype": a.get("enctype", "")}
            self.forms.append(self.cur)
        elif self.cur is None:
            return
        elif tag == "input":
            self.cur["fields"].append({"tag": "input", "type": a.get("type", "text").lower(), "name": a.get("name", ""),
                                       "value": a.get("value", "on" if a.get("type") in ("checkbox", "radio") else ""),
                                       "checked": "checked" in a})
        elif tag == "button" and a.get("name"):  # a named button sends its value (the appointment row's action)
            self.cur["fields"].append({"tag": "button", "type": "button", "name": a["name"], "value": a.get("value", ""),
                                       "checked": False})
        elif tag == "textarea":
            self.textarea = {"tag": "textarea", "type": "textarea", "name": a.get("name", ""), "value": ""}
            self.cur["fields"].append(self.textarea)
        elif tag == "select":
            self.select = {"tag": "select", "type": "select", "name": a.get("name", ""), "value": None}
            self.cur["fields"].append(self.select)
        elif tag == "option" and self.select is not None:
            if self.select["value"] is None or "selected" in a:
                self.select["value"] = a.get("value", "")

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea["value"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.cur = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None


def _defaults(form: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in form["fields"]:
        if not f["name"] or f["type"] in ("submit", "button", "file"):
            continue
        if f["type"] in ("checkbox", "radio") and not f["checked"]:
            continue
        out.setdefault(f["name"], []).append(f["value"] or "")
    return out


# bad values a person can type or pick, by the kind of field (a select or radio one the page does not offer)
BAD = {"number": ["abc", "-5", "99999", "1.5", ""], "range": ["abc", "11", "-1"],
       "text": ["", "!!!", "06/12/2026"], "textarea": ["", "!!!", "x" * 5000], "email": ["", "abc"],
       "password": ["", "short"], "date": ["06/12/2026", "2026-02-30", "9999-12-31"],
       "datetime-local": ["06/12/2026 09:30", "2026-02-30T09:00", ""], "select": ["bogus", ""],
       "radio": ["bogus", "99"], "checkbox": ["bogus"]}
GOOD = {("/register", "display_name", 1): "Sam", ("/register", "email", 1): "sam@example.org",
        ("/register", "password", 1): "long-enough-pass", ("/login", "email", 1): "owner@example.org",
        ("/login", "password", 1): "wrong-password-x", ("/appointments", "reason", 1): "Flare",
        ("/account/password", "current_password", 1): "correct-horse-battery",
        ("/account/password", "new_password", 1): "another-long-one", ("/profiles/child", "display_name", 1): "Mia",
        ("/sharing/invite", "x", 0): "", ("/questionnaire/", "q0", 1): "1", ("/questionnaire/", "q1", 1): "1",
        ("/questionnaire/", "q2", 1): "1", ("/questionnaire/", "q3", 1): "1", ("/questionnaire/", "q4", 1): "1",
        ("/questionnaire/", "q5", 1): "1", ("/questionnaire/", "q6", 1): "1"}
SKIP = (  # forms that end something (sign out, delete, revoke): not walked
    "delete", "logout", "sign-out", "revoke", "remove", "leave", "cancel", "ack")


def _alerts(text: str) -> list[str]:
    """The text of every role=alert element (the refused form's message; the error page's)."""
    import html

    out = []
    for m in re.finditer(r'<(p|div)[^>]*role="alert"[^>]*>(.*?)</\1>', text, re.S):
        out.append(re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", m.group(2)))).strip())
    return out


def _walk(client, url: str, found: dict, then=None, only: str | None = None,  # type: ignore[no-untyped-def]
          press: bool = False) -> None:
    """Every post form of ``url``: each field in turn sent with each bad value of its kind (and left out),
    the others as the page filled them in (or :data:`GOOD`); ``found``: {message: {(action, field, value)}}.
    ``then``: called once the page is open, before its forms are sent (a record that changes meanwhile);
    ``only``: the forms whose action holds it; ``press``: also send each named button of a form once
    (its value, the rest as filled in) -- not done by default: "Withdraw request" would end the request."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    if then is not None:
        then()
    p = _Forms()
    p.feed(page.text)
    for form in p.forms:
        action = form["action"] or url
        if any(s in action for s in SKIP) or (only is not None and only not in action):
            continue
        base = _defaults(form)
        for k, v in GOOD.items():
            if k[0] in action and k[1] in base or (k[0] in action and k[1] not in base and k[2]):
                base[k[1]] = [v]
        if press:
            for b in (f for f in form["fields"] if f["type"] == "button"):
                files = {"file": ("x.csv", b"", "text/csv")} if form["enctype"] == "multipart/form-data" else None
                r = client.post(action, data={**base, b["name"]: [b["value"]]}, files=files)
                for a in _alerts(r.text):
                    found.setdefault(a, set()).add((action, b["name"], b["value"][:20]))
        names = []
        for f in form["fields"]:
            if f["type"] in ("hidden", "submit", "button", "file") or not f["name"] or f["name"] in names:
                continue
            names.append(f["name"])
            for bad in BAD.get(f["type"], ["!!!"]) + [None]:
                data = {k: v for k, v in base.items() if k != f["name"]}
                if bad is not None:
                    data[f["name"]] = [bad]
                files = {"file": ("x.csv", b"", "text/csv")} if form["enctype"] == "multipart/form-data" else None
                r = client.post(action, data=data, files=files)
                for a in _alerts(r.text):
                    found.setdefault(a, set()).add((action, f["name"], bad if bad is None else bad[:20]))


# ---- Refused forms speak the form's words (docs/web.md "Refused forms speak the form's words") ----

# Python's and Pydantic's phrases (none of them is English a patient reads)
PYTHON_WORDS = re.compile(r"Input should be|value_error|Value error|[Ff]ield required|type=|\bloc\b|invalid literal"
                          r"|\bint\(\)|\bfloat\(\)|Traceback|NoneType|ValidationError|pydantic|\bgot\b")
# a code name: snake_case, a questionnaire item q0, a factor food.egg / factors.x / f:x, a list index doses[0],
# or a lower-case field code where a message names its field ("time: ...", "...; reason: ...")
CODE_NAME = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b|\bq\d+\b|\bf:[a-z]|\b(?:factors|food|env|life|gut|treat)\.[a-z]"
                       r"|\w\[\d+\]|(?:^|; )[a-z][a-z_]*(?::| at most| line \d)")


def _code_or_python(message: str, action: str) -> list[str]:
    """What in a page's ``message`` a patient would not understand: code names and Python's words.
    Quoted text is what was typed or is in the file, not the page's words; a diary file's messages
    name the file's own columns (itch, sleep_loss, food.dairy: docs/diary-csv.md's header names)."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"|“[^”]*”", "''", message)
    if action.startswith("/data/import"):
        text = re.sub(r"column [^:]*:|\([^)]*\)|\(e\.g\.[^)]*\)", "", text)
        text = re.sub(r"\b(?:food|env|life|gut|treat)\.[a-z0-9_]+", "", text)
    return [m.group(0) for m in PYTHON_WORDS.finditer(text)] + [m.group(0) for m in CODE_NAME.finditer(text)]


def test_refused_forms_speak_in_the_forms_words(client, people, engine) -> None:
    """Every form of the patient's, caregiver's and clinician's pages, each field sent with bad values:
    no message the page shows names a code name or says Python's or Pydantic's words."""
    from gutskin.clinic import challenges as ch
    from gutskin.store.db import transaction
    from tests.challenges.test_services import egg_plan_at_first_dose

    egg_plan_at_first_dose(engine, people.clinician, people.owner_pid)
    with transaction(engine) as s:
        supervised = ch.create_plan(s, people.clinician, people.owner_pid, ch.PlanInput(
            food="food.wheat", kind="supervised", released_for_home=False, baseline_days=7,
            doses=[ch.DoseStep(0, "1 mg"), ch.DoseStep(0, "10 mg")]))
    owner = bearer(client, "owner@example.org")
    client.post("/api/v1/me/appointments", headers=owner, json={"reason": "Flare on both arms", "urgency": "soon"})
    found: dict[str, set] = {}
    _walk(client, "/register", found)
    _walk(client, "/login", found)
    login_page(client, "owner@example.org")
    for url in ("/today", "/questionnaire/poem", "/questionnaire/recap", "/sharing", "/appointments", "/data",
                "/caregivers", "/microbiome", "/challenges", "/account"):
        _walk(client, url, found)
    # a request the clinic declines while the page is open: its row says why (request-error-N, 9b86638)
    closing = client.post("/api/v1/me/appointments", headers=owner, json={"reason": "Itchy at night"}).json()["id"]

    def decline() -> None:
        from gutskin.clinic import appointments

        with transaction(engine) as s:
            appointments.respond(s, people.clinician, closing, "decline", message="Please call the clinic")

    row_found: dict[str, set] = {}
    _walk(client, "/appointments", row_found, then=decline, only=f"/appointments/{closing}", press=True)
    assert any("request is closed" in m.lower() for m in row_found), sorted(row_found)  # the walk reached the row
    for m, w in row_found.items():
        found.setdefault(m, set()).update(w)
    t = _csrf(client.get("/data").text)
    for body in (b"", b"date,itch\n2026-13-01,3\n", b"patient,date,itch\nme,2026-01-01,11\n", b"\x00\x01garbage",
                 b"patient,date,sleep_loss\nme,2026-01-01,x\n", b"a;b;c\n1;2;3\n", b"patient,date,poscorad\nme,2026-01-01,200\n"):
        r = client.post("/data/import", data={"csrf_token": t}, files={"file": ("d.csv", body, "text/csv")})
        for a in _alerts(r.text):
            found.setdefault(a, set()).add(("/data/import", "file", body[:20]))
    t = _csrf(client.get("/microbiome").text)
    for body in (b"", b"garbage", b"#OTU ID\ts1\nk__Bacteria;g__X\tabc\n", b"date,itch\n2026-01-01,3\n"):
        r = client.post("/microbiome", data={"csrf_token": t, "method": "unknown", "kind": "auto"},
                        files={"file": ("p.tsv", body, "text/plain")})
        for a in _alerts(r.text):
            found.setdefault(a, set()).add(("/microbiome", "file", body[:20]))
    login_page(client, "linked@clinic.example.org")
    for url in (f"/clinic/challenges/{int(supervised['id'])}", "/clinic", "/clinic/appointments",
                f"/clinic/patients/{people.owner_pid}/challenges", "/clinic/simulator", "/account"):
        _walk(client, url, found)
    for url in ("/clinic/patients/abc/challenges", "/clinic/challenges/abc"):  # an address typed wrong: the error page
        for a in _alerts(client.get(url).text):
            found.setdefault(a, set()).add((url, "", None))
    assert len(found) > 40, sorted(found)  # the walk reached the forms: dozens of different refusals
    bad = {m: (_code_or_python(m, sorted(w, key=str)[0][0]), sorted(w, key=str)[:2]) for m, w in found.items()}
    bad = {m: v for m, v in bad.items() if v[0]}
    assert not bad, "\n".join(f"{m!r}: {words} (from {where})" for m, (words, where) in sorted(bad.items()))


def test_a_refused_field_is_named_by_its_label(client, people) -> None:
    """The message reads the field's label, with the rule in plain words (the task's own example)."""
    login_page(client, "owner@example.org")
    page = client.get("/today")
    base = {"csrf_token": _csrf(page.text), "date": re.search(r'name="date" value="([^"]+)"', page.text).group(1),  # type: ignore[union-attr]
            "base": re.search(r'name="base" value="([^"]*)"', page.text).group(1)}  # type: ignore[union-attr]
    r = client.post("/today", data={**base, "itch": "11"})
    assert r.status_code == 422 and "Could not save: Worst itch: must be a whole number from 0 to 10, not 11" in r.text
    assert marked(r.text, "/today") == {"itch": "save-error"}
    r = client.post("/today", data={**base, "itch": "3", "sleep_loss": "lots"})
    assert "Sleep loss: must be a whole number from 0 to 10, not &#39;lots&#39;" in r.text
    login_page(client, "linked@clinic.example.org")
    page = client.get("/clinic/simulator")
    r = client.post("/clinic/simulator", data={"csrf_token": _csrf(page.text), "arm": "placebo", "patients": "abc"})
    assert r.status_code == 422 and "Virtual patients: expected a whole number, not &#39;abc&#39;" in r.text
    assert marked(r.text, "/clinic/simulator") == {"patients": "simulator-error"}
