"""A new allergist's first day in Chromium (H5, 2026-12-07; docs/web.md "Clinician walk (2026-12-07)"):
page behaviour the walk found, against a real server on SQLite and PostgreSQL. Each test fails on the
code before (checked in a worktree)."""

from __future__ import annotations

import pytest

from tests.e2e.test_challenges import link_patient

pytestmark = pytest.mark.e2e


def test_a_first_day_typed_another_way_is_answered_with_the_format(server, browser) -> None:  # type: ignore[no-untyped-def]
    """Planning a challenge, the clinician typed the first day as 12/08/2026: the field's pattern made
    Chromium stop the form with "Please match the requested format." and no format anywhere. The
    label now says the format, and the form reaches the server, which names the field and the format;
    nothing is planned."""
    p, c, pid = link_patient(server, browser, "pat@example.org")
    c.goto(f"{server.base}/clinic/patients/{pid}/challenges")
    label = c.locator("#plan-form label", has=c.locator("input[name=start]")).inner_text()
    assert "year-month-day" in label, label
    c.select_option("select[name=kind]", "supervised")
    c.fill("input[name=start]", "12/08/2026")
    c.fill("textarea[name=doses]", "0: 5 ml milk")
    c.click("#create-plan")
    c.wait_for_selector("#challenge-error", timeout=10_000)
    said = c.locator("#challenge-error").inner_text()
    assert "First day: expected a day YYYY-MM-DD" in said, said  # the list of problems (every one at once, 2026-12-07)
    assert c.get_attribute("input[name=start]", "aria-invalid") == "true"
    assert c.locator("#challenge-start-error").inner_text().startswith("First day: expected a day YYYY-MM-DD")
    assert c.input_value("input[name=start]") == "12/08/2026"  # what was typed, to correct
    assert c.locator("#no-challenges").is_visible()  # nothing planned
    p.context.close()
    c.context.close()
