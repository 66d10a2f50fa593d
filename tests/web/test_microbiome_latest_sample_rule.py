"""Which sample is the "latest", and the Trends page's line about it (2026-12-07).

* The latest sample was the newest *collected*, samples without a collection day last: a family who
  uploaded an old test with its day and then this month's without one saw the old test as the latest
  on Trends, the clinician's patient page and in the list. Now a sample is dated by its collection day
  when the upload gave one, else by the patient's day it was uploaded
  (``gutskin.clinic.microbiome.sample_day``; one order, ``newest_first``), and the line says which.
* The line read "Latest sample X (2026-11-20): not compared with a reference: the reference ...":
  a lower-case fragment after the colon. It is now whole sentences.

SQLite and PostgreSQL (``engine``/``client``)."""

from __future__ import annotations

import datetime as dt
import html
import re

from gutskin.clinic import microbiome as micro
from gutskin.store.db import transaction
from gutskin.store.models import MicrobiomeSample
from tests.safety.test_attacks import login_page
from tests.web.test_microbiome_timeline import _table
from tests.web.test_microbiome_upload import PROFILE as METAPHLAN


def _line(page: str) -> str:
    m = re.search(r'<p id="micro-summary">(.*?)</p>', page, re.S)
    assert m, "no microbiome line"
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m.group(1)))).strip()


def _words(d: dt.date) -> str:
    return f"{d:%a} {d.day} {d:%b %Y}"


def test_an_undated_upload_after_an_old_dated_sample_is_the_latest_and_says_it_was_uploaded(engine, people, client) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        old = micro.upload_sample(s, people.owner, people.owner_pid, "old.tsv", _table("old", 12_000, 16), method="16S",
                                  collected_on=dt.date(2024, 3, 1))["id"]
        new = micro.upload_sample(s, people.owner, people.owner_pid, "new.tsv", METAPHLAN, method="shotgun")["id"]
    with transaction(engine) as s:
        uploaded = s.get(MicrobiomeSample, new).created_at.date()  # naive UTC; the profile has no zone: UTC's day
        assert micro.latest_summary(s, people.owner, people.owner_pid)["id"] == new  # was the 2024 sample
        assert micro.timeline(s, people.clinician, people.owner_pid)["latest"]["id"] == new
        assert [x["id"] for x in micro.list_samples(s, people.owner, people.owner_pid)] == [new, old]

    login_page(client, "owner@example.org")
    line = _line(client.get("/trends").text)
    assert line.startswith(f"Latest sample: {'new'}, uploaded on {_words(uploaded)} (no collection date was given). "
                           "Not compared with a reference: the reference was measured by 16S"), line
    assert line.endswith(". Report"), line  # every sentence ends; the link last
    assert f'href="/microbiome/{new}"' in client.get("/trends").text

    client.cookies.clear()
    login_page(client, "linked@clinic.example.org")  # the clinician's patient page: the same sample, same words
    assert _line(client.get(f"/clinic/patients/{people.owner_pid}").text).startswith(
        f"Latest sample: new, uploaded on {_words(uploaded)} (no collection date was given).")
    client.cookies.clear()
    login_page(client, "unlinked@clinic.example.org")
    assert client.get(f"/clinic/patients/{people.owner_pid}").status_code == 404


def test_a_dated_sample_newer_than_the_upload_day_of_an_undated_one_is_the_latest(engine, people, client) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        undated = micro.upload_sample(s, people.owner, people.owner_pid, "undated.tsv", METAPHLAN, method="shotgun")["id"]
        s.get(MicrobiomeSample, undated).created_at = dt.datetime(2025, 1, 10, 12, 0)  # uploaded in January 2025
        dated = micro.upload_sample(s, people.owner, people.owner_pid, "dated.tsv", _table("dated", 12_000, 16),
                                    method="16S", collected_on=dt.date(2025, 6, 1))["id"]
    with transaction(engine) as s:
        assert micro.latest_summary(s, people.owner, people.owner_pid)["id"] == dated
        assert [x["id"] for x in micro.list_samples(s, people.owner, people.owner_pid)] == [dated, undated]
    login_page(client, "owner@example.org")
    line = _line(client.get("/trends").text)
    assert line.startswith("Latest sample: dated, collected on Sun 1 Jun 2025. "), line
    assert re.match(r"Latest sample: dated, collected on Sun 1 Jun 2025\. [A-Z]", line), line  # a sentence follows


def test_the_visit_report_takes_the_same_latest_sample_and_says_it_was_uploaded(engine, people) -> None:  # type: ignore[no-untyped-def]
    from gutskin.clinic import reports
    from gutskin.interop.report import report_html

    with transaction(engine) as s:
        micro.upload_sample(s, people.owner, people.owner_pid, "old.tsv", _table("old", 12_000, 16), method="16S",
                            collected_on=dt.date(2024, 3, 1))
        new = micro.upload_sample(s, people.owner, people.owner_pid, "new.tsv", METAPHLAN, method="shotgun")["id"]
    with transaction(engine) as s:
        uploaded = s.get(MicrobiomeSample, new).created_at.date()
        data = reports.settle_insights(reports.report_data(s, people.clinician, people.owner_pid, 12), 60.0)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", report_html(data))).split())
    section = text[text.index("Gut microbiome (latest sample)"):]
    assert section.startswith(f"Gut microbiome (latest sample) Sample new, uploaded {uploaded:%d %b %Y} "
                              "(collection date not given), method shotgun."), section[:300]  # was "Sample old"
