"""No request body larger than an upload is read (third security review).

Found by attacking the running app: an anonymous 150 MB JSON body to ``/api/v1/auth/register``
was read whole into memory (the server grew by ~300 MB) before the 422; a 60 MB multipart
upload was spooled to disk before authentication was checked. Bodies above the upload limit
plus 1 MiB of framing are now a 413 as they arrive."""

from __future__ import annotations

import pytest

from tests.conftest import bearer


@pytest.fixture
def small_client(settings):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from gutskin.web import create_app

    with TestClient(create_app(settings.model_copy(update={"upload_max_bytes": 2 * 1024 * 1024}))) as c:
        yield c


def test_bodies_beyond_the_upload_limit_are_refused_before_they_are_read(small_client, people) -> None:
    big = b"x" * (4 * 1024 * 1024)
    r = small_client.post("/api/v1/auth/register", content=b'{"email": "a@b.org", "password": "' + big + b'"}',
                          headers={"Content-Type": "application/json"})
    assert r.status_code == 413, r.status_code
    r = small_client.post("/api/v1/me/microbiome", files={"file": ("x.tsv", big, "text/plain")})  # anonymous
    assert r.status_code == 413, r.status_code
    h = bearer(small_client, "owner@example.org")
    r = small_client.post("/api/v1/me/diary/import", content=big, headers={**h, "Content-Type": "text/csv"})
    assert r.status_code == 413
    # within the limit, the routes' own checks still answer
    r = small_client.post("/api/v1/me/microbiome", headers=h,
                          files={"file": ("x.tsv", b"a" * (2 * 1024 * 1024 + 1), "text/plain")})
    assert r.status_code == 422 and "larger than" in r.json()["detail"]
    r = small_client.post("/api/v1/auth/register", json={"email": "new@example.org", "password": "long password 1"})
    assert r.status_code == 201


def test_a_body_over_the_cap_is_answered_in_the_apis_error_shape(small_client, people) -> None:
    limit = 2 * 1024 * 1024 + 1024 * 1024
    expected = {"detail": f"request body too large: at most {limit} bytes"}
    big = b"x" * (limit + 1)
    # declared length over the cap: refused before the body is read
    r = small_client.post("/api/v1/auth/register", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.headers["content-type"].startswith("application/json")
    assert r.json() == expected
    r = small_client.post("/api/v1/me/microbiome", files={"file": ("x.tsv", big, "text/plain")})
    assert r.status_code == 413 and r.json() == expected

    # no declared length (chunked): counted as it arrives, same answer
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(8):
            yield b"x" * (limit // 4)

    h = bearer(small_client, "owner@example.org")
    r = small_client.post("/api/v1/me/diary/import", content=chunks(), headers={**h, "Content-Type": "text/csv"})
    assert r.status_code == 413 and r.json() == expected
    # a page keeps the site's HTML error page
    r = small_client.post("/login", content=big, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
    assert f"at most {limit} bytes" in r.text
