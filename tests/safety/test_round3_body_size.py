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
