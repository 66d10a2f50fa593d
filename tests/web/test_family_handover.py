"""Handing a child's profile over to the grown-up child (2026-12-07; docs/web.md, "A family's walk").

Pat (the owner persona) keeps Tom's profile; a second caregiver (the stranger persona) helps keep it;
the clinic (Dr Linked) reads it. Tom, 17, registers his own account and gets an empty profile. Pat
makes a one-time handover code (refused under 16, without a birth year, and to a co-caregiver);
Tom redeems it: the profile is his own ('self'), his empty profile is gone, Pat's and the second
caregiver's access ends (404), the clinic still reads it and Tom's Sharing page says so, authors
stay as recorded, both sides are audited, the archive holds the whole record. A Tom whose account
already has a record is refused (no merge); two redemptions at once: one wins.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import threading

import pytest

from sqlalchemy import select
from sqlalchemy.orm import Session

from gutskin.clinic import accounts, caregivers, diary, handover, sharing
from gutskin.clinic.errors import InvalidInput, NotFound
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent, Caregiver, DiaryDay, Invite, Patient, QuestionnaireResponse, User
from tests.conftest import People, bearer
from tests.safety.test_attacks import login_page

POEM = {"answers": [1] * 7}


def _csrf(text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]


def _family(engine, people, born_years_ago: int = 17) -> int:  # type: ignore[no-untyped-def]
    """Tom's profile kept by the owner, with the stranger as co-caregiver and Dr Linked reading it."""
    with transaction(engine) as s:
        tom = accounts.add_child_profile(s, people.owner, "Tom", dt.date.today().year - born_years_ago).id
        code = caregivers.create_code(s, people.owner, tom)["code"]
    with transaction(engine) as s:
        caregivers.redeem(s, people.stranger, code)
        sharing.accept_invite(s, people.clinician, sharing.create_invite(s, people.owner, tom)["code"])
    return tom


def _register(engine, email: str) -> tuple[object, int]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        user = accounts.register_patient(s, email, People.password, "Tom Grown")
        actor = accounts.actor_for(user)
        own = s.scalar(select(Patient.id).where(Patient.owner_user_id == user.id))
    return actor, own


def test_a_parent_hands_a_teenagers_profile_over(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    tom = _family(engine, people)
    owner, helper = bearer(client, "owner@example.org"), bearer(client, "stranger@example.org")
    day = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    assert client.put(f"/api/v1/me/diary/{day}?patient_id={tom}", json={"itch": 4}, headers=owner).status_code == 200
    day2 = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    assert client.put(f"/api/v1/me/diary/{day2}?patient_id={tom}", json={"itch": 6}, headers=helper).status_code == 200
    assert client.post(f"/api/v1/me/questionnaires/poem?patient_id={tom}", json={**POEM, "respondent": "self"},
                       headers=owner).status_code == 201  # Tom (a teenager) answers it on his parent's phone
    grown, old_self = _register(engine, "tom@example.org")
    tom_h = bearer(client, "tom@example.org")

    # only the managing parent makes the code (the co-caregiver, Tom himself: 404)
    assert client.post(f"/api/v1/me/handover-invites?patient_id={tom}", headers=helper).status_code == 404
    assert client.post(f"/api/v1/me/handover-invites?patient_id={tom}", headers=tom_h).status_code == 404
    made = client.post(f"/api/v1/me/handover-invites?patient_id={tom}", headers=owner)
    assert made.status_code == 201, made.text
    code = made.json()["code"]
    assert [c["id"] for c in client.get(f"/api/v1/me/handover-invites?patient_id={tom}", headers=owner).json()] == [
        made.json()["id"]]
    # the parent's own code is refused before it is used up
    own = client.post("/api/v1/me/handover", json={"code": code}, headers=owner)
    assert own.status_code == 422 and "Tom enters it signed in to their own account" in own.text
    # a caregiver code, and unused clinician codes, go with the handover
    with transaction(engine) as s:
        spare = [caregivers.create_code(s, people.owner, tom)["id"], sharing.create_invite(s, people.owner, tom)["id"]]

    took = client.post("/api/v1/me/handover", json={"code": code}, headers=tom_h)
    assert took.status_code == 201, took.text
    assert took.json() == {"patient_id": tom, "name": "Tom", "relationship": "self"}
    again = client.post("/api/v1/me/handover", json={"code": code}, headers=tom_h)
    assert again.status_code == 404

    with Session(engine) as s:
        p = s.get(Patient, tom)
        assert (p.owner_user_id, p.relationship) == (grown.user_id, "self")
        assert s.get(Patient, old_self) is None  # the empty profile made at registration
        assert s.scalars(select(Patient.id).where(Patient.owner_user_id == grown.user_id)).all() == [tom]
        assert s.scalars(select(Caregiver).where(Caregiver.patient_id == tom)).all() == []
        assert all(s.get(Invite, i).expires_at < dt.datetime.now(dt.UTC).replace(tzinfo=None) for i in spare)
        # authors kept as recorded: the parent's and the co-caregiver's
        authors = {d.day.isoformat(): (d.author_user_id, d.author_role)
                   for d in s.scalars(select(DiaryDay).where(DiaryDay.patient_id == tom))}
        assert (authors[day], authors[day2]) == ((people.owner.user_id, "caregiver"),
                                                 (people.stranger.user_id, "co_caregiver"))
        q = s.scalar(select(QuestionnaireResponse).where(QuestionnaireResponse.patient_id == tom))
        assert (q.author_user_id, q.author_role) == (people.owner.user_id, "caregiver")
        events = s.execute(select(AuditEvent.actor_label, AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id)
                           .where(AuditEvent.patient_id.in_([tom, old_self]))).all()
    assert ("owner@example.org", "create", "handover_invite", str(made.json()["id"])) in events
    assert ("tom@example.org", "accept", "handover", str(people.owner.user_id)) in events
    assert ("tom@example.org", "remove", "caregiver") in [e[:3] for e in events]
    assert ("tom@example.org", "delete", "patient", str(old_self)) in events
    assert ("tom@example.org", "cancel", "caregiver_invite", str(spare[0])) in events
    assert ("tom@example.org", "cancel", "invite", str(spare[1])) in events

    # the parent's and the co-caregiver's access has ended; the clinic still reads it
    for h in (owner, helper):
        assert client.get(f"/api/v1/me/diary?patient_id={tom}", headers=h).status_code == 404
        assert client.put(f"/api/v1/me/diary/{day}?patient_id={tom}", json={"itch": 1}, headers=h).status_code == 404
    assert client.get("/api/v1/me/caregiving", headers=helper).json() == []
    doc = bearer(client, "linked@clinic.example.org")
    assert client.get(f"/api/v1/patients/{tom}/diary", headers=doc).status_code == 200
    # Tom's own diary is the record, with who logged each day; his archive holds all of it
    assert {d["date"] for d in client.get("/api/v1/me/diary", headers=tom_h).json()} == set(authors)
    archive = client.get("/api/v1/me/export.json", headers=tom_h).json()
    (mine,) = archive["patients"]
    assert mine["patient_id"] == tom and mine["relationship"] == "self"
    assert len(mine["diary"]) == len(authors) >= 2 and [q["instrument"] for q in mine["questionnaires"]] == ["poem"]
    assert [c["clinician"]["email"] for c in mine["sharing"] if c["revoked_at"] is None] == ["linked@clinic.example.org"]

    # Tom's Sharing page announces the sharing he took over; the parent's Caregivers page says where it went
    login_page(client, "tom@example.org")
    page = html.unescape(client.get("/sharing").text)
    assert 'id="handover-sharing"' in page
    assert "Owner kept this record on their account until" in page
    sect = re.sub(r"\s+", " ", page.split('id="handover-sharing"')[1].split("</section>")[0])
    assert "It was shared then with Dr Linked (linked@clinic.example.org), who still sees it." in sect, sect
    assert "accepted the handover of this profile from the parent who kept it" in page
    client.cookies.clear()
    login_page(client, "owner@example.org")
    cg = html.unescape(client.get("/caregivers").text)
    assert "You handed the profile of Tom over on" in cg and "to the account tom@example.org." in cg
    assert f'id="child-{tom}"' not in cg
    assert client.get(f"/today?patient={tom}").status_code == 404


def test_the_code_is_refused_under_16_without_a_year_and_to_a_co_caregiver(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    tom = _family(engine, people, born_years_ago=15)
    this_year = dt.date.today().year
    with transaction(engine) as s:
        noyear = accounts.add_child_profile(s, people.owner, "Ann").id
    owner = bearer(client, "owner@example.org")
    young = client.post(f"/api/v1/me/handover-invites?patient_id={tom}", headers=owner)
    assert young.status_code == 422
    assert (f"Tom, born in {this_year - 15}, is under 16: a profile is handed over from the year its owner turns 16 "
            f"({this_year + 1})") in young.json()["detail"]
    none = client.post(f"/api/v1/me/handover-invites?patient_id={noyear}", headers=owner)
    assert none.status_code == 422 and "has no birth year: set it on My data first" in none.json()["detail"]
    own = client.post(f"/api/v1/me/handover-invites?patient_id={people.owner_pid}", headers=owner)
    assert own.status_code == 422  # one's own profile is not handed over
    with Session(engine) as s:
        assert s.scalars(select(Invite).where(Invite.kind == "handover")).all() == []

    # the page says why instead of offering the button; the year Tom turns 16 it is offered
    login_page(client, "owner@example.org")
    page = html.unescape(client.get("/caregivers").text)
    assert f'id="handover-not-yet-{tom}"' in page and f'id="new-handover-code-{tom}"' not in page
    with transaction(engine) as s:
        accounts.set_birth_year(s, people.owner, tom, this_year - 16)
    page = client.get("/caregivers").text
    assert f'id="new-handover-code-{tom}"' in page and f'id="handover-not-yet-{tom}"' not in page


def test_a_code_shown_once_and_an_account_with_a_record_is_refused(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    tom = _family(engine, people)
    grown, old_self = _register(engine, "tom@example.org")
    with transaction(engine) as s:  # Tom already keeps a diary on his own profile
        diary.put_day(s, grown, old_self, dt.date.today(), diary.DayInput(itch=3))
    login_page(client, "owner@example.org")
    page = client.get("/caregivers")
    made = client.post(f"/caregivers/handover?patient={tom}", data={"csrf_token": _csrf(page.text)},
                       follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == "/caregivers"
    shown = client.get("/caregivers").text
    code = re.search(r'id="handover-code">([A-Z0-9-]+)<', shown).group(1)  # type: ignore[union-attr]
    assert 'id="handover-code"' not in client.get("/caregivers").text  # a reload does not show it again
    assert code not in made.headers.get("location", "")

    client.cookies.clear()
    login_page(client, "tom@example.org")
    form = client.get("/caregivers").text
    r = client.post("/caregivers/handover/redeem", data={"handover_code": code.lower(), "csrf_token": _csrf(form)})
    assert r.status_code == 409 and 'id="handover-error"' in r.text
    assert "two records are not merged" in html.unescape(r.text)
    with Session(engine) as s:
        assert s.get(Patient, tom).owner_user_id == people.owner.user_id and s.get(Patient, old_self) is not None
        assert s.scalar(select(Invite.used_at).where(Invite.kind == "handover")) is None  # not used up
    # once his own record is gone (here: another, new account), the same code works from the page
    client.cookies.clear()
    _register(engine, "tom2@example.org")
    login_page(client, "tom2@example.org")
    form = client.get("/caregivers").text
    r = client.post("/caregivers/handover/redeem", data={"handover_code": code, "csrf_token": _csrf(form)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/sharing"
    with Session(engine) as s:
        tom2 = s.scalar(select(User.id).where(User.email == "tom2@example.org"))
        assert s.get(Patient, tom).owner_user_id == tom2


def test_two_redemptions_at_once_one_wins(engine, people) -> None:  # type: ignore[no-untyped-def]
    """Two codes of one profile redeemed at once by two accounts (the same code is claimed
    atomically; two codes need the profile's row lock): one takes it, the other is refused and
    keeps its own profile."""
    tom = _family(engine, people)
    first, first_own = _register(engine, "tom@example.org")
    second, second_own = _register(engine, "impostor@example.org")
    with transaction(engine) as s:
        c1, c2 = (handover.create_code(s, people.owner, tom)["code"] for _ in range(2))
    outcome: list[object] = []

    def other() -> None:
        try:
            with transaction(engine) as s2:
                outcome.append(handover.redeem(s2, second, c2))
        except Exception as exc:  # noqa: BLE001 - what the second redemption got
            outcome.append(exc)

    with transaction(engine) as s1:
        assert handover.redeem(s1, first, c1) == tom
        t = threading.Thread(target=other)
        t.start()
        t.join(1.0)  # it waits for this transaction (PostgreSQL: the row locks; SQLite: the write lock)
        assert t.is_alive() and outcome == [], outcome
    t.join(30)
    assert len(outcome) == 1 and isinstance(outcome[0], NotFound), repr(outcome)
    with Session(engine) as s:
        assert s.get(Patient, tom).owner_user_id == first.user_id
        assert s.get(Patient, first_own) is None and s.get(Patient, second_own) is not None
        assert s.scalar(select(Invite.used_at).where(Invite.code_hash == sharing._hash(c2))) is None


def test_a_co_caregiver_holding_the_code_cannot_take_the_profile(engine, people) -> None:  # type: ignore[no-untyped-def]
    """The code is for the young person: the other parent who helps keep the diary (here with an
    empty profile of their own, as many caregivers have) must not take the child's record away from
    the managing parent with it. Refused, the code stays usable, nothing changes."""
    tom = _family(engine, people)
    with transaction(engine) as s:
        code = handover.create_code(s, people.owner, tom)["code"]
    with transaction(engine) as s:  # the co-caregiver's own profile holds nothing: only the caregiver rule stops it
        stranger_own = s.scalars(select(Patient.id).where(Patient.owner_user_id == people.stranger.user_id)).all()
        assert stranger_own and not any(handover._has_record(s, pid) for pid in stranger_own)
    with pytest.raises(InvalidInput) as refused, transaction(engine) as s:
        handover.redeem(s, people.stranger, code)
    assert str(refused.value) == ("code: this is the handover code of Tom's profile, whose diary you help keep; "
                                  "Tom enters it signed in to their own account")
    with Session(engine) as s:
        tom_row = s.get(Patient, tom)
        assert (tom_row.owner_user_id, tom_row.relationship) == (people.owner.user_id, "child")
        assert s.scalars(select(Caregiver.user_id).where(Caregiver.patient_id == tom)).all() == [people.stranger.user_id]
    grown, _ = _register(engine, "tom.grown@example.org")
    with transaction(engine) as s:  # the code was not used up
        assert handover.redeem(s, grown, code) == tom
