"""What a knowledge-base finding is about. Abrahamsson 2012 found lower *diversity within*
Bacteroides in infants with IgE-associated eczema, not less Bacteroides; the report said
'Bacteroides was found (25% of this sample); studies have reported it lower in people with
eczema' and the page's table said 'lower', so a parent read a high Bacteroides share as good
news the study does not support."""

from __future__ import annotations

import re

import pandas as pd

from gutskin.microbiome import Profile, sample_report
from gutskin.microbiome.io import taxonomy_frame
from gutskin.microbiome.taxa import load_knowledge_base

LINEAGES = {
    "asv1": "k__Bacteria; p__Bacteroidetes; c__Bacteroidia; o__Bacteroidales; f__Bacteroidaceae; g__Bacteroides; s__",
    "asv2": "k__Bacteria; p__Actinobacteria; c__Actinobacteria; o__Bifidobacteriales; f__Bifidobacteriaceae; "
            "g__Bifidobacterium; s__",
    "asv3": "k__Bacteria; p__Firmicutes; c__Clostridia; o__Clostridiales; f__Lachnospiraceae; g__Blautia; s__",
}


def _profile() -> Profile:
    table = pd.DataFrame([[500, 300, 200]], index=["baby"], columns=list(LINEAGES), dtype=float)
    return Profile.from_frame(table, method="16S", taxonomy=taxonomy_frame(LINEAGES))


def test_every_entry_says_what_its_direction_is_of():
    kb = {e.id: e for e in load_knowledge_base()}
    assert kb["bacteroides"].measure == "diversity"
    assert {e.measure for e in kb.values()} == {"abundance", "diversity"}
    assert all(e.measure == "abundance" for k, e in kb.items() if k != "bacteroides")


def test_bacteroides_sentence_is_about_diversity_within_it_not_its_amount():
    rep = sample_report(_profile(), "baby", "infant")
    bac = next(t for t in rep["taxa"] if t["taxon"] == "Bacteroides")
    assert bac["status"] == "found" and bac["measure"] == "diversity"
    line = next(x for x in rep["plain_language"] if x.startswith("Bacteroides was found"))
    assert "lower diversity within Bacteroides" in line and "not a smaller amount" in line
    assert "reported it lower" not in line
    bif = next(x for x in rep["plain_language"] if x.startswith("Bifidobacterium was found"))
    assert "studies have reported it lower in people with eczema" in bif  # an abundance finding, unchanged


def test_report_page_says_diversity_within_it(client, people, engine):
    """A baby's account (born last year: the page uses the infant reference and infant findings)."""
    import datetime as dt

    from gutskin.store.db import transaction
    from gutskin.store.models import Patient
    from tests.safety.test_attacks import login_page

    with transaction(engine) as s:
        s.get(Patient, people.owner_pid).birth_year = dt.date.today().year - 1
    login_page(client, "owner@example.org")
    page = client.get("/microbiome").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    tsv = "#OTU ID\tbaby\ttaxonomy\n" + "".join(f"{k}\t{v}\t{LINEAGES[k]}\n"
                                                  for k, v in zip(LINEAGES, (500, 300, 200)))
    r = client.post("/microbiome", data={"csrf_token": csrf, "method": "16S"}, follow_redirects=False,
                    files={"file": ("baby.tsv", tsv.encode(), "text/plain")})
    assert r.status_code == 303, r.text
    html = client.get(r.headers["location"]).text
    row = re.search(r"<tr><td[^>]*>Bacteroides</td><td[^>]*>([^<]*)</td>", html)  # data-label since c501233
    assert row and row.group(1) == "lower diversity within it (not amount)"
    assert re.search(r"<tr><td[^>]*>Bifidobacterium</td><td[^>]*>lower</td>", html)
