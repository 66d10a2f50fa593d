"""The visit report link says the PDF is being prepared (2026-12-07): the PDF takes 1-5 s to make
(bench.visit_report) and the clinician's "Download visit report (PDF)" showed nothing meanwhile, so it
was clicked again or taken for broken. Now, while the request is on its way, the link reads "Preparing
the PDF…" and is aria-busy, and a status line says so; the PDF then arrives as a download under the
server's file name and the link is as before. Chromium against a real server (the answer is held in
the browser, so the wait is as long as the test needs), SQLite and PostgreSQL."""

from __future__ import annotations

import re
import time

import pytest

from tests.e2e.test_challenges import link_patient

pytestmark = pytest.mark.e2e
REPORT = re.compile(r"/clinic/patients/\d+/report\.pdf(\?.*)?$")


def test_the_report_link_says_the_pdf_is_being_prepared(server, browser) -> None:  # type: ignore[no-untyped-def]
    p, c, pid = link_patient(server, browser, "waiting@example.org")
    c.goto(f"{server.base}/clinic/patients/{pid}")
    link = c.locator("#report-link")
    assert link.inner_text() == "Download visit report (PDF)"
    assert link.get_attribute("download") is not None  # without JavaScript: a plain download link
    assert link.get_attribute("href") == f"/clinic/patients/{pid}/report.pdf?weeks=12"

    held: list[object] = []
    c.route(REPORT, lambda route, request: held.append(route))
    link.click()
    deadline = time.time() + 15
    while not held and time.time() < deadline:
        c.wait_for_timeout(50)
    assert held, "the report was not asked for"
    # the request is on its way (held here): the page says so
    assert link.inner_text() == "Preparing the PDF…"
    assert link.get_attribute("aria-busy") == "true"
    status = c.locator("#report-status")
    assert status.get_attribute("role") == "status"
    assert status.inner_text() == "Preparing the visit report PDF: this takes a few seconds."
    assert link.get_attribute("aria-disabled") == "true"
    link.click(force=True)  # a second click while it is made asks for nothing more
    c.wait_for_timeout(200)
    assert len(held) == 1

    with c.expect_download() as download:
        held[0].continue_()  # type: ignore[attr-defined]
    saved = download.value
    assert re.fullmatch(r"gutskin-report-p-[A-Za-z0-9_-]+-\d{4}-\d{2}-\d{2}\.pdf", saved.suggested_filename), \
        saved.suggested_filename  # the server's name for it
    with open(saved.path(), "rb") as f:
        assert f.read(5) == b"%PDF-"
    c.wait_for_function("!document.querySelector('#report-link').hasAttribute('aria-busy')")
    assert link.inner_text() == "Download visit report (PDF)"
    assert status.inner_text() == "The visit report PDF is downloaded."
    c.unroute(REPORT)
    p.context.close()
    c.context.close()


DATA_REPORT = re.compile(r"/data/report\.pdf(\?.*)?$")


def test_my_data_report_link_says_the_pdf_is_being_prepared(server, browser) -> None:  # type: ignore[no-untyped-def]
    """The patient's own visit report on My data: the same wait, said the same way."""
    from tests.e2e.test_journeys import register

    page = browser.new_context().new_page()
    register(page, server.base, "mydata@example.org", "Mo")
    page.goto(server.base + "/data")
    link = page.locator("a[href^='/data/report.pdf']")
    label = link.inner_text()
    assert label.startswith("Visit report of")
    status = page.locator("#" + link.get_attribute("data-status"))
    held: list[object] = []
    page.route(DATA_REPORT, lambda route, request: held.append(route))
    link.click()
    deadline = time.time() + 15
    while not held and time.time() < deadline:
        page.wait_for_timeout(50)
    assert held, "the report was not asked for"
    assert link.inner_text() == "Preparing the PDF…" and link.get_attribute("aria-busy") == "true"
    assert status.inner_text() == "Preparing the visit report PDF: this takes a few seconds."
    with page.expect_download() as download:
        held[0].continue_()  # type: ignore[attr-defined]
    assert download.value.suggested_filename.endswith(".pdf")
    page.wait_for_function("!document.querySelector(\"a[href^='/data/report.pdf']\").hasAttribute('aria-busy')")
    assert link.inner_text() == label and status.inner_text() == "The visit report PDF is downloaded."
    page.unroute(DATA_REPORT)
    page.context.close()
