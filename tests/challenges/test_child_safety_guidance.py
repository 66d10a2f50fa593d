"""A safety stop on a child's profile speaks to the parent about the child (allergist walk,
2026-12-07). The emergency guidance said "Stop the challenge now and do not eat any more of the
food" and "Your clinician has been alerted." to the parent of a child with hives, and the page's
headline read "Stop: do not eat any more egg."; the steps and the flare advice already spoke of
the child. A patient's own profile keeps its words."""

from __future__ import annotations

import html

from gutskin.clinic import accounts, sharing
from gutskin.clinic import challenges as ch
from gutskin.store.db import get_engine, transaction
from tests.challenges.test_pages import login, web  # noqa: F401  (fixture)
from tests.challenges.test_services import NO_SYMPTOMS, create, shift_back

STEPS = [ch.DoseStep(0, "1/4 cooked egg"), ch.DoseStep(2, "1/2 cooked egg")]


def _leo_at_first_dose(engine, people) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        leo = accounts.add_child_profile(s, people.owner, "Leo", 2019).id
        sharing.accept_invite(s, people.clinician, sharing.create_invite(s, people.owner, leo)["code"])
        cid = int(ch.create_plan(s, people.clinician, leo, ch.PlanInput(
            food="food.egg", kind="home", released_for_home=True, baseline_days=7, doses=STEPS))["id"])
    shift_back(engine, cid, 7)
    return leo, cid


def test_the_guidance_after_hives_speaks_of_the_child(engine, people) -> None:  # type: ignore[no-untyped-def]
    leo, cid = _leo_at_first_dose(engine, people)
    with transaction(engine) as s:
        dose = ch.get_challenge(s, people.owner, cid)["doses"][0]["id"]
        out = ch.take_dose(s, people.owner, cid, dose, {**NO_SYMPTOMS, "hives": True})
    assert out["stopped"] and out["guidance"].startswith("Stop the challenge now and give Leo no more of the food."), out
    assert out["guidance"].endswith("Leo's clinician has been alerted.") and "do not eat" not in out["guidance"]
    with transaction(engine) as s:
        (step,) = ch.today_steps(s, people.owner, leo)
    assert step["guidance"] == out["guidance"]


def test_a_patients_own_stop_keeps_its_words(engine, people) -> None:  # type: ignore[no-untyped-def]
    cid = int(create(engine, people, doses=STEPS)["id"])
    shift_back(engine, cid, 7)
    with transaction(engine) as s:
        dose = ch.get_challenge(s, people.owner, cid)["doses"][0]["id"]
        out = ch.take_dose(s, people.owner, cid, dose, {**NO_SYMPTOMS, "swelling": True})
    assert out["guidance"] == ch.EMERGENCY_GUIDANCE


def test_the_page_headline_speaks_of_the_child(web, sqlite_url) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    people, _, pat = web
    leo, cid = _leo_at_first_dose(get_engine(sqlite_url), people)
    with transaction(get_engine(sqlite_url)) as s:
        ch.safety_check(s, people.owner, cid, ["vomiting"])
    login(pat, "owner@example.org")
    page = html.unescape(pat.get(f"/challenges?patient={leo}").text)
    assert "Stop: give Leo no more egg." in page and "do not eat any more" not in page, page[:3000]
    assert "give Leo no more of the food" in page
