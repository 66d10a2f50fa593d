"""A link cannot put its own words on the site's pages through the address (fourth security review).

``/questionnaire/CALL%20555%200100%20NOW`` showed the site's own 404 page saying "there is no
'CALL 555 0100 NOW' questionnaire to answer here" (20 characters of the address, escaped but
read as the site's words: the kind of phishing line ``test_attacks.py`` keeps off ``?error=``).
Every page that answers an odd address or value is checked with the same bait.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.safety.test_attacks import login_page

BAIT = "CALL 555 0100 NOW"


@pytest.mark.parametrize("email, url", [
    ("owner@example.org", "/questionnaire/{bait}"),
    ("owner@example.org", "/today?date={bait}"),
    ("owner@example.org", "/trends?weeks={bait}"),
    ("owner@example.org", "/today?patient={bait}"),
    ("owner@example.org", "/microbiome/{bait}"),
    ("owner@example.org", "/{bait}"),
    ("linked@clinic.example.org", "/clinic/simulator/{bait}"),
    ("linked@clinic.example.org", "/clinic/patients/{bait}"),
])
def test_the_address_is_not_repeated_on_the_page(client, people, email: str, url: str) -> None:
    login_page(client, email)
    r = client.get(url.format(bait=quote(BAIT)))
    assert r.status_code in (200, 404, 422), r.status_code
    assert "CALL 555" not in r.text and "CALL+555" not in r.text
