"""A value's text-direction controls end with the value on every page (gutskin.web.bidi_isolation).

Names refuse these controls at input since 2026-12-06, but names stored before, and free text
kept as typed (appointment messages, diary notes), can still hold an open RIGHT-TO-LEFT OVERRIDE
that reverses the rest of the clinician's line. Pages now print such a value balanced and wrapped
in FSI ... PDI (UAX #9 X6a: a PDI ends every embedding opened inside it). Before, the value was
printed as stored and the override ran on past it.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gutskin.store.db import transaction
from gutskin.store.models import Patient
from gutskin.web.bidi_isolation import EMBEDDINGS, FSI, ISOLATES, OPENERS_AND_CLOSERS, PDF, PDI, isolate
from tests.safety.test_attacks import login_page

RLO = "\u202e"


def _unclosed_after_each_char(text: str) -> list[list[str]]:
    """The directional status stack of UAX #9 (X1-X6a, no overflow) after each character."""
    stack: list[str] = []
    states = []
    for ch in text:
        if ch in EMBEDDINGS:
            stack.append("E")
        elif ch in ISOLATES:
            stack.append("I")
        elif ch == PDF and stack and stack[-1] == "E":
            stack.pop()
        elif ch == PDI and "I" in stack:
            while stack.pop() != "I":
                pass
        states.append(list(stack))
    return states


BIDI_TEXT = st.text(st.sampled_from(sorted(OPENERS_AND_CLOSERS) + ["a", "b", " ", "\u05d0", "\u200f"]), max_size=30)


@settings(max_examples=500, deadline=None)
@given(BIDI_TEXT)
def test_an_isolated_value_opens_nothing_that_outlives_it(text: str) -> None:
    out = isolate(text)
    visible = lambda s: "".join(c for c in s if c not in OPENERS_AND_CLOSERS)  # noqa: E731
    assert visible(out) == visible(text)
    if not any(c in OPENERS_AND_CLOSERS for c in text):
        assert out == text  # ordinary values are printed exactly as before
        return
    states = _unclosed_after_each_char(out)
    assert states[-1] == []  # nothing open after the value
    assert all(s and s[0] == "I" for s in states[:-1])  # the wrapper holds until the value's end
    assert isolate(out) == out  # a value re-saved from a pre-filled form does not grow


def test_a_stored_override_in_a_name_ends_with_the_name_on_the_clinicians_panel(client, people, engine) -> None:
    with transaction(engine) as s:
        s.get(Patient, people.owner_pid).display_name = f"Ana{RLO}evil"
    login_page(client, "linked@clinic.example.org")
    page = client.get("/clinic")
    assert page.status_code == 200
    assert f"{FSI}Ana{RLO}evil{PDF}{PDI}" in page.text
    assert page.text.count(RLO) == page.text.count(f"{RLO}evil{PDF}{PDI}") > 0  # every copy is closed


def test_a_stray_closer_cannot_end_the_wrapper_early(client, people, engine) -> None:
    """"x" + PDI + RLO + "evil": the name's own PDI would close the wrapper's FSI and let the
    override run on; it is dropped."""
    with transaction(engine) as s:
        s.get(Patient, people.owner_pid).display_name = f"x{PDI}{RLO}evil"
    login_page(client, "linked@clinic.example.org")
    page = client.get("/clinic")
    assert page.status_code == 200
    assert f"{FSI}x{RLO}evil{PDF}{PDI}" in page.text and f"x{PDI}{RLO}" not in page.text


def test_pages_without_direction_controls_are_unchanged(client, people) -> None:
    login_page(client, "linked@clinic.example.org")
    page = client.get("/clinic")
    assert page.status_code == 200 and FSI not in page.text and PDI not in page.text
