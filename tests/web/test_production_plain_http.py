"""Production over plain http: sign-in cannot work (its cookies are Secure, the browser keeps them),
and the pages say so instead of "the form expired" (IT-operator review, docs/operations.md)."""

from __future__ import annotations

import re
import secrets

import pytest

from tests.conftest import People


@pytest.fixture
def production_app(sqlite_url: str):  # type: ignore[no-untyped-def]
    from gutskin.settings import Settings
    from gutskin.store.db import get_engine
    from gutskin.web import create_app

    People(get_engine(sqlite_url))
    return create_app(Settings(database_url=sqlite_url, secret_key=secrets.token_urlsafe(48), env="production"))


def _sign_in(client):  # type: ignore[no-untyped-def]
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    return form, client.post("/login", data={"email": "owner@example.org", "password": People.password,
                                             "csrf_token": token}, follow_redirects=False)


def test_plain_http_says_https_is_needed(production_app) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(production_app, base_url="http://clinic.example.org") as client:
        form, answer = _sign_in(client)
    assert 'id="needs-https"' in form.text and "https://" in form.text
    assert answer.status_code == 403
    assert "only over HTTPS" in answer.text and "the form expired" not in answer.text


def test_https_signs_in_without_the_notice(production_app) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(production_app, base_url="https://clinic.example.org") as client:
        form, answer = _sign_in(client)
    assert 'id="needs-https"' not in form.text
    assert answer.status_code == 303 and answer.headers["location"] != "/login"


def test_a_forged_form_over_https_is_still_the_expired_form(production_app) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(production_app, base_url="https://clinic.example.org") as client:
        client.get("/login")
        answer = client.post("/login", data={"email": "owner@example.org", "password": People.password,
                                             "csrf_token": "forged"}, follow_redirects=False)
    assert answer.status_code == 403 and "the form expired" in answer.text
