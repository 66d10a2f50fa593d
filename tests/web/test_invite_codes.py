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
