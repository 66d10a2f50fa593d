"""The clinician's *Challenges* page lists the running challenges of their linked patients, the
panel's alerts run a fixed number of statements however many are running, and the sharing page
names each open alert for what it is (2026-12-07).

* *Challenges* listed only safety alerts and reviews due: a challenge with a step due today, or one
  held by a late reaction, was not listed as running anywhere. Now a "Running challenges" table
  gives the food, phase, steps taken, the next step (due, overdue, or held and why) and the open
  alerts; an unlinked clinician sees none of them.
* ``clinician_alerts`` (the panel, *Challenges*, the API) ran the late-reaction check one challenge
  at a time: five statements or more per running challenge with a dose taken.
* The sharing page called a late reaction "the safety stop of your food challenge".

SQLite and PostgreSQL (``db_url``)."""

from __future__ import annotations

import datetime as dt

from gutskin.clinic import accounts, diary, sharing
from gutskin.clinic import challenges as ch
from gutskin.clinic.access import default_patient
from gutskin.store.db import transaction
from tests.challenges.test_late_reaction_alerts import _after_step_one
from tests.safety.test_attacks import login_page
from tests.web.test_panel_scale import _statements

TODAY = dt.date.today()


def _linked(engine, people, name: str):  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        actor = accounts.actor_for(accounts.register_patient(s, f"{name}@example.org", people.password, name.capitalize()))
        pid = default_patient(s, actor).id
        sharing.accept_invite(s, people.clinician, sharing.create_invite(s, actor, pid)["code"])
    return actor, pid


def _flare(engine, actor, pid: int) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        diary.put_day(s, actor, pid, TODAY, diary.DayInput(itch=2, flare=True))


def _page(client, email: str) -> str:  # type: ignore[no-untyped-def]
    client.cookies.clear()
    assert login_page(client, email).status_code == 303
    r = client.get("/clinic/challenges")
    assert r.status_code == 200
    return r.text


def _running_table(page: str) -> str:
    start = page.index('id="running-challenges"')
    return page[start:page.index("</table>", start)]


def test_challenges_lists_the_running_challenges_of_linked_patients_only(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    cid = _after_step_one(engine, people.clinician, people.owner, people.owner_pid)
    with transaction(engine) as s:
        running = ch.clinician_alerts(s, people.clinician)["running"]
    (row,) = running
    assert (row["challenge_id"], row["patient_id"], row["food"], row["phase"]) == (cid, people.owner_pid, "food.egg",
                                                                                  "reintroduction")
    assert (row["steps_taken"], row["steps"], row["next_status"], row["open_alerts"]) == (1, 3, "due", 0)
    table = _running_table(_page(client, "linked@clinic.example.org"))
    assert "Owner" in table and "Egg" in table and "1 of 3" in table
    assert "Step 2 (1/2 cooked egg, at home): due today" in table

    _flare(engine, people.owner, people.owner_pid)  # a late reaction: the next step is held
    table = _running_table(_page(client, "linked@clinic.example.org"))
    assert "Step 2 (1/2 cooked egg, at home): held by a late reaction logged on" in table
    assert "<strong>1</strong> (late reaction)" in table
    panel = client.get("/clinic").text  # the panel says which time a late reaction's is
    box = panel[panel.index('id="panel-alerts"'):]
    assert "Eczema flare logged on" in box and "(diary saved " in box[:box.index("</section>")]

    stranger = _page(client, "unlinked@clinic.example.org")  # a clinician the patient never linked
    assert 'id="no-running"' in _running_table(stranger) and "Owner" not in stranger
    with transaction(engine) as s:
        assert ch.clinician_alerts(s, people.unlinked)["running"] == []


def test_the_panels_alerts_are_a_fixed_number_of_statements_for_1_or_5_running_challenges(engine, people) -> None:  # type: ignore[no-untyped-def]
    """Each running challenge has a dose taken and a flare logged in its window (an open late
    alert): the check, the alerts and the running list read them all in the same statements."""
    def add_running(name: str) -> None:
        actor, pid = _linked(engine, people, name)
        _after_step_one(engine, people.clinician, actor, pid)
        _flare(engine, actor, pid)

    def alerts() -> int:
        with transaction(engine) as s:
            got = ch.clinician_alerts(s, people.clinician)
        return len(got["alerts"])

    add_running("ana")
    alerts()  # the first read writes the late alert
    one = _statements(engine, alerts)
    for name in ("ben", "cleo", "dev", "eli"):
        add_running(name)
    alerts()
    five = _statements(engine, alerts)
    assert five == one, (one, five)
    with transaction(engine) as s:
        got = ch.clinician_alerts(s, people.clinician)
    assert len(got["running"]) == 5 and all(r["next_status"] == "held" and r["open_alerts"] == 1 for r in got["running"])
    assert sorted(a["patient_name"] for a in got["alerts"]) == ["Ana", "Ben", "Cleo", "Dev", "Eli"]


def test_the_sharing_page_names_a_late_reaction_for_what_it_is(engine, people, settings) -> None:  # type: ignore[no-untyped-def]
    from tests.safety.test_consent_lifecycle import _signed_in

    _after_step_one(engine, people.clinician, people.owner, people.owner_pid)
    _flare(engine, people.owner, people.owner_pid)
    page = _signed_in(settings, "owner@example.org").get("/sharing").text
    start = page.index('id="revoke-hides-alert"')
    warning = " ".join(page[start:page.index("</p>", start)].split())
    assert "the late reaction (a flare or worse itch logged on " in warning and "in your egg challenge" in warning
    assert "safety stop" not in warning
