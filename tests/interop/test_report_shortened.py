"""A visit report too long for two pages even in its compact layout is cut to two pages; it dropped
the rest with no word and its footer still counted the dropped pages ("page 2 of 3"). Now its top says
it is shortened and where to see all of it, and the pages are counted as printed (2026-12-07)."""

from __future__ import annotations

import datetime as dt
import io

from gutskin.interop.report import MAX_PAGES, SHORTENED_WORDS, render_pdf


def _text(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def _data(treatments: int) -> dict:
    end = dt.date(2026, 12, 7)
    start = end - dt.timedelta(days=27)
    dates = [start + dt.timedelta(days=i) for i in range(28)]
    return {
        "patient": {"name": "Long", "external_id": "p-long", "birth_year": 1980},
        "weeks": 4, "start": start, "end": end, "generated_on": end,
        "series": {"dates": [d.isoformat() for d in dates], "itch": [3] * 28, "sleep_loss": [2] * 28,
                   "flare": [False] * 28},
        "trend": [], "latest_scores": {"poem": {"answered_on": end, "total": 10.0, "band": "moderate"}},
        # every treatment the patient logged is listed (no compact limit): enough of them run past two pages
        "treatments": [{"name": f"treat.t{i}", "label": f"Treatment number {i}", "days_used": 3, "last_used": end,
                        "active": True} for i in range(treatments)],
        "challenges": [], "microbiome": None,
        "completeness": {"days_in_window": 28, "logged_days": 28, "percent_logged": 100.0, "itch_days": 28,
                         "sleep_days": 28, "flare_days": 0, "questionnaires": 1, "last_entry": end,
                         "logged_days_total": 28},
        "insights": {"status": "computing"},
    }


def test_a_report_cut_to_two_pages_says_so_and_counts_its_pages() -> None:
    pages = _text(render_pdf(_data(treatments=160)))
    assert len(pages) == MAX_PAGES
    flat = " ".join(pages)
    assert " ".join(SHORTENED_WORDS.split()) in flat, flat[:600]
    for n, text in enumerate(pages, 1):
        assert f"page {n} of {MAX_PAGES}" in text, text[-200:]


def test_a_report_that_fits_says_nothing_of_it() -> None:
    pages = _text(render_pdf(_data(treatments=3)))
    assert len(pages) == 1
    assert "Shortened" not in pages[0] and "page 1 of 1" in pages[0]
