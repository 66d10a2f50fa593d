"""A co-caregiver's entries are theirs, never the managing parent's: in the store, the FHIR export
(one RelatedPerson per co-caregiver, none of them the parent's PRN one), its import, the clinician's
patient page, the visit report and a challenge's dose table. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import html
import re

from sqlalchemy import select

from tests.interop.test_fhir_authors import POEM, _export, _resources, _url_of

TODAY = dt.date.today()


def _family(engine, people):  # type: ignore[no-untyped-def]
    """Mia (the owner's child), shared with the linked clinician; B (the stranger) and Grandma co-care.
    The parent logs two days ago; B logs yesterday and answers POEM; Grandma logs today."""
    from gutskin.clinic import accounts, caregivers, diary, questionnaires, sharing
    from gutskin.store.db import transaction

    with transaction(engine) as s:
        mia = accounts.add_child_profile(s, people.owner, "Mia", birth_year=TODAY.year - 6).id
        sharing.accept_invite(s, people.clinician, sharing.create_invite(s, people.owner, mia)["code"])
        codes = [caregivers.create_code(s, people.owner, mia)["code"] for _ in range(2)]
        gran = accounts.actor_for(accounts.register_patient(s, "gran@example.org", people.password, "Gran"))
    with transaction(engine) as s:
        caregivers.redeem(s, people.stranger, codes[0])
        caregivers.redeem(s, gran, codes[1])
    with transaction(engine) as s:
        diary.put_day(s, people.owner, mia, TODAY - dt.timedelta(days=2), diary.DayInput(itch=2))
        diary.put_day(s, people.stranger, mia, TODAY - dt.timedelta(days=1), diary.DayInput(itch=5))
        questionnaires.submit(s, people.stranger, mia, "poem", {"answers": POEM}, TODAY - dt.timedelta(days=1),
                              respondent="proxy")
        diary.put_day(s, gran, mia, TODAY, diary.DayInput(itch=3))
    return mia, gran


def test_each_co_caregiver_is_its_own_related_person_in_fhir(engine, people) -> None:
    from fhir.resources.R4B.relatedperson import RelatedPerson

    mia, _ = _family(engine, people)
    bundle = _export(engine, people.owner, mia)
    related = _resources(bundle, "RelatedPerson")
    for r in related:
        RelatedPerson.model_validate(r)
    urls = _url_of(bundle, "RelatedPerson")
    parent = [urls[r["id"]] for r in related if r["relationship"][0].get("coding")]
    others = [urls[r["id"]] for r in related if not r["relationship"][0].get("coding")]
    assert len(parent) == 1 and len(others) == 2
    by_day = {o["effectiveDateTime"][:10]: o["performer"][0]["reference"]
              for o in _resources(bundle, "Observation") if "derivedFrom" not in o and o.get("performer")}
    assert by_day[str(TODAY - dt.timedelta(days=2))] == parent[0]
    assert {by_day[str(TODAY - dt.timedelta(days=1))], by_day[str(TODAY)]} == set(others)
    [qr] = _resources(bundle, "QuestionnaireResponse")
    assert qr["author"]["reference"] == by_day[str(TODAY - dt.timedelta(days=1))]
    text = str(bundle)
    assert "gran@example.org" not in text and people.stranger.label not in text  # no account exported


def test_import_keeps_a_co_caregivers_entries_apart_from_the_parents(engine, people) -> None:
    from gutskin.clinic.actors import SYSTEM
    from gutskin.clinic.fhir import import_bundle
    from gutskin.store.db import transaction
    from gutskin.store.models import DiaryDay, Patient

    mia, _ = _family(engine, people)
    import_bundle(engine, SYSTEM, _export(engine, people.owner, mia), patient_ref="p-mia-copy")
    with transaction(engine) as s:
        pid = s.scalar(select(Patient.id).where(Patient.external_id == "p-mia-copy"))
        roles = {d.day: d.author_role for d in s.scalars(select(DiaryDay).where(DiaryDay.patient_id == pid))}
    assert roles == {TODAY - dt.timedelta(days=2): "caregiver", TODAY - dt.timedelta(days=1): "co_caregiver",
                     TODAY: "co_caregiver"}


def test_the_clinician_page_and_the_visit_report_do_not_say_the_parent(engine, people, client) -> None:
    from tests.interop.test_report import _pdf_text, _report
    from tests.safety.test_attacks import login_page

    mia, _ = _family(engine, people)
    data, pdf = _report(engine, people.clinician, mia, wait=0)
    assert data["latest_scores"]["poem"]["author_role"] == "co_caregiver"
    text = " ".join(_pdf_text(pdf)[1].split())
    assert re.search(r"POEM \d\d \w+ \d{4} 11 of 28 \(caregiver-reported\) moderate another caregiver", text), text
    login_page(client, "linked@clinic.example.org")
    page = client.get(f"/clinic/patients/{mia}")
    rows = [" ".join(re.sub(r"<[^>]+>", " ", r).split()) for r in re.findall(r"<tr>.*?</tr>", html.unescape(page.text), re.S)]
    assert any("POEM" in r and r.endswith("another caregiver") for r in rows), rows
    day = TODAY - dt.timedelta(days=1)
    assert any(r.startswith(str(day)) and r.endswith("another caregiver") for r in rows), rows
    assert any(r.startswith(str(day - dt.timedelta(days=1))) and r.endswith("the parent") for r in rows), rows


def test_a_dose_a_co_caregiver_records_is_not_the_parents(engine, people) -> None:
    from gutskin.clinic import challenges
    from gutskin.store.db import transaction

    mia, gran = _family(engine, people)
    with transaction(engine) as s:
        plan = challenges.create_plan(s, people.clinician, mia, challenges.PlanInput(
            food="food.egg", released_for_home=True, start=TODAY, baseline_days=7,
            doses=[challenges.DoseStep(0, "1/4 egg")]))
        ch = s.get(challenges.FoodChallenge, int(plan["id"]))
        back = dt.timedelta(days=7)
        for col in ("baseline_start", "baseline_end", "reintroduction_start", "reintroduction_end"):
            setattr(ch, col, getattr(ch, col) - back)
        for d in s.scalars(select(challenges.ChallengeDose).where(challenges.ChallengeDose.challenge_id == ch.id)):
            d.planned_on -= back
    from tests.challenges.test_services import log_baseline

    log_baseline(engine, int(plan["id"]))  # the first step waits for 7 logged baseline days (2026-12-07)
    with transaction(engine) as s:
        dose_id = int(plan["doses"][0]["id"])  # type: ignore[index]
        challenges.take_dose(s, gran, int(plan["id"]), dose_id, {k: False for k in challenges.SAFETY_SYMPTOMS},
                             taken_at=dt.datetime.utcnow().replace(microsecond=0) - dt.timedelta(minutes=5))
    with transaction(engine) as s:
        [dose] = challenges.get_challenge(s, people.owner, int(plan["id"]))["doses"]  # type: ignore[index]
    assert dose["recorded_by_role"] == "co_caregiver"
