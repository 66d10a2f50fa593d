"""One person's samples side by side (a clinician reading a year of stool tests).

:func:`compare_reports` takes stored reports (:func:`gutskin.microbiome.report.sample_report`
output) in time order and says, in words, what may and may not be read across them. Values
of samples measured differently are still listed, each with its own reference, but never called
comparable:

* different sequencing methods (16S rRNA vs shotgun) or value kinds (read counts vs relative
  abundances) measure different things: diversity values are not comparable at all;
* different ranks (sequence variants vs genera) count different units: observed features differ;
* unrarefied whole-sample richness (observed features, Chao1) grows with reads, so samples whose
  reads differ more than two-fold are compared by their reference percentiles, which are taken at
  one rarefied depth — and only when that depth and the reference are the same;
* different references (a child crossing from the infant to the adult reference) place
  percentiles in different populations.

Pure: plain data in, plain data out.
"""

from __future__ import annotations

from typing import Any, Sequence

from gutskin.microbiome.reference import _ordinal

METHOD_WORDS = {"16S": "16S rRNA sequencing", "shotgun": "shotgun metagenomics", "unknown": "method not stated"}
KIND_WORDS = {"counts": "read counts", "relative": "relative abundances"}


def _row(label: str, collected_on: str | None, report: dict[str, Any]) -> dict[str, Any]:
    prof = report.get("profile") or {}
    div = (report.get("diversity") or {}).get("values") or {}
    ref = report.get("reference_comparison") or {}
    sh = (ref.get("percentiles") or {}).get("shannon") or {}
    pct, pos = sh.get("percentile"), sh.get("position")
    if not ref.get("comparable") or pct is None:
        where = "not compared with a reference"
    else:
        where = {"below p1": "below the 1st", "above p99": "above the 99th"}.get(pos, _ordinal(round(pct)))
        where += " percentile"
    return {"label": label, "collected_on": collected_on, "percentile_words": where, "method": prof.get("method"), "kind": prof.get("kind"),
            "rank": prof.get("rank"), "reads": prof.get("reads"), "shannon": div.get("shannon"),
            "observed": div.get("observed"), "reference_id": (ref.get("reference") or {}).get("id"),
            "reference_name": (ref.get("reference") or {}).get("name"),
            "comparable_with_reference": bool(ref.get("comparable")), "depth": ref.get("depth"),
            "percentile": sh.get("percentile"), "position": sh.get("position"), "band": sh.get("band")}


def _named(rows: list[dict[str, Any]], key: str, words: dict[str, str] | None = None) -> str:
    seen: dict[Any, list[str]] = {}
    for r in rows:
        seen.setdefault(r[key], []).append(r["label"])
    return "; ".join(f"{(words or {}).get(v, v) if v is not None else 'not stated'}: {', '.join(labels)}"
                     for v, labels in seen.items())


def compare_reports(samples: Sequence[tuple[str, str | None, dict[str, Any]]]) -> dict[str, Any]:
    """``samples``: (label, collection day ISO or ``None``, stored report), oldest first.

    Returns ``{"rows": [...], "diversity_comparable": bool, "percentiles_comparable": bool,
    "caveats": [sentences]}``. With fewer than two samples there is nothing to compare: no caveats.
    """
    rows = [_row(label, day, rep if isinstance(rep, dict) else {}) for label, day, rep in samples]
    out: dict[str, Any] = {"rows": rows, "diversity_comparable": len(rows) > 1, "percentiles_comparable": False,
                           "caveats": []}
    if len(rows) < 2:
        return out
    caveats: list[str] = out["caveats"]
    methods = {r["method"] for r in rows}
    kinds = {r["kind"] for r in rows}
    if len(methods) > 1:
        caveats.append("These samples were measured by different methods (" + _named(rows, "method", METHOD_WORDS)
                       + "): their diversity values are not comparable with each other; read each against its "
                       "own reference.")
    if len(kinds) > 1 and len(methods) == 1:  # a shotgun profile is relative: one caveat says it
        caveats.append("Some files give read counts and others relative abundances (" + _named(rows, "kind", KIND_WORDS)
                       + "): their diversity values are not comparable with each other.")
    if len(methods) > 1 or len(kinds) > 1:
        out["diversity_comparable"] = False
        return out
    if len({r["rank"] for r in rows}) > 1:
        caveats.append("The files count different units (" + _named(rows, "rank") + "): observed features are not "
                       "comparable between them.")
    reads = [r["reads"] for r in rows if r["reads"]]
    if len(reads) == len(rows) and max(reads) > 2 * min(reads):
        caveats.append(f"Reads per sample range from {min(reads):,} to {max(reads):,}: observed features grow "
                       "with the number of reads, so compare richness by the reference percentiles (each taken at a "
                       "fixed depth) rather than by the whole-sample values.")
    compared = [r for r in rows if r["comparable_with_reference"]]
    refs = {r["reference_id"] for r in compared}
    depths = {r["depth"] for r in compared}
    if len(refs) > 1:
        caveats.append("The percentiles are in different reference groups (" + _named(compared, "reference_name")
                       + "), e.g. a child who reached the adult reference: a change in percentile is not a change "
                       "in diversity.")
    elif len(depths) > 1:
        caveats.append("The percentiles were taken at different depths ("
                       + _named(compared, "depth", {d: f"{d:,} reads" for d in depths if isinstance(d, int)})
                       + "): a sample with fewer reads was compared at a smaller depth, so they are only roughly "
                       "comparable.")
    out["percentiles_comparable"] = len(compared) == len(rows) and len(refs) == 1 and len(depths) == 1
    caveats.append("Samples analysed by different laboratories or pipelines (primers, denoising, database) are only "
                   "roughly comparable even when measured the same way; a change between two samples is an "
                   "observation, not proof that a treatment caused it.")
    return out
