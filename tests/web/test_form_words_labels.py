"""form_words.LABELS, the label each form prints next to each field, is copied from the templates by
hand (pages/form_words.py): a label renamed in a template would leave the refused form's message
naming a field by words the page no longer shows. For every (form, field) of the table this renders
the form's page, finds the field's control and checks the table's words are in that control's
<label> (or its fieldset's <legend>). SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from gutskin.web.pages.form_words import LABELS
from tests.safety.test_attacks import login_page


class _Labelled(HTMLParser):
    """Each named visible control of the page's forms: (form action, name, its label's and legend's text)."""

    def __init__(self) -> None:
        super().__init__()
        self.labels: list[list[str]] = []  # text of each <label>, in order
        self.label_for: dict[str, int] = {}
        self.open_labels: list[int] = []
        self.legends: list[list[str]] = []  # text of each <legend>
        self.fieldsets: list[int | None] = []  # the legend of each open fieldset
        self.in_legend: int | None = None
        self.action: str | None = None
        self.controls: list[dict] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = a.get("action", "")
        elif tag == "label":
            self.labels.append([])
            self.open_labels.append(len(self.labels) - 1)
            if a.get("for"):
                self.label_for[a["for"]] = len(self.labels) - 1
        elif tag == "fieldset":
            self.fieldsets.append(None)
        elif tag == "legend":
            self.legends.append([])
            self.in_legend = len(self.legends) - 1
            if self.fieldsets:
                self.fieldsets[-1] = self.in_legend
        elif tag in ("input", "select", "textarea", "button") and a.get("name") and self.action is not None:
            if tag == "input" and a.get("type", "text").lower() in ("hidden", "submit"):
                return
            self.controls.append({"action": self.action, "name": a["name"], "id": a.get("id", ""),
                                  "aria_label": a.get("aria-label", ""),
                                  "label": self.open_labels[-1] if self.open_labels else None,
                                  "legend": next((f for f in reversed(self.fieldsets) if f is not None), None),
                                  "tag": tag})

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.action = None
        elif tag == "label" and self.open_labels:
            self.open_labels.pop()
        elif tag == "fieldset" and self.fieldsets:
            self.fieldsets.pop()
        elif tag == "legend":
            self.in_legend = None

    def handle_data(self, data: str) -> None:
        for i in self.open_labels:
            self.labels[i].append(data)
        if self.in_legend is not None:
            self.legends[self.in_legend].append(data)

    def words(self, c: dict) -> list[str]:
        """The texts that name control ``c``: its <label> (wrapping, or for= its id), its fieldset's <legend>
        and its aria-label (a grid's cells: the EASI form)."""
        out = [c["aria_label"]] if c["aria_label"] else []
        for i in (c["label"], self.label_for.get(c["id"]) if c["id"] else None):
            if i is not None:
                out.append(" ".join("".join(self.labels[i]).split()))
        if c["legend"] is not None:
            out.append(" ".join("".join(self.legends[c["legend"]]).split()))
        return [html.unescape(w) for w in out]


def controls(text: str) -> _Labelled:
    p = _Labelled()
    p.feed(text)
    p.close()
    return p


def _pages(client, people, engine) -> dict[str, list[tuple[str, str]]]:  # type: ignore[no-untyped-def]
    """{form: [(page text, action regex)]}: each form of LABELS as its page renders it, with the
    records that make every field appear (a child profile, a due home dose, a supervised plan)."""
    from gutskin.clinic import challenges as ch
    from gutskin.clinic import accounts, sharing, zones
    from gutskin.store.db import transaction
    from tests.challenges.test_services import egg_plan_at_first_dose
    from tests.conftest import bearer

    egg_plan_at_first_dose(engine, people.clinician, people.owner_pid)
    with transaction(engine) as s:
        supervised = ch.create_plan(s, people.clinician, people.owner_pid, ch.PlanInput(
            food="food.wheat", kind="supervised", released_for_home=False, baseline_days=7,
            doses=[ch.DoseStep(0, "1 mg"), ch.DoseStep(0, "10 mg")]))
        eliminating = ch.create_plan(s, people.clinician, people.owner_pid, ch.PlanInput(
            food="food.soy", kind="home", released_for_home=True, baseline_days=7, elimination_days=14,
            elimination_max_days=28, start=zones.patient_today(s, people.owner_pid), doses=[ch.DoseStep(0, "1 tsp soy milk")]))
        mia = accounts.add_child_profile(s, people.owner, "Mia", 2019)
        s.flush()
        # Mia's diary is empty: her home challenge, in its baseline from today, shows the first step's
        # baseline box ("Extend the baseline by"), shown only once a baseline has begun (4bed121)
        sharing.accept_invite(s, people.clinician, sharing.create_invite(s, people.owner, mia.id)["code"])
        baselining = ch.create_plan(s, people.clinician, mia.id, ch.PlanInput(
            food="food.peanut", kind="home", released_for_home=True, baseline_days=7,
            start=zones.patient_today(s, mia.id), doses=[ch.DoseStep(0, "1 peanut")]))
        # a second clinician: the appointment forms' "Send to" choices appear
        sharing.accept_invite(s, people.unlinked, sharing.create_invite(s, people.owner, people.owner_pid)["code"])
    owner = bearer(client, "owner@example.org")
    client.post("/api/v1/me/appointments", headers=owner, json={"reason": "Flare on both arms", "urgency": "soon"})
    pages: dict[str, list[tuple[str, str]]] = {}

    def get(url: str) -> str:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        return r.text

    pages["register"] = [(get("/register"), r"^/register")]
    pages["login"] = [(get("/login"), r"^/login")]
    assert login_page(client, "owner@example.org").status_code == 303
    pages["account"] = [(get("/account"), r"^/account")]
    pages["diary"] = [(get("/today"), r"^/today")]
    pages["appointment"] = [(get("/appointments"), r"^/appointments")]
    pages["caregiver"] = [(get("/caregivers"), r"^/caregivers")]
    data = get("/data")
    pages["child"] = [(data, r"^/profiles/child")]
    pages["import"] = [(data, r"^/data/import")]
    pages["time_zone"] = [(data, r"zone")]
    pages["profile"] = [(data, r"^/profiles/\d+/delete|^/data/delete")]
    pages["microbiome"] = [(get("/microbiome"), r"^/microbiome")]
    pages["patient_challenge"] = [(get("/challenges"), r"^/challenges")]
    assert login_page(client, "linked@clinic.example.org").status_code == 303
    pages["clinic_link"] = [(get("/clinic"), r"^/clinic/link")]
    pages["clinic_appointment"] = [(get("/clinic/appointments"), r"^/clinic/appointments")]
    pages["simulator"] = [(get("/clinic/simulator"), r"^/clinic/simulator")]
    pages["challenge_plan"] = [(get(f"/clinic/patients/{people.owner_pid}/challenges"), r"^/clinic/patients/\d+/challenges")]
    pages["challenge"] = [(get(f"/clinic/challenges/{int(c['id'])}"), r"^/clinic/challenges/\d+")
                          for c in (supervised, eliminating, baselining)]
    # the clinician's EASI and SCORAD forms, on the patient's page (when the table has them)
    for form in ("easi", "scorad"):
        if form in LABELS:
            pages[form] = [(get(f"/clinic/patients/{people.owner_pid}"), rf"/assessments/{form}$")]
    return pages



# a message's field code that names a control of another name on the page: (control, forms' action regex or None)
ALIASES: dict[tuple[str, str], tuple[str, str | None]] = {
    ("account", "password"): ("new_password", None),  # the password rules' "password:" is about the new one
    ("diary", "custom_value"): ("custom_name", None),  # the value of the factor added in "Add your own factor"
    ("simulator", "arms"): ("arm", None),  # the use case's list "arms", the form's checkboxes "arm"
    ("patient_challenge", "symptoms"): ("symptom", None),  # the use case's list, the form's checkboxes
    ("patient_challenge", "safety"): ("checked", r"/dose/"),  # "safety: confirm that you checked ..." (the tick box)
}
# a field code the form has no visible control for (the words are still what the page calls it)
NO_CONTROL: dict[tuple[str, str], str] = {
    ("diary", "poscorad"): "an API field of the day; the diary page has no PO-SCORAD control",
    ("diary", "poem"): "an API field of the day; POEM is scored on its questionnaire page",
    ("patient_challenge", "reason"): "the stop form's reason is a hidden 'stopped by the patient'",
    ("challenge", "food"): "the challenge page's forms have no food field (the plan form has: challenge_plan)",
    ("appointment", "time"): "the clinic's proposed time, shown in the Time column; the patient confirms it by a button",
    ("appointment", "message"): "the clinic's message, shown in the Message column",
    ("appointment", "note"): "only on a request the clinic proposed a time for (label checked in "
                             "test_appointment_closed_row_error::test_a_too_long_note_names_its_field_by_the_forms_words)",
    ("caregiver", "email"): "no form of the caregivers page has an email field (the caregivers are listed by it)",
    ("profile", "confirm"): "no form of the profile and account deletion has a 'confirm' field",
}
# named buttons: the message is about which button was pressed; their own text names them
BUTTONS = {("appointment", "action"), ("clinic_appointment", "action")}


def test_every_label_of_the_table_is_the_label_on_the_form(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    pages = _pages(client, people, engine)
    missing = set(LABELS) - {"*"} - set(pages)
    assert not missing, f"forms of form_words.LABELS this test does not render yet (add their page to _pages): {missing}"
    drift = []
    for form, fields in LABELS.items():
        if form == "*":
            continue
        parsed = [(controls(text), action) for text, action in pages[form]]
        for field, words in fields.items():
            name, only = ALIASES.get((form, field), (field, None))
            found = [(p, c) for p, action in parsed for c in p.controls
                     if c["name"] == name and re.search(action, c["action"]) and (only is None or re.search(only, c["action"]))]
            if (form, field) in NO_CONTROL:
                assert not found, f"{form}.{field} has a control now: move it out of NO_CONTROL ({found[0][1]})"
                continue
            if not found:
                drift.append(f"{form}.{field}: no control named {name!r} on the form's page")
                continue
            for p, c in found:
                if c["tag"] == "button":
                    assert (form, field) in BUTTONS, (form, field, c)
                    continue
                shown = p.words(c)
                if not any(words.casefold() in w.casefold() for w in shown):
                    drift.append(f"{form}.{field}: the table says {words!r}, the page's label reads {shown} ({c['action']})")
    assert not drift, "\n".join(drift)
