"""Names a person chooses and someone else reads: one check at every way in.

A display name, a child's name, a diary's patient identifier and a microbiome sample's name are
short texts shown on other people's pages (the clinician's panel, appointment headings, alert
lines). A Unicode text-direction control in one (U+202E RIGHT-TO-LEFT OVERRIDE, "Ana\\u202Eevil")
reverses how the rest of the line is drawn: "Trojan Source"-style spoofing of what the clinician
reads. So a name may not hold

- the text-direction controls U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C,
- any other control or format character (Unicode categories Cc and Cf: tabs, line feeds, escape
  sequences, zero-width spaces, soft hyphens, invisible operators ...), except ZERO WIDTH
  NON-JOINER and ZERO WIDTH JOINER (U+200C, U+200D) *between two visible characters*: Persian
  and Indic spellings need them (Persian "شاه‌حسینی" holds a U+200C; Unicode Standard 15.0,
  section 23.2 "Layout Controls") and emoji sequences are built with U+200D. Neither changes
  direction; at the start or end of a name, next to a blank or to another control they draw
  nothing and are refused,
- line and paragraph separators (U+2028, U+2029: a line break in disguise),
- surrogates, private-use and unassigned code points (Cs, Co, Cn: in this Python's Unicode
  version, ``unicodedata.unidata_version``), which no page can draw for what they are.

A name that passes is returned stripped of surrounding blanks and in composed form (NFC), so the
same name typed on a Mac (decomposed) and elsewhere is one name. Longer free text (diary notes,
appointment messages, allergy notes) is kept as typed: the pages isolate it instead (docs/security.md).

Pure: no gutskin import (the clinic layer turns :class:`NameRefused` into its 422).
"""

from __future__ import annotations

import unicodedata

BIDI_CONTROLS: frozenset[str] = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u200e", "\u200f", "\u061c"]
)
"""Characters that change the direction the following text is drawn in."""

_REFUSED_CATEGORIES = {"Cc": "a control character", "Cf": "an invisible format character",
                       "Cs": "a lone surrogate", "Co": "a private-use character",
                       "Cn": "not an assigned character", "Zl": "a line separator", "Zp": "a paragraph separator"}


class NameRefused(ValueError):
    """A name holds a character names cannot hold; ``str()`` names the field, the position and
    the code point: ``display_name: character 4 is U+202E (a text-direction control); names
    cannot hold it``."""

    def __init__(self, field: str, position: int, char: str, kind: str) -> None:
        self.field, self.position, self.char, self.kind = field, position, char, kind
        if char == "\x00":  # the words every other text field gives a NUL (gutskin.web.textguard)
            super().__init__(f"{field}: contains a NUL character (\\0), which cannot be stored; remove it")
        else:
            super().__init__(f"{field}: character {position} is U+{ord(char):04X} ({kind}); names cannot hold it")


JOINERS: frozenset[str] = frozenset("\u200c\u200d")
"""ZWNJ and ZWJ: format characters that spell Persian, Indic and emoji text (allowed in context)."""


def _visible(char: str) -> bool:
    """A character that draws something: not a blank, not a control, format or unassigned one."""
    return not char.isspace() and unicodedata.category(char) not in _REFUSED_CATEGORIES


def refused_kind(char: str, before: str = "", after: str = "") -> str | None:
    """Why one character cannot be in a name (``"a text-direction control"`` ...), or None.
    ``before``/``after`` are its neighbours ("" at an end): a joiner is allowed between two
    visible characters."""
    if char in BIDI_CONTROLS:
        return "a text-direction control"
    if char in JOINERS and before and after and _visible(before) and _visible(after):
        return None
    return _REFUSED_CATEGORIES.get(unicodedata.category(char))


def clean_name(field: str, value: str) -> str:
    """``value`` stripped of surrounding blanks and in NFC, or :class:`NameRefused` for the first
    character a name cannot hold. Its position counts from 1 in the text as sent (surrounding
    blanks included), so "character 4" is the fourth character the person typed."""
    text = value or ""
    lead = len(text) - len(text.lstrip())
    core = text.strip()
    for i, ch in enumerate(core):
        kind = refused_kind(ch, core[i - 1] if i else "", core[i + 1] if i + 1 < len(core) else "")
        if kind is not None:
            raise NameRefused(field, lead + i + 1, ch, kind)
    return unicodedata.normalize("NFC", core)
