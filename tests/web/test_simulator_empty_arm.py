"""The simulator page for an arm with no patient left after the EASI ≥ 72 exclusion: its row says
"no patients left in this arm after exclusion" where it read 'nan%' (found by reading in the
wording review of 2026-12-06), and the chart's data stays JSON app.js can parse (NaN is not JSON)."""

from __future__ import annotations

import html
import json
import re

from gutskin.web.pages.common import TEMPLATES
from tests.axis.test_empty_arm_words import NOTE, _everyone_excluded


def test_the_simulator_page_says_no_patients_left() -> None:
    res = _everyone_excluded()
    # the shape clinic.simulations._run gives the page
    result = {"arms": res.summary(week=2), "weeks": [0, 1, 2], "patients": 1, "kept": res.n_kept, "seed": 5}
    st = {"status": "done", "request": {"arms": ["placebo", "dupilumab"], "patients": 1, "weeks": 2, "seed": 5},
          "result": result}
    page = TEMPLATES.get_template("_simulation.html").render(job="j", st=st, sim_data=result)
    text = html.unescape(page)
    assert "nan" not in re.sub(r"<[^>]+>", " ", text).lower(), text
    rows = re.findall(r"<tr><td>(.*?)</td><td>0</td><td[^>]*>(.*?)</td>", page)
    assert rows == [("Placebo / standard care", NOTE), ("Dupilumab (IL-4Rα)", NOTE)], page
    label = re.search(r'aria-label="([^"]*)"', page).group(1)
    assert f"Placebo / standard care {NOTE}" in html.unescape(label)
    data = json.loads(html.unescape(re.search(r"data-sim='([^']*)'", page).group(1)))  # what app.js parses
    assert data["arms"]["placebo"]["easi_by_week_median"] == [None, None, None]
