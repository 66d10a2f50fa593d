"""A refused diary import on My data in Chromium (2026-12-07): the message was shown (role=alert) but the
file field was neither marked invalid nor described by it, and the focus stayed at the top of the long page.
Now the file field has the focus, is invalid, and its accessible description is the message."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_journeys import register

pytestmark = pytest.mark.e2e


def test_a_refused_diary_import_is_said_on_the_file_field(server, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "old-app.csv"
    bad.write_text("patient,date,itch\napp-77,2026-03-01,12\n", encoding="utf-8")
    ctx = browser.new_context()
    p = ctx.new_page()
    register(p, server.base, "importer@example.org", "Imo")
    p.goto(server.base + "/data")
    form = p.locator("form[action='/data/import']")
    form.locator("input[type=file]").set_input_files(str(bad))
    with p.expect_navigation():
        form.get_by_role("button", name="Import").click()
    assert p.locator("#import-error").is_visible()
    focused = p.evaluate("""() => { const el = document.activeElement;
        const ids = (el.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
        return {type: el.type, name: el.name, invalid: el.getAttribute('aria-invalid'),
                said: ids.map(i => document.getElementById(i) && document.getElementById(i).textContent).join(' ')}; }""")
    assert (focused["type"], focused["name"], focused["invalid"]) == ("file", "file", "true"), focused
    assert focused["said"].startswith("old-app.csv: line 2, column itch"), focused
    ctx.close()
