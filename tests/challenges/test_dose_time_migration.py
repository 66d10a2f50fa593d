"""Migration 0006 on SQLite and PostgreSQL: clinic dose times (the clinic's wall clock until then)
become UTC in the zone ``GUTSKIN_CLINIC_ZONE`` names (UTC when it is not set, with a note on
each row); the downgrade gives the old code its wall-clock digits back; home doses never move."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from gutskin.clinic import challenges as ch
from gutskin.store import migrate
from gutskin.store.db import dispose_engines, get_engine, transaction
from tests.challenges.test_services import create, shift_back

LA = "America/Los_Angeles"
SUMMER_WALL = dt.datetime(2026, 7, 1, 9, 0)  # 09:00 PDT (UTC-7) = 16:00 UTC; in winter LA is UTC-8


def _rows(url: str) -> dict[int, tuple]:
    with get_engine(url).connect() as conn:
        cols = "id, setting, taken_at" + (", entered_zone, time_note" if migrate.current_revision(url) != "0005" else "")
        return {r[0]: tuple(r[1:]) for r in conn.execute(text(f"SELECT {cols} FROM challenge_doses"))}


def _moment(value) -> dt.datetime:  # type: ignore[no-untyped-def]
    """SQLite hands a raw SELECT's DateTime back as text."""
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def test_clinic_dose_times_become_utc_and_back(db_url, people, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    engine = get_engine(db_url)
    sup = create(engine, people, kind="supervised", released_for_home=False,
                 doses=[ch.DoseStep(0, "3 mg protein"), ch.DoseStep(0, "30 mg protein")])["id"]
    shift_back(engine, sup, 9)
    home = create(engine, people, food="food.wheat", doses=[ch.DoseStep(0, "1 slice of bread")])["id"]
    given = (dt.datetime.now(ZoneInfo(LA)) - dt.timedelta(hours=2)).replace(second=0, microsecond=0)
    home_utc = dt.datetime(2026, 12, 1, 18, 30)
    with transaction(engine) as s:
        ch.record_supervised_dose(s, people.clinician, sup, 1, given, "3 mg protein", zone=LA)  # typed after 0006
        (d1, d2) = sorted(s.query(ch.ChallengeDose).filter_by(challenge_id=sup), key=lambda d: d.step)
        (h,) = s.query(ch.ChallengeDose).filter_by(challenge_id=home)
        h.status, h.taken_at = "taken", home_utc
        ids = d1.id, d2.id, h.id
    given_utc = given.astimezone(dt.UTC).replace(tzinfo=None)

    # downgrade: the old code's meaning, the clinic's wall clock (in the zone the dose was typed in)
    migrate.downgrade(db_url, "0005")
    dispose_engines()
    rows = _rows(db_url)
    assert _moment(rows[ids[0]][1]) == given.replace(tzinfo=None)
    assert _moment(rows[ids[2]][1]) == home_utc  # home doses are UTC on both sides
    with get_engine(db_url).begin() as conn:  # a dose the old code stored: 09:00 on a summer day, clinic time
        conn.execute(text("UPDATE challenge_doses SET status = 'taken', taken_at = :t WHERE id = :i"),
                     {"t": SUMMER_WALL, "i": ids[1]})

    # upgrade with the clinic's zone configured: each wall time read with its date's offset
    monkeypatch.setenv("GUTSKIN_CLINIC_ZONE", LA)
    migrate.upgrade(db_url)
    dispose_engines()
    rows = _rows(db_url)
    assert _moment(rows[ids[0]][1]) == given_utc
    assert _moment(rows[ids[1]][1]) == dt.datetime(2026, 7, 1, 16, 0)
    assert rows[ids[1]][2] == LA and LA in rows[ids[1]][3] and "0006" in rows[ids[1]][3]
    # home doses untouched by 0006 (0009 then notes that this one has no zone and is read as UTC)
    assert rows[ids[2]][2] is None and "0006" not in rows[ids[2]][3] and _moment(rows[ids[2]][1]) == home_utc
    with transaction(get_engine(db_url)) as s:  # the app reads them as instants like any other
        got = ch.get_challenge(s, people.clinician, sup)["doses"]
    assert [d["taken_at"] for d in got] == [given_utc.isoformat(timespec="minutes") + "Z", "2026-07-01T16:00Z"]
    assert got[1]["time_note"].startswith("typed before times had a zone")

    # no zone configured: the old digits are kept and read as UTC, and each row says so
    migrate.downgrade(db_url, "0005")
    monkeypatch.delenv("GUTSKIN_CLINIC_ZONE")
    migrate.upgrade(db_url)
    dispose_engines()
    rows = _rows(db_url)
    assert _moment(rows[ids[1]][1]) == SUMMER_WALL and rows[ids[1]][2] == "UTC"
    assert "GUTSKIN_CLINIC_ZONE was not set" in rows[ids[1]][3]
    assert _moment(rows[ids[0]][1]) == given.replace(tzinfo=None)  # read as UTC: off by LA's offset, as the note says
    migrate.check(db_url)

    # a zone name that does not exist stops the upgrade before anything changes
    migrate.downgrade(db_url, "0005")
    monkeypatch.setenv("GUTSKIN_CLINIC_ZONE", "America/Atlantis")
    with pytest.raises(RuntimeError, match="^GUTSKIN_CLINIC_ZONE='America/Atlantis' is not a known IANA time zone"):
        migrate.upgrade(db_url)
    dispose_engines()
    assert migrate.current_revision(db_url) == "0005"
    assert _moment(_rows(db_url)[ids[1]][1]) == SUMMER_WALL
    monkeypatch.delenv("GUTSKIN_CLINIC_ZONE")
    migrate.upgrade(db_url)
    assert migrate.current_revision(db_url) == migrate.head_revision()
