"""The line under the microbiome report's title said what the file was in the profile's codes:
"stool-genus.csv · counts · feature level · method unknown". It says it in words (patient walk,
2026-12-06)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from tests.safety.test_attacks import login_page

STOOL = Path(__file__).resolve().parents[2] / "docs" / "examples" / "stool-genus.csv"


@pytest.mark.parametrize(("method", "said"), [("unknown", "sequencing method not stated"), ("16S", "16S rRNA sequencing"),
                                              ("shotgun", "shotgun metagenomics")])
def test_the_report_says_what_the_file_is_in_words(client, people, method, said) -> None:
    login_page(client, "owner@example.org")
    page = client.get("/microbiome").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post("/microbiome", data={"csrf_token": csrf, "method": method, "kind": "auto", "collected_on": "2026-11-20"},
                    files={"file": ("stool-genus.csv", STOOL.read_bytes(), "text/csv")}, follow_redirects=False)
    assert r.status_code == 303, r.text
    report = client.get(r.headers["location"]).text
    line = re.search(r'<p class="hint" id="sample-line">(.*?)</p>', report, re.S)
    assert line, report[:3000]
    words = " ".join(html.unescape(line.group(1)).split())
    assert words == f"stool-genus.csv · read counts · taxa as named in the file · {said} · collected Fri 20 Nov 2026", words
    text = html.unescape(re.sub(r"<[^>]+>", " ", report))
    assert "feature level" not in text and "method unknown" not in text and "· counts ·" not in text
