"""My data on a phone: a refused form at the foot of the long page (deleting the account with a
mistyped password) opened the page again at its top, the message out of sight, so nothing seemed to
have happened. Now the field is focused and in view, marked invalid and described by the message
(patient walk, 2026-12-06)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_journeys import PASSWORD, register

pytestmark = pytest.mark.e2e


def _in_view(page, selector: str) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate("""s => { const r = document.querySelector(s).getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight; }""", selector)


def test_a_mistyped_password_on_delete_my_account_is_seen_at_once(server, browser) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 390, "height": 844})
    p = ctx.new_page()
    register(p, server.base, "leaving@example.org", "Leaving")
    p.goto(server.base + "/data")
    form = p.locator("form[action='/data/delete']")
    assert not _in_view(p, "form[action='/data/delete'] button")  # the foot of the page: scrolled to, to use it
    form.locator("input[name=password]").fill("not my password")
    with p.expect_navigation():
        form.get_by_role("button", name="Delete everything").click()
    assert "/data/delete" in p.url and "password is wrong" in p.inner_text("main")  # refused, the page again
    assert p.evaluate("document.activeElement.name") == "password"  # typing goes where it is needed
    error = p.locator("#delete-error")
    assert error.inner_text().startswith("Nothing was deleted:") and "password is wrong" in error.inner_text()
    field = p.locator("form[action='/data/delete'] input[name=password]")
    assert field.get_attribute("aria-invalid") == "true" and field.get_attribute("aria-describedby") == "delete-error"
    assert _in_view(p, "form[action='/data/delete'] input[name=password]")
    assert _in_view(p, "#delete-error")  # the sentence, not just the field, is on the screen
    p.keyboard.type(PASSWORD)  # keyboard only: the focused field, then Enter
    p.keyboard.press("Enter")
    p.wait_for_url(re.compile(r"/\?deleted=1$"))
    assert "are deleted" in p.inner_text("main")
    ctx.close()
