"""Signing out, or deleting the account, clears this site's storage in every tab of the browser
(account walk, 2026-12-07): ``Clear-Site-Data: "cache", "storage"`` on those answers
(``web.security.CLEAR_SITE_DATA``).

The diary keeps what is typed in the tab's ``sessionStorage`` until it is saved (a phone with a
bad connection, docs/web.md). The page's script forgot the drafts of the tab whose Sign out was
pressed only: a day typed in another tab of the same browser -- itch, foods, a note such as
"hives after the party" -- stayed there after signing out on a shared computer, and after the
account was deleted the login page said that drafts were waiting."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_journeys import PASSWORD, register

pytestmark = pytest.mark.e2e


def _drafts(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.evaluate("() => Object.keys(window.sessionStorage).filter(k => k.startsWith('gutskin-draft:'))")


def _typed_offline(ctx, page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/today")
    page.fill("textarea[name=notes]", "hives after the party")
    ctx.set_offline(True)
    page.click("#save")
    page.locator("#save-status").filter(has_text="Not saved").wait_for(timeout=5000)
    ctx.set_offline(False)
    assert len(_drafts(page)) == 1


def test_signing_out_in_one_tab_clears_a_draft_typed_in_another(server, browser) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context()
    diary = ctx.new_page()
    register(diary, server.base, "two-tabs@example.org", "Tess")
    _typed_offline(ctx, diary, server.base)
    other = ctx.new_page()  # the same browser, another tab: Sign out from the menu there
    other.goto(server.base + "/account")
    other.click("form[action='/logout'] button")
    other.wait_for_url(re.compile(r"/login"))
    assert _drafts(diary) == []
    diary.goto(server.base + "/login")
    assert not diary.locator("#draft-login-note").is_visible()
    ctx.close()


def test_deleting_the_account_clears_its_drafts(server, browser) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context()
    page = ctx.new_page()
    register(page, server.base, "leaving@example.org", "Lea")
    _typed_offline(ctx, page, server.base)
    page.goto(server.base + "/data")
    form = page.locator("form[action='/data/delete']")
    form.locator("input[name=password]").fill(PASSWORD)
    page.on("dialog", lambda d: d.accept())
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/\?deleted=1"))
    assert _drafts(page) == []
    page.goto(server.base + "/login")
    assert not page.locator("#draft-login-note").is_visible()
    ctx.close()
