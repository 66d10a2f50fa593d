"""Plain genus names as feature IDs: ``Bacteroides``, ``g__Bacteroides``, ``Bacteroides spp.``.

Many tools and lab reports write a genus table with the genus name alone instead of a lineage
(MetaPhlAn's ``g__`` names cut from their clade path, a Kraken/Bracken genus report, a lab's PDF
copied into a spreadsheet). Such a name is understood at genus rank only when it is, exactly
(ignoring case, ``_`` for a space, a leading ``g__`` and a trailing ``spp.``), a genus known
to gutskin:

* the genera of the adult reference (``data/reference_genera.json``: the genus columns of the
  Flemish Gut Flora Project table the reference ranges are built from, RDP names), and
* the genera of the eczema-linked taxa list (``data/eczema_taxa.csv``: genus entries and their
  aliases, the members of groups, and the genus word of species entries).

Nothing is guessed: no prefix, substring or spelling match (``Bacteroides`` never names
``Parabacteroides``, ``Bacteroides fragilis`` is a species, not a genus), and a key that would
name two different genera is left out. A name carrying a ``g__`` prefix is the tool's own
statement of its rank and is read as that genus even when not known (as it is inside a lineage).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

#: A trailing "several species of this genus" marker: 'Bacteroides spp.', 'Bacteroides spp'.
_SPP = re.compile(r"\s+spp\.?$", re.IGNORECASE)
_G_PREFIX = re.compile(r"^g__", re.IGNORECASE)


def genus_key(label: object) -> str:
    """The comparison key of a label: stripped of quotes, a leading ``g__`` and a trailing
    ``spp.``; ``_`` read as a space, blanks collapsed, case folded. ``''`` for a non-string."""
    if not isinstance(label, str):
        return ""
    text = label.strip().strip("'\"").strip()
    text = _G_PREFIX.sub("", text)
    text = " ".join(text.replace("_", " ").split())
    text = _SPP.sub("", text)
    return text.casefold()


@lru_cache(maxsize=1)
def reference_genera() -> dict:
    """``data/reference_genera.json`` as a dict (source, selection and the genus names)."""
    text = resources.files("gutskin.microbiome").joinpath("data/reference_genera.json").read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def known_genera() -> dict[str, str]:
    """``{key: genus name}`` for every genus gutskin knows (see the module docstring); keys
    from :func:`genus_key`. A key that two different names share is left out (ambiguous)."""
    from gutskin.microbiome.taxa import load_knowledge_base

    names: list[str] = [n.replace("_", " ") for n in reference_genera()["genera"]]
    for e in load_knowledge_base():
        if e.rank == "genus":
            names += [e.taxon, *e.aliases]
        elif e.rank == "group":
            names += list(e.members)
        elif e.rank == "species":
            names += [n.split()[0] for n in (e.taxon, *e.aliases) if n.split() and n.split()[0].isalpha()]
    out: dict[str, str] = {}
    ambiguous: set[str] = set()
    for name in names:
        key = genus_key(name)
        if not key:
            continue
        if key in out and out[key].replace(" ", "") != name.replace(" ", ""):
            ambiguous.add(key)
        out.setdefault(key, name)
    for key in ambiguous:
        del out[key]
    return out


def recognise_genus(label: object) -> str | None:
    """The genus ``label`` names (its usual spelling), or ``None`` when it is not a known genus.

    ``g__`` names are read as the genus they declare (unless a placeholder: ``g__``,
    ``g__uncultured``)."""
    key = genus_key(label)
    if not key:
        return None
    known = known_genera().get(key)
    if known is not None:
        return known
    if isinstance(label, str) and _G_PREFIX.match(label.strip()):
        from gutskin.microbiome.io import _clean_name

        return _clean_name(_SPP.sub("", _G_PREFIX.sub("", label.strip())))
    return None


def is_single_name(label: object) -> bool:
    """A label that is one name, not a lineage: no ``;``/``|`` and no rank prefix but ``g__``."""
    text = str(label)
    if ";" in text or "|" in text:
        return False
    return "__" not in text or bool(_G_PREFIX.match(text.strip())) and "__" not in text.strip()[3:]


def looks_like_genera(labels) -> bool:  # type: ignore[no-untyped-def]
    """At least half of the (first 200) labels that are names are single names recognised as
    genera; placeholders (``Unassigned``, ``g__``, ``unclassified_Lachnospiraceae``) are not
    counted either way."""
    from gutskin.microbiome.io import _is_placeholder

    sample = [str(x) for x in list(labels)[:200]]
    names = [x for x in sample if genus_key(x) and not _is_placeholder(_G_PREFIX.sub("", x.strip()))]
    hits = sum(1 for x in names if is_single_name(x) and recognise_genus(x) is not None)
    return bool(names) and hits >= 1 and hits * 2 >= len(names)
