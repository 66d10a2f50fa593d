"""Forms that ask for the password again (change it on Account, delete the account or a child's
profile on My data) name the account they are for, as Chromium asks ("Password forms should have
(optionally hidden) username fields"): without it a password manager could not tell which saved
password a change replaced. Found in the patient walk's console, 2026-12-06."""

from __future__ import annotations

import pytest

from tests.e2e.test_family import add_child
from tests.e2e.test_journeys import register

pytestmark = pytest.mark.e2e


def test_every_password_form_names_its_account(server, browser) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 390, "height": 844})
    p = ctx.new_page()
    said: list[str] = []
    p.on("console", lambda m: said.append(f"{p.url} {m.text}"))
    register(p, server.base, "named@example.org", "Named")
    add_child(p, server.base, "Mia", "2021")
    for path in ("/account", "/data"):
        p.goto(server.base + path)
        p.wait_for_load_state("load")
        forms = p.evaluate("""() => [...document.querySelectorAll('form')].filter(f => f.querySelector('input[type=password]'))
            .map(f => [f.getAttribute('action'), [...f.querySelectorAll('input[autocomplete=username]')].map(i => [i.value, i.name, i.hidden])])""")
        assert len(forms) == (1 if path == "/account" else 2), forms
        for action, names in forms:
            assert names == [["named@example.org", "", True]], (action, names)  # hidden, sent nowhere
    p.wait_for_timeout(300)
    assert not [s for s in said if "username field" in s], said
    ctx.close()
