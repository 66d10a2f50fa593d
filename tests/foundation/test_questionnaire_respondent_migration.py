"""Migration 0017: ``respondent`` on questionnaire responses (who answered: 'self' or 'proxy', a parent
or caregiver for a child; docs/instruments.md, "Who answered", 2026-12-07). Upgrade adds the nullable
column with every existing row NULL (not recorded: an old answer on a child's profile may have come
from either), downgrade drops it, every row kept both ways; the models agree with the migrations.
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect

from gutskin.clinic import accounts
from gutskin.clinic.access import default_patient
from gutskin.store import migrate
from gutskin.store.db import dispose_engines, get_engine, transaction
from gutskin.store.models import QuestionnaireResponse


def _columns(db_url: str) -> set[str]:
    dispose_engines()
    return {c["name"] for c in inspect(get_engine(db_url)).get_columns("questionnaire_responses")}


def _rows(db_url: str) -> list[tuple[object, ...]]:
    with get_engine(db_url).connect() as c:
        return list(c.exec_driver_sql("SELECT id, instrument, total, author_role, author_ref FROM questionnaire_responses "
                                      "ORDER BY id").all())


def test_upgrade_adds_and_downgrade_drops_respondent_keeping_every_row(db_url: str) -> None:
    engine = get_engine(db_url)
    day = dt.date(2026, 11, 30)
    with transaction(engine) as s:
        user = accounts.register_patient(s, "mig17@example.org", "long password of mig 17", "Mig")
        pid = default_patient(s, accounts.actor_for(user)).id
        s.add(QuestionnaireResponse(patient_id=pid, instrument="poem", version="v", answered_on=day,
                                    answers={"answers": [1] * 7}, total=7.0, author_role="caregiver", respondent="proxy"))
        s.add(QuestionnaireResponse(patient_id=pid, instrument="cdlqi", version="v", answered_on=day,
                                    answers={"answers": [1] * 10}, total=10.0, author_role="caregiver", respondent="self"))
    assert "respondent" in _columns(db_url)
    migrate.check(db_url)  # the models agree with the migrations
    before = _rows(db_url)
    migrate.downgrade(db_url, "0016")
    assert "respondent" not in _columns(db_url)
    assert migrate.current_revision(db_url) == "0016"
    assert _rows(db_url) == before
    with get_engine(db_url).begin() as c:  # a row answered while the install ran 0016
        c.exec_driver_sql("INSERT INTO questionnaire_responses (patient_id, instrument, version, answered_on, answers, "
                          f"total, author_role, created_at) VALUES ({pid}, 'recap', 'v', '2026-12-01', '{{\"answers\": [0,0,0,0,0,0,0]}}', "
                          "0, 'patient', '2026-12-01 10:00:00')")
    before = _rows(db_url)
    migrate.upgrade(db_url, "0017")
    assert "respondent" in _columns(db_url)
    assert migrate.current_revision(db_url) == "0017"
    assert _rows(db_url) == before
    with get_engine(db_url).connect() as c:  # nothing guessed: every row is 'not recorded' after the upgrade
        assert c.exec_driver_sql("SELECT respondent FROM questionnaire_responses").all() == [(None,)] * 3
    migrate.upgrade(db_url)
    migrate.check(db_url)
    with transaction(engine) as s:  # and the column takes the two values
        row = s.get(QuestionnaireResponse, before[0][0])
        row.respondent = "proxy"
    with get_engine(db_url).connect() as c:
        assert c.exec_driver_sql(f"SELECT respondent FROM questionnaire_responses WHERE id = {before[0][0]}").scalar() == "proxy"
