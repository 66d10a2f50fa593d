"""The diary page on a stale page, and what a Save costs, in headless Chromium against a real
server (SQLite and PostgreSQL; 2026-12-06).

- "Delete this day" on a page opened before the day was saved again elsewhere deleted the newer
  entry: the delete form carried no version. Now it is refused (409, who saved what, nothing
  deleted) like the Save.
- A refused Save was posted twice: app.js sent it with fetch and, on any answer but "saved",
  posted the form again natively to show the server's page (nothing written either time, two
  audited reads); a good Save loaded the saved page twice (fetch followed the redirect, then
  location.assign loaded it again: two audited reads). Now the answer is shown in place, and a
  good Save's answer is the saved page itself: one POST and one page read per Save.
- Drafts kept in the tab (sessionStorage) survived a "Sign out everywhere" from another device,
  and stayed in the tab's storage whoever signed in next. They are restored to the same account
  only, and the first page of another account in the tab deletes them.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import func, select

from gutskin.store.db import get_engine, transaction
from gutskin.store.models import AuditEvent, DiaryDay, User
from tests.e2e.test_journeys import login, register

pytestmark = pytest.mark.e2e
DAY = (dt.date.today() - dt.timedelta(days=1)).isoformat()


def _user_id(server, email: str) -> int:  # type: ignore[no-untyped-def]
    with transaction(get_engine(server.db_url)) as s:
        return s.scalar(select(User.id).where(User.email == email))


def _diary_reads(server, user_id: int) -> int:  # type: ignore[no-untyped-def]
    with transaction(get_engine(server.db_url)) as s:
        return s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.actor_user_id == user_id, AuditEvent.action == "read",
            AuditEvent.object_type.in_(("diary", "diary_day"))))


def _notes(server) -> list[str | None]:  # type: ignore[no-untyped-def]
    with transaction(get_engine(server.db_url)) as s:
        return list(s.scalars(select(DiaryDay.notes).where(DiaryDay.day == dt.date.fromisoformat(DAY))))


def test_delete_on_a_page_opened_before_the_day_was_saved_again_deletes_nothing(server, browser) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context()
    first = ctx.new_page()
    register(first, server.base, "two-tabs@example.org", "Tia")
    url = f"{server.base}/today?date={DAY}"
    first.goto(url)
    first.fill("textarea[name=notes]", "logged by mistake")
    first.click("#save")
    first.wait_for_selector("#saved-msg")  # this tab shows the day as saved: its Delete is for that entry

    second = ctx.new_page()  # the other tab (or the co-caregiver's phone) saves the day again
    second.goto(url)
    second.fill("textarea[name=notes]", "the real entry")
    second.click("#save")
    second.wait_for_selector("#saved-msg")

    first.click("#delete-day summary")
    first.click("#delete-day-button")
    first.wait_for_load_state()
    error = first.locator("#save-error")
    assert error.is_visible(), first.content()[:500]
    assert "Not deleted" in error.inner_text() and "notes: the real entry" in error.inner_text()
    assert _notes(server) == ["the real entry"]  # nothing deleted
    assert first.locator("textarea[name=notes]").input_value() == "the real entry"  # the page shows what is stored

    first.click("#delete-day summary")  # the refused page shows the stored entry: its Delete deletes it knowingly
    first.click("#delete-day-button")
    first.wait_for_selector("#deleted-msg")
    assert _notes(server) == []
    ctx.close()


def test_a_refused_save_is_one_post_and_one_read_and_a_good_save_one_page(server, browser) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context()
    page = ctx.new_page()
    register(page, server.base, "one-post@example.org", "Ola")
    me = _user_id(server, "one-post@example.org")
    url = f"{server.base}/today?date={DAY}"
    page.goto(url)
    other = ctx.new_page()
    other.goto(url)
    other.fill("textarea[name=notes]", "from the other tab")
    other.click("#save")
    other.wait_for_selector("#saved-msg")
    other.close()

    requests: list[tuple[str, str]] = []
    page.on("request", lambda r: requests.append((r.method, r.url)) if "/today" in r.url else None)
    before = _diary_reads(server, me)
    page.fill("textarea[name=notes]", "mine")
    page.click("#save")
    page.wait_for_selector("#save-error")
    page.wait_for_load_state("networkidle")
    assert "Not saved" in page.locator("#save-error").inner_text()
    assert page.locator("textarea[name=notes]").input_value() == "mine"  # what was typed is kept
    assert [m for m, _ in requests] == ["POST"], requests  # posted once (it was posted again natively)
    assert _diary_reads(server, me) - before == 1, "one audited read of the diary for one refused Save"
    assert _notes(server) == ["from the other tab"]
    # the page shown in place works as a loaded one: the slider's read-out follows the slider
    page.locator("#itch").focus()
    page.keyboard.press("End")
    assert page.locator("#itch-out").inner_text() == "10"

    requests.clear()
    before = _diary_reads(server, me)
    page.click("#save")  # on the refused page, which carries the stored version: replaces it knowingly
    page.wait_for_selector("#saved-msg")
    page.wait_for_load_state("networkidle")
    assert [m for m, _ in requests] == ["POST"], requests  # the save's answer is the saved page (it was loaded twice more)
    assert _diary_reads(server, me) - before == 1, "one audited read of the diary for one Save"
    assert _notes(server) == ["mine"]
    assert re.search(rf"/today\?date={DAY}&saved=", page.url)  # the saved day's address, as after a form post
    page.reload()
    assert page.locator("#saved-msg").is_visible() and page.locator("#itch-out").inner_text() == "10"
    ctx.close()


def _storage(page) -> str:  # type: ignore[no-untyped-def]
    return json.dumps(page.evaluate("() => Object.assign({}, window.sessionStorage)"))


def _sign_out_everywhere_elsewhere(server, browser, email: str) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context()  # another device
    other = ctx.new_page()
    login(other, server.base, email)
    other.wait_for_url(re.compile(r"/today"))
    other.goto(server.base + "/account")
    other.click("#sign-out-everywhere button[type=submit]")
    other.wait_for_selector("#signed-out-everywhere")
    ctx.close()


def test_a_draft_is_restored_to_its_account_only_and_never_shown_to_another(server, browser) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context()
    page = ctx.new_page()
    register(page, server.base, "ann-draft@example.org", "Ann")
    page.goto(f"{server.base}/today?date={DAY}")
    page.fill("textarea[name=notes]", "private rash note")
    assert "private rash note" in _storage(page)  # kept in this tab while not saved

    _sign_out_everywhere_elsewhere(server, browser, "ann-draft@example.org")
    page.goto(f"{server.base}/today?date={DAY}")  # this tab's session is gone
    page.wait_for_url(re.compile(r"/login"))
    assert page.locator("#draft-login-note").is_visible()
    page.fill("input[name=email]", "ann-draft@example.org")  # the same person signs in again: her draft is back
    page.fill("input[name=password]", "a long enough password")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/today"))
    page.goto(f"{server.base}/today?date={DAY}")
    assert page.locator("#draft-restored").is_visible()
    assert page.locator("textarea[name=notes]").input_value() == "private rash note"

    _sign_out_everywhere_elsewhere(server, browser, "ann-draft@example.org")
    page.goto(f"{server.base}/today")
    page.wait_for_url(re.compile(r"/login"))
    register(page, server.base, "bob-draft@example.org", "Bob")  # someone else, in the same tab
    page.goto(f"{server.base}/today?date={DAY}")
    assert not page.locator("#draft-restored").is_visible()
    assert not page.locator("#other-drafts").is_visible()
    assert page.locator("textarea[name=notes]").input_value() == ""
    assert "private rash note" not in _storage(page)  # not even in the tab's storage
    page.goto(f"{server.base}/login")  # nor announced to whoever signs in next
    assert not page.locator("#draft-login-note").is_visible()
    ctx.close()
