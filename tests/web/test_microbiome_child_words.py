"""On a child's record the microbiome pages speak of the child, as the insights, challenge and
sharing pages do: "Leo's diversity was not compared ...", "what causes Leo's flares; discuss
results with Leo's clinician", "Leo's sample", "Leo's samples". Found in the wording review of
2026-12-06: a parent who uploaded their son's stool test read "Your diversity", "your flares" and
"Your sample" under the banner "You are on the record of Leo"; the parent's own record keeps
"your"."""

from __future__ import annotations

import html
import re
from pathlib import Path

from tests.safety.test_attacks import login_page

PROFILE = (Path(__file__).parent / "data" / "metaphlan_profile.tsv").read_bytes()


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _upload(client, query: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get(f"/microbiome{query}")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post(f"/microbiome{query}", data={"csrf_token": csrf, "method": "shotgun"},
                    files={"file": ("gut.tsv", PROFILE, "text/tab-separated-values")}, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    return r.headers["location"]


def test_a_childs_microbiome_report_speaks_of_the_child(client, people, engine) -> None:
    from gutskin.clinic import accounts
    from gutskin.store.db import transaction

    with transaction(engine) as s:
        leo = accounts.add_child_profile(s, people.owner, "Leo", 2017).id
    login_page(client, "owner@example.org")
    report = _text(client.get(_upload(client, f"?patient={leo}")).text)
    assert "Leo's diversity was not compared" in report, report
    assert "what causes Leo's flares; discuss results with Leo's clinician" in report, report
    assert "Leo's sample" in report and "Your sample" not in report
    assert "Your diversity" not in report and "your flares" not in report and "your clinician" not in report
    listing = _text(client.get(f"/microbiome?patient={leo}").text)
    assert "Leo's samples" in listing and "from Leo's stool test" in listing and "shows Leo's gut diversity" in listing
    own = _text(client.get(_upload(client, "")).text)  # the parent's own record keeps "your"
    assert "Your diversity was not compared" in own and "what causes your flares" in own and "Your sample" in own
    assert "Your samples" in _text(client.get("/microbiome").text)
