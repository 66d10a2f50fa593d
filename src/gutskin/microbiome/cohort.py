"""Cohort analyses: diversity vs an outcome, differential abundance, PCoA + PERMANOVA.

* :func:`diversity_vs_outcome` — Spearman rank correlation (scipy) of an alpha metric with an
  outcome (e.g. SCORAD, POEM), and an ordinary least-squares regression
  ``outcome ~ 1 + metric + covariates`` (numpy ``lstsq``; standard errors from
  σ²(XᵀX)⁻¹ with σ² = RSS/(n−p); two-sided t-test p-values). Categorical covariates are
  dummy-coded with the first level as reference. Samples with a missing outcome/covariate are
  dropped and counted.
* :func:`differential_abundance` — ANCOM-BC (Lin & Peddada 2020) via
  :func:`skbio.stats.composition.ancombc` on counts + 1 (ANCOM-BC needs positive values),
  after dropping features present in fewer than ``min_prevalence`` of samples.
* :func:`ordination` — Bray–Curtis, PCoA (:func:`skbio.stats.ordination.pcoa`) and PERMANOVA
  (:func:`skbio.stats.distance.permanova`, ``permutations`` with ``seed``) on a grouping.
  Bray–Curtis is computed on rarefied counts when ``rarefy_depth`` is given, else on
  proportions (each sample divided by its own total): on raw counts of unequal depth it
  measures library size (the same community at 1,000 and 10,000 reads is 0.82 apart), and
  PERMANOVA would then test sequencing depth, not composition.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from typing import Any, Sequence

import numpy as np
import pandas as pd

from gutskin.microbiome.diversity import alpha_diversity, beta_diversity
from gutskin.microbiome.errors import MicrobiomeInputError
from gutskin.microbiome.profile import Profile, describe_ids


def read_metadata(path) -> pd.DataFrame:
    """Read a sample metadata table (first column = sample ID).

    Tab-separated (QIIME style) by default; a header with no tab is comma-separated, or
    ``;``-separated (with decimal commas) when it has ``;`` and no comma, as spreadsheets save
    CSV in decimal-comma locales (there ``1.200`` is 1200 when the file writes decimal commas:
    :func:`gutskin.microbiome.io.spreadsheet_decimals`). Comment lines, QIIME 2 ``#q2:types``
    directives (:func:`_metadata_lines`) and rows of empty cells are skipped.
    """
    import io as _io

    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            text = fh.read()
    except UnicodeDecodeError as exc:
        raise MicrobiomeInputError("metadata is not UTF-8 text", source=str(path)) from exc
    except OSError as exc:
        raise MicrobiomeInputError(f"cannot read metadata ({exc.strerror or exc})", source=str(path)) from exc
    lines, q2types = _metadata_lines(text)
    head = lines[0] if lines else ""
    sep = "\t" if "\t" in head else (";" if ";" in head and "," not in head else ",")
    try:
        md = pd.read_csv(_io.StringIO("\n".join(lines)), sep=sep, dtype=str, comment=None)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise MicrobiomeInputError(f"cannot read metadata ({exc})", source=str(path)) from exc
    md = md[~md.map(lambda v: not isinstance(v, str) or not v.strip()).all(axis=1)]  # ';;;' rows a spreadsheet saved
    if sep == ";" and md.shape[1] > 1:
        # decimal commas, and '.' as thousands (1.200) only where the file's decimal commas show it
        from gutskin.microbiome.io import ambiguous_thousands, spreadsheet_decimals

        values = md.iloc[:, 1:]
        flat = pd.Series(values.to_numpy(dtype=object).ravel(), dtype=object)
        present = flat.map(lambda v: isinstance(v, str))
        text, _note, k = spreadsheet_decimals(flat.where(present, "").str.strip())
        if k is not None:
            row, col = divmod(k, values.shape[1])
            sample = str(md.iloc[row, 0])
            raise MicrobiomeInputError(f"metadata column {values.columns[col]!r}, sample {sample!r}: "
                                       f"{text.iloc[k]!r} {ambiguous_thousands(text.iloc[k])}",
                                       sample=sample, source=str(path))
        md.iloc[:, 1:] = text.where(present, flat).to_numpy().reshape(values.shape)
    if md.shape[1] < 2:
        raise MicrobiomeInputError("metadata needs a sample ID column and at least one variable", source=str(path))
    md = md.set_index(md.columns[0])
    md.index = md.index.map(str)
    dup = md.index[md.index.duplicated()]
    if len(dup):
        raise MicrobiomeInputError(f"duplicate sample ID {dup[0]!r} in metadata", sample=dup[0], source=str(path))
    categorical: set[str] = set()
    if q2types is not None:  # QIIME 2: a column typed categorical stays text even when it looks numeric
        import csv

        cells = next(csv.reader([q2types], delimiter=sep))
        categorical = {name for name, t in zip([md.index.name, *md.columns], cells) if t.strip().lower() == "categorical"}
    return md.apply(lambda col: col if col.name in categorical else _maybe_numeric(col))


def biom_sample_metadata(path) -> pd.DataFrame | None:
    """The sample metadata a BIOM file carries (Qiita downloads, ``biom add-metadata``), typed as
    :func:`read_metadata` types a TSV (numeric columns become numbers); ``None`` when the file is
    not BIOM or carries no sample metadata."""
    import biom
    import h5py

    from gutskin.microbiome.io import UNPACKED_MAX, check_hdf5_self_contained, file_compression, sniff_format, unpack

    src = str(path)
    try:
        packed = file_compression(src)
    except OSError:
        return None
    if packed is not None:  # table.biom.gz: the metadata of the table read_profile unpacked (2026-12-07)
        import tempfile

        with tempfile.TemporaryDirectory(prefix="gutskin-unpack-") as tmp:
            try:
                inner = unpack(src, tmp, max_bytes=UNPACKED_MAX).path
            except MicrobiomeInputError:  # read_profile has already said what is wrong with it
                return None
            return biom_sample_metadata(inner)
    try:
        if sniff_format(src) not in ("biom-hdf5", "biom-json"):
            return None
    except OSError:
        return None
    if h5py.is_hdf5(src):
        check_hdf5_self_contained(src)
    try:
        table = biom.load_table(src)
    except (KeyError, ValueError, TypeError, OSError):  # read_profile has already said what is wrong with it
        return None
    entries = table.metadata(axis="sample")
    if entries is None:
        return None
    # built here, not with Table.metadata_to_dataframe, which fails when samples differ in their keys
    rows = {str(sid): {str(k): v for k, v in (m or {}).items()} for sid, m in zip(table.ids(axis="sample"), entries)}
    md = pd.DataFrame.from_dict(rows, orient="index")
    if md.shape[1] == 0:
        return None
    md = md.map(lambda v: np.nan if v is None or (isinstance(v, float) and np.isnan(v)) or v == "" else
                (";".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v)))
    return md.apply(_maybe_numeric)


_ID_HEADERS = re.compile(r"^#\s*(sample\s*-?\s*id|otu\s*-?\s*id|feature\s*-?\s*id)\b", re.IGNORECASE)


def _metadata_lines(text: str) -> tuple[list[str], str | None]:
    """The header and data lines of a metadata file, QIIME 2's way (QIIME 2 docs, 'Metadata in
    QIIME 2'), and its ``#q2:types`` line if any: blank lines and lines starting with ``#`` are
    comments, except a header such as ``#SampleID``/``#Sample ID``/``#OTU ID``; after the header,
    ``#q2:types`` / ``#q2:…`` directives are skipped too (``#q2:types`` was read as a sample whose
    'numeric' made every numeric column text)."""
    out: list[str] = []
    types = None
    for ln in text.splitlines():
        if not ln.strip():
            continue
        if ln.startswith("#") and (out or not _ID_HEADERS.match(ln)):
            if out and ln.lower().startswith("#q2:types"):
                types = ln
            continue
        out.append(ln)
    return out, types


def _maybe_numeric(col: pd.Series) -> pd.Series:
    conv = pd.to_numeric(col.replace({"": np.nan, "NA": np.nan, "nan": np.nan}), errors="coerce")
    nonmissing = col.notna() & ~col.isin(["", "NA", "nan"])
    return conv if conv[nonmissing].notna().all() else col


_MISSING = ("", "NA", "nan")


def _first_non_number(col: pd.Series) -> tuple[str, str] | None:
    """``(sample, value)`` of the first non-missing value that is not a number, or ``None``."""
    if pd.api.types.is_numeric_dtype(col):
        return None
    conv = pd.to_numeric(col.where(~col.isin(_MISSING)), errors="coerce")
    bad = conv.isna() & col.notna() & ~col.isin(_MISSING)
    if not bad.any():
        return None
    s = str(bad.idxmax())
    return s, str(col[s])


def _check_mostly_numeric(metadata: pd.DataFrame, column: str, what: str) -> None:
    """Refuse a column that mixes numbers with text (a typo such as 'ten' in SCORAD).

    A column with no number at all is categorical and left alone.
    """
    col = metadata[column]
    bad = _first_non_number(col)
    if bad is None:
        return
    nonmissing = col[col.notna() & ~col.isin(_MISSING)]
    if pd.to_numeric(nonmissing, errors="coerce").notna().any():
        raise MicrobiomeInputError(f"{what} {column}: not a number in sample {bad[0]!r} ({bad[1]!r})",
                                   sample=bad[0])


def _check_seed(seed: int | None) -> None:
    if seed is not None and (int(seed) != seed or seed < 0):
        raise MicrobiomeInputError(f"seed must be a whole number >= 0, not {seed!r}")


def _align(profile: Profile, metadata: pd.DataFrame) -> list[str]:
    shared = [s for s in profile.table.index if s in metadata.index]
    if len(shared) < 3:
        empty = [s for s in profile.empty_samples if s in metadata.index]
        why = f" ({len(empty)} more left out for having no reads)" if empty else ""
        raise MicrobiomeInputError(f"only {len(shared)} sample(s) appear in both the table and the metadata{why}")
    return shared


def ols(y: np.ndarray, X: pd.DataFrame) -> dict[str, dict[str, float]]:
    """OLS with an intercept already in ``X``; coefficient, SE, t and p per column."""
    from scipy import stats

    Xv = X.to_numpy(dtype=float)
    n, p = Xv.shape
    if n <= p:
        raise MicrobiomeInputError(f"regression needs more samples ({n}) than parameters ({p})")
    rank = int(np.linalg.matrix_rank(Xv))
    if rank < p:  # a constant or duplicated column: lstsq splits the effect and reports nonsense p-values
        constant = [str(c) for c in X.columns[1:] if np.ptp(Xv[:, list(X.columns).index(c)]) == 0]
        what = (f"{', '.join(constant)} {'has' if len(constant) == 1 else 'have'} the same value in every sample"
                if constant else f"the columns {', '.join(map(str, X.columns[1:]))} are collinear")
        raise MicrobiomeInputError(f"regression: {what}; it cannot be estimated")
    beta, *_ = np.linalg.lstsq(Xv, y, rcond=None)
    resid = y - Xv @ beta
    dof = n - p
    sigma2 = float(resid @ resid) / dof
    cov = sigma2 * np.linalg.pinv(Xv.T @ Xv)
    se = np.sqrt(np.diag(cov))
    t = beta / se
    pv = 2 * stats.t.sf(np.abs(t), dof)
    ss_tot = float(((y - y.mean()) ** 2).sum())
    out = {c: {"coef": float(b), "se": float(s), "t": float(tt), "p": float(pp)}
           for c, b, s, tt, pp in zip(X.columns, beta, se, t, pv)}
    out["_fit"] = {"n": n, "dof": dof, "r2": 1 - float(resid @ resid) / ss_tot if ss_tot > 0 else float("nan")}
    return out


def diversity_vs_outcome(profile: Profile, metadata: pd.DataFrame, outcome: str, *, metric: str = "shannon",
                         covariates: Sequence[str] = (), rarefy_depth: int | None = None,
                         seed: int | None = None) -> dict[str, Any]:
    """Spearman correlation and OLS of ``outcome`` on an alpha ``metric`` (+ covariates)."""
    from scipy import stats

    for c in (outcome, *covariates):
        if c not in metadata.columns:
            raise MicrobiomeInputError(f"metadata has no column {c!r}; it has {describe_ids(list(metadata.columns))}")
    if not pd.api.types.is_numeric_dtype(metadata[outcome]):
        bad = _first_non_number(metadata[outcome])
        where = f": not a number in sample {bad[0]!r} ({bad[1]!r})" if bad else " must be numeric"
        raise MicrobiomeInputError(f"outcome {outcome}{where}", sample=bad[0] if bad else None)
    for c in covariates:
        _check_mostly_numeric(metadata, c, "covariate")
    shared = _align(profile, metadata)
    a = alpha_diversity(profile.subset(shared), [metric], rarefy_depth=rarefy_depth, seed=seed)
    df = metadata.loc[a.values.index, [outcome, *covariates]].copy()
    df[metric] = a.values[metric]
    before = len(df)
    df = df.dropna()
    if len(df) < 3:
        raise MicrobiomeInputError("fewer than 3 samples with complete outcome, covariates and diversity")
    if df[outcome].nunique() < 2:  # Spearman and R² are undefined (NaN in the JSON, a warning on stderr)
        raise MicrobiomeInputError(f"outcome {outcome}: every sample has the same value ({df[outcome].iloc[0]:g}); "
                                   "there is nothing to relate diversity to")
    if df[metric].nunique() < 2:
        raise MicrobiomeInputError(f"{metric} is the same in every sample ({df[metric].iloc[0]:.4g}); a correlation "
                                   "needs diversity that differs between samples (another --metric, or a larger "
                                   "--rarefy depth)")
    rho, p_rho = stats.spearmanr(df[metric], df[outcome])
    X = pd.DataFrame({"intercept": 1.0, metric: df[metric].astype(float)}, index=df.index)
    for c in covariates:
        if pd.api.types.is_numeric_dtype(df[c]):
            X[c] = df[c].astype(float)
        else:
            dummies = pd.get_dummies(df[c].astype(str), prefix=c, drop_first=True, dtype=float)
            X = X.join(dummies)
    fit = ols(df[outcome].to_numpy(dtype=float), X)
    meta = fit.pop("_fit")
    notes: list[str] = []
    if a.depth is None and profile.kind == "counts":
        reads = profile.depths().loc[df.index]
        lo, hi = float(reads.min()), float(reads.max())
        if hi > 2 * lo:
            rho_d = float(stats.spearmanr(reads, df[metric])[0])
            notes.append(f"not rarefied: reads per sample range from {lo:g} to {hi:g}, and {metric} depends on "
                         f"sequencing depth (Spearman rho with reads {rho_d:.2f}); give a rarefaction depth "
                         f"(--rarefy) to compare samples at equal depth")
    return {"metric": metric, "outcome": outcome, "log_base": a.log_base, "depth": a.depth, "notes": notes,
            "n": int(len(df)), "n_dropped_missing": int(before - len(df)),
            "n_dropped_rarefaction": len(a.dropped),
            "spearman": {"rho": float(rho), "p": float(p_rho)},
            "ols": {"formula": f"{outcome} ~ {' + '.join([metric, *covariates])}", "coefficients": fit,
                    "r2": meta["r2"], "dof": meta["dof"]}}


def differential_abundance(profile: Profile, metadata: pd.DataFrame, formula: str, *,
                           min_prevalence: float = 0.1, alpha: float = 0.05) -> dict[str, Any]:
    """ANCOM-BC through scikit-bio (see module docstring). Needs counts."""
    from skbio.stats.composition import ancombc

    profile.require_counts("ANCOM-BC")
    shared = _align(profile, metadata)
    table = profile.table.loc[shared]
    keep = (table > 0).mean(axis=0) >= min_prevalence
    table = table.loc[:, keep]
    if table.shape[1] < 2:
        raise MicrobiomeInputError("fewer than 2 features pass the prevalence filter for ANCOM-BC")
    md = metadata.loc[shared]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = ancombc(table + 1, md, formula, alpha=alpha)
        except (ValueError, np.linalg.LinAlgError) as exc:  # "Quantiles must be in the range [0, 1]": a traceback
            # the numpy warnings on the way there say nothing more: the error is one line
            raise MicrobiomeInputError(f"ANCOM-BC could not be fitted on this table ({' '.join(str(exc).split())}); "
                                       "--no-ancombc leaves it out") from None
    for w in caught:  # a fit that worked keeps its warnings
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    frame = getattr(res, "result", res).reset_index()
    rows = []
    for rec in frame.to_dict(orient="records"):
        rows.append({str(k): (v.item() if hasattr(v, "item") else v) for k, v in rec.items()})
    return {"method": "ANCOM-BC (scikit-bio ancombc), counts + 1", "formula": formula,
            "n_samples": len(shared), "n_features": int(table.shape[1]), "min_prevalence": min_prevalence,
            "results": rows}


def ordination(profile: Profile, metadata: pd.DataFrame, group: str, *, permutations: int = 999,
               seed: int | None = 0, dimensions: int = 3, rarefy_depth: int | None = None) -> dict[str, Any]:
    """Bray–Curtis PCoA coordinates and PERMANOVA on metadata column ``group``."""
    from skbio.stats.distance import permanova
    from skbio.stats.ordination import pcoa

    if group not in metadata.columns:
        raise MicrobiomeInputError(f"metadata has no column {group!r}")
    if int(permutations) != permutations or permutations < 0:
        raise MicrobiomeInputError(f"permutations must be a whole number >= 0, not {permutations!r}")
    _check_seed(seed)
    shared = _align(profile, metadata)
    md = metadata.loc[shared, group].dropna()
    sub = profile.subset(list(md.index))
    if rarefy_depth is None:
        # proportions: Bray–Curtis on raw counts of unequal depth measures library size
        sub = dataclasses.replace(sub, table=sub.relative())
        values = "proportions (each sample divided by its own total)"
    else:
        values = f"counts rarefied to {int(rarefy_depth)} reads per sample"
    b = beta_diversity(sub, "braycurtis", rarefy_depth=rarefy_depth, seed=seed)
    ids = list(b.distances.ids)
    groups = md.loc[ids].astype(str)
    if groups.nunique() < 2:
        raise MicrobiomeInputError(f"column {group!r} needs at least two groups for PERMANOVA")
    if groups.nunique() == len(groups):
        raise MicrobiomeInputError(f"group {group}: every sample is its own group; a group needs at least two "
                                   f"samples for PERMANOVA")
    # Samples of one composition (all distances 0), or identical within every group: PCoA's shares
    # are 0/0 and PERMANOVA's pseudo-F 0/0 or x/0, with p 1/(permutations+1) ("significant"). They
    # were NaN / Infinity in the JSON (not JSON) with numpy's warnings on stderr; now null and a note.
    with np.errstate(divide="ignore", invalid="ignore"):
        ordn = pcoa(b.distances, dimensions=min(dimensions, len(ids) - 1))
        perm = permanova(b.distances, groups.to_numpy(), permutations=permutations, seed=seed)
    coords = ordn.samples.iloc[:, :dimensions]
    pseudo_f = float(perm["test statistic"])
    result = {"pseudo_f": pseudo_f, "p": float(perm["p-value"]),
              "permutations": int(perm["number of permutations"]),
              "n_groups": int(perm["number of groups"]), "seed": seed}
    if not np.isfinite(pseudo_f):
        same = ("every sample has the same composition (all Bray–Curtis distances are 0)"
                if not np.any(b.distances.data > 0) else
                f"the samples within each group of {group} have the same composition")
        result.update(pseudo_f=None, p=None, note=f"{same}: PERMANOVA's pseudo-F is not defined")

    def finite(x: float) -> float | None:
        return float(x) if np.isfinite(x) else None

    return {"metric": "braycurtis", "values": values, "group": group, "n": len(ids),
            "pcoa": {"proportion_explained": [finite(x) for x in ordn.proportion_explained.iloc[:dimensions]],
                     "coordinates": {sid: [finite(x) for x in row] for sid, row in coords.iterrows()}},
            "permanova": result}


def cohort_analysis(profile: Profile, metadata: pd.DataFrame, outcome: str, *, metric: str = "shannon",
                    covariates: Sequence[str] = (), group: str | None = None, rarefy_depth: int | None = None,
                    seed: int | None = 0, permutations: int = 999, differential: bool = True) -> dict[str, Any]:
    """All three analyses in one plain-data dict.

    ``group`` (for PERMANOVA/ANCOM-BC) defaults to ``outcome`` when the outcome is categorical;
    for a numeric outcome, samples are split at its median ("low"/"high") and that is recorded.
    """
    for c in (outcome, *covariates, *([group] if group else [])):
        if c not in metadata.columns:
            raise MicrobiomeInputError(f"metadata has no column {c!r}; it has {describe_ids(list(metadata.columns))}")
    if int(permutations) != permutations or permutations < 0:
        raise MicrobiomeInputError(f"permutations must be a whole number >= 0, not {permutations!r}")
    _check_seed(seed)
    _check_mostly_numeric(metadata, outcome, "outcome")
    md = metadata.copy()
    out: dict[str, Any] = {"outcome": outcome}
    numeric = pd.api.types.is_numeric_dtype(md[outcome])
    if numeric:
        out["diversity_vs_outcome"] = diversity_vs_outcome(profile, md, outcome, metric=metric,
                                                           covariates=covariates, rarefy_depth=rarefy_depth,
                                                           seed=seed)
    else:
        out["diversity_vs_outcome"] = None
        out["note"] = f"outcome {outcome!r} is categorical: no correlation/regression, groups compared instead"
    if group is None:
        if numeric:
            med = md[outcome].median()
            group = f"{outcome}_split"
            md[group] = np.where(md[outcome].isna(), None, np.where(md[outcome] > med, "high", "low"))
            out["group_rule"] = f"{outcome} > median ({med:g}) = high, else low"
        else:
            group = outcome
    out["ordination"] = ordination(profile, md, group, permutations=permutations, seed=seed,
                                   rarefy_depth=rarefy_depth)
    if differential:
        if profile.kind == "counts":
            sub = md[[group]].dropna()
            out["differential_abundance"] = differential_abundance(profile, sub, group)
        else:
            out["differential_abundance"] = None
            out.setdefault("notes", []).append("ANCOM-BC skipped: needs counts")
    return out
