"""A refused microbiome upload on the page ended the file's error and began the retry hint in one
run-on line: "duplicate sample ID 'S1' in the header Choose the file again to retry" (found in the
new-user walk of 2026-12-06). The error now ends with a full stop before the hint. Since 2026-12-07 it
also says in words what is wrong and what to ask the lab for (tests/microbiome/test_microbiome_negative_values_words.py)."""

from __future__ import annotations

import html
import re

from tests.safety.test_attacks import login_page


def test_the_error_and_the_retry_hint_are_two_sentences(client, people) -> None:
    login_page(client, "owner@example.org")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/microbiome").text).group(1)
    table = "#OTU ID\tS1\tS1\nA\t1\t2\nB\t3\t4\n"  # two samples named S1
    r = client.post("/microbiome", data={"csrf_token": csrf, "sample_id": "S1"},
                    files={"file": ("otu-table.tsv", table.encode(), "text/tab-separated-values")})
    assert r.status_code == 422
    shown = html.unescape(re.search(r'id="upload-error">(.*?)</p>', r.text, re.S).group(1))
    assert shown == ("Profile file: otu-table.tsv: duplicate sample ID 'S1' in the header; two samples in the file "
                     "have the same name, so their results cannot be told apart: ask the lab for a file where each "
                     "sample has its own name. Choose the file again to retry (browsers do not keep a chosen file).")
