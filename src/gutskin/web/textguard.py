"""No NUL character reaches the database from a request (fourth security review).

PostgreSQL refuses a NUL (``\\0``) in any text value; psycopg raised ``DataError`` and the
request was a 500: a diary note, a child's name, a dose amount, and -- anonymously -- the email of
a sign-in (``POST /api/v1/auth/token``, ``POST /login``). SQLite stored it, so the same input gave
different answers on the two databases. Every text parameter of every statement the web app runs
is checked just before it is sent: a NUL is a 422 naming the column it was meant for
(``notes: contains a NUL character …``), on both databases, and the request's transaction rolls
back as for any refused input.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Engine, event

from gutskin.clinic.errors import InvalidInput

_SUFFIX = re.compile(r"(_\d+|__\d+)+$")  # SQLAlchemy's bind names: email_1, notes__3 (insertmanyvalues)


def _names(parameters: Any, context: Any) -> list[Any]:
    if isinstance(parameters, dict):
        return list(parameters.items())
    names = getattr(getattr(context, "compiled", None), "positiontup", None) or []
    values = list(parameters or ())
    # several rows in one INSERT (insertmanyvalues): the one-row names repeat for each row
    return [(names[i % len(names)] if names else "", v) for i, v in enumerate(values)]


def _columns() -> set[str]:
    from gutskin.store.models import Base

    return {c.name for t in Base.metadata.tables.values() for c in t.columns}


def _field(name: Any, context: Any) -> str:
    """The column a bind parameter is meant for: its own name (``notes``, ``email_1``), else the
    column it is compared with (``lower(patients.display_name) = :lower_1``), else "text"."""
    base = _SUFFIX.sub("", str(name))
    if base in _columns():
        return base
    try:  # the error path only: the statement again, with named placeholders
        sql = str(context.compiled.statement.compile())
        m = re.search(r"(\w+)\)?\s*(?:=|!=|<>|LIKE|IN)\s*\(?\s*:" + re.escape(str(name)) + r"\b", sql, re.IGNORECASE)
        if m and m.group(1) in _columns():
            return m.group(1)
    except Exception:  # noqa: BLE001 - naming the field is a courtesy; the refusal stands
        pass
    return "text"


def refuse_nul(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
    # executemany: a list of rows; but SQLAlchemy's insertmanyvalues (an INSERT of several rows in one
    # statement, e.g. a challenge's doses) sends one flat row with executemany set (an int in it made
    # this a TypeError: every challenge with two doses was a 500)
    many = executemany and isinstance(parameters, (list, tuple)) and all(isinstance(r, (dict, list, tuple)) for r in parameters)
    rows = parameters if many else [parameters]
    for row in rows or ():
        for name, value in _names(row, context):
            if isinstance(value, str) and "\x00" in value:
                raise InvalidInput(f"{_field(name, context)}: contains a NUL character (\\0), which cannot be stored; "
                                   "remove it")


def install(engine: Engine) -> None:
    """Check the text parameters of every statement ``engine`` runs (once per engine)."""
    if not event.contains(engine, "before_cursor_execute", refuse_nul):
        event.listen(engine, "before_cursor_execute", refuse_nul)
