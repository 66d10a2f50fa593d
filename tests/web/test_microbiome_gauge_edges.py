"""The Shannon gauge's figure agrees with the statement above it at the reference's edges: a
diversity below every reference percentile reads "below the 1st" next to "below the 1st
percentile of Flemish Gut Flora Project adults", not "1st". Found in the wording review of
2026-12-06 with a 16S profile of one dominant genus: the page said "below the 1st percentile" and,
one line lower, "1st" (the percentile is clamped to 1 when the value is below the grid)."""

from __future__ import annotations

import html
import re

from tests.conftest import bearer
from tests.safety.test_attacks import login_page

LOW = ("#OTU ID\tS1\n" + "".join(f"k__Bacteria;p__X;c__X;o__X;f__X;g__{g}\t{n}\n" for g, n in
                                 (("Bacteroides", 11880), ("Prevotella", 40), ("Blautia", 40), ("Alistipes", 40)))).encode()


def test_a_value_below_the_reference_reads_below_the_1st_on_the_gauge(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    r = client.post("/api/v1/me/microbiome", headers=owner, data={"method": "16S"},
                    files={"file": ("low.tsv", LOW, "text/tab-separated-values")})
    assert r.status_code == 201, r.text
    sh = r.json()["report"]["reference_comparison"]["percentiles"]["shannon"]
    assert sh["position"] == "below p1" and "below the 1st percentile" in sh["statement"], sh
    login_page(client, "owner@example.org")
    page = html.unescape(client.get(f"/microbiome/{r.json()['id']}").text)
    gauge = " ".join(re.sub(r"<[^>]+>", " ", page[page.find("Shannon diversity percentile in"):][:600].split("</label>")[0]).split())
    assert gauge.endswith("below the 1st"), gauge
