"""The consent lifecycle walked as a clinic and its patients live it (2026-12-06): a patient
shares with a clinician, things are in flight (a home food challenge, a booked appointment),
then the clinician's side of the consent ends. Several users, as in the rest of tests/safety:
the owner patient, the linked clinician, a stranger and an unlinked clinician (People).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from gutskin.clinic import appointments, challenges, sharing
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent, Consent
from tests.conftest import People, bearer


def _challenge_and_booking(engine, people: People) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """A home egg challenge the linked clinician supervises and an appointment they booked."""
    with transaction(engine) as s:
        plan = challenges.PlanInput(food="food.egg", kind="home", released_for_home=True, start=dt.date.today(),
                                    baseline_days=7, doses=[challenges.DoseStep(0, "1/4 cooked egg")])
        ch = challenges.create_plan(s, people.clinician, people.owner_pid, plan)["id"]
        req = appointments.request_appointment(s, people.owner, people.owner_pid, "Flare on the hands")["id"]
        when = (dt.datetime.utcnow() + dt.timedelta(days=3)).replace(second=0, microsecond=0)
        appointments.respond(s, people.clinician, req, "accept", when)
    return ch, req


def test_a_clinician_who_closes_their_account_ends_what_they_supervised(people: People, engine, client) -> None:  # type: ignore[no-untyped-def]
    """Found in the consent-lifecycle walk: a clinician deleting their own account (POST
    /api/v1/me/delete) took their consents away by the database's cascade, without what revoking
    does -- the home challenge they supervised stayed 'active' (its next dose still due at home,
    its safety alerts read by nobody), their booked appointment stayed 'accepted' with nobody, and
    the patient's access log never said that sharing ended."""
    ch_id, req_id = _challenge_and_booking(engine, people)
    with transaction(engine) as s:  # an unlinked clinician's challenge elsewhere is not touched
        code = sharing.create_invite(s, people.stranger, people.stranger_pid)["code"]
        sharing.accept_invite(s, people.unlinked, code)
        other = challenges.create_plan(s, people.unlinked, people.stranger_pid, challenges.PlanInput(
            food="food.milk", kind="home", released_for_home=True, start=dt.date.today(), baseline_days=7,
            doses=[challenges.DoseStep(0, "50 ml")]))["id"]

    doctor = bearer(client, "linked@clinic.example.org")
    assert client.post("/api/v1/me/delete", json={"password": People.password}, headers=doctor).status_code == 204

    owner = bearer(client, "owner@example.org")
    mine = client.get("/api/v1/me/challenges", headers=owner).json()
    egg = next(c for c in mine["challenges"] if c["id"] == ch_id)
    assert egg["status"] == "stopped", egg
    assert "account was closed" in egg["stop_reason"]
    assert not [t for t in mine["today"] if t["challenge_id"] == ch_id and t.get("dose")]
    assert "food.egg" in {a["food"] for a in mine["avoid"]}  # safety first: avoid until a clinician reviews it
    booked = next(a for a in client.get("/api/v1/me/appointments", headers=owner).json() if a["id"] == req_id)
    assert booked["status"] == "cancelled", booked
    assert "account was closed" in booked["message"]
    assert client.get("/api/v1/me/access", headers=owner).json() == []
    log = client.get("/api/v1/me/audit", headers=owner).json()
    ended = [e for e in log if e["action"] == "revoke" and e["object"] == "consent"]
    assert ended and ended[0]["actor"] == "linked@clinic.example.org", log[:5]
    assert {(e["action"], e["object"]) for e in log} >= {("stop", "food_challenge"), ("cancel", "appointment")}

    stranger = bearer(client, "stranger@example.org")  # another clinician's patient keeps their challenge
    theirs = client.get("/api/v1/me/challenges", headers=stranger).json()["challenges"]
    assert next(c for c in theirs if c["id"] == other)["status"] == "active"
    with transaction(engine) as s:
        assert s.scalar(select(Consent.id).where(Consent.patient_id == people.stranger_pid,
                                                 Consent.revoked_at.is_(None))) is not None
        assert not s.scalars(select(AuditEvent.action).where(AuditEvent.patient_id == people.stranger_pid,
                                                             AuditEvent.action.in_(("revoke", "stop", "cancel")))).all()


def _signed_in(settings, email: str):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from gutskin.web import create_app
    from tests.safety.test_attacks import login_page

    c = TestClient(create_app(settings), follow_redirects=False)
    assert login_page(c, email).status_code == 303
    return c


def test_the_childs_sharing_page_names_the_co_caregiver_after_the_clinic_is_revoked(people: People, engine, settings) -> None:  # type: ignore[no-untyped-def]
    """Found in the consent-lifecycle walk: a parent who revoked the clinic on their child's
    record read "Nobody else can see your record." on /sharing while a co-caregiver still read and
    wrote the child's diary. "Who can see" now lists the co-caregivers of a child's record too
    (their removal stays on /caregivers); a stranger's /sharing of the child is 404."""
    from gutskin.clinic import accounts, caregivers

    with transaction(engine) as s:
        leo = accounts.add_child_profile(s, people.owner, "Leo", 2019).id
        code = caregivers.create_code(s, people.owner, leo)["code"]
        caregivers.redeem(s, people.stranger, code)  # "Stranger" (the matrix's patient B) helps keep Leo's diary
        invite = sharing.create_invite(s, people.owner, leo)["code"]
        sharing.accept_invite(s, people.clinician, invite)
        consent = s.scalar(select(Consent.id).where(Consent.patient_id == leo))
        sharing.revoke(s, people.owner, leo, consent)
    parent = _signed_in(settings, "owner@example.org")
    page = parent.get(f"/sharing?patient={leo}")
    assert page.status_code == 200
    assert "Nobody else can see" not in page.text, "a co-caregiver still sees Leo's record"
    who = page.text.split("Who can see", 1)[1].split("Recent access", 1)[0].split("Sharing that ended", 1)[0]
    assert "Stranger" in who and "stranger@example.org" in who and "Dr Linked" not in who
    assert 'href="/caregivers"' in who
    own = parent.get("/sharing").text.split("Who can see", 1)[1].split("Recent access", 1)[0]  # the parent's own record
    assert "Dr Linked" in own and "stranger@example.org" not in own and 'id="co-caregivers"' not in own
    helper = _signed_in(settings, "stranger@example.org")
    assert helper.get(f"/sharing?patient={leo}").status_code == 404  # the managing parent's page only
    with transaction(engine) as s:
        caregivers.remove(s, people.owner, leo, caregivers.list_caregivers(s, people.owner, leo)[0]["id"])
    after = parent.get(f"/sharing?patient={leo}")
    assert "Nobody else can see" in after.text and "stranger@example.org" not in after.text.split("Recent access", 1)[0]


def test_the_access_log_says_whose_sharing_ended(people: People, engine, settings) -> None:  # type: ignore[no-untyped-def]
    """Found in the consent-lifecycle walk: with two clinicians linked, revoking one left "You
    ended sharing of your record" in the access log -- as if nobody could see it any more, and
    without saying whose access ended. The line now names the clinician as the list above it does;
    another patient's log is not touched."""
    with transaction(engine) as s:
        code = sharing.create_invite(s, people.owner, people.owner_pid)["code"]
        sharing.accept_invite(s, people.unlinked, code)  # a second clinic, "Dr Unlinked"
        linked = s.scalar(select(Consent.id).where(Consent.patient_id == people.owner_pid,
                                                   Consent.clinician_user_id == people.clinician.user_id))
        sharing.revoke(s, people.owner, people.owner_pid, linked)
    import html

    page = html.unescape(_signed_in(settings, "owner@example.org").get("/sharing").text)
    who, log = page.split("Who can see", 1)[1].split("Recent access", 1)
    who = who.split("Sharing that ended", 1)[0]
    assert "Dr Unlinked" in who and "Dr Linked" not in who
    assert "ended sharing of your record with Dr Linked (linked@clinic.example.org)" in log, log[:1500]
    assert "ended sharing of your record with Dr Unlinked" not in log
    assert "linked to sharing of your record" in log  # the clinicians' own link rows stay as they were
    other = html.unescape(_signed_in(settings, "stranger@example.org").get("/sharing").text)
    assert "Dr Linked" not in other and "Dr Unlinked" not in other


def test_after_a_safety_stop_nobody_sees_the_patient_is_not_told_the_clinician_was_alerted(people: People, engine, settings, client) -> None:  # type: ignore[no-untyped-def]
    """Found in the consent-lifecycle walk: a home challenge stopped by a safety check raises an
    alert for the supervising clinician, and the patient's step keeps saying "Your clinician has
    been alerted." -- also after the patient revoked that clinician before they acknowledged it,
    when no clinician can read the alert any more. Now the sharing page warns before revoking,
    and afterwards the guidance (page and API) says no clinician sees the alert and to call the
    clinic; once another clinic is linked (it sees the alert) the sentence is the usual one."""
    with transaction(engine) as s:
        plan = challenges.PlanInput(food="food.peanut", kind="home", released_for_home=True, start=dt.date.today(),
                                    baseline_days=7, doses=[challenges.DoseStep(0, "1 peanut")])
        ch = challenges.create_plan(s, people.clinician, people.owner_pid, plan)["id"]
        challenges.safety_check(s, people.owner, ch, ["hives"])
    owner = bearer(client, "owner@example.org")

    def guidance() -> str:
        steps = client.get("/api/v1/me/challenges", headers=owner).json()["today"]
        return next(t for t in steps if t["challenge_id"] == ch)["guidance"]

    assert "Your clinician has been alerted." in guidance()
    parent = _signed_in(settings, "owner@example.org")
    page = parent.get("/sharing").text
    assert 'id="revoke-hides-alert"' in page and "not acknowledged" in page  # said before revoking
    with transaction(engine) as s:
        consent = s.scalar(select(Consent.id).where(Consent.patient_id == people.owner_pid))
        sharing.revoke(s, people.owner, people.owner_pid, consent)
    now = guidance()
    assert "Your clinician has been alerted." not in now and "call your clinic" in now, now
    assert "emergency number" in now  # the safety instructions stay
    assert "Your clinician has been alerted." not in parent.get("/challenges").text
    with transaction(engine) as s:  # another clinic linked: it sees the open alert on its panel
        code = sharing.create_invite(s, people.owner, people.owner_pid)["code"]
        sharing.accept_invite(s, people.unlinked, code)
        assert [a["challenge_id"] for a in challenges.clinician_alerts(s, people.unlinked)["alerts"]] == [ch]
    assert "Your clinician has been alerted." in guidance()


def test_a_clinicians_write_racing_the_revocation_leaves_nothing_running(people: People, engine) -> None:  # type: ignore[no-untyped-def]
    """Found reading the revocation path during the consent-lifecycle walk: on PostgreSQL (READ
    COMMITTED, requests side by side) a clinician's plan or booking that checked the consent
    while the patient's revocation was running committed after the revocation had looked for
    what to stop and cancel -- a home challenge 'active' and an appointment 'accepted' for a
    clinician who can no longer see either. The clinician's write now locks the consent row it
    relies on (SELECT ... FOR UPDATE; the revocation's UPDATE holds it), so it waits for the
    revocation and then finds no active consent. On SQLite writers already take turns."""
    import threading

    from gutskin.clinic.errors import Forbidden, NotFound
    from gutskin.store.models import AppointmentRequest, FoodChallenge

    with transaction(engine) as s:
        req = appointments.request_appointment(s, people.owner, people.owner_pid, "Flare")["id"]
        consent = s.scalar(select(Consent.id).where(Consent.patient_id == people.owner_pid))
    outcome: dict[str, object] = {}

    def clinician_writes() -> None:
        for name, write in (
            ("plan", lambda s: challenges.create_plan(s, people.clinician, people.owner_pid, challenges.PlanInput(
                food="food.egg", kind="home", released_for_home=True, start=dt.date.today(), baseline_days=7,
                doses=[challenges.DoseStep(0, "1/4 cooked egg")]))),
            ("booking", lambda s: appointments.respond(
                s, people.clinician, req, "accept", (dt.datetime.utcnow() + dt.timedelta(days=2)).replace(second=0, microsecond=0))),
        ):
            try:
                with transaction(engine) as s:
                    write(s)
                outcome[name] = "done"
            except (Forbidden, NotFound) as exc:
                outcome[name] = type(exc).__name__

    with transaction(engine) as s:
        sharing.revoke(s, people.owner, people.owner_pid, consent)  # done, not yet committed
        racer = threading.Thread(target=clinician_writes)
        racer.start()
        racer.join(1.5)  # the clinician's requests arrive while the revocation is still open
    racer.join(30)
    assert not racer.is_alive()
    with transaction(engine) as s:
        running = s.scalars(select(FoodChallenge.status).where(FoodChallenge.patient_id == people.owner_pid)).all()
        booked = s.scalar(select(AppointmentRequest.status).where(AppointmentRequest.id == req))
    assert "active" not in running, f"a challenge runs for a revoked clinician: {outcome}"
    assert booked == "open", f"the request was {booked} by a revoked clinician: {outcome}"
    assert set(outcome.values()) <= {"Forbidden", "NotFound"}, outcome


def test_the_sharing_page_keeps_who_had_access_and_when(people: People, engine, settings) -> None:  # type: ignore[no-untyped-def]
    """Found in the consent-lifecycle walk: once a sharing ended, /sharing said only who can see
    the record now; who had access before, from when to when, was left to the access log, whose 50
    newest lines are soon the patient's own reads. "Sharing that ended" now lists each ended
    sharing (clinician, from, until), also when the same clinician was linked again; another
    patient's page shows none of it."""
    import html

    with transaction(engine) as s:
        first = s.scalar(select(Consent.id).where(Consent.patient_id == people.owner_pid))
        sharing.revoke(s, people.owner, people.owner_pid, first)
        code = sharing.create_invite(s, people.owner, people.owner_pid)["code"]
        sharing.accept_invite(s, people.clinician, code)  # the same clinician, linked again
        ended = s.get(Consent, first)
        since, until = ended.created_at.date().isoformat(), ended.revoked_at.date().isoformat()
    page = html.unescape(_signed_in(settings, "owner@example.org").get("/sharing").text)
    who, rest = page.split("Who can see", 1)[1].split("Sharing that ended", 1)
    assert "Dr Linked" in who  # linked again
    had = rest.split("Recent access", 1)[0]
    assert "Dr Linked (linked@clinic.example.org)" in had and f"{since} – {until}" in had, had[:800]
    other = html.unescape(_signed_in(settings, "stranger@example.org").get("/sharing").text)
    assert "Sharing that ended" not in other and "Dr Linked" not in other


def test_a_challenge_stopped_by_the_end_of_sharing_is_due_for_the_next_clinicians_review(people: People, engine) -> None:  # type: ignore[no-untyped-def]
    """Found in the consent-lifecycle walk ("who reviews the stop?"): a challenge stopped because
    sharing ended keeps its food on the patient's avoid list "until the clinician has reviewed the
    stop", but no clinician was ever told: only safety stops raise an alert, and "due for review"
    listed running challenges only. A clinician linked afterwards now finds it due for review (panel,
    Challenges page, API) until they record the outcome; the revoked clinician does not, nor does an
    unlinked one."""
    with transaction(engine) as s:
        plan = challenges.PlanInput(food="food.egg", kind="home", released_for_home=True, start=dt.date.today(),
                                    baseline_days=7, doses=[challenges.DoseStep(0, "1/4 cooked egg")])
        ch = challenges.create_plan(s, people.clinician, people.owner_pid, plan)["id"]
        consent = s.scalar(select(Consent.id).where(Consent.patient_id == people.owner_pid))
        sharing.revoke(s, people.owner, people.owner_pid, consent)
        assert challenges.clinician_alerts(s, people.unlinked)["due"] == []
        code = sharing.create_invite(s, people.owner, people.owner_pid)["code"]
        sharing.accept_invite(s, people.unlinked, code)  # the next clinic
    with transaction(engine) as s:
        due = challenges.clinician_alerts(s, people.unlinked)["due"]
        assert [(r["kind"], r["challenge_id"], r["patient_id"]) for r in due] == [("review_stop", ch, people.owner_pid)], due
        assert "egg" in due[0]["text"] and "sharing with the supervising clinician ended" in due[0]["text"]
        assert challenges.clinician_alerts(s, people.clinician)["due"] == []  # revoked
        challenges.confirm_outcome(s, people.unlinked, ch, "refuted", note="no dose was taken; egg is eaten at home without trouble")
    with transaction(engine) as s:
        assert challenges.clinician_alerts(s, people.unlinked)["due"] == []


def test_the_next_clinic_is_told_which_answers_were_not_its_own(people: People, engine, settings, client) -> None:  # type: ignore[no-untyped-def]
    """Found in the consent-lifecycle walk (revoke A, link B): B's appointment queue showed the
    request A had proposed a time for as "cancelled: sharing ended" with A's time and "Message to
    the patient: Cancelled: sharing with this clinician ended ..." -- as if B's own clinic had
    answered and B's sharing had ended. Each request now says who answered it (API
    ``answered_by``: "you", "another clinician" or null; the page marks the other clinician's
    answer). Since requests are addressed (0012, 2026-12-06) B sees only what was sent to B: here a
    request sent to both, which A answered; the one sent to A alone is not B's (404)."""
    import html

    when = (dt.datetime.utcnow() + dt.timedelta(days=3)).replace(second=0, microsecond=0)
    with transaction(engine) as s:
        sharing.accept_invite(s, people.unlinked, sharing.create_invite(s, people.owner, people.owner_pid)["code"])
        both = [a["consent_id"] for a in sharing.list_access(s, people.owner, people.owner_pid)]
        a_only = [a["consent_id"] for a in sharing.list_access(s, people.owner, people.owner_pid)
                  if a["email"] == people.clinician.label]
        proposed = appointments.request_appointment(s, people.owner, people.owner_pid, "Review of the hands", to=both)["id"]
        appointments.respond(s, people.clinician, proposed, "propose", when)
        for_a = appointments.request_appointment(s, people.owner, people.owner_pid, "New rash", to=a_only)["id"]
        sharing.revoke(s, people.owner, people.owner_pid, a_only[0])
        mine = appointments.request_appointment(s, people.owner, people.owner_pid, "Follow-up")["id"]  # B alone now
        appointments.respond(s, people.unlinked, mine, "accept", when + dt.timedelta(hours=1))
    doctor_b = bearer(client, "unlinked@clinic.example.org")
    rows = {r["id"]: r for r in client.get("/api/v1/clinician/appointments?include_closed=true", headers=doctor_b).json()}
    assert set(rows) == {proposed, mine}, rows
    assert rows[proposed]["status"] == "cancelled" and rows[proposed]["answered_by"] == "another clinician"
    assert rows[mine]["answered_by"] == "you"
    assert client.post(f"/api/v1/clinician/appointments/{for_a}", headers=doctor_b,
                       json={"action": "decline", "message": "not mine"}).status_code == 404
    page = html.unescape(_signed_in(settings, "unlinked@clinic.example.org").get("/clinic/appointments").text)
    cards = [c.split("</article>", 1)[0] for c in page.split("<article")[1:]]
    card = next(c for c in cards if "Review of the hands" in c)
    assert "another clinician" in card and "cancelled: sharing ended" not in card, card
    assert "Message to the patient:" not in card
    own = next(c for c in cards if "Follow-up" in c)
    assert "another clinician" not in own and "booked" in own
    assert not any("New rash" in c for c in cards)  # sent to A alone


def _cli(db_url: str, *args: str):  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "GUTSKIN_DATABASE_URL": db_url, "GUTSKIN_SECRET_KEY": "x" * 40}
    return subprocess.run([str(Path(sys.executable).with_name("gutskin")), *args], env=env, capture_output=True,
                          text=True, timeout=120)


def test_the_operator_removes_a_departed_clinician_and_their_patients_are_told(people: People, engine, db_url: str, client) -> None:  # type: ignore[no-untyped-def]
    """Found in the consent-lifecycle walk ("clinician account removed or disabled while patients
    are linked"): the operator had no way to remove a clinician who left -- only `users
    set-password`, which locks them out but leaves their sharings listed as active and the home
    challenges they supervised running with nobody reading their safety alerts. `gutskin users
    remove --email E` now ends each sharing as a revocation does (as the clinician's own account
    deletion does: challenges stopped, bookings cancelled, audited as the operator's), then deletes
    the account. A patient's account is refused (people delete their own: it takes their records)."""
    ch_id, req_id = _challenge_and_booking(engine, people)
    doctor = bearer(client, "linked@clinic.example.org")
    r = _cli(db_url, "users", "remove", "--email", "Linked@Clinic.example.org")
    assert r.returncode == 0, r.stderr
    assert "linked@clinic.example.org" in r.stdout and "1 sharing ended" in r.stdout, r.stdout
    assert client.get("/api/v1/clinician/patients", headers=doctor).status_code == 401  # the token died with the account
    owner = bearer(client, "owner@example.org")
    mine = client.get("/api/v1/me/challenges", headers=owner).json()
    assert next(c for c in mine["challenges"] if c["id"] == ch_id)["status"] == "stopped"
    booked = next(a for a in client.get("/api/v1/me/appointments", headers=owner).json() if a["id"] == req_id)
    assert booked["status"] == "cancelled"
    assert client.get("/api/v1/me/access", headers=owner).json() == []
    log = client.get("/api/v1/me/audit", headers=owner).json()
    assert any(e["action"] == "revoke" and e["object"] == "consent" and e["actor_role"] == "system" for e in log)

    refused = _cli(db_url, "users", "remove", "--email", "owner@example.org")
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and "patient" in refused.stderr, refused.stderr
    assert client.get("/api/v1/me", headers=owner).status_code == 200
    unknown = _cli(db_url, "users", "remove", "--email", "nobody@clinic.example.org")
    assert unknown.returncode == 2 and "no account with this email" in unknown.stderr


def test_the_revoke_warnings_on_a_childs_record_speak_of_the_child(people: People, engine, settings) -> None:  # type: ignore[no-untyped-def]
    """Found in the consent-lifecycle walk (a parent revoking the clinic on a child's record): the
    warnings next to Revoke said "your running food challenge" and "the safety stop of your food
    challenge" -- the parent's own record has none. They name the child now; the parent's own
    record keeps "your"."""
    import html

    with transaction(engine) as s:
        from gutskin.clinic import accounts

        leo = accounts.add_child_profile(s, people.owner, "Leo", 2019).id
        sharing.accept_invite(s, people.clinician, sharing.create_invite(s, people.owner, leo)["code"])
        for food in ("food.peanut", "food.egg"):
            plan = challenges.PlanInput(food=food, kind="home", released_for_home=True, start=dt.date.today(),
                                        baseline_days=7, doses=[challenges.DoseStep(0, "a little")])
            made = challenges.create_plan(s, people.clinician, leo, plan)["id"]
            if food == "food.peanut":  # the peanut one stops (an alert) before the egg is planned: one food at a time
                challenges.safety_check(s, people.owner, made, ["hives"])
        own = challenges.create_plan(s, people.clinician, people.owner_pid, challenges.PlanInput(
            food="food.milk", kind="home", released_for_home=True, start=dt.date.today(), baseline_days=7,
            doses=[challenges.DoseStep(0, "50 ml")]))["id"]
        challenges.safety_check(s, people.owner, own, ["hives"])
        challenges.create_plan(s, people.clinician, people.owner_pid, challenges.PlanInput(
            food="food.soy", kind="home", released_for_home=True, start=dt.date.today(), baseline_days=7,
            doses=[challenges.DoseStep(0, "1 tsp")]))
    parent = _signed_in(settings, "owner@example.org")
    import re

    child = re.sub(r"\s+", " ", html.unescape(parent.get(f"/sharing?patient={leo}").text))
    assert "stops Leo's 1 running food challenge" in child and "safety stop of Leo's food challenge" in child, child[:3000]
    assert "your running" not in child and "of your food challenge" not in child
    mine = re.sub(r"\s+", " ", html.unescape(parent.get("/sharing").text))
    assert "stops your 1 running food challenge" in mine and "safety stop of your food challenge" in mine
