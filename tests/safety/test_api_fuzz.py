"""API fuzzing with schemathesis against /openapi.json, one pass per persona, bounded examples.

Checks: no 5xx, and every response that the schema describes matches it. The personas are the
matrix's (anonymous, two patients, a linked and an unlinked clinician, an admin) on a world
with data of patient A, so generated requests reach real objects as well as missing ones.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import TEST_SECRET, People
from tests.safety.matrix_setup import PERSONAS, build_world


@pytest.fixture(scope="module")
def fuzz_world(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from gutskin.settings import Settings
    from gutskin.store.db import get_engine
    from gutskin.store.migrate import upgrade
    from gutskin.web import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}"
    upgrade(url)
    settings_ = Settings(database_url=url, secret_key=TEST_SECRET, env="test", login_max_failures=10_000,
                         login_max_failures_per_email=10_000)
    engine = get_engine(url)
    world = build_world(engine, People(engine), settings_, with_challenge=True)
    return create_app(settings_), world


@pytest.fixture(scope="module")
def api_schema(fuzz_world):  # type: ignore[no-untyped-def]
    app, _ = fuzz_world
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_has_no_server_errors_and_matches_its_schema(persona: str, fuzz_world, api_schema) -> None:  # type: ignore[no-untyped-def]
    from hypothesis import given

    headers = {} if persona == "anonymous" else fuzz_world[1].tokens[persona]
    failures: list[str] = []
    operations = [r.ok() for r in api_schema.get_all_operations()]
    assert len(operations) > 40
    for op in operations:
        if op.path in ("/api/v1/me/delete", "/api/v1/me/password", "/api/v1/me/sign-out-everywhere"):
            continue  # would end this persona's token for the rest of the pass; the matrix covers both

        @given(case=op.as_strategy())
        @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
        def run(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])

        try:
            run()
        except Exception as exc:  # collect every failing operation, not just the first
            failures.append(f"{op.method.upper()} {op.path}: {str(exc)[:400]}")
    assert not failures, "\n".join(failures)
