"""A clinician links a patient with the invite code however it was passed on: lower case, spaces
instead of dashes, typographic dashes from a letter, fullwidth letters from a phone keyboard."""

from __future__ import annotations

import pytest

from gutskin.clinic import sharing
from gutskin.clinic.errors import NotFound
from gutskin.store.db import transaction


@pytest.mark.parametrize("spell", [
    lambda c: c.lower().replace("-", " "),
    lambda c: c.replace("-", "\u2013"),  # en dash
    lambda c: c.replace("-", ""),
    lambda c: "".join(chr(ord(ch) + 0xFEE0) if ch.isalnum() else ch for ch in c),  # fullwidth
    lambda c: f"  {c[:4]}\t{c[5:9]}\n{c[10:]} ",
])
def test_a_code_written_another_way_links_once(engine, people, spell) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        code = sharing.create_invite(s, people.stranger, people.stranger_pid)["code"]
    with transaction(engine) as s:
        assert sharing.accept_invite(s, people.clinician, spell(code)) == people.stranger_pid
    with pytest.raises(NotFound), transaction(engine) as s:  # still one use only, however written
        sharing.accept_invite(s, people.unlinked, code)


def test_a_different_code_is_still_unknown(engine, people) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        code = sharing.create_invite(s, people.stranger, people.stranger_pid)["code"]
    other = code[:-1] + ("A" if code[-1] != "A" else "B")
    with pytest.raises(NotFound), transaction(engine) as s:
        sharing.accept_invite(s, people.clinician, other)


def test_unused_codes_are_listed_without_the_code_and_can_be_cancelled(engine, people) -> None:  # type: ignore[no-untyped-def]
    """A reloaded page or a second tap makes another live code; the patient sees each unused one
    (when made, until when it works), never the code itself, and can cancel it at once."""
    with transaction(engine) as s:
        first = sharing.create_invite(s, people.stranger, people.stranger_pid)
        second = sharing.create_invite(s, people.stranger, people.stranger_pid)
        used = sharing.create_invite(s, people.stranger, people.stranger_pid)
    with transaction(engine) as s:
        sharing.accept_invite(s, people.unlinked, used["code"])
    with transaction(engine) as s:
        listed = sharing.list_invites(s, people.stranger, people.stranger_pid)
    assert [i["id"] for i in listed] == [first["id"], second["id"]]  # the used one is gone
    assert all(i["expires_at"] == inv["expires_at"] for i, inv in zip(listed, (first, second)))
    assert not any(first["code"] in str(v) or second["code"] in str(v) for i in listed for v in i.values())
    with transaction(engine) as s:
        sharing.cancel_invite(s, people.stranger, people.stranger_pid, first["id"])
    with pytest.raises(NotFound), transaction(engine) as s:  # a cancelled code no longer links
        sharing.accept_invite(s, people.clinician, first["code"])
    with transaction(engine) as s:
        assert [i["id"] for i in sharing.list_invites(s, people.stranger, people.stranger_pid)] == [second["id"]]
    with pytest.raises(NotFound), transaction(engine) as s:  # cancelled twice: nothing left to cancel
        sharing.cancel_invite(s, people.stranger, people.stranger_pid, first["id"])
    with transaction(engine) as s:  # the other code still works
        assert sharing.accept_invite(s, people.clinician, second["code"]) == people.stranger_pid


def test_a_stranger_cannot_list_or_cancel_someone_elses_codes(engine, people) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        theirs = sharing.create_invite(s, people.stranger, people.stranger_pid)
    with pytest.raises(NotFound), transaction(engine) as s:  # addressed through the owner's own profile
        sharing.cancel_invite(s, people.owner, people.owner_pid, theirs["id"])
    with pytest.raises(NotFound), transaction(engine) as s:  # addressed through the stranger's profile
        sharing.cancel_invite(s, people.owner, people.stranger_pid, theirs["id"])
    with pytest.raises(NotFound), transaction(engine) as s:
        sharing.list_invites(s, people.owner, people.stranger_pid)
    with transaction(engine) as s:  # untouched
        assert sharing.accept_invite(s, people.clinician, theirs["code"]) == people.stranger_pid


def test_sharing_page_lists_open_codes_and_cancels_one(client, people) -> None:  # type: ignore[no-untyped-def]
    import re

    from tests.safety.test_attacks import login_page

    assert login_page(client, "stranger@example.org").status_code == 303
    page = client.get("/sharing")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert 'id="open-invites"' not in page.text
    made = client.post("/sharing/invite", data={"csrf_token": csrf})
    code = re.search(r'id="invite-code">([^<]+)<', made.text).group(1)
    assert "the code above" in made.text
    again = client.post("/sharing/invite", data={"csrf_token": csrf})  # Create pressed a second time (a reload no longer posts)
    assert re.search(r'id="invite-code">([^<]+)<', again.text).group(1) != code
    ids = re.findall(r'action="/sharing/invites/(\d+)/cancel"', again.text)
    assert len(ids) == 2
    gone = client.post(f"/sharing/invites/{ids[0]}/cancel", data={"csrf_token": csrf}, follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"] == "/sharing"
    after = client.get("/sharing").text
    assert re.findall(r'action="/sharing/invites/(\d+)/cancel"', after) == ids[1:]
    assert "cancelled an invite code" in after  # on the access list in plain words
    from gutskin.clinic import sharing as sh
    from gutskin.store.db import transaction as tx

    with pytest.raises(NotFound), tx(client.app.state.engine) as s:
        sh.accept_invite(s, people.clinician, code)


def test_api_lists_and_cancels_codes(client, people) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import bearer

    h = bearer(client, "stranger@example.org")
    made = client.post("/api/v1/me/invites", headers=h).json()
    listed = client.get("/api/v1/me/invites", headers=h).json()
    assert listed == [{"id": made["id"], "created_at": listed[0]["created_at"], "expires_at": made["expires_at"]}]
    other = bearer(client, "owner@example.org")
    assert client.delete(f"/api/v1/me/invites/{made['id']}", headers=other).status_code == 404
    assert client.delete(f"/api/v1/me/invites/{made['id']}", headers=h).status_code == 204
    assert client.get("/api/v1/me/invites", headers=h).json() == []
    assert client.post("/api/v1/clinician/links", json={"code": made["code"]},
                       headers=bearer(client, "unlinked@clinic.example.org")).status_code == 404
