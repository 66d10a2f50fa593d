"""A small curated knowledge base of eczema-linked gut taxa, and a matcher against a profile.

The data file ``data/eczema_taxa.csv`` has one row per taxon (or group of genera):
``taxon``, ``rank`` (genus/species/family/group), ``members`` (genera of a group),
``aliases`` (other names, e.g. GTDB's *Mediterraneibacter gnavus* for *Ruminococcus gnavus*),
``direction`` (lower / higher / inconsistent in eczema), ``age_group`` (infant / adult / any),
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
    direction: str
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
                                 aliases=split(row["aliases"]), direction=row["direction"],
                                 age_group=row["age_group"], evidence=row["evidence"], finding=row["finding"],
                                 citations=split(row["citations"])))
    return tuple(out)


def _norm(name: object) -> str:
    if not isinstance(name, str):
        return ""
    return " ".join(name.replace("_", " ").replace("[", "").replace("]", "").lower().split())


def match_taxa(profile: Profile, sample_id: str, age_group: str, *, include_other_ages: bool = False,
               ) -> list[dict[str, Any]]:
    """Look up every knowledge-base taxon relevant to ``age_group`` in one sample.

    Returns one dict per entry: the entry's fields plus ``status`` — ``"found"`` (with
    ``relative_abundance``, the fraction of the sample, and ``matched_features``),
    ``"not detected"`` (the profile resolves this rank but has none of it; absence in a stool
    test only means below its detection limit) or ``"not assessable"`` (the profile does not
    resolve this rank, e.g. species in a genus-level table) — and ``applies_to_age_group``.
    Entries for the other age group are left out unless ``include_other_ages``.
    """
    if age_group not in AGE_GROUPS:
        raise MicrobiomeInputError(f"age group must be one of {AGE_GROUPS}, not {age_group!r}")
    if sample_id not in profile.table.index:
        raise MicrobiomeInputError(f"sample {sample_id!r} is not in {profile.source}", sample=sample_id)
    row = profile.table.loc[sample_id]
    total = float(row.sum())
    tax = profile.taxonomy
    results = []
    for e in load_knowledge_base():
        applies = e.age_group in (age_group, "any")
        if not applies and not include_other_ages:
            continue
        d = asdict(e)
        d["members"], d["aliases"], d["citations"] = list(e.members), list(e.aliases), list(e.citations)
        d["applies_to_age_group"] = applies
        col = "genus" if e.rank == "group" else e.rank
        names = {_norm(n) for n in ((e.members if e.rank == "group" else (e.taxon,)) + e.aliases)}
        if tax is None or col not in tax or tax[col].isna().all():
            d.update(status="not assessable", relative_abundance=None, matched_features=[],
                     reason=f"the profile has no {col}-level names")
            results.append(d)
            continue
        labels = tax[col].map(_norm)
        hit = labels.isin(names)
        if e.rank == "group":
            # also count genera whose names start with a member (e.g. 'Eubacterium rectale group')
            hit |= labels.map(lambda s: any(s.startswith(n + " ") for n in names))
        feats = list(labels.index[hit])
        present = [f for f in feats if row[f] > 0]
        if present:
            d.update(status="found", relative_abundance=float(row[present].sum()) / total,
                     matched_features=present, reason=None)
        else:
            d.update(status="not detected", relative_abundance=0.0, matched_features=[],
                     reason="not detected (below the test's detection limit or absent)")
        results.append(d)
    return results
