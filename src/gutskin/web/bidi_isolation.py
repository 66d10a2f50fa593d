"""Text-direction controls in stored text cannot reach past their own value on a page.

A Unicode embedding or override (U+202A-U+202E) or isolate (U+2066-U+2068) left open in a value
changes how the *rest of the line* is drawn: "Trojan Source"-style spoofing (Boucher & Anderson,
2021, https://trojansource.codes). Names refuse these characters at input since 2026-12-06
(:mod:`gutskin.diary.names`), but free text (appointment messages, diary notes, stop reasons) is
kept as typed, and names stored earlier are not rewritten. So every value a page prints is closed
off here instead of template by template with ``<bdi>``.

How (Unicode Bidirectional Algorithm, UAX #9, rules X5a-X6a): a value holding such a control is
wrapped in FIRST STRONG ISOLATE (U+2068) ... POP DIRECTIONAL ISOLATE (U+2069). A PDI ends every
embedding and override opened inside its isolate, so nothing opened in the value outlives it. The
value's own controls are balanced first: an unmatched PDF (U+202C) or PDI (U+2069) is dropped (a
stray PDI would close the wrapper early and let a later override escape) and whatever is still
open at the end is closed. Values without such controls are returned unchanged, so ordinary pages
are byte-for-byte as before. LRM/RLM/ALM (U+200E, U+200F, U+061C) are single strong characters
that open nothing, and are left alone.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

EMBEDDINGS = frozenset("\u202a\u202b\u202d\u202e")  # LRE, RLE, LRO, RLO: closed by PDF
ISOLATES = frozenset("\u2066\u2067\u2068")  # LRI, RLI, FSI: closed by PDI
PDF, PDI, FSI = "\u202c", "\u2069", "\u2068"
OPENERS_AND_CLOSERS = EMBEDDINGS | ISOLATES | {PDF, PDI}


def balance(text: str) -> str:
    """``text`` with unmatched closers dropped and every opener closed, in UAX #9's pairing:
    a PDF closes the innermost open embedding unless an isolate is open inside it; a PDI closes
    the innermost open isolate and every embedding opened after it."""
    out: list[str] = []
    stack: list[str] = []  # "E" embedding/override, "I" isolate
    for ch in text:
        if ch in EMBEDDINGS:
            stack.append("E")
        elif ch in ISOLATES:
            stack.append("I")
        elif ch == PDF:
            if not stack or stack[-1] != "E":
                continue  # nothing it could close: UAX #9 ignores it, so may we
            stack.pop()
        elif ch == PDI:
            if "I" not in stack:
                continue
            while stack.pop() != "I":
                pass
        out.append(ch)
    out.extend(PDF if kind == "E" else PDI for kind in reversed(stack))
    return "".join(out)


def _already_isolated(text: str) -> bool:
    """True when ``text`` is FSI ... PDI with that first FSI closed by the last PDI (so wrapping
    again would only nest: a note re-saved from a pre-filled form does not grow)."""
    if len(text) < 2 or text[0] != FSI or text[-1] != PDI:
        return False
    depth = 0
    for i, ch in enumerate(text):
        if ch in ISOLATES:
            depth += 1
        elif ch == PDI:
            depth -= 1
            if depth == 0:
                return i == len(text) - 1
    return False


def isolate(text: str) -> str:
    """``text`` unchanged when it holds no embedding, override or isolate control; otherwise
    balanced and wrapped in FSI ... PDI (idempotent)."""
    if not any(ch in OPENERS_AND_CLOSERS for ch in text):
        return text
    balanced = balance(text)
    return balanced if _already_isolated(balanced) else FSI + balanced + PDI


def finalize(value: Any) -> Any:
    """Jinja ``finalize`` for the page templates: every ``{{ value }}`` that is plain text passes
    through :func:`isolate`. Markup (``tojson`` inside a script, rendered macros) is left as it is:
    an FSI before a JSON literal would be a syntax error, and its parts were isolated when made."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return isolate(value)
    return value
