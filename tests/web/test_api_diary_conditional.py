"""The diary API's conditional writes (SQLite and PostgreSQL): ``PUT /api/v1/me/diary/{date}``
let the last write win, so an app that read a child's day and saved it replaced what the
co-caregiver had saved meanwhile, without a word (the page's Save was fixed in 1f93e4a; found
reviewing the API after it on 2026-12-06). Now ``GET /me/diary`` gives each day's ``version``, a
PUT answers it as ``ETag``, ``If-Match`` refuses a stale write with 412 naming the day and who
saved it when, ``If-None-Match: *`` creates only, and a PUT without either still replaces the day.

The race of two first saves (``If-None-Match: *`` against another first save not yet committed)
is tested as the page's is, tests/web/test_today_first_save_race.py."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from gutskin.clinic import diary
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent
from tests.conftest import bearer
from tests.web.test_today_first_save_race import DAY, _mia_with_ben, _race, _stored


def test_if_match_refuses_a_stale_write_with_412_and_names_who_saved_the_day_when(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    mia = _mia_with_ben(engine, people)
    ann, ben = bearer(client, "owner@example.org"), bearer(client, "stranger@example.org")
    url = f"/api/v1/me/diary/{DAY}?patient_id={mia}"

    r = client.put(url, json={"itch": 4, "factors": {"food.dairy": 1}}, headers=ann)  # no precondition: as before
    assert r.status_code == 200, r.text
    first = r.json()["version"]
    assert r.headers["etag"] == f'"{first}"'
    [listed] = client.get(f"/api/v1/me/diary?patient_id={mia}", headers=ann).json()
    assert listed["version"] == first  # what a client reads is what it sends back

    # Ben's phone changes a factor only: the version changes
    r = client.put(url, json={"itch": 4, "factors": {"food.dairy": 1, "food.egg": 1}}, headers={**ben, "If-Match": f'"{first}"'})
    assert r.status_code == 200, r.text
    second = r.json()["version"]
    assert second != first

    # Ann's app saves on the version it read: refused, nothing written, and it says whose save it met
    r = client.put(url, json={"itch": 1, "notes": "calm"}, headers={**ann, "If-Match": f'"{first}"'})
    assert r.status_code == 412, r.text
    detail = r.json()["detail"]
    assert detail.startswith(f"date {DAY}: changed since you read it (saved by Stranger at ")
    assert " UTC); nothing was written" in detail
    [day] = _stored(engine, people, mia)
    assert (day["itch"], day["factors"], day["notes"]) == (4, {"food.dairy": 1.0, "food.egg": 1.0}, None)
    with transaction(engine) as s:  # what the 412 told (who saved the day when) is in Mia's access log
        told = s.execute(select(AuditEvent.actor_user_id, AuditEvent.object_id).where(
            AuditEvent.patient_id == mia, AuditEvent.action == "read", AuditEvent.object_type == "diary_day")).all()
    assert [tuple(t) for t in told] == [(people.owner.user_id, DAY)]

    # on the current version it goes through; If-None-Match: * on a logged day does not
    r = client.put(url, json={"itch": 1, "notes": "calm"}, headers={**ann, "If-Match": r.headers.get("etag") or f'"{second}"'})
    assert r.status_code == 200, r.text
    r = client.put(url, json={"itch": 9}, headers={**ben, "If-None-Match": "*"})
    assert r.status_code == 412 and r.json()["detail"].startswith(f"date {DAY}: already logged (saved by Owner at ")
    # the same entry sent again (a retry after a time-out) is no conflict
    assert client.put(url, json={"itch": 1, "notes": "calm"}, headers={**ann, "If-Match": f'"{first}"'}).status_code == 200
    # without a precondition the last write still wins (existing clients)
    assert client.put(url, json={"itch": 3}, headers=ben).status_code == 200
    assert _stored(engine, people, mia)[0]["itch"] == 3


def test_if_none_match_creates_only_and_a_deleted_day_fails_if_match(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    ann = bearer(client, "owner@example.org")
    url = f"/api/v1/me/diary/{DAY}"
    r = client.put(url, json={"itch": 2}, headers={**ann, "If-None-Match": "*"})
    assert r.status_code == 200, r.text
    version = r.json()["version"]
    assert client.put(url, json={"itch": 5}, headers={**ann, "If-None-Match": "*"}).status_code == 412
    assert client.put(url, json={"itch": 5}, headers={**ann, "If-Match": "*"}).status_code == 200
    assert client.delete(url, headers=ann).status_code == 204
    r = client.put(url, json={"itch": 6}, headers={**ann, "If-Match": f'"{version}"'})
    assert r.status_code == 412 and "no entry is stored for this day" in r.json()["detail"]
    assert _stored(engine, people, people.owner_pid) == []
    for headers, named in (({"If-Match": 'W/"abc"'}, "If-Match"), ({"If-None-Match": '"abc"'}, "If-None-Match"),
                           ({"If-Match": '"a"', "If-None-Match": "*"}, "If-Match, If-None-Match")):
        r = client.put(url, json={"itch": 6}, headers={**ann, **headers})
        assert r.status_code == 422 and r.json()["detail"].startswith(named + ":"), r.text


def test_a_stranger_gets_404_never_412(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, dt.date.fromisoformat(DAY), diary.DayInput(itch=4))
    eve = bearer(client, "stranger@example.org")
    url = f"/api/v1/me/diary/{DAY}?patient_id={people.owner_pid}"
    for headers in ({"If-Match": '"0000000000000000"'}, {"If-None-Match": "*"}, {"If-Match": "*"}):
        r = client.put(url, json={"itch": 9}, headers={**eve, **headers})
        assert r.status_code == 404, r.text
    assert _stored(engine, people, people.owner_pid)[0]["itch"] == 4


def test_two_first_saves_of_a_day_at_once_on_the_api_one_is_refused(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    mia = _mia_with_ben(engine, people)
    ann = bearer(client, "owner@example.org")
    r = _race(engine, people, mia, lambda: client.put(f"/api/v1/me/diary/{DAY}?patient_id={mia}", json={"itch": 1},
                                                     headers={**ann, "If-None-Match": "*"}))
    assert r.status_code == 412, r.text  # type: ignore[attr-defined]
    [day] = _stored(engine, people, mia)
    assert (day["itch"], day["notes"]) == (8, "Ben: hives")


def test_the_version_changes_with_every_change_and_holds_no_time(engine, people) -> None:  # type: ignore[no-untyped-def]
    d = dt.date.fromisoformat(DAY)
    seen = []
    with transaction(engine) as s:
        for entry in (diary.DayInput(itch=3), diary.DayInput(itch=3, factors={"food.egg": 1}),
                      diary.DayInput(itch=3, factors={"food.egg": 0}), diary.DayInput(itch=3, factors={"food.egg": 0}, flare=True),
                      diary.DayInput(itch=3, factors={"food.egg": 0}, flare=True, notes="x"),
                      diary.DayInput(itch=3, factors={"food.egg": 0}, flare=True, notes="x", poscorad=30)):
            out = diary.put_day(s, people.owner, people.owner_pid, d, entry)
            assert out["version"] == diary.day_version(s, people.owner, people.owner_pid, d)
            seen.append(out["version"])
    assert len(set(seen)) == len(seen)
    with transaction(engine) as s:  # the same values stored later: the same version (a hash of the values only)
        again = diary.put_day(s, people.stranger, people.stranger_pid, d,
                              diary.DayInput(itch=3, factors={"food.egg": 0}, flare=True, notes="x", poscorad=30.0))
    assert again["version"] == seen[-1]


def test_a_delete_with_if_match_spares_a_day_changed_since(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    """DELETE was the other API write of a day: an app deleting the day it had read deleted the
    co-caregiver's entry saved since. With If-Match it is refused (412) like the PUT."""
    mia = _mia_with_ben(engine, people)
    ann, ben = bearer(client, "owner@example.org"), bearer(client, "stranger@example.org")
    url = f"/api/v1/me/diary/{DAY}?patient_id={mia}"
    read = client.put(url, json={"itch": 4}, headers=ann).headers["etag"]
    assert client.put(url, json={"itch": 4, "factors": {"food.egg": 1}}, headers=ben).status_code == 200
    r = client.delete(url, headers={**ann, "If-Match": read})
    assert r.status_code == 412 and r.json()["detail"].startswith(f"date {DAY}: changed since you read it (saved by Stranger at ")
    assert _stored(engine, people, mia)[0]["factors"] == {"food.egg": 1.0}
    eve = {"Authorization": bearer(client, "linked@clinic.example.org")["Authorization"]}
    assert client.delete(url, headers={**eve, "If-Match": read}).status_code in (403, 404)  # never 412
    assert client.delete(url, headers={**ann, "If-None-Match": "*"}).status_code == 422
    now = client.get(f"/api/v1/me/diary?patient_id={mia}", headers=ann).json()[0]["version"]
    assert client.delete(url, headers={**ann, "If-Match": f'"{now}"'}).status_code == 204
    assert _stored(engine, people, mia) == []
    assert client.delete(url, headers=ann).status_code == 404  # (without a header: as before)


def test_a_conditional_write_costs_two_reads_and_a_create_only_one_none(engine, people) -> None:  # type: ignore[no-untyped-def]
    """The write budget (tests/foundation/test_write_path.py, docs/web.md): a write with a version
    adds the locked read of the day and of its factors; a create-only write adds nothing."""
    from sqlalchemy import event

    d = dt.date.fromisoformat(DAY)
    seen: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if not statement.strip().upper().startswith(("BEGIN", "COMMIT", "PRAGMA", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            seen.append(statement)

    with transaction(engine) as s:
        diary.factor_ids(s, ["food.dairy"])
        diary.put_day(s, people.owner, people.owner_pid, d, diary.DayInput(itch=0))  # both measured writes are edits
    runs = {}
    event.listen(engine, "before_cursor_execute", count)
    try:
        for name, entry, expect in (("plain", diary.DayInput(itch=1, factors={"food.dairy": 1}), None),
                                    ("versioned", diary.DayInput(itch=2, factors={"food.dairy": 1}), "VERSION")):
            with transaction(engine) as s:
                if expect == "VERSION":
                    expect = diary.day_version(s, people.owner, people.owner_pid, d)
                seen.clear()
                diary.put_day(s, people.owner, people.owner_pid, d, entry, expect=expect)
                runs[name] = len(seen)
        with transaction(engine) as s:
            seen.clear()
            diary.put_day(s, people.owner, people.owner_pid, d + dt.timedelta(days=-1),
                          diary.DayInput(itch=3, factors={"food.dairy": 1}), expect="none")
            runs["create only"] = len(seen)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # (SQLite's plain upsert checks existence first; a create-only insert need not)
    assert runs["versioned"] == runs["plain"] + 2, runs
    assert runs["create only"] <= runs["plain"], runs
