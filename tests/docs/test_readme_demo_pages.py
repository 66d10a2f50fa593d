"""README.md says where the demo's food challenges are seen; each page it names shows them.

Found on the new clinician's walk (2026-12-07): README said the running dairy challenge, step 2 due
today, is on "the clinician's *Challenges*", but that menu page lists safety alerts and challenges due
for review only (the egg verdict), so a new clinician looking there for the running challenge found
nothing; it is on Ana's record, *Food challenges*. The places are read from README's sentence itself.
(Whether the menu page should list running challenges too is the food-challenge owners' call.)
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from sqlalchemy import select

from gutskin.clinic.demo import CLINICIAN, PASSWORD, load_demo
from gutskin.store.db import transaction
from gutskin.store.models import Patient, User
from tests.safety.test_attacks import login_page

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
ANA = "ana@demo.gutskin.org"

#: a page README may name in that sentence as showing the running dairy challenge: who opens it, where,
#: and what it must show
PLACES = {
    "her *Challenge* page": (ANA, "/challenges", "Step 2"),
    "*Food challenges*": (CLINICIAN, "/clinic/patients/{pid}/challenges", "Dairy home reintroduction"),
    "the clinician's *Challenges*": (CLINICIAN, "/clinic/challenges", "Dairy"),
}


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_every_page_readme_names_for_the_demo_challenges_shows_them(db_url: str, engine, client) -> None:
    clause = " ".join(README.split("step 2 is due today (", 1)[1].split(").", 1)[0].split())
    named = [k for k in PLACES if k in clause]
    assert named, clause
    load_demo(db_url)
    with transaction(engine) as s:
        ana = s.scalar(select(User.id).where(User.email == ANA))
        pid = s.scalar(select(Patient.id).where(Patient.owner_user_id == ana))
    for place in named:
        who, path, shows = PLACES[place]
        client.cookies.clear()
        assert login_page(client, who, PASSWORD).status_code == 303
        r = client.get(path.format(pid=pid))
        assert r.status_code == 200, (place, r.status_code)
        assert shows in _text(r.text), (place, path, shows)
