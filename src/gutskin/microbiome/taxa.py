"""A small curated knowledge base of eczema-linked gut taxa, and a matcher against a profile.

The data file ``data/eczema_taxa.csv`` has one row per taxon (or group of genera):
``taxon``, ``rank`` (genus/species/family/group), ``members`` (genera of a group),
``aliases`` (other names, e.g. GTDB's *Mediterraneibacter gnavus* for *Ruminococcus gnavus*),
``parents`` (the names, in Greengenes, SILVA and GTDB, of the family the genus or genera belong
to; for a family entry, of its order: reads named only that far may be the taxon),
``direction`` (lower / higher / inconsistent in eczema), ``measure`` (what the direction is
of: ``abundance``, the taxon's share, or ``diversity``, how many different kinds of it there
are — Abrahamsson 2012 found lower *diversity within* Bacteroides, not less Bacteroides),
``age_group`` (infant / adult / any),
``evidence`` (consistent: several independent cohorts; limited: one or two studies;
inconsistent: conflicting reports), ``finding`` and ``citations`` (``|``-separated).

These are associations from observational studies, not causes, and not a diagnosis.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import pandas as pd

from gutskin.microbiome.errors import MicrobiomeInputError
from gutskin.microbiome.profile import Profile

AGE_GROUPS = ("infant", "adult")


@dataclass(frozen=True)
class TaxonEvidence:
    id: str
    taxon: str
    rank: str
    members: tuple[str, ...]
    aliases: tuple[str, ...]
    parents: tuple[str, ...]
    direction: str
    measure: str
    age_group: str
    evidence: str
    finding: str
    citations: tuple[str, ...]


@lru_cache(maxsize=1)
def load_knowledge_base() -> tuple[TaxonEvidence, ...]:
    """All entries of ``data/eczema_taxa.csv``."""
    text = resources.files("gutskin.microbiome").joinpath("data/eczema_taxa.csv").read_text(encoding="utf-8")
    out = []
    for row in csv.DictReader(text.splitlines()):
        split = lambda s: tuple(x.strip() for x in s.split("|") if x.strip())  # noqa: E731
        out.append(TaxonEvidence(id=row["id"], taxon=row["taxon"], rank=row["rank"], members=split(row["members"]),
                                 aliases=split(row["aliases"]), parents=split(row["parents"]),
                                 direction=row["direction"], measure=row.get("measure") or "abundance",
                                 age_group=row["age_group"], evidence=row["evidence"], finding=row["finding"],
                                 citations=split(row["citations"])))
    return tuple(out)


def _norm(name: object) -> str:
    """Lower case, ``_`` as space, no brackets, and without GTDB's one-letter split suffixes
    after the first word (``Faecalibacterium prausnitzii_D``, ``Ruminococcus_B gnavus`` and
    ``Enterobacteriaceae_A`` read as the name they split)."""
    if not isinstance(name, str):
        return ""
    words = name.replace("_", " ").replace("[", "").replace("]", "").lower().split()
    return " ".join(w for i, w in enumerate(words) if i == 0 or len(w) > 1 or not w.isalpha())


_PARENT_RANK = {"genus": "family", "species": "family", "family": "order"}


def _in_names(label: str, names: set[str]) -> bool:
    """``label`` is one of ``names`` or a numbered/suffixed form of one (SILVA's
    'Clostridiaceae 1', GTDB's 'Enterobacteriaceae_A')."""
    return label in names or any(label.startswith(n + " ") for n in names)


def _unnamed_below(tax: pd.DataFrame, col: str, parents: set[str], labels: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Features not named at ``col`` whose name one rank up is one of ``parents``.

    Returns a boolean mask and, per feature, the name shown to the reader (as written in
    the table). A label ``unclassified <name>`` at ``col`` (the RDP style of FGFP and of
    :meth:`Profile.aggregate`) counts as not named at ``col``, with ``<name>`` as its parent.
    """
    up = _PARENT_RANK[col]
    shown = tax[up].where(tax[up].map(lambda v: isinstance(v, str) and v != ""), None) if up in tax else \
        pd.Series(None, index=tax.index, dtype=object)
    up_norm = shown.map(_norm)
    mask = (labels == "") & up_norm.map(lambda n: bool(n) and _in_names(n, parents))
    rdp = labels.str.startswith("unclassified ")
    if rdp.any():
        rest = labels.str.slice(len("unclassified "))
        hit = rdp & rest.map(lambda n: _in_names(n, parents))
        raw = tax[col].where(hit, None).map(lambda v: v.replace("_", " ")[len("unclassified "):]
                                            if isinstance(v, str) else v)
        shown = shown.where(~hit, raw)
        mask = mask | hit
    return mask, shown


def match_taxa(profile: Profile, sample_id: str, age_group: str, *, include_other_ages: bool = False,
               ) -> list[dict[str, Any]]:
    """Look up every knowledge-base taxon relevant to ``age_group`` in one sample.

    Returns one dict per entry: the entry's fields plus ``status`` — ``"found"`` (with
    ``relative_abundance``, the fraction of the sample, and ``matched_features``),
    ``"not detected"`` (the profile resolves this rank but has none of it; absence in a stool
    test only means below its detection limit) or ``"not assessable"`` (the profile does not
    resolve this rank, e.g. species in a genus-level table; or the sample holds reads that the
    test named only one level up — reads of the species' genus not named to species, reads of
    the genus's family not named to genus, reads of the family's order not named to family —
    among which the taxon may hide) — and ``applies_to_age_group``. ``reason`` explains the
    status in words a patient can read (for "found", it is ``None`` unless such unnamed reads
    also exist, in which case the share given is a lower bound). Entries for the other age
    group are left out unless ``include_other_ages``.

    The family of a genus comes from the ``parents`` column of the knowledge base (its names
    in Greengenes, SILVA and GTDB). A species is also held back by reads of its genus's
    family not named to genus. Reads named only above the parent rank (e.g. an order) are not
    treated this way, or nothing could ever be called absent in a 16S table.

    A species entry also matches genus-level labels equal to one of its names (SILVA's
    ``[Ruminococcus] gnavus group`` is a genus label).
    """
    if age_group not in AGE_GROUPS:
        raise MicrobiomeInputError(f"age group must be one of {AGE_GROUPS}, not {age_group!r}")
    profile.check_sample(sample_id)
    row = profile.table.loc[sample_id]
    total = float(row.sum())
    tax = profile.taxonomy
    results = []
    for e in load_knowledge_base():
        applies = e.age_group in (age_group, "any")
        if not applies and not include_other_ages:
            continue
        d = asdict(e)
        for k in ("members", "aliases", "parents", "citations"):
            d[k] = list(getattr(e, k))
        d["applies_to_age_group"] = applies
        col = "genus" if e.rank == "group" else e.rank
        names = {_norm(n) for n in ((e.members if e.rank == "group" else (e.taxon,)) + e.aliases)}
        genus_named = (e.rank == "species" and tax is not None and "genus" in tax
                       and bool(tax["genus"].map(_norm).isin(names).any()))  # e.g. SILVA genus tables
        if (tax is None or col not in tax or tax[col].isna().all()) and not genus_named:
            d.update(status="not assessable", relative_abundance=None, matched_features=[],
                     reason=("this profile does not name the bacteria" if tax is None
                             else f"this profile does not name bacteria at {col} level"))
            results.append(d)
            continue
        labels = tax[col].map(_norm)
        hit = labels.isin(names)
        if e.rank == "group":
            # also count genera whose names start with a member (e.g. 'Eubacterium rectale group')
            hit |= labels.map(lambda s: any(s.startswith(n + " ") for n in names))
        parents = {_norm(n) for n in e.parents}
        # reads named one level up only (a family for a genus, an order for a family): the taxon may be among them
        open_, shown = _unnamed_below(tax, "genus" if e.rank in ("group", "species") else col, parents,
                                      tax["genus"].map(_norm) if e.rank == "species" else labels)
        if e.rank == "species":
            genus_labels = tax["genus"].map(_norm)
            hit |= genus_labels.isin(names)  # genus labels naming the species, e.g. 'Ruminococcus gnavus group'
            genera = {n.split(" ")[0] for n in names}
            # reads of the species' genus not named to species may be this species
            named_genus = genus_labels.isin(genera) & (labels == "")
            shown = shown.where(~named_genus, tax["genus"])
            open_ = open_ | named_genus
        open_ &= ~hit
        unresolved = [f for f in labels.index[open_] if row[f] > 0]
        feats = list(labels.index[hit])
        present = [f for f in feats if row[f] > 0]
        share = float(row[unresolved].sum()) / total if unresolved else 0.0
        seen: dict[str, None] = {}
        for f in unresolved:
            n = str(shown[f]).replace("_", " ")
            seen.setdefault(n[0].upper() + n[1:], None)
        where = " or ".join(seen)
        level = "species" if e.rank == "species" else col
        if e.rank == "species" and any(not isinstance(tax.at[f, "genus"], str) or not tax.at[f, "genus"]
                                       for f in unresolved):
            level = "genus or species"
        is_are = "are" if e.rank == "group" else "is"
        if present:
            reason = None
            if unresolved:
                reason = (f"{100 * share:.2g}% of this sample is {where} not named to {level} level; "
                          f"some of it may also be {e.taxon}, so the share given is a minimum")
            d.update(status="found", relative_abundance=float(row[present].sum()) / total,
                     matched_features=present, reason=reason)
        elif unresolved:
            d.update(status="not assessable", relative_abundance=None, matched_features=[],
                     reason=(f"{100 * share:.2g}% of this sample is {where} bacteria that the test did not "
                             f"name to {level} level, so it cannot tell whether {e.taxon} {is_are} among them"))
        else:
            d.update(status="not detected", relative_abundance=0.0, matched_features=[],
                     reason="not detected (below the test's detection limit or absent)")
        results.append(d)
    return results
