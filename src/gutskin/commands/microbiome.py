"""`gutskin microbiome ...`: diversity, report and cohort analyses on profile files.

Thin shell over :mod:`gutskin.microbiome`; heavy imports happen inside the commands.
JSON goes to stdout; errors are one line on stderr with exit code 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

microbiome_app = typer.Typer(name="microbiome", help="Gut microbiome profiles: diversity, reports, cohorts.",
                             no_args_is_help=True)


def _fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(2)


def _read_failed(exc: OSError, table: Path) -> None:
    _fail(f"{exc.filename or table}: cannot read the file: {exc.strerror or exc}")


_METHODS = ("16S", "shotgun", "unknown")


def _method(method: str) -> str:
    """``--method`` checked (case-insensitively) against 16S | shotgun | unknown."""
    for m in _METHODS:
        if method.lower() == m.lower():
            return m
    _fail(f"--method must be one of {' | '.join(_METHODS)}, not {method!r}")
    raise AssertionError  # unreachable


def _non_negative(option: str, value: Optional[int]) -> None:
    if value is not None and value < 0:
        _fail(f"{option} must be >= 0, not {value}")


_KINDS = ("auto", "counts", "relative")


def _kind(kind: str) -> str:
    """``--kind`` checked (case-insensitively) against auto | counts | relative."""
    if kind.lower() in _KINDS:
        return kind.lower()
    _fail(f"--kind must be one of {' | '.join(_KINDS)}, not {kind!r}")
    raise AssertionError  # unreachable


def _load(table: Path, fmt: Optional[str], orientation: Optional[str], rank: str, method: str, kind: str = "auto",
          taxonomy: Optional[Path] = None):
    from gutskin.microbiome import read_profile

    if str(table) == "-":  # the diary commands read '-' as standard input; this one said "-: no such file"
        _fail("-: the microbiome commands read a file, not standard input (a BIOM table is binary, "
              "a QIIME 2 artifact a zip); give the table's path")
    return read_profile(table, format=fmt, orientation=orientation, rank=rank, method=_method(method),
                        kind=_kind(kind), taxonomy=taxonomy)


_TABLE_HELP = ("BIOM, TSV/CSV, MetaPhlAn, Kraken/Bracken, mothur or QIIME 2 .qza file; gzip/bzip2/xz-compressed or "
               "the one file in a .zip is read too (unpacked up to 512 MB)")
_FMT = typer.Option(None, "--format", help="biom | metaphlan | table (default: sniffed from content)")
_ORIENT = typer.Option(None, "--orientation", help="features-as-rows | samples-as-rows (TSV/CSV only)")
_RANK = typer.Option("feature", "--rank", help="what the table's features are: feature (OTU/ASV) or a rank")
_METHOD = typer.Option("unknown", "--method", help="16S | shotgun | unknown")
_KIND = typer.Option("auto", "--kind", help="what the values are: auto (all whole numbers = counts, else relative) | "
                     "counts (non-whole values refused) | relative (percent or fractions; each sample divided by "
                     "its total; count-only metrics not reported)")
_TAXONOMY = typer.Option(None, "--taxonomy", help="taxonomy TSV naming the feature IDs (QIIME 2 taxonomy.tsv: "
                         "Feature ID, Taxon, Confidence)")


@microbiome_app.command("diversity")
def diversity_cmd(
    table: Path = typer.Argument(..., help=_TABLE_HELP),
    tree: Optional[Path] = typer.Option(None, "--tree", help="Newick tree (adds faith_pd)"),
    rarefy: Optional[int] = typer.Option(None, "--rarefy", help="rarefy to N reads per sample first"),
    seed: Optional[int] = typer.Option(None, "--seed", help="random seed for rarefaction"),
    aggregate: Optional[str] = typer.Option(None, "--aggregate", help="aggregate to a rank first, e.g. genus"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
    fmt: Optional[str] = _FMT, orientation: Optional[str] = _ORIENT, rank: str = _RANK, method: str = _METHOD,
    kind: str = _KIND, taxonomy: Optional[Path] = _TAXONOMY,
) -> None:
    """Alpha diversity per sample (Shannon in natural log)."""
    from gutskin.microbiome import MicrobiomeInputError, alpha_diversity, read_tree
    from gutskin.microbiome.diversity import COUNT_ONLY_REASON

    _non_negative("--seed", seed)
    try:
        prof = _load(table, fmt, orientation, rank, method, kind, taxonomy)
        t = read_tree(str(tree)) if tree else None
        metrics = ["observed", "shannon", "simpson"] + (["chao1"] if prof.kind == "counts" else [])
        res = alpha_diversity(prof, metrics, tree=t, rank=aggregate, rarefy_depth=rarefy, seed=seed)
    except MicrobiomeInputError as exc:
        _fail(str(exc))
    except OSError as exc:  # a read error mid-file (EIO): was a traceback
        _read_failed(exc, table)
    d = res.to_dict()
    d["dropped_samples"] = [*prof.empty_samples, *d["dropped_samples"]]  # no reads at all, then too shallow
    if prof.kind != "counts":
        for v in d["samples"].values():
            v["chao1"] = None
        d["notes"].append("chao1 is null: Chao1 needs read counts and this profile holds relative abundances")
        d["not_assessable"] = {"chao1": COUNT_ONLY_REASON["chao1"]}
    if as_json:
        print(json.dumps(d))
        return
    cols = list(next(iter(d["samples"].values())).keys())
    print("sample\t" + "\t".join(cols))
    for sid, vals in d["samples"].items():
        print(sid + "\t" + "\t".join("" if vals[c] is None else f"{vals[c]:.6g}" for c in cols))
    print(f"# shannon log base: e; rank: {d['rank']}; depth: {d['depth']}; {d['method']}", file=sys.stderr)
    for metric, reason in d.get("not_assessable", {}).items():
        print(f"# {metric}: {reason}", file=sys.stderr)
    for note in d["notes"]:
        if note.startswith("not rarefied:"):  # the table alone reads as comparable (2026-12-06)
            print(f"# {note}", file=sys.stderr)


MIN_AGE_YEARS, MAX_AGE_YEARS = 0, 120
"""``report --age-years``: whole years, as the upload counts them (by birth year on the collection day)."""


@microbiome_app.command("report")
def report_cmd(
    table: Path = typer.Argument(..., help=_TABLE_HELP),
    sample: Optional[str] = typer.Option(None, "--sample", help="sample ID in the table (not needed when the "
                                         "file holds one sample, e.g. a MetaPhlAn profile or Kraken report)"),
    age_group: Optional[str] = typer.Option(None, "--age-group", help="adult | infant (default: from --age-years)"),
    age_years: Optional[int] = typer.Option(None, "--age-years", help=f"the person's age in whole years on the "
                                            f"collection day, {MIN_AGE_YEARS}-{MAX_AGE_YEARS}: picks the reference "
                                            "(infant under 3) and, for a child in the adult one, says so"),
    tree: Optional[Path] = typer.Option(None, "--tree", help="Newick tree (adds faith_pd)"),
    seed: int = typer.Option(20260101, "--seed", help="seed for rarefying to the reference depth"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
    fmt: Optional[str] = _FMT, orientation: Optional[str] = _ORIENT, rank: str = _RANK, method: str = _METHOD,
    kind: str = _KIND, taxonomy: Optional[Path] = _TAXONOMY,
) -> None:
    """One sample against the age-matched reference, with eczema-linked taxa."""
    from gutskin.microbiome import MicrobiomeInputError, read_tree, sample_report
    from gutskin.microbiome.report import age_group_for, for_a_child

    if age_years is not None and not MIN_AGE_YEARS <= age_years <= MAX_AGE_YEARS:
        _fail(f"--age-years must be a whole number of years from {MIN_AGE_YEARS} to {MAX_AGE_YEARS}, not {age_years}")
    if age_group is None and age_years is None:
        _fail("give --age-group adult|infant or --age-years N (the age on the collection day)")
    age_group = age_group if age_group is not None else age_group_for(int(age_years))  # type: ignore[arg-type]
    if age_group not in ("adult", "infant"):
        _fail(f"--age-group must be adult or infant, not {age_group!r}")
    _non_negative("--seed", seed)
    try:
        prof = _load(table, fmt, orientation, rank, method, kind, taxonomy)
        t = read_tree(str(tree)) if tree else None
        if sample is None and len(prof.sample_ids) != 1:
            from gutskin.microbiome.profile import describe_ids

            _fail(f"{table}: holds {len(prof.sample_ids)} samples ({describe_ids(prof.sample_ids)}); "
                  "give --sample ID")
        rep = for_a_child(sample_report(prof, sample, age_group, tree=t, seed=seed), age_years)
    except MicrobiomeInputError as exc:
        _fail(str(exc))
    except OSError as exc:  # a read error mid-file (EIO): was a traceback
        _read_failed(exc, table)
    if as_json:
        print(json.dumps(rep))
        return
    print(f"Sample {rep['sample']} ({rep['age_group']}), {rep['profile']['kind']} at {rep['profile']['rank']} level")
    vals = rep["diversity"]["values"]
    print("Diversity (Shannon in natural log): " + ", ".join(
        f"{k} {v:.4g}" for k, v in vals.items() if v is not None))
    for k, reason in rep["diversity"].get("not_assessable", {}).items():
        print(f"{k}: {reason}")
    for line in rep["plain_language"]:
        print("- " + line)
    for line in rep.get("caveats", []):  # the reference's limits (an infant's, a child among adults): were JSON only
        print("Note: " + line)
    print("Reference: " + rep["reference_comparison"]["reference"]["citation"])


@microbiome_app.command("cohort")
def cohort_cmd(
    table: Path = typer.Argument(..., help=_TABLE_HELP),
    metadata: Optional[Path] = typer.Option(None, "--metadata", help="sample metadata TSV (first column = sample ID; "
                                            "QIIME 2 #q2:types lines skipped); default: the BIOM table's own "
                                            "sample metadata"),
    outcome: str = typer.Option(..., "--outcome", help="metadata column, e.g. SCORAD or POEM"),
    covariate: list[str] = typer.Option([], "--covariate", help="covariate column (repeatable)"),
    group: Optional[str] = typer.Option(None, "--group", help="grouping column for PERMANOVA/ANCOM-BC"),
    metric: str = typer.Option("shannon", "--metric", help="alpha metric to relate to the outcome"),
    rarefy: Optional[int] = typer.Option(None, "--rarefy", help="rarefy to N reads first"),
    seed: int = typer.Option(0, "--seed", help="seed for rarefaction and permutations"),
    permutations: int = typer.Option(999, "--permutations"),
    no_ancombc: bool = typer.Option(False, "--no-ancombc", help="skip differential abundance"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
    fmt: Optional[str] = _FMT, orientation: Optional[str] = _ORIENT, rank: str = _RANK, method: str = _METHOD,
    kind: str = _KIND, taxonomy: Optional[Path] = _TAXONOMY,
) -> None:
    """Diversity vs outcome (Spearman + OLS), ANCOM-BC, Bray–Curtis PCoA + PERMANOVA."""
    from gutskin.microbiome import MicrobiomeInputError
    from gutskin.microbiome.cohort import biom_sample_metadata, cohort_analysis, read_metadata

    _non_negative("--seed", seed)
    _non_negative("--permutations", permutations)
    try:
        prof = _load(table, fmt, orientation, rank, method, kind, taxonomy)
        if metadata is not None:
            md = read_metadata(metadata)
        else:
            md = biom_sample_metadata(table)
            if md is None:
                _fail(f"{table}: carries no sample metadata; give --metadata META.tsv")
        res = cohort_analysis(prof, md, outcome, metric=metric, covariates=covariate, group=group,
                              rarefy_depth=rarefy, seed=seed, permutations=permutations,
                              differential=not no_ancombc)
    except MicrobiomeInputError as exc:
        _fail(str(exc))
    except OSError as exc:  # a read error mid-file (EIO): was a traceback
        _read_failed(exc, table)
    if as_json:
        print(json.dumps(res, default=_jsonable))
        return
    dv = res.get("diversity_vs_outcome")
    if dv:
        print(f"{dv['metric']} vs {dv['outcome']} (n={dv['n']}): Spearman rho {dv['spearman']['rho']:.3f} "
              f"(p={dv['spearman']['p']:.3g}); OLS {dv['ols']['formula']}")
        for name, c in dv["ols"]["coefficients"].items():
            print(f"  {name}: {c['coef']:.4g} (SE {c['se']:.3g}, p={c['p']:.3g})")
        for note in dv.get("notes", ()):
            print(f"  note: {note}")
    perm = res["ordination"]["permanova"]
    if perm["pseudo_f"] is None:  # samples of one composition (cohort.ordination)
        print(f"PERMANOVA (Bray–Curtis) by {res['ordination']['group']}: not computed, {perm['note']}")
    else:
        print(f"PERMANOVA (Bray–Curtis) by {res['ordination']['group']}: pseudo-F {perm['pseudo_f']:.3f}, "
              f"p={perm['p']:.3g} ({perm['permutations']} permutations)")
    da = res.get("differential_abundance")
    if da:
        sig = [r for r in da["results"] if r.get("Signif") and r.get("Covariate") != "Intercept"]
        print(f"ANCOM-BC: {len(sig)} significant feature/covariate pairs of {da['n_features']} features")


def _jsonable(o):
    if hasattr(o, "item"):
        return o.item()
    return str(o)


def register(app: typer.Typer) -> None:
    """Add the `microbiome` sub-app to the root app."""
    app.add_typer(microbiome_app, name="microbiome")
