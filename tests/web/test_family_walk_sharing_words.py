"""A child's Sharing page speaks of the child's record (family walk, 2026-12-06).

On Ivy's record Pat read "Who can see your record", "Nobody else can see your record." and
"Recent access to your record": Pat's own record is another one, with its own sharing, so a
parent could take Ivy's page for their own (or their own for Ivy's). The page of a child's record
says "the record of Ivy"; the parent's own page keeps "your record".
"""

from __future__ import annotations

import html

from gutskin.clinic import accounts
from gutskin.store.db import transaction
from tests.safety.test_attacks import login_page


def test_a_childs_sharing_page_names_the_childs_record(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        ivy = accounts.add_child_profile(s, people.owner, "Ivy", 2026).id
    login_page(client, "owner@example.org")
    child = html.unescape(client.get(f"/sharing?patient={ivy}").text)
    assert "your record" not in child.lower()
    for words in ("<h2>Who can see the record of Ivy</h2>", "Nobody else can see the record of Ivy.",
                  "<h2>Recent access to the record of Ivy</h2>"):
        assert words in child, words
    own = html.unescape(client.get("/sharing").text)
    assert "<h2>Who can see your record</h2>" in own and "<h2>Recent access to your record</h2>" in own
    assert "the record of Ivy" not in own
