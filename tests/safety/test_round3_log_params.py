"""A database error never carries the statement's values (third security review).

SQLAlchemy puts ``[parameters: (…)]`` in every database error's message, and the app lets a
failed request's exception reach the server log: a diary write that failed (e.g. "database is
locked" while another request held SQLite's write lock) logged the person's notes and scores.
Engines are made with ``hide_parameters=True``. (PostgreSQL's own DETAIL line can still quote
a row that breaks a constraint; see docs/security.md.)"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError


def test_a_failed_health_write_does_not_show_its_parameters(engine) -> None:
    with pytest.raises(DBAPIError) as err, engine.begin() as conn:
        conn.execute(text("INSERT INTO diary_days (patient_id, day, itch, notes) VALUES (:p, :d, :i, :n)"),
                     {"p": 987654, "d": "2026-01-01", "i": 7, "n": "a private note about my skin"})
    message = str(err.value)
    assert "INSERT INTO diary_days" in message  # the statement is still there to debug with ...
    assert "[parameters:" not in message and "parameters hidden" in message, message  # ... its values are not
    if engine.dialect.name == "sqlite":
        assert "private note" not in message and "987654" not in message, message
