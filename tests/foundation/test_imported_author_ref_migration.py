"""Migration 0016: ``author_ref`` on diary days and questionnaire responses (which of another
system's co-caregivers entered an imported row; docs/interop.md, "Who answered"). Upgrade adds the
nullable column, downgrade drops it, every row kept both ways; the models agree with the
migrations. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect

from gutskin.clinic import accounts
from gutskin.clinic.access import default_patient
from gutskin.store import migrate
from gutskin.store.db import dispose_engines, get_engine, transaction
from gutskin.store.models import DiaryDay, QuestionnaireResponse

TABLES = ("diary_days", "questionnaire_responses")


def _columns(db_url: str) -> dict[str, set[str]]:
    dispose_engines()
    insp = inspect(get_engine(db_url))
    return {t: {c["name"] for c in insp.get_columns(t)} for t in TABLES}


def _rows(db_url: str) -> list[tuple[object, ...]]:
    with get_engine(db_url).connect() as c:
        return [*c.exec_driver_sql("SELECT day, itch, author_role FROM diary_days").all(),
                *c.exec_driver_sql("SELECT instrument, total, author_role FROM questionnaire_responses").all()]


def test_upgrade_adds_and_downgrade_drops_author_ref_keeping_every_row(db_url: str) -> None:
    engine = get_engine(db_url)
    day = dt.date(2026, 11, 30)
    with transaction(engine) as s:
        user = accounts.register_patient(s, "mig@example.org", "long password of mig 1", "Mig")
        pid = default_patient(s, accounts.actor_for(user)).id
        s.add(DiaryDay(patient_id=pid, day=day, itch=4, author_role="co_caregiver", author_ref="2"))
        s.add(QuestionnaireResponse(patient_id=pid, instrument="poem", version="v", answered_on=day,
                                    answers={"answers": [1] * 7}, total=7.0, author_role="co_caregiver", author_ref="2"))
    assert all("author_ref" in cols for cols in _columns(db_url).values())
    migrate.check(db_url)  # the models agree with the migrations
    before = _rows(db_url)
    migrate.downgrade(db_url, "0015")
    assert not any("author_ref" in cols for cols in _columns(db_url).values())
    assert _rows(db_url) == before
    migrate.upgrade(db_url, "0016")
    assert all("author_ref" in cols for cols in _columns(db_url).values())
    assert migrate.current_revision(db_url) == "0016"
    migrate.upgrade(db_url)  # and on to the head (0017 and later leave author_ref as it is)
    migrate.check(db_url)
    assert _rows(db_url) == before
    with get_engine(db_url).connect() as c:  # the downgrade dropped the values: NULL, as for rows before 0016
        assert c.exec_driver_sql("SELECT author_ref FROM diary_days").all() == [(None,)]
