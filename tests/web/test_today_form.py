"""The diary form refuses bad values with a message naming the field, and stores nothing."""

from __future__ import annotations

import re

import pytest

from tests.conftest import bearer
from tests.safety.test_attacks import login_page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("itch", "abc", "itch: expected a whole number 0-10, got 'abc'"),
        ("sleep_loss", "1.5", "sleep_loss: expected a whole number 0-10, got '1.5'"),
        ("itch", "11", "itch: expected an integer 0-10, got 11"),
        ("f:food.dairy", "lots", "factors.food.dairy: expected a number, got 'lots'"),
        ("custom_name", "x" * 300, "at most 80 characters"),
        ("custom_value", "many", "custom_value: expected a number, got 'many'"),
    ],
)
def test_bad_values_are_named_and_nothing_is_saved(client, people, field, value, message) -> None:
    login_page(client, "owner@example.org")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/today").text).group(1)
    data = {"csrf_token": csrf, "date": "2026-11-20", "itch": "4", "custom_name": "kiwi", field: value}
    r = client.post("/today", data=data, follow_redirects=False)
    assert r.status_code == 422, r.text
    assert message in r.text
    diary = client.get("/api/v1/me/diary", headers=bearer(client, "owner@example.org")).json()
    assert isinstance(diary, list) and all(d["date"] != "2026-11-20" for d in diary)
