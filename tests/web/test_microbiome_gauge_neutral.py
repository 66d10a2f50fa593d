"""The Shannon gauge does not judge the value. It was a ``<meter low="25" high="75" optimum="100">``:
browsers colour a meter by its optimum, so a value under the 25th percentile was drawn red ("even
less good") and the middle half yellow, next to words that say only where the value lies. An
8-month-old's gut is normally less diverse than most of a 6-13-month reference (the report's own
caveat); the parent saw a red bar. Found in the parent walk of 2026-12-06."""

from __future__ import annotations

import re

from tests.conftest import bearer
from tests.safety.test_attacks import login_page
from tests.web.test_microbiome_gauge_edges import LOW


def test_the_shannon_gauge_has_no_good_or_bad_range(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    r = client.post("/api/v1/me/microbiome", headers=owner, data={"method": "16S"},
                    files={"file": ("low.tsv", LOW, "text/tab-separated-values")})
    assert r.status_code == 201, r.text
    assert r.json()["report"]["reference_comparison"]["percentiles"]["shannon"]["band"] == "lower than most"
    login_page(client, "owner@example.org")
    page = client.get(f"/microbiome/{r.json()['id']}").text
    meters = re.findall(r"<meter\b[^>]*>", page)
    assert len(meters) == 1 and 'id="shannon-gauge"' in meters[0], meters
    judged = [a for a in ("low", "high", "optimum") if re.search(rf"\s{a}=", meters[0])]
    assert judged == [], f"the gauge marks a good/bad range ({judged}): {meters[0]}"
