"""A compressed stool-test table (stool-genus.csv.gz, as a lab or pipeline hands it out) chosen in
Chromium's file picker on the microbiome page: the picker offers .gz (the input's accept list), the
upload is read as the plain file and the report shows; a zip of two files is refused on the page
naming both (2026-12-07; before, 'a gzip-compressed file, not a text table: decompress it first')."""

from __future__ import annotations

import gzip
import io
import re
import zipfile
from pathlib import Path

import pytest

from tests.e2e.test_journeys import register

pytestmark = pytest.mark.e2e
STOOL = Path(__file__).resolve().parents[2] / "docs" / "examples" / "stool-genus.csv"


def test_a_gzipped_table_uploads_in_the_browser(server, browser, tmp_path) -> None:  # type: ignore[no-untyped-def]
    packed = tmp_path / "stool-genus.csv.gz"
    packed.write_bytes(gzip.compress(STOOL.read_bytes()))
    two = tmp_path / "results.zip"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("stool-genus.csv", STOOL.read_bytes())
        z.writestr("notes.txt", "lab notes")
    two.write_bytes(buf.getvalue())
    ctx = browser.new_context()
    p = ctx.new_page()
    register(p, server.base, "gz@example.org", "Gz")
    p.goto(server.base + "/microbiome")
    accept = p.get_attribute("input[name=file]", "accept") or ""
    assert {".gz", ".bz2", ".xz", ".zip"} <= set(accept.split(",")), accept
    p.set_input_files("input[name=file]", str(two))
    p.click("main form button[type=submit]")
    error = p.locator("#upload-error")
    assert "results.zip" in error.inner_text() and "'stool-genus.csv', 'notes.txt'" in error.inner_text(), error.inner_text()
    p.set_input_files("input[name=file]", str(packed))
    p.click("main form button[type=submit]")
    p.wait_for_url(re.compile(r"/microbiome/\d+$"))
    assert "stool-genus.csv.gz" in p.content()
    assert p.locator("#taxa tbody tr").count() >= 2
    ctx.close()
