"""A weekly questionnaire's result says out of what the score is and what its bands are: "Score 14
— moderate" left a new patient to guess whether 14 was a lot (patient walk, 2026-12-06)."""

from __future__ import annotations

import html
import re

import pytest

from tests.safety.test_attacks import login_page


@pytest.mark.parametrize(("instrument", "answer", "score", "band", "line"), [
    ("poem", "2", "14", "moderate", "How much eczema there was over the last week, higher is worse: 0–2 clear/almost clear, "
                                    "3–7 mild, 8–16 moderate, 17–24 severe, 25–28 very severe."),
    ("recap", "1", "7", "mostly controlled", "How well the eczema was controlled over the last week, higher is worse: "
                                             "0–1 completely controlled, 2–7 mostly controlled, 8–12 moderately controlled, "
                                             "13–18 a little controlled, 19–28 not at all controlled."),
])
def test_the_result_says_out_of_what_and_the_bands(client, people, instrument, answer, score, band, line) -> None:
    login_page(client, "owner@example.org")
    page = client.get(f"/questionnaire/{instrument}").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post(f"/questionnaire/{instrument}", data={"csrf_token": csrf, **{f"q{i}": answer for i in range(7)}})
    assert r.status_code == 200, r.text
    shown = " ".join(html.unescape(re.sub(r"<[^>]+>", "", re.search(r'<p class="score" id="score">(.*?)</p>', r.text, re.S).group(1))).split())
    assert shown == f"Score {score} out of 28 — {band}", shown
    bands = re.search(r'<p class="hint" id="score-bands">(.*?)</p>', r.text, re.S)
    assert bands and " ".join(html.unescape(bands.group(1)).split()) == line
