"""Migration 0009 on SQLite and PostgreSQL: home doses taken before it have no zone, keep their
UTC reading and say so in ``time_note``; a home dose that has a zone, clinic doses and planned
doses are left alone; the downgrade clears only the notes it wrote and keeps recorded zones."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from gutskin.clinic import challenges as ch
from gutskin.store import migrate
from gutskin.store.db import dispose_engines, get_engine, transaction
from tests.challenges.test_services import create

HOME_UTC = dt.datetime(2026, 12, 1, 18, 30)
NOTE_START = "taken before home doses kept their time zone; read as UTC (upgrade 0009)"


def _rows(url: str) -> dict[int, tuple]:
    with get_engine(url).connect() as conn:
        return {r[0]: tuple(r[1:]) for r in conn.execute(text(
            "SELECT id, status, taken_at, entered_zone, time_note FROM challenge_doses"))}


def _moment(value) -> dt.datetime:  # type: ignore[no-untyped-def]
    """SQLite hands a raw SELECT's DateTime back as text."""
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def test_old_home_doses_are_marked_as_utc_and_back(db_url, people) -> None:  # type: ignore[no-untyped-def]
    engine = get_engine(db_url)
    home = create(engine, people, doses=[ch.DoseStep(0, "1/4 cooked egg"), ch.DoseStep(4, "1/2 cooked egg"),
                                         ch.DoseStep(8, "1 cooked egg")])["id"]
    with transaction(engine) as s:
        d1, d2, d3 = sorted(s.query(ch.ChallengeDose).filter_by(challenge_id=home), key=lambda d: d.step)
        ids = d1.id, d2.id, d3.id
    migrate.downgrade(db_url, "0008")
    dispose_engines()
    with get_engine(db_url).begin() as conn:  # what the code before 0009 stored: UTC, no zone
        conn.execute(text("UPDATE challenge_doses SET status = 'taken', taken_at = :t WHERE id = :i"),
                     {"t": HOME_UTC, "i": ids[0]})
        # a home dose that already has a zone (taken after an upgrade, then the database was downgraded)
        conn.execute(text("UPDATE challenge_doses SET status = 'taken', taken_at = :t, entered_zone = 'Pacific/Auckland' "
                          "WHERE id = :i"), {"t": HOME_UTC + dt.timedelta(days=4), "i": ids[1]})

    migrate.upgrade(db_url)
    dispose_engines()
    assert migrate.current_revision(db_url) == migrate.head_revision()
    rows = _rows(db_url)
    assert _moment(rows[ids[0]][1]) == HOME_UTC and rows[ids[0]][2] is None  # the instant and its reading unchanged
    assert rows[ids[0]][3].startswith(NOTE_START) and len(rows[ids[0]][3]) <= 200
    assert rows[ids[1]][2:] == ("Pacific/Auckland", "")  # it has its zone: no note
    assert rows[ids[2]][0] == "planned" and rows[ids[2]][2:] == (None, "")  # nothing taken: nothing to say
    with transaction(get_engine(db_url)) as s:  # the API answer carries the note (the clinician's page shows it)
        got = ch.get_challenge(s, people.clinician, home)["doses"]
    assert got[0]["time_note"].startswith(NOTE_START) and got[0]["entered_zone"] is None
    migrate.check(db_url)

    migrate.downgrade(db_url, "0008")
    dispose_engines()
    rows = _rows(db_url)
    assert rows[ids[0]][2:] == (None, "") and _moment(rows[ids[0]][1]) == HOME_UTC
    assert rows[ids[1]][2:] == ("Pacific/Auckland", "")  # a recorded zone stays for the next upgrade
    migrate.upgrade(db_url)
    dispose_engines()
    assert _rows(db_url)[ids[0]][3].startswith(NOTE_START)
    assert migrate.current_revision(db_url) == migrate.head_revision()
