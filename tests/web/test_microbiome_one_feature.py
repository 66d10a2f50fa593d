"""A sample of one feature (one genus took every read: after antibiotics, or a culture mistaken for
a stool profile) has no Pielou evenness (H / ln S is 0/0). The report page's diversity table read
"Evenness (Pielou) | None" (found in the allergist walk of 2026-12-06); it now says why there is no
value, as it does for Chao1 of relative data, and the stored value stays null."""

from __future__ import annotations

import html
import re

from tests.conftest import bearer
from tests.safety.test_attacks import login_page

ONE = b"#OTU ID\tS1\nk__Bacteria;p__X;c__X;o__X;f__X;g__Bacteroides\t5000\n"


def test_pielou_of_one_feature_is_explained_not_none(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    r = client.post("/api/v1/me/microbiome", headers=owner, data={"method": "16S"},
                    files={"file": ("one.tsv", ONE, "text/tab-separated-values")})
    assert r.status_code == 201, r.text
    div = r.json()["report"]["diversity"]
    assert div["values"]["pielou"] is None and div["values"]["shannon"] == 0
    login_page(client, "owner@example.org")
    page = client.get(f"/microbiome/{r.json()['id']}").text
    table = re.search(r'<table aria-label="Diversity">.*?</table>', page, re.S)
    assert table
    rows = [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split())
            for row in re.findall(r"<tr.*?</tr>", table.group(0), re.S)]
    pielou = [row for row in rows if row.startswith("Evenness (Pielou)")]
    assert len(pielou) == 1 and "not defined" in pielou[0], rows
    assert not [row for row in rows if row.endswith("None")], rows
    assert div["not_assessable"]["pielou"].startswith("not defined"), div["not_assessable"]
