"""An allergist's patient with four stool tests over a year (before and after antibiotics, during a
probiotic course, a shotgun test at follow-up), uploaded in another order than collected.

Found in the clinician walk of 2026-12-06: the clinician's patient page linked only the last
*uploaded* sample as "Latest sample" (the visit report took the last *collected*), and the other
three could not be reached from it; nothing said that a shotgun test's diversity is not comparable
with the 16S ones, nor that whole-sample richness of 3,000 and 12,000 reads differs by depth."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from gutskin.clinic import microbiome as micro
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent
from tests.safety.test_attacks import login_page
from tests.web.test_microbiome_upload import PROFILE as METAPHLAN

GENERA = ("Bacteroides", "Prevotella", "Blautia", "Alistipes", "Roseburia", "Faecalibacterium", "Ruminococcus",
          "Dorea", "Coprococcus", "Subdoligranulum", "Parabacteroides", "Akkermansia", "Bifidobacterium",
          "Escherichia", "Streptococcus", "Collinsella")


def _table(name: str, reads: int, n_genera: int) -> bytes:
    per = [reads // n_genera] * n_genera
    per[0] += reads - sum(per)
    return (f"#OTU ID\t{name}\n" + "".join(f"k__Bacteria;p__X;c__X;o__X;f__X;g__{g}\t{n}\n"
                                      for g, n in zip(GENERA, per))).encode()


def _upload_four(engine, people) -> dict[str, int]:  # type: ignore[no-untyped-def]
    ids = {}
    with transaction(engine) as s:  # uploaded: follow-up first, the antibiotic course last
        for name, data, method, day in (
                ("followup", METAPHLAN, "shotgun", "2026-11-20"),
                ("before_abx", _table("before_abx", 12_000, 16), "16S", "2025-12-10"),
                ("probiotic", _table("probiotic", 11_000, 14), "16S", "2026-05-15"),
                ("after_abx", _table("after_abx", 3_000, 5), "16S", "2026-02-01")):
            out = micro.upload_sample(s, people.owner, people.owner_pid, f"{name}.tsv", data, method=method,
                                      collected_on=dt.date.fromisoformat(day))
            ids[name] = out["id"]
    return ids


def test_latest_is_the_last_collected_and_the_clinician_sees_all_four_with_caveats(engine, people, client) -> None:
    ids = _upload_four(engine, people)
    with transaction(engine) as s:
        latest = micro.latest_summary(s, people.clinician, people.owner_pid)
    assert latest is not None and latest["id"] == ids["followup"], latest  # was after_abx (uploaded last)
    login_page(client, "linked@clinic.example.org")
    page = client.get(f"/clinic/patients/{people.owner_pid}")
    assert page.status_code == 200
    summary = re.search(r'<p id="micro-summary">(.*?)</p>', page.text, re.S)
    assert summary and "collected on Fri 20 Nov 2026." in summary.group(1), summary  # a sentence since 2026-12-07
    assert "Not compared with a reference: the reference was measured by 16S" in summary.group(1), summary.group(1)
    table = re.search(r'<table id="micro-timeline".*?</table>', page.text, re.S)
    assert table, "no table of the patient's samples"
    links = re.findall(r'href="/clinic/patients/\d+/microbiome/(\d+)"', table.group(0))
    assert links == [str(ids[n]) for n in ("before_abx", "after_abx", "probiotic", "followup")], links
    assert 'data-label="Observed">16<' in table.group(0), table.group(0)  # a count, not "16.0"
    for pk in links:  # each links to its report, which the clinician may read
        assert client.get(f"/clinic/patients/{people.owner_pid}/microbiome/{pk}").status_code == 200
    caveats = re.search(r'<ul id="micro-timeline-caveats">(.*?)</ul>', page.text, re.S)
    assert caveats and "different methods" in caveats.group(1) and "not comparable" in caveats.group(1), caveats
    with transaction(engine) as s:
        reads = s.execute(select(AuditEvent.actor_user_id).where(
            AuditEvent.patient_id == people.owner_pid, AuditEvent.action == "read",
            AuditEvent.object_type == "microbiome_samples")).all()
    assert reads, "reading every sample must be audited"
    client.post("/logout", follow_redirects=False)
    client.cookies.clear()
    login_page(client, "unlinked@clinic.example.org")
    assert client.get(f"/clinic/patients/{people.owner_pid}").status_code == 404


def test_the_16s_samples_alone_are_compared_with_their_depth_caveats(engine, people) -> None:
    from gutskin.microbiome.compare import compare_reports  # new with the timeline

    _upload_four(engine, people)
    with transaction(engine) as s:
        tl = micro.timeline(s, people.clinician, people.owner_pid)
    sixteen = [r for r in tl["rows"] if r["method"] == "16S"]
    assert [r["label"] for r in sixteen] == ["before_abx", "after_abx", "probiotic"]
    with transaction(engine) as s:
        reports = {r["sample_id"]: r for r in micro.list_samples(s, people.clinician, people.owner_pid)}
    cmp = compare_reports([(n, reports[n]["collected_on"], reports[n]["report"])
                           for n in ("before_abx", "after_abx", "probiotic")])
    assert cmp["diversity_comparable"] is True
    words = " ".join(cmp["caveats"])
    assert "3,000 to 12,000" in words and "different depths" in words, cmp["caveats"]
    assert cmp["percentiles_comparable"] is False  # 2,000 reads for after_abx, 10,000 for the others
    assert compare_reports([("one", None, reports["probiotic"]["report"])])["caveats"] == []


def test_the_patients_list_is_newest_collected_first(engine, people, client) -> None:
    """The patient's own list (page and API) in collection order, not upload order."""
    from tests.conftest import bearer

    _upload_four(engine, people)
    with transaction(engine) as s:
        listed = [x["sample_id"] for x in micro.list_samples(s, people.owner, people.owner_pid)]
    assert listed == ["followup", "probiotic", "after_abx", "before_abx"], listed
    api = client.get(f"/api/v1/patients/{people.owner_pid}/microbiome", headers=bearer(client, "owner@example.org"))
    assert [x["sample_id"] for x in api.json()] == listed
    login_page(client, "owner@example.org")
    page = client.get("/microbiome").text
    shown = re.findall(r'<li><a href="/microbiome/\d+">([^<]+)</a>', page)
    assert shown == listed, shown
