"""A refused id in the *path* tells nothing (stranger walk, 2026-12-06).

The authorization matrix checks that stranger B and a clinician nobody shares with get a 404 for
every route naming one of A's objects in its path, by status code only; a 404 that differed for
A's object and for an id naming nothing -- another message, a longer page, an extra header such as
an ETag, a redirect somewhere else -- would still tell a stranger which ids are A's (a patient, a
challenge, a sample, an appointment request, an invite, a sharing, a caregiver, a simulation).
``test_ids_outside_the_path`` checks this for ids in query strings, bodies and forms; this walks
the path: every route of the matrix where B or the unlinked clinician is refused with a 404, sent
once with the world's ids (A's objects) and again with each id in turn, then all of them, replaced
by one naming nothing (a patient profile made and deleted, an in-range id of no row, an unknown
job). Status, body (the caller's own id said back is allowed) and headers must be the same.

Nothing to fix when written: every such answer was the same. Both databases.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from gutskin.web import create_app
from tests.safety.test_authz_matrix import ROWS
from tests.safety.test_ids_outside_the_path import _same_answer, _send, _world

NOBODY = 987_654  # an id in range that names no row of any table here
NOT_IDS = {"instrument", "day"}  # not objects of A's: a questionnaire's name, a day of the caller's own diary
VOLATILE_HEADERS = {"date", "set-cookie", "content-length"}  # content-length: compared with the body (ids said back)

CASES = sorted((route, persona) for route, row in ROWS.items() for persona in ("patient_b", "clinician_unlinked")
               if row.expect[persona] == 404 and set(re.findall(r"{(\w+)}", route[1] + row.query)) - NOT_IDS)


def test_the_walk_reaches_every_kind_of_id() -> None:
    kinds = {n for route, _ in CASES for n in re.findall(r"{(\w+)}", route[1] + ROWS[route].query)}
    assert {"patient_id", "challenge_id", "sample_pk", "request_id", "invite_id", "consent_id", "caregiver_id",
            "dose_id", "alert_id", "job", "child_id"} <= kinds, kinds
    assert len(CASES) > 60


def _call(app, world, route, persona: str, ids: dict[str, Any]):  # type: ignore[no-untyped-def]
    method, path = route
    row = ROWS[route]
    url = re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), path + row.query)
    body = row.body(world, persona) if row.body else {}
    return _send(app, world, persona, method, url, **body)


def test_a_refused_path_id_of_as_answers_as_one_naming_nothing(db_url: str) -> None:
    settings, engine, people, world, _b = _world(db_url)
    app = create_app(settings)
    problems = []
    for route, persona in CASES:
        row = ROWS[route]
        ids = {**world.ids, "instrument": "poem", **(row.ids(world) if row.ids else {})}
        names = sorted(set(re.findall(r"{(\w+)}", route[1] + row.query)) - NOT_IDS)
        fakes = {n: ("0" * 32 if n == "job" else world.ids["gone"] if n in ("patient_id", "child_id") else NOBODY)
                 for n in names}
        as_a = _call(app, world, route, persona, ids)
        variants = [[n] for n in names] + ([names] if len(names) > 1 else [])
        for swapped in variants:
            other = _call(app, world, route, persona, {**ids, **{n: fakes[n] for n in swapped}})
            where = f"{route[0]} {route[1]} as {persona}, {'+'.join(swapped)} naming nothing"
            problems += [f"{where}: {p}" for p in _same_answer(as_a, other, [(ids[n], fakes[n]) for n in swapped])]
            h1 = {k: v for k, v in as_a.headers.items() if k.lower() not in VOLATILE_HEADERS}
            h2 = {k: v for k, v in other.headers.items() if k.lower() not in VOLATILE_HEADERS}
            if h1 != h2:
                problems.append(f"{where}: headers differ: {sorted(set(h1.items()) ^ set(h2.items()))}")
    assert not problems, "\n".join(problems)
