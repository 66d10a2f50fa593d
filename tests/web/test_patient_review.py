"""Patient pages as a new user meets them: a custom factor's category, what a new day copies
from the last one, the error pages' menu, labels (found in the black-box review of session 6)."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from gutskin.diary.dates import day_words
from tests.conftest import bearer
from tests.safety.test_attacks import login_page
from tests.web.test_today_form import _BrowserForm


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def _day(client, owner, day: str) -> dict:  # type: ignore[no-untyped-def]
    days = client.get(f"/api/v1/me/diary?start={day}&end={day}", headers=owner).json()
    assert len(days) == 1, days
    return days[0]


@pytest.mark.parametrize(
    ("typed", "group", "stored"),
    [
        ("Wool jumper", "env", "env.wool_jumper"),
        ("Sun cream!", "treat", "treat.sun_cream"),
        ("Yoga", "life", "life.yoga"),
        ("Kefir", None, "food.kefir"),  # no choice sent: food, as before
        ("St. John's wort", "gut", "gut.st_john_s_wort"),  # a dot is punctuation, not a category ("st")
        ("env.mould", "food", "env.mould"),  # a typed full name of a known category keeps it
    ],
)
def test_a_custom_factor_is_filed_under_the_chosen_category(client, people, typed, group, stored) -> None:
    """Every custom factor was stored as food.<name>: a wool jumper or a sun cream counted as a
    food (and a treatment filed as food is read as a possible trigger, not as treatment)."""
    login_page(client, "owner@example.org")
    page = client.get("/today?date=2026-11-20").text
    assert '<select name="custom_group">' in page and '<option value="food" selected>' in page
    data = {"csrf_token": _csrf(page), "date": "2026-11-20", "itch": "3", "custom_name": typed}
    if group:
        data["custom_group"] = group
    r = client.post("/today", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert _day(client, bearer(client, "owner@example.org"), "2026-11-20")["factors"] == {stored: 1.0}
    chip = client.get("/today?date=2026-11-20").text  # and it is offered as a chip from then on
    assert f'name="f:{stored}" value="1" checked' in chip


def test_an_unknown_category_is_refused_and_the_form_keeps_the_choice(client, people) -> None:
    login_page(client, "owner@example.org")
    csrf = _csrf(client.get("/today").text)
    base = {"csrf_token": csrf, "date": "2026-11-20", "itch": "3", "custom_name": "Wool"}
    r = client.post("/today", data={**base, "custom_group": "admin"})
    assert r.status_code == 422 and "Category of your factor: choose one of the options offered" in html.unescape(r.text)
    # a refused save for another field keeps the chosen category (and the typed name) for the next try
    r = client.post("/today", data={**base, "custom_group": "env", "f:food.dairy": "lots"})
    assert r.status_code == 422
    assert '<option value="env" selected>' in r.text and 'value="Wool"' in r.text
    assert '<option value="food" selected>' not in r.text
    assert client.get("/api/v1/me/diary", headers=bearer(client, "owner@example.org")).json() == []


def test_a_new_day_does_not_copy_pollen_and_weather_readings(client, people) -> None:
    """Prefill copied yesterday's pollen count, humidity and temperature into today: pressing
    Save recorded yesterday's weather as today's measurements."""
    owner = bearer(client, "owner@example.org")
    yesterday = {"itch": 4, "sleep_loss": 2, "factors": {"env.pollen": 40, "env.humidity": 55, "env.temperature": 12.5,
                                                         "food.dairy": 1, "treat.emollient": 2, "life.stress": 6}}
    assert client.put("/api/v1/me/diary/2026-11-20", json=yesterday, headers=owner).status_code == 200
    login_page(client, "owner@example.org")
    page = client.get("/today?date=2026-11-21").text
    assert "Prefilled from Fri 20 Nov 2026" in page and "Pollen and weather readings are not copied" in page
    form = _BrowserForm(page).data
    assert form["f:food.dairy"] == "1" and form["f:treat.emollient"] == "2" and form["f:life.stress"] == "6"
    assert "f:env.pollen" not in form and "r:env.pollen" not in form  # the pollen chip is off and unrecorded
    assert form["f:env.humidity"] == "" and form["f:env.temperature"] == ""  # offered, empty
    r = client.post("/today", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    today = _day(client, owner, "2026-11-21")
    assert today["factors"] == {"food.dairy": 1.0, "treat.emollient": 2.0, "life.stress": 6.0}
    assert (today["itch"], today["sleep_loss"]) == (4, 2)
    # a reading typed into the offered field is stored for the new day
    form = _BrowserForm(client.get("/today?date=2026-11-22").text).data
    form["f:env.humidity"] = "70"
    assert client.post("/today", data=form, follow_redirects=False).status_code == 303
    assert _day(client, owner, "2026-11-22")["factors"]["env.humidity"] == 70.0


def test_a_prefill_without_readings_says_nothing_about_them(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    client.put("/api/v1/me/diary/2026-11-20", json={"itch": 4, "factors": {"food.egg": 1}}, headers=owner)
    login_page(client, "owner@example.org")
    page = client.get("/today?date=2026-11-21").text
    assert "Prefilled from Fri 20 Nov 2026" in page and "not copied" not in page


def test_error_pages_keep_the_signed_in_menu(client, people) -> None:
    """A signed-in patient who followed a dead link met "Log in / Register", as if signed out."""
    anon = client.get("/no-such-page")
    assert anon.status_code == 404 and 'href="/register"' in anon.text and "Log out" not in anon.text
    login_page(client, "owner@example.org")
    for path, status in [("/no-such-page", 404), (f"/today?patient={people.stranger_pid}", 404),
                         ("/trends?weeks=abc", 422), ("/clinic", 403)]:
        r = client.get(path)
        assert r.status_code == status, (path, r.text)
        assert 'href="/today"' in r.text and "Log out" in r.text and 'href="/register"' not in r.text, path
        assert "Stranger" not in r.text and "stranger@example.org" not in r.text
    assert "There is no page at this address." in client.get("/no-such-page").text
    login_page(client, "linked@clinic.example.org")  # a clinician sees the clinic's menu
    r = client.get("/no-such-page")
    assert 'href="/clinic"' in r.text and 'href="/today"' not in r.text
    client.cookies.delete("gutskin_session")
    client.cookies.set("gutskin_session", "not-a-session")  # a dead cookie is nobody
    r = client.get("/no-such-page")
    assert 'href="/register"' in r.text and "Log out" not in r.text


def test_the_sliders_are_labelled(client, people) -> None:
    """Each slider's label also held an <output> (itself a labelable element), so the label
    named the output and screen readers announced the sliders without a name."""
    login_page(client, "owner@example.org")
    page = client.get(f"/today?date={dt.date.today().isoformat()}").text
    for name in ("itch", "sleep_loss"):
        assert re.search(rf'<label for="{name}">[^<]+<output', page), name
        assert f'name="{name}" id="{name}"' in page


def test_a_refused_appointment_request_keeps_what_was_typed(client, people) -> None:
    """A refused request came back with an empty form: the urgency chosen and the preferred
    times were lost, and the 'no clinic can see your requests' warning disappeared."""
    login_page(client, "stranger@example.org")  # shares with nobody
    csrf = _csrf(client.get("/appointments").text)
    r = client.post("/appointments", data={"csrf_token": csrf, "reason": "x" * 2001, "urgency": "urgent",
                                           "preferred_times": "Mondays 9-11"})
    assert r.status_code == 422
    assert "Reason: at most 2000 characters" in r.text
    assert '<option value="urgent" selected>' in r.text and 'value="Mondays 9-11"' in r.text
    assert ">" + "x" * 2001 + "</textarea>" in r.text
    assert 'id="nobody-sees-requests"' in r.text
    assert 'id="no-requests"' in r.text  # nothing stored
    ok = client.post("/appointments", data={"csrf_token": csrf, "reason": "Flare", "urgency": "soon"},
                     follow_redirects=False)
    assert ok.status_code == 303


@pytest.mark.parametrize("tampered", ["x", "9", "-1", "²", "1" * 5000])
def test_a_tampered_questionnaire_answer_is_asked_again(client, people, tampered) -> None:
    """A value that is not one of the offered answers answered a bare text page with Python's
    words ("invalid literal for int() with base 10")."""
    login_page(client, "owner@example.org")
    csrf = _csrf(client.get("/questionnaire/poem").text)
    data = {"csrf_token": csrf, **{f"q{i}": "1" for i in range(7)}, "q2": tampered}
    r = client.post("/questionnaire/poem", data=data)
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    assert "Please answer every question (not yet: 3)." in r.text and "int()" not in r.text
    assert 'name="q0" value="1" checked' in r.text  # the other answers are kept
    owner = bearer(client, "owner@example.org")
    assert client.get(f"/api/v1/patients/{people.owner_pid}/questionnaires", headers=owner).json() == []


def test_a_questionnaire_is_dated_on_the_persons_day(client, people) -> None:
    """POEM answered at 9:00 in Kiritimati (still yesterday on a UTC server) went on the server's
    day: the diary's POEM point and the weekly prompt were a day off."""
    from zoneinfo import ZoneInfo

    from tests.web.test_local_day import AHEAD, BEHIND

    zone = AHEAD if dt.datetime.now(ZoneInfo(AHEAD)).date() != dt.date.today() else BEHIND
    login_page(client, "owner@example.org")
    client.cookies.set("tz", zone)
    csrf = _csrf(client.get("/questionnaire/poem").text)
    r = client.post("/questionnaire/poem", data={"csrf_token": csrf, **{f"q{i}": "2" for i in range(7)}})
    assert r.status_code == 200 and "Score <strong>14</strong>" in r.text
    local = dt.datetime.now(ZoneInfo(zone)).date().isoformat()
    owner = bearer(client, "owner@example.org")
    answered = client.get(f"/api/v1/patients/{people.owner_pid}/questionnaires", headers=owner).json()
    assert [q["answered_on"] for q in answered] == [local]
    assert _day(client, owner, local)["poem"] == 14


@pytest.mark.parametrize(("name", "year", "message"),
                         [("", "2019", "Child's name or initials: give the child's name or initials"),
                          ("Mia", "3000", "Birth year: expected a year between 1900 and this year"),
                          ("Mia", "twenty", "Birth year: expected a year like 2019")])
def test_a_refused_child_profile_is_explained_on_my_data(client, people, name, year, message) -> None:
    """A refused child profile answered a bare error page ("Back to the start"): the form and
    what was typed were gone."""
    login_page(client, "owner@example.org")
    csrf = _csrf(client.get("/data").text)
    r = client.post("/profiles/child", data={"csrf_token": csrf, "display_name": name, "birth_year": year})
    assert r.status_code == 422
    shown = html.unescape(r.text)
    assert f'<p class="error" role="alert" id="child-error">{message}</p>' in shown
    assert f'name="display_name" maxlength="120" required value="{name}"' in shown
    assert f'name="birth_year" min="1900" max="2100" value="{year}"' in shown
    assert 'action="/data/delete"' in shown  # the whole My data page, not an error page
    me = client.get("/api/v1/me", headers=bearer(client, "owner@example.org")).json()
    assert len(me["patients"]) == 1


@pytest.mark.parametrize(("collected", "message"),
                         [("2099-01-01", "Collected on: 2099-01-01 is in the future"),
                          ("31/12/2025", "Collected on: expected a date such as 2026-11-30")])
def test_a_refused_microbiome_upload_keeps_the_fields(client, people, collected, message) -> None:
    """A refused upload came back with the sample id, method and date emptied; a collection date
    years ahead was stored; a malformed date answered Python's "Invalid isoformat string"."""
    from tests.web.test_microbiome_upload import PROFILE

    login_page(client, "owner@example.org")
    csrf = _csrf(client.get("/microbiome").text)
    r = client.post("/microbiome", data={"csrf_token": csrf, "sample_id": "S7", "method": "shotgun",
                                         "collected_on": collected},
                    files={"file": ("profile.tsv", PROFILE, "text/tab-separated-values")})
    assert r.status_code == 422
    shown = html.unescape(r.text)
    assert message in shown and "isoformat" not in shown and "Choose the file again" in shown
    assert 'value="S7"' in shown and '<option value="shotgun" selected>' in shown
    if collected.startswith("2099"):
        assert 'name="collected_on" value="2099-01-01"' in shown
    ok = client.post("/microbiome", data={"csrf_token": csrf, "method": "shotgun", "collected_on": "2026-11-01"},
                     files={"file": ("profile.tsv", PROFILE, "text/tab-separated-values")}, follow_redirects=False)
    assert ok.status_code == 303, ok.text


def test_a_childs_questionnaire_result_links_to_the_childs_pages(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    child = client.post("/api/v1/me/children", json={"display_name": "Mia"}, headers=owner).json()
    cid = child.get("id") or child.get("patient_id")
    login_page(client, "owner@example.org")
    csrf = _csrf(client.get(f"/questionnaire/poem?patient={cid}&respondent=proxy").text)
    r = client.post(f"/questionnaire/poem?patient={cid}", data={"csrf_token": csrf, "respondent": "proxy",
                                                                **{f"q{i}": "0" for i in range(7)}})
    assert r.status_code == 200
    assert f'href="/trends?patient={cid}"' in r.text and f'href="/today?patient={cid}"' in r.text


@pytest.mark.parametrize("day", ["0001-01-01", "0001-02-15", "1899-12-31"])
def test_a_day_before_1900_is_not_offered_and_does_not_crash(client, people, day) -> None:
    """/today?date=0001-01-01 was a 500 (the form looks 60 days back, before year 1)."""
    login_page(client, "owner@example.org")
    r = client.get(f"/today?date={day}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/today"
    assert client.get("/today?date=1900-01-01").status_code == 200


def test_a_link_cannot_make_my_data_claim_an_import(client, people) -> None:
    """/data?imported=500 said "Imported 500 days." to whoever followed the link."""
    login_page(client, "owner@example.org")
    for junk in ("500", "-3", "abc", ""):
        r = client.get(f"/data?imported={junk}")
        assert r.status_code == 200 and 'id="import-done"' not in r.text, junk


def test_the_insights_panel_carries_its_chart_data_without_a_script_element(client, people) -> None:
    """htmx drops <script> elements from a swapped fragment (allowScriptTags off, c315e67): the
    forecast JSON lived in one, and both forecast charts were blank. The e2e insights test
    draws them; this pins the markup and that the attribute holds exactly the API's forecast."""
    import json

    owner = bearer(client, "owner@example.org")
    start = dt.date.today() - dt.timedelta(days=59)
    for i in range(60):
        day = (start + dt.timedelta(days=i)).isoformat()
        r = client.put(f"/api/v1/me/diary/{day}", json={"itch": 2 + i % 5, "sleep_loss": i % 4}, headers=owner)
        assert r.status_code == 200
    api = client.get("/api/v1/me/insights?wait=10", headers=owner).json()
    assert api["status"] == "ready", api
    login_page(client, "owner@example.org")
    panel = client.get(f"/insights/panel?patient={people.owner_pid}").text
    assert "<script" not in panel
    for canvas, key in (("forecast-chart", "forecast"), ("sleep-forecast-chart", "sleep_forecast")):
        raw = re.search(rf'<canvas id="{canvas}" class="forecast-chart" data-forecast=\'([^\']*)\'', panel)
        assert raw, canvas
        assert json.loads(html.unescape(raw.group(1))) == api[key]


def test_the_access_list_names_the_command_line_in_words(client, people, engine) -> None:
    """A demo or CLI import showed the patient "cli imported the diary"."""
    from gutskin.clinic import audit
    from gutskin.clinic.actors import SYSTEM
    from gutskin.store.db import transaction

    with transaction(engine) as s:
        audit.record(s, SYSTEM, people.owner_pid, "import", "diary")
    login_page(client, "owner@example.org")
    page = html.unescape(client.get("/sharing").text)
    assert "<td>The server's operator (command line)</td>" in page and "<td>cli</td>" not in page


def test_a_caregiver_stays_on_the_childs_record_from_page_to_page(client, people) -> None:
    """The menu dropped ?patient=: from the child's diary, Trends, Insights, Sharing ... opened the
    caregiver's own record, so a child's record could not be shared or charted from the pages;
    a child's microbiome upload and the trends' report link led to a 404."""
    from tests.web.test_microbiome_upload import PROFILE

    login_page(client, "owner@example.org")
    csrf = _csrf(client.get("/data").text)
    r = client.post("/profiles/child", data={"csrf_token": csrf, "display_name": "Mia"}, follow_redirects=False)
    assert r.status_code == 303
    cid = int(r.headers["location"].rsplit("=", 1)[1])
    for path in ("/today", "/trends", "/insights", "/microbiome", "/sharing", "/appointments", "/challenges"):
        page = client.get(f"{path}?patient={cid}").text
        nav = page.split("<nav>", 1)[1].split("</nav>", 1)[0]
        for target in ("/today", "/trends", "/insights", "/microbiome", "/sharing", "/appointments", "/challenges"):
            assert f'href="{target}?patient={cid}"' in nav, (path, target)
        assert 'href="/data"' in nav and 'href="/account"' in nav
    own = client.get("/trends").text.split("<nav>", 1)[1].split("</nav>", 1)[0]
    assert 'href="/trends"' in own and "?patient=" not in own
    # the child's microbiome sample: the upload lands on its report, the trends link opens it
    up = client.post(f"/microbiome?patient={cid}", data={"csrf_token": csrf, "method": "shotgun"},
                     files={"file": ("profile.tsv", PROFILE, "text/tab-separated-values")}, follow_redirects=False)
    assert up.status_code == 303, up.text
    assert client.get(up.headers["location"]).status_code == 200
    link = re.search(r'<a href="(/microbiome/\d+[^"]*)">Report</a>', client.get(f"/trends?patient={cid}").text)
    assert link and client.get(html.unescape(link.group(1))).status_code == 200


def test_saved_is_said_only_after_a_save(client, people) -> None:
    """/today?date=...&saved=1 said "Saved." to whoever followed the link (and saved=abc was a 422)."""
    login_page(client, "owner@example.org")
    for junk in ("1", "abc", ""):
        r = client.get(f"/today?date=2026-11-20&saved={junk}")
        assert r.status_code == 200 and 'id="saved-msg"' not in r.text, junk
    csrf = _csrf(client.get("/today?date=2026-11-20").text)
    r = client.post("/today", data={"csrf_token": csrf, "date": "2026-11-20", "itch": "2"}, follow_redirects=False)
    assert r.status_code == 303
    assert 'id="saved-msg"' in client.get(r.headers["location"]).text
    other_day = r.headers["location"].replace("date=2026-11-20", "date=2026-11-19")  # the note is for that day
    assert 'id="saved-msg"' not in client.get(other_day).text


def test_the_api_refuses_a_microbiome_sample_collected_in_the_future(client, people) -> None:
    """The page refused a future collection date; the API stored 2099-01-01 (one rule for both)."""
    from tests.web.test_microbiome_upload import PROFILE

    owner = bearer(client, "owner@example.org")
    ahead = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    r = client.post("/api/v1/me/microbiome", headers=owner, data={"method": "shotgun", "collected_on": ahead},
                    files={"file": ("mine.tsv", PROFILE, "text/tab-separated-values")})
    assert r.status_code == 422 and r.json()["detail"].startswith(f"collected_on: {ahead} is in the future")
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()  # a zone ahead of the server
    r = client.post("/api/v1/me/microbiome", headers=owner, data={"method": "shotgun", "collected_on": tomorrow},
                    files={"file": ("mine.tsv", PROFILE, "text/tab-separated-values")})
    assert r.status_code in (200, 201), r.text
    assert len(client.get(f"/api/v1/patients/{people.owner_pid}/microbiome", headers=owner).json()) == 1


def test_recap_answers_are_words_item_by_item(client, people) -> None:
    """RECAP offered bare 0 1 2 3 4 (session 7 added a hint on which end is good); the validated
    scale has words for every answer: the Nottingham anchor sets, item by item."""
    login_page(client, "owner@example.org")
    page = html.unescape(client.get("/questionnaire/recap").text)
    fieldsets = re.findall(r"<fieldset>(.*?)</fieldset>", page, re.S)
    assert len(fieldsets) == 7
    words = [re.findall(r'value="(\d)"[^>]*> ([^<]+)</label>', f) for f in fieldsets]
    assert words[0] == [("0", "Very good"), ("1", "Good"), ("2", "OK"), ("3", "Bad"), ("4", "Very bad")]
    assert [w for _, w in words[1]] == ["No days", "1–2 days", "3–4 days", "5–6 days", "Every day"]
    assert [w for _, w in words[3]][-1] == "Every night" and [w for _, w in words[4]][0] == "Not at all"
    assert words[6][0] == ("0", "Completely acceptable") and words[6][4] == ("4", "Not at all acceptable")
    assert not any(w.strip().isdigit() for f in words for _, w in f)  # no bare numbers left


def test_a_childs_pages_say_whose_record_they_show(client, people) -> None:
    """A child's Sharing page read "Sharing with your clinic" exactly like the caregiver's own:
    an invite code could be handed out for the wrong record."""
    login_page(client, "owner@example.org")
    csrf = _csrf(client.get("/data").text)
    r = client.post("/profiles/child", data={"csrf_token": csrf, "display_name": "Mia"}, follow_redirects=False)
    cid = int(r.headers["location"].rsplit("=", 1)[1])
    banner = "You are on the record of <strong>Mia</strong>."
    for path in ("/today", "/trends", "/insights", "/microbiome", "/sharing", "/appointments", "/challenges",
                 "/questionnaire/poem"):
        assert banner in client.get(f"{path}?patient={cid}").text, path
        assert 'id="viewing"' not in client.get(path).text, path  # the caregiver's own record: no banner
        assert 'id="viewing"' not in client.get(f"{path}?patient={people.owner_pid}").text, path
    invite = client.post(f"/sharing/invite?patient={cid}", data={"csrf_token": csrf})
    assert banner in invite.text and 'id="invite-code"' in invite.text


def test_my_data_says_the_csv_leaves_out_notes(client, people) -> None:
    """A diary exported as CSV and imported again lost every note, without a word (the interchange
    format has no notes column; the JSON archive keeps them)."""
    owner = bearer(client, "owner@example.org")
    client.put("/api/v1/me/diary/2026-11-01", json={"itch": 2, "notes": "new soap"}, headers=owner)
    assert "notes" not in client.get("/api/v1/me/export.csv", headers=owner).text.splitlines()[0]
    assert "new soap" in client.get("/api/v1/me/export.json", headers=owner).text
    login_page(client, "owner@example.org")
    assert "not your notes: the JSON archive keeps everything" in client.get("/data").text


@pytest.mark.parametrize(("last_day", "expect"), [("2026-11-20", "all"), ("2026-11-18", "habits"),
                                                   ("2026-11-14", "habits"), ("2026-11-13", "nothing")])
def test_a_new_day_copies_states_only_from_yesterday_and_nothing_from_weeks_back(client, people, last_day,
                                                                                 expect) -> None:
    """A new day copied itch, sleep and stress from the last logged day however old it was: back
    after a month, a quick Save stored the month-old itch as today's (day-one review). Now the
    day's own states come only from yesterday, habits from the last 7 days, and nothing older."""
    owner = bearer(client, "owner@example.org")
    last = {"itch": 7, "sleep_loss": 5, "factors": {"food.dairy": 1, "treat.emollient": 2, "life.stress": 6,
                                                    "gut.bristol": 4}}
    assert client.put(f"/api/v1/me/diary/{last_day}", json=last, headers=owner).status_code == 200
    login_page(client, "owner@example.org")
    page = client.get("/today?date=2026-11-21").text
    form = _BrowserForm(page).data
    if expect == "nothing":
        assert "Prefilled from" not in page and "f:food.dairy" not in form and "f:treat.emollient" not in form
    else:
        assert f"Prefilled from {day_words(str(last_day))}" in page
        assert form["f:food.dairy"] == "1" and form["f:treat.emollient"] == "2"
        if expect == "all":
            assert form["f:life.stress"] == "6" and form["f:gut.bristol"] == "4" and "Only habits" not in page
        else:
            assert "Only habits are copied" in page
            assert not form.get("f:life.stress") and not form.get("f:gut.bristol")
    form["csrf_token"] = _csrf(page)
    assert client.post("/today", data=form, follow_redirects=False).status_code == 303
    saved = _day(client, owner, "2026-11-21")
    if expect == "all":
        assert (saved["itch"], saved["sleep_loss"]) == (7, 5)
    else:  # the untouched sliders record nothing: no itch the patient did not give
        assert (saved["itch"], saved["sleep_loss"]) == (None, None)
        assert "life.stress" not in saved["factors"] and "gut.bristol" not in saved["factors"]


def test_diary_downloads_are_named_per_profile_and_day(client, people, engine) -> None:
    """Every diary download was gutskin-diary.csv: a caregiver's files for themself and a child
    overwrote each other in the downloads folder (day-one review)."""
    from gutskin.clinic import accounts
    from gutskin.store.db import transaction
    from gutskin.store.models import Patient

    with transaction(engine) as s:
        child = accounts.add_child_profile(s, people.owner, "Mia", 2019)
        child_id, child_ext = child.id, child.external_id
        own_ext = s.get(Patient, people.owner_pid).external_id
    login_page(client, "owner@example.org")
    owner = bearer(client, "owner@example.org")
    names = {}
    for label, url in [("own", "/data/diary.csv"), ("child", f"/data/diary.csv?patient={child_id}"),
                       ("api", f"/api/v1/me/export.csv?patient_id={child_id}")]:
        r = client.get(url, headers=owner if label == "api" else None)
        assert r.status_code == 200, r.text
        names[label] = re.search(r'filename="([^"]+)"', r.headers["content-disposition"]).group(1)  # type: ignore[union-attr]
    assert re.fullmatch(rf"gutskin-diary-{re.escape(own_ext)}-\d{{4}}-\d\d-\d\d\.csv", names["own"]), names
    assert names["child"].startswith(f"gutskin-diary-{child_ext}-") and names["child"] != names["own"]
    assert names["api"].startswith(f"gutskin-diary-{child_ext}-")
    assert client.get(f"/data/diary.csv?patient={people.stranger_pid}").status_code == 404
