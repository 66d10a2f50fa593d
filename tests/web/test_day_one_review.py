"""A new patient's first day, found in the day-one browser review (session 8): what a reload, a
double click or a caregiver meets on the patient pages."""

from __future__ import annotations

import re

import pytest

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
    poem = client.get(f"/questionnaire/poem?patient={cid}&respondent=proxy").text  # the parent answers for Mia
    assert "has your child&#39;s skin been" in poem and "disturbing their sleep (nights)" in poem
    assert "your skin" not in poem and "your sleep" not in poem
    recap = client.get(f"/questionnaire/recap?patient={cid}&respondent=proxy").text
    assert "How has your child&#39;s eczema been?" in recap and "your eczema" not in recap.replace("your child", "")
    for own in ("/questionnaire/poem", f"/questionnaire/poem?patient={people.owner_pid}"):
        page = client.get(own).text
        assert "has your skin been" in page and "disturbing your sleep (nights)" in page and "child" not in page
    severe = client.post(f"/questionnaire/poem?patient={cid}",
                         data={"csrf_token": csrf, "respondent": "proxy", **{f"q{i}": "4" for i in range(7)}})
    assert severe.status_code == 200 and 'id="severe-guidance"' in severe.text
    assert "Your child&#39;s eczema was very severe over the last week" in severe.text
    assert "You are on the record of <strong>Mia</strong>." in severe.text
    mine = client.post("/questionnaire/poem", data={"csrf_token": csrf, **{f"q{i}": "4" for i in range(7)}})
    assert "Your eczema was very severe over the last week" in mine.text


def test_a_day_logged_by_mistake_can_be_deleted_on_the_today_page(client, people) -> None:
    """A day logged on the wrong date stayed in the trends, the insights and the clinic's panel:
    the Today page could only overwrite it (the API had DELETE, the page nothing). Now a day with
    an entry offers "Delete this day"; a second press (double click, back button) ends on the
    same page; a profile that is not yours is 404 and keeps its day."""
    login_page(client, "owner@example.org")
    page = client.get("/today?date=2026-11-03").text
    assert 'id="delete-day"' not in page  # nothing logged: nothing to delete
    csrf = _csrf(page)
    client.post("/today", data={"csrf_token": csrf, "date": "2026-11-03", "itch": "6", "f:food.egg": "1", "notes": "wrong day"})
    client.post("/today", data={"csrf_token": csrf, "date": "2026-11-04", "itch": "2"})
    page = client.get("/today?date=2026-11-03").text
    assert 'id="delete-day"' in page and "Delete the entry of Tue 3 Nov 2026" in page
    owner = bearer(client, "owner@example.org")
    stranger = bearer(client, "stranger@example.org")
    client.put("/api/v1/me/diary/2026-11-03", json={"itch": 1}, headers=stranger)

    for _ in range(2):  # the second press finds nothing to delete and says the same
        r = client.post("/today/delete", data={"csrf_token": csrf, "date": "2026-11-03"})
        assert r.status_code == 200 and str(r.url).startswith("http://testserver/today?date=2026-11-03&saved=")
        assert 'id="deleted-msg"' in r.text and "The entry of Tue 3 Nov 2026 is deleted." in r.text
        assert 'id="delete-day"' not in r.text and 'id="saved-msg"' not in r.text
    days = client.get("/api/v1/me/diary?start=2026-11-01&end=2026-11-30", headers=owner).json()
    assert [d["date"] for d in days] == ["2026-11-04"]
    log = [e["action"] for e in client.get("/api/v1/me/audit", headers=owner).json() if e["object"] == "diary_day"]
    assert log.count("delete") == 1
    # the note is the server's: a link cannot say a day was deleted
    assert 'id="deleted-msg"' not in client.get("/today?date=2026-11-04&saved=deleted%202026-11-04").text

    r = client.post(f"/today/delete?patient={people.stranger_pid}", data={"csrf_token": csrf, "date": "2026-11-03"})
    assert r.status_code == 404
    assert [d["itch"] for d in client.get("/api/v1/me/diary?start=2026-11-03&end=2026-11-03", headers=stranger).json()] == [1]
    r = client.post("/today/delete", data={"csrf_token": csrf, "date": "3 Nov"})
    assert r.status_code == 422 and "Day: expected a day YYYY-MM-DD" in r.text
    r = client.post("/today/delete", data={"csrf_token": "forged", "date": "2026-11-04"})
    assert r.status_code == 403
    assert len(client.get("/api/v1/me/diary?start=2026-11-04&end=2026-11-04", headers=owner).json()) == 1


def test_a_childs_day_is_deleted_on_the_childs_record(client, people) -> None:
    """The delete form keeps the profile: a caregiver deleting the child's day does not touch
    their own day of the same date."""
    login_page(client, "owner@example.org")
    csrf = _csrf(client.get("/data").text)
    r = client.post("/profiles/child", data={"csrf_token": csrf, "display_name": "Mia"}, follow_redirects=False)
    cid = int(r.headers["location"].rsplit("=", 1)[1])
    client.post("/today", data={"csrf_token": csrf, "date": "2026-11-05", "itch": "3"})
    client.post(f"/today?patient={cid}", data={"csrf_token": csrf, "date": "2026-11-05", "itch": "5"})
    page = client.get(f"/today?date=2026-11-05&patient={cid}").text
    assert f'action="/today/delete?patient={cid}"' in page
    r = client.post(f"/today/delete?patient={cid}", data={"csrf_token": csrf, "date": "2026-11-05"})
    assert r.status_code == 200 and "You are on the record of <strong>Mia</strong>." in r.text
    owner = bearer(client, "owner@example.org")
    assert client.get(f"/api/v1/me/diary?start=2026-11-05&end=2026-11-05&patient_id={cid}", headers=owner).json() == []
    assert [d["itch"] for d in client.get("/api/v1/me/diary?start=2026-11-05&end=2026-11-05", headers=owner).json()] == [3]


@pytest.mark.parametrize(
    ("csv", "said"),
    [
        # Excel's own date: which day it is cannot be known (1 November or 11 January), so no guess
        ("patient,date,itch\nme,01/11/2026,3\n",
         'line 2, column date: expected an ISO date YYYY-MM-DD (a spreadsheet&#39;s day/month/year or month/day/year '
         'date cannot be told apart: format the date column as YYYY-MM-DD, e.g. 2025-04-01, before saving the CSV), '
         'got &#34;01/11/2026&#34;'),
        # midnight is read as the day since 2026-12-07; another time is not
        ("patient,date,itch\nme,2026-11-01 09:30:00,3\n",
         "line 2, column date: expected an ISO date YYYY-MM-DD without a time (2026-11-01; a time other than midnight "
         "00:00 is not read as a day), got &#34;2026-11-01 09:30:00&#34;"),
        ("\ufeffPatient,Date,Itch,Sleep Loss\nme,2026-11-01,3,1\n", "line 1, column Patient: expected a core column"),
        ("patient,date,Itch\nme,2026-11-01,3\n", "in lower case [a-z0-9_]; did you mean itch?"),
        ("patient,date,Sleep Loss\nme,2026-11-01,3\n", "did you mean sleep_loss?"),
        ("patient,date,itch,Dairy\nme,2026-11-01,3,1\n", "line 1, column Dairy: expected a core column"),
        ("patient,date,itch,Dairy\nme,2026-11-01,3,1\n", "did you mean food.dairy (Dairy)?"),
        ("patient,date,itch,Topical steroid\nme,2026-11-01,3,1\n", "did you mean treat.tcs (Topical steroid)?"),
        ("patient,date,itch,pollen\nme,2026-11-01,3,40\n", "did you mean env.pollen (Pollen)?"),
        ("patient,date,itch,Notes\nme,2026-11-01,3,fine\n", "notes are not part of the diary CSV format (delete this column)"),
        ("patient,date,itch,Tomato\nme,2026-11-01,3,1\n",
         "a factor of your own is named with its group: food, env, life, gut or treat (e.g. food.tomato or env.tomato)"),
    ],
)
def test_a_diary_from_another_app_is_told_what_to_change(client, people, csv, said) -> None:
    """A diary exported by a spreadsheet or another app (Excel dates, a time after the date,
    capitalised or labelled columns, a Notes column) was refused with the format's rule only:
    "expected an ISO date YYYY-MM-DD, got 01/11/2026", "expected a core column ... or a factor
    named group.name" for a column called Dairy. Still all or nothing, and nothing guessed, but
    the message says what the column probably is and how to fix the file."""
    login_page(client, "owner@example.org")
    page = client.get("/data").text
    assert "dates as\n    <code>2025-04-01</code>" in page
    r = client.post("/data/import", data={"csrf_token": _csrf(page), "patient": str(people.owner_pid)},
                    files={"file": ("from-other-app.csv", csv.encode(), "text/csv")})
    assert r.status_code == 422
    error = re.search(r'id="import-error">([^<]*)<', r.text).group(1)  # type: ignore[union-attr]
    assert error.startswith("from-other-app.csv: line ") and said in error, error
    owner = bearer(client, "owner@example.org")
    assert client.get("/api/v1/me/diary", headers=owner).json() == []


def test_a_header_hint_is_never_a_guess() -> None:
    """Only exact matches are named: a column that is nothing known gets no 'did you mean'."""
    import io

    from gutskin.diary.csvio import DiaryCsvError, iter_diary_csv

    for header, hint in (("Mood score", "e.g. food.mood_score or env.mood_score"), ("Café", None), ("%%", None)):
        with pytest.raises(DiaryCsvError) as err:
            list(iter_diary_csv(io.StringIO(f"patient,date,{header}\nme,2026-11-01,1\n")))
        assert "did you mean" not in str(err.value)
        assert (hint in str(err.value)) if hint else str(err.value).endswith("in lower case [a-z0-9_]"), str(err.value)


def test_a_childs_profile_can_be_deleted_on_my_data(client, people) -> None:
    """A child's profile (or one added by mistake, "Mai" for "Mia") could not be removed: My data
    did not even list the profiles, and the only delete was the whole account. Now each managed
    profile has its own folded delete form with a password re-check; the caregiver's own profile,
    other profiles and other people's profiles are untouched."""
    login_page(client, "owner@example.org")
    csrf = _csrf(client.get("/data").text)
    ids = []
    for name in ("Mai", "Mia"):
        r = client.post("/profiles/child", data={"csrf_token": csrf, "display_name": name}, follow_redirects=False)
        ids.append(int(r.headers["location"].rsplit("=", 1)[1]))
    mai, mia = ids
    owner = bearer(client, "owner@example.org")
    for pid in (mai, mia, people.owner_pid):
        assert client.put(f"/api/v1/me/diary/2026-11-10?patient_id={pid}", json={"itch": 4}, headers=owner).status_code == 200
    code = client.post(f"/api/v1/me/invites?patient_id={mai}", headers=owner).json()["code"]
    doc = bearer(client, "linked@clinic.example.org")
    assert client.post("/api/v1/clinician/links", json={"code": code}, headers=doc).status_code in (200, 201)

    page = client.get("/data").text
    assert f'action="/profiles/{mai}/delete"' in page and f'action="/profiles/{mia}/delete"' in page
    assert f'action="/profiles/{people.owner_pid}/delete"' not in page  # one's own profile goes with the account
    wrong = client.post(f"/profiles/{mai}/delete", data={"csrf_token": csrf, "password": "not it at all"})
    assert wrong.status_code == 401 and 'id="profile-error"' in wrong.text and "password is wrong" in wrong.text
    assert f'<details class="card danger-zone" id="profile-{mai}" open>' in wrong.text
    assert client.get(f"/api/v1/me/diary?patient_id={mai}", headers=owner).status_code == 200  # nothing deleted

    r = client.post(f"/profiles/{mai}/delete", data={"csrf_token": csrf, "password": people.password})
    assert r.status_code == 200 and str(r.url).startswith("http://testserver/data?removed=")
    assert "The profile and its records are deleted." in r.text and f'id="profile-{mai}"' not in r.text
    assert client.get(f"/api/v1/me/diary?patient_id={mai}", headers=owner).status_code == 404
    assert client.get(f"/api/v1/patients/{mai}/diary", headers=doc).status_code == 404  # the clinic's view is gone too
    for pid in (mia, people.owner_pid):
        assert [d["itch"] for d in client.get(f"/api/v1/me/diary?patient_id={pid}", headers=owner).json()] == [4]
    audit_log = client.get(f"/api/v1/me/audit?patient_id={mia}", headers=owner).json()
    assert not any(e["action"] == "delete" for e in audit_log)
    # again (back button, double click): the profile is not there any more
    assert client.post(f"/profiles/{mai}/delete", data={"csrf_token": csrf, "password": people.password}).status_code == 404
    # one's own profile, another person's, a forged form, a link claiming a deletion
    own = client.post(f"/profiles/{people.owner_pid}/delete", data={"csrf_token": csrf, "password": people.password})
    assert own.status_code == 422 and "it is deleted with your account" in own.text
    assert client.post(f"/profiles/{people.stranger_pid}/delete",
                       data={"csrf_token": csrf, "password": people.password}).status_code == 404
    assert client.post(f"/profiles/{mia}/delete", data={"csrf_token": "forged", "password": people.password}).status_code == 403
    assert "are deleted" not in client.get("/data?removed=removed%20Mia").text
    assert client.get("/api/v1/me", headers=bearer(client, "stranger@example.org")).status_code == 200
    assert len(client.get(f"/api/v1/me/diary?patient_id={mia}", headers=owner).json()) == 1


def test_a_challenge_with_several_doses_is_planned_and_a_nul_in_any_dose_is_named(client, people) -> None:
    """The NUL guard (b6e7fe0) read the flat parameters of an INSERT of several rows in one
    statement (SQLAlchemy's insertmanyvalues: a challenge's doses) as a list of rows: every
    challenge with two doses was a 500 (found by the accessibility e2e test's seed)."""
    c = bearer(client, "linked@clinic.example.org")
    plan = {"food": "food.egg", "kind": "home", "released_for_home": True, "baseline_days": 7,
            "doses": [{"day_offset": 0, "amount": "1/4 egg"}, {"day_offset": 3, "amount": "1/2 egg"},
                      {"day_offset": 6, "amount": "1 egg"}]}
    r = client.post(f"/api/v1/patients/{people.owner_pid}/challenges", headers=c, json=plan)
    assert r.status_code == 201, r.text
    assert [d["amount"] for d in r.json()["doses"]] == ["1/4 egg", "1/2 egg", "1 egg"]
    import datetime as dt

    later = (dt.date.today() + dt.timedelta(days=30)).isoformat()  # after the egg's reintroduction (one food at a time)
    plan = {**plan, "food": "food.wheat", "start": later, "doses": [{"day_offset": 0, "amount": "1 cracker"},
                                                    {"day_offset": 3, "amount": "2 crackers\x00"}]}
    r = client.post(f"/api/v1/patients/{people.owner_pid}/challenges", headers=c, json=plan)
    assert r.status_code == 422 and r.json()["detail"].startswith("amount: contains a NUL character"), r.text


def test_a_request_left_when_sharing_ended_does_not_say_the_clinic_is_waiting(client, people) -> None:
    """After the patient stopped sharing, an open request still read "Waiting for the clinic"
    (and the notice "No clinic can see your requests yet"): no clinician can see it, so an urgent
    request waited for nobody. It now says it is not seen, until the record is shared again."""
    login_page(client, "owner@example.org")
    csrf = _csrf(client.get("/appointments").text)
    client.post("/appointments", data={"csrf_token": csrf, "reason": "Weeping rash on both arms", "urgency": "urgent"})
    shared = client.get("/appointments").text
    assert "Waiting for the clinic" in shared and 'id="nobody-sees-requests"' not in shared
    owner = bearer(client, "owner@example.org")
    consent = client.get("/api/v1/me/access", headers=owner).json()[0]["consent_id"]
    assert client.post(f"/sharing/revoke/{consent}", data={"csrf_token": csrf}).status_code == 200
    alone = client.get("/appointments").text
    assert "Waiting for the clinic" not in alone
    assert "Not seen by any clinic: your record is not shared now" in alone
    assert "nobody sees the request below marked" in alone and "yet:" not in alone
    doc = bearer(client, "linked@clinic.example.org")
    assert client.get("/api/v1/clinician/appointments", headers=doc).json() == []  # indeed nobody sees it
    # shared again (with any clinician): the request is waiting for them
    code = client.post("/api/v1/me/invites", headers=owner).json()["code"]
    assert client.post("/api/v1/clinician/links", json={"code": code}, headers=doc).status_code in (200, 201)
    assert [r["reason"] for r in client.get("/api/v1/clinician/appointments", headers=doc).json()] == ["Weeping rash on both arms"]
    again = client.get("/appointments").text
    assert "Waiting for the clinic" in again and 'id="nobody-sees-requests"' not in again


def test_the_calendar_of_a_new_diary_agrees_with_its_count(client, people) -> None:
    """On day one the page said "1 day logged, 0 not logged in the last 12 weeks" above a calendar
    of 83 days marked missing (dashed, and "missing" to a screen reader): the days before the
    diary started. They are shown apart now, and the missing cells are the count's missing days,
    on the patient's page and the clinician's."""
    import datetime as dt

    owner = bearer(client, "owner@example.org")
    today = dt.date.today()
    client.put(f"/api/v1/me/diary/{today}", json={"itch": 3}, headers=owner)
    login_page(client, "owner@example.org")
    page = client.get("/trends?weeks=12").text
    # counted since the diary started, and no missed day is "none missed" (it read "1 day logged, 0 not logged in the last 12 weeks")
    assert f"1 day logged since the diary started on {today:%a} {today.day} {today:%b %Y}, none missed." in page
    cal = page.split('class="calendar"')[1].split("</div>")[0]
    assert cal.count(": missing;") == 0 and cal.count(": logged;") == 1
    assert cal.count(": before the diary started;") == 83 and cal.count('class="cal missing') == 0
    assert f"before the diary started ({today:%a} {today.day} {today:%b %Y})" in page  # the legend says from when
    # a missed day since the start is missing, and counted
    client.put(f"/api/v1/me/diary/{today - dt.timedelta(days=3)}", json={"itch": 5}, headers=owner)
    page = client.get("/trends?weeks=4").text
    began = today - dt.timedelta(days=3)
    assert f"2 days logged, 2 not logged since the diary started on {began:%a} {began.day} {began:%b %Y}." in page
    cal = page.split('class="calendar"')[1].split("</div>")[0]
    assert cal.count(": missing;") == 2 and cal.count(": before the diary started;") == 24
    # the clinician's view of the same record says the same
    client.cookies.clear()
    login_page(client, "linked@clinic.example.org")
    clinic = client.get(f"/clinic/patients/{people.owner_pid}?weeks=4").text
    cal = clinic.split('class="calendar"')[1].split("</div>")[0]
    assert cal.count(": missing;") == 2 and cal.count(": before the diary started;") == 24
    # the API carries the first counted day too
    trends = client.get(f"/api/v1/patients/{people.owner_pid}/trends?weeks=4", headers=bearer(client, "linked@clinic.example.org")).json()
    assert trends["counted_from"] == str(today - dt.timedelta(days=3))


def test_a_caregiver_sees_whose_diary_the_today_form_saves(client, people) -> None:
    """A caregiver's Today page opens on their own profile (the default) and said nothing about
    whose diary it was -- only a banner on the child's record -- so a parent who logged in to fill
    the child's day saved it into their own record. With more than one profile the form says
    whose diary it fills, and its button names them; one profile: as before."""
    login_page(client, "owner@example.org")
    page = client.get("/today").text
    assert 'id="logging-for"' not in page and ">Save day</button>" in page  # one profile
    csrf = _csrf(page)
    r = client.post("/profiles/child", data={"csrf_token": csrf, "display_name": "Mia"}, follow_redirects=False)
    cid = int(r.headers["location"].rsplit("=", 1)[1])
    own = client.get("/today").text
    name = re.search(r'aria-current="true">([^<]+)</a>', own).group(1)  # type: ignore[union-attr]
    assert f"Logging for <strong>{name}</strong> (your own diary)." in own and f">Save the day of {name}</button>" in own
    child = client.get(f"/today?patient={cid}").text
    assert "Logging for <strong>Mia</strong>." in child and ">Save the day of Mia</button>" in child
    refused = client.post(f"/today?patient={cid}", data={"csrf_token": csrf, "date": "2026-11-20", "itch": "99"})
    assert refused.status_code == 422 and "Logging for <strong>Mia</strong>." in refused.text
    client.cookies.clear()
    assert "add your child's profile under <strong>My data → Profiles</strong>" in client.get("/register").text


def test_a_childs_insights_speak_of_the_child(client, people) -> None:
    """A child's insights read "What affects your eczema" and "Likely makes your itch worse" to
    the caregiver (the questionnaires' proxy wording came first, bfa0d60); the caregiver's own
    record and the clinician's view are as before."""
    import datetime as dt

    owner = bearer(client, "owner@example.org")
    cid = client.post("/api/v1/me/children", json={"display_name": "Mia"}, headers=owner).json()["patient_id"]
    start = dt.date.today() - dt.timedelta(days=39)
    for pid in (cid, people.owner_pid):
        for i in range(40):
            day = (start + dt.timedelta(days=i)).isoformat()
            r = client.put(f"/api/v1/me/diary/{day}?patient_id={pid}",
                           json={"itch": 2 + 4 * (i % 2), "factors": {"food.egg": i % 2}}, headers=owner)
            assert r.status_code == 200, r.text
        assert client.get(f"/api/v1/me/insights?wait=20&patient_id={pid}", headers=owner).json()["status"] == "ready"
    login_page(client, "owner@example.org")
    assert "<h1>What affects your child&#39;s eczema</h1>" in client.get(f"/insights?patient={cid}").text
    assert "<h1>What affects your eczema</h1>" in client.get("/insights").text
    child = client.get(f"/insights/panel?patient={cid}").text
    assert "Likely makes your child&#39;s itch worse" in child and "associations in your child&#39;s own diary" in child
    assert "your itch" not in child and "in your own diary" not in child
    own = client.get(f"/insights/panel?patient={people.owner_pid}").text
    assert "Likely makes your itch worse" in own and "child" not in own
    client.cookies.clear()
    login_page(client, "linked@clinic.example.org")
    clinic = client.get(f"/insights/panel?patient={people.owner_pid}").text
    assert "Likely makes the patient&#39;s itch worse" in clinic


@pytest.mark.parametrize(
    ("opened", "lands"),
    [
        ("/sharing/invite", "/sharing"),
        ("/sharing/invite?patient=7", "/sharing?patient=7"),
        ("/sharing/revoke/3", "/sharing"),
        ("/today/delete?patient=7", "/today?patient=7"),
        ("/data/import", "/data"),
        ("/data/delete", "/data"),
        ("/profiles/child", "/data"),
        ("/profiles/7/delete", "/data"),
        ("/appointments/5?patient=7&x=1", "/appointments?patient=7"),
        ("/account/password", "/account"),
        ("/challenges/3/dose/4", "/challenges"),
        ("/clinic/challenges/3/alerts/4/ack", "/clinic/challenges/3"),
        ("/clinic/link", "/clinic"),
        ("/logout", "/"),
        ("/sharing/invite?patient=javascript:x", "/sharing"),
    ],
)
def test_a_forms_address_opened_again_leads_to_its_page(client, people, opened, lands) -> None:
    """The page a form answers with (an invite code, a refused import, a wrong password) keeps the
    form's address; reloading it from the address bar, or a phone restoring the tab, asked for it
    with GET: "Something went wrong: Method Not Allowed" (a patient who left to send the invite
    code came back to that). It now leads to the form's page; the API keeps its 405."""
    login_page(client, "owner@example.org")
    r = client.get(opened, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == lands, (r.status_code, r.headers.get("location"), r.text[:200])
    assert client.head(opened, follow_redirects=False).headers.get("location") == lands


def test_every_post_only_page_address_leads_somewhere_that_opens(client, people) -> None:
    from gutskin.web.routes import route_table

    routes = route_table(client.app)
    posts = {p for m, p in routes if m == "POST" and not p.startswith("/api/")}
    gets = {p for m, p in routes if m == "GET"}
    login_page(client, "owner@example.org")
    for path in sorted(posts - gets):
        url = re.sub(r"{\w+}", "1", path)
        r = client.get(url, follow_redirects=False)
        assert r.status_code == 303, (path, url, r.status_code)
        assert client.get(r.headers["location"], follow_redirects=False).status_code in (200, 303, 403, 404), path
    api = client.get("/api/v1/me/delete", follow_redirects=False)
    assert api.status_code == 405 and api.headers["content-type"].startswith("application/json")
