"""A parent managing two children's eczema (the family review, in a real browser first): what a
caregiver's pages said on a child's record, what a form kept after an error, and what the
downloads were called."""

from __future__ import annotations

import html
import re

from tests.conftest import bearer
from tests.safety.test_attacks import login_page


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def _children(engine, people, *names_years):  # type: ignore[no-untyped-def]
    from gutskin.clinic import accounts
    from gutskin.store.db import transaction

    with transaction(engine) as s:
        return [accounts.add_child_profile(s, people.owner, name, year).id for name, year in names_years]


def test_a_childs_food_challenge_page_speaks_of_the_child(client, people, engine) -> None:
    """On Leo's record the step read "Do not eat egg today; log your day", the dose button "I ate
    1/4 cooked egg" and the adherence question "Did you follow ...? No, I ate egg otherwise": the
    parent, who has a diary of their own, was addressed as the one in the challenge."""
    from gutskin.clinic import challenges as ch
    from gutskin.clinic import sharing
    from gutskin.store.db import transaction
    from tests.challenges.test_services import shift_back

    leo, mia = _children(engine, people, ("Leo", 2017), ("Mia", 2023))
    with transaction(engine) as s:
        sharing.accept_invite(s, people.clinician, sharing.create_invite(s, people.owner, leo)["code"])
        cid = ch.create_plan(s, people.clinician, leo, ch.PlanInput(
            food="food.egg", kind="home", released_for_home=True, baseline_days=7,
            doses=[ch.DoseStep(0, "1/4 cooked egg")]))["id"]
    login_page(client, "owner@example.org")

    page = html.unescape(client.get(f"/challenges?patient={leo}").text)
    assert "Give Leo no egg today; log Leo's day as usual every day" in page
    assert "Did Leo follow today's step?" in page and "No, Leo ate egg otherwise" in page
    assert "Do not eat egg" not in page and "log your day" not in page and "I ate" not in page

    shift_back(engine, cid, 7)  # the baseline week is over: the dose day
    from tests.challenges.test_services import log_baseline

    log_baseline(engine, cid)  # Leo's baseline week logged: the first step waits for it (2026-12-07)
    page = html.unescape(client.get(f"/challenges?patient={leo}").text)
    assert "Step 1: give Leo 1/4 cooked egg today" in page and ">Leo ate 1/4 cooked egg</button>" in page
    r = client.post(f"/challenges/{cid}/dose/{_first_dose(engine, cid)}",
                    data={"csrf_token": _csrf(page), "checked": "1", "patient": str(leo)})
    done = html.unescape(r.text)
    assert r.status_code == 200 and "Check Leo again in 2 hours" in done and "log Leo's day as usual" in done
    assert "Observation: log Leo's itch and skin today" in done and "Give Leo no other egg." in done
    # the API answers the same words for the child's profile
    api = client.get(f"/api/v1/me/challenges?patient_id={leo}", headers=bearer(client, "owner@example.org")).json()
    assert [t["text"] for t in api["today"]] == ["Observation: log Leo's itch and skin today (late reactions show 6-48 h "
                                                 "after a dose). Give Leo no other egg. If Leo's eczema flares, "
                                                 "treat it as the clinic advised, log it, and tell the clinic "
                                                 "before giving another step."]

    quiet = html.unescape(client.get(f"/challenges?patient={mia}").text)  # a child without a challenge
    assert "Mia has no food challenge running" in quiet and "No food is on Mia's avoid list" in quiet
    own = html.unescape(client.get("/challenges").text)  # the caregiver's own record: as before
    assert "You have no food challenge running" in own and "No food is on your avoid list" in own


def _first_dose(engine, cid: int) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from gutskin.store.db import transaction
    from gutskin.store.models import ChallengeDose

    with transaction(engine) as s:
        return s.scalars(select(ChallengeDose.id).where(ChallengeDose.challenge_id == cid)
                         .order_by(ChallengeDose.step)).first()  # type: ignore[return-value]


def test_a_refused_diary_import_keeps_the_profile_it_was_meant_for(client, people, engine) -> None:
    """Importing Leo's old diary with a wrong line came back with "Into the diary of" set to the
    caregiver's own profile again: fixing the file and pressing Import put Leo's diary into the
    parent's record."""
    (leo,) = _children(engine, people, ("Leo", 2017))
    login_page(client, "owner@example.org")
    page = client.get("/data").text
    assert f'<option value="{leo}">Leo</option>' in page  # nothing chosen yet: the first profile shows
    bad = "patient,date,itch\nleo-old,2026-09-01,4\nleo-old,2026-09-02,14\n"
    r = client.post("/data/import", data={"csrf_token": _csrf(page), "patient": str(leo)},
                    files={"file": ("leo.csv", bad, "text/csv")})
    assert r.status_code == 422 and "leo.csv: line 3, column itch" in html.unescape(r.text)
    assert f'<option value="{leo}" selected>Leo</option>' in r.text
    assert f'<option value="{people.owner_pid}" selected>' not in r.text
    owner = bearer(client, "owner@example.org")
    assert client.get(f"/api/v1/me/diary?patient_id={leo}", headers=owner).json() == []


def test_visit_reports_are_named_per_profile(client, people, engine) -> None:
    """Every visit report downloaded from My data was gutskin-report.pdf: the parent's and each
    child's overwrote one another in the downloads folder."""
    from gutskin.store.db import transaction
    from gutskin.store.models import Patient

    (leo,) = _children(engine, people, ("Leo", 2017))
    with transaction(engine) as s:
        ext = {pid: s.get(Patient, pid).external_id for pid in (leo, people.owner_pid)}
    login_page(client, "owner@example.org")
    names = {}
    for pid, url in ((leo, f"/data/report.pdf?patient={leo}"), (people.owner_pid, "/data/report.pdf")):
        r = client.get(url)
        assert r.status_code == 200 and r.content.startswith(b"%PDF"), r.text[:200]
        names[pid] = re.search(r'filename="([^"]+)"', r.headers["content-disposition"]).group(1)  # type: ignore[union-attr]
        assert re.fullmatch(rf"gutskin-report-{re.escape(ext[pid])}-\d{{4}}-\d\d-\d\d\.pdf", names[pid]), names
    assert names[leo] != names[people.owner_pid]
    assert client.get(f"/data/report.pdf?patient={people.stranger_pid}").status_code == 404


def test_a_childs_diary_asks_what_the_child_had(client, people, engine) -> None:
    """The chips of Mia's day were headed "Today I had / used", under "Logging for Mia"."""
    (mia,) = _children(engine, people, ("Mia", 2023))
    login_page(client, "owner@example.org")
    page = client.get(f"/today?patient={mia}").text
    assert "<legend>Today Mia had / used</legend>" in page and "Today I had" not in page
    assert "<legend>Today I had / used</legend>" in client.get("/today").text  # the caregiver's own day


def test_the_clinicians_patient_page_says_a_childs_age_and_who_keeps_it(client, people, engine) -> None:
    """The allergist planning Leo's egg challenge saw "Leo (read-only)": neither his age (the visit
    PDF says "born 2017") nor that a parent keeps the profile."""
    from gutskin.clinic import sharing
    from gutskin.store.db import transaction

    (leo,) = _children(engine, people, ("Leo", 2017))
    with transaction(engine) as s:
        sharing.accept_invite(s, people.clinician, sharing.create_invite(s, people.owner, leo)["code"])
    login_page(client, "linked@clinic.example.org")
    page = html.unescape(client.get(f"/clinic/patients/{leo}").text)
    assert ("Born 2017; a child's profile, kept by a parent (who logs its diary and enters its questionnaires; "
            "the Scores say whether the child or the parent answered).") in page  # since 0017 the child may answer
    own = html.unescape(client.get(f"/clinic/patients/{people.owner_pid}").text)
    assert 'id="patient-facts">Birth year not given.</p>' in own and "child's profile" not in own
    assert client.get(f"/clinic/patients/{people.stranger_pid}").status_code == 404


def test_a_childs_invite_code_says_it_shares_that_childs_record_only(client, people, engine) -> None:
    """Sam, sharing only Leo's record with the allergist, read "Give this code to your clinician":
    nothing said which of the family's records the code opens."""
    (leo,) = _children(engine, people, ("Leo", 2017))
    login_page(client, "owner@example.org")
    csrf = _csrf(client.get("/data").text)
    page = html.unescape(client.post(f"/sharing/invite?patient={leo}", data={"csrf_token": csrf}).text)
    assert "it shares the record of Leo only, not yours or another child's:" in page
    own = html.unescape(client.post("/sharing/invite", data={"csrf_token": csrf}).text)
    assert 'id="invite-code"' in own and "it shares the record of" not in own


def test_a_childs_insights_count_the_childs_days(client, people, engine) -> None:
    """On Mia's record "Not enough diary yet" said "(you have 3)": the parent's own diary is another."""
    import datetime as dt

    from gutskin.clinic import diary
    from gutskin.store.db import transaction

    (mia,) = _children(engine, people, ("Mia", 2019))
    with transaction(engine) as s:
        for i in range(3):
            diary.put_day(s, people.owner, mia, dt.date.today() - dt.timedelta(days=i), diary.DayInput(itch=3))
    login_page(client, "owner@example.org")
    page = ""
    for _ in range(50):  # computed off the request: the panel asks again until it is ready
        page = client.get(f"/insights/panel?patient={mia}").text
        if 'id="insights-computing"' not in page:
            break
        import time

        time.sleep(0.1)
    assert 'id="insights-wait"' in page, page[:500]
    assert "(your child has 3)" in page and "(you have" not in page
