"""The visit report keeps each table row on one page (new clinician's walk, 2026-12-07): WeasyPrint
splits a tall row across a page break by default, so a 12-week report printed the first lines of a
row at the foot of one page and the rest of it on the next, and the reader had to find the row's
date or name on the page before. The report's stylesheet now says ``tr { break-inside: avoid }``."""

from __future__ import annotations

import io

from gutskin.interop import report


def _pages_of_lines(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


def test_a_tall_row_at_a_page_foot_moves_whole_to_the_next_page() -> None:
    # 40 rows of five lines each: at least one of them meets a page break on an A4 page
    rows = "".join(
        f"<tr><td>row-{i:02d}-top</td><td>" + "<br>".join(f"line {k} of row {i}" for k in range(4))
        + f"<br>row-{i:02d}-end</td></tr>" for i in range(40))
    html = (f"<!doctype html><html><head><meta charset='utf-8'><style>{report.CSS}</style></head><body>"
            f"<table><tr><th>which</th><th>text</th></tr>{rows}</table></body></html>")
    pages = _pages_of_lines(report.render_html_pdf(html).write_pdf())
    assert len(pages) >= 2  # the table does cross a page break
    for i in range(40):
        top = [n for n, text in enumerate(pages) if f"row-{i:02d}-top" in text]
        end = [n for n, text in enumerate(pages) if f"row-{i:02d}-end" in text]
        assert top == end and len(top) == 1, (i, top, end)
