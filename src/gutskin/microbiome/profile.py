"""The in-memory microbiome profile: a validated sample × feature table plus what it means.

A :class:`Profile` records, next to the numbers, everything needed to interpret them:

* ``kind`` — ``"counts"`` (integer read counts) or ``"relative"`` (proportions). Methods that
  need counts (Chao1, rarefaction, ANCOM-BC) refuse relative data with
  :class:`~gutskin.microbiome.errors.RelativeDataError`.
* ``rank`` — the level the features are at: ``"feature"`` (OTU/ASV), or one of
  :data:`RANKS` (e.g. ``"genus"`` after :meth:`Profile.aggregate`).
* ``method`` — ``"16S"``, ``"shotgun"`` or ``"unknown"``.
* ``taxonomy`` — a feature × :data:`RANKS` frame of names (``None`` where unknown).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from gutskin.microbiome.errors import MicrobiomeInputError, RelativeDataError, shorten

RANKS: tuple[str, ...] = ("kingdom", "phylum", "class", "order", "family", "genus", "species", "strain")
Kind = Literal["counts", "relative"]
Method = Literal["16S", "shotgun", "unknown"]
METHODS: tuple[str, ...] = ("16S", "shotgun", "unknown")


def _number(v: float) -> str:
    """A value as a message shows it: ``-2``, ``2.5``, ``nan`` (not ``np.float64(-2.0)``)."""
    return f"{float(v):g}"


def _id(text: object, limit: int = 40) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_ids(ids: list[str], limit: int = 10) -> str:
    """Up to ``limit`` IDs for a message: ``'S1', 'S2' and 3 more``."""
    shown = ", ".join(repr(_id(i)) for i in ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


#: the end of a refusal of a file without results, in words a parent can act on (2026-12-07)
NO_RESULTS = "the file holds no results; ask the lab for the file with the sample's results"
#: after a duplicate sample ID, in words a parent can act on (2026-12-07)
SAME_NAME = ("; two samples in the file have the same name, so their results cannot be told apart: ask the lab for "
             "a file where each sample has its own name")


def validate_table(table: pd.DataFrame, *, source: str | None = None, kind: Kind | None = None,
                   allow_empty: bool = False) -> pd.DataFrame:
    """Check a samples × features table and return it as float64.

    Raises :class:`MicrobiomeInputError` naming the sample/feature for: duplicate sample or
    feature IDs, non-numeric, missing (NaN), infinite, negative or implausibly large (> 1e15) values, samples whose total
    is zero (unless ``allow_empty``; a table whose samples are *all* empty is always refused),
    and (when ``kind == "counts"``) non-integer values.
    """
    # in words a parent can act on too (2026-12-07): the lab's file holds no results
    if table.shape[0] == 0:
        raise MicrobiomeInputError(f"the table has no samples (no column of results): {NO_RESULTS}", source=source)
    if table.shape[1] == 0:
        raise MicrobiomeInputError(f"the table has no features (it lists no microbes, only its header): {NO_RESULTS}",
                                   source=source)
    for axis_name, labels in (("sample", table.index), ("feature", table.columns)):
        dup = labels[labels.duplicated()]
        if len(dup):
            first = str(dup[0])
            raise MicrobiomeInputError(
                f"duplicate {axis_name} ID {first!r} ({len(dup)} duplicate(s) in all)"
                + (SAME_NAME if axis_name == "sample" else ""),
                source=source, **{axis_name: first})
        empty = [str(x) for x in labels if str(x).strip() == "" or pd.isna(x)]
        if empty:
            raise MicrobiomeInputError(f"a {axis_name} has an empty ID", source=source)
    table = table.copy()
    table.index = table.index.map(str)
    table.columns = table.columns.map(str)
    numeric = [pd.api.types.is_numeric_dtype(dt) and not pd.api.types.is_bool_dtype(dt) for dt in table.dtypes]
    if not all(numeric):
        for col in table.columns[[not n for n in numeric]]:  # numeric columns are numbers already
            converted = pd.to_numeric(table[col], errors="coerce")
            bad = converted.isna() & table[col].notna()
            if bad.any():
                s = str(bad.idxmax())
                raise MicrobiomeInputError(
                    f"non-numeric value {table.at[s, col]!r} for sample {s!r}, feature {col!r}",
                    sample=s, feature=col, source=source)
            table[col] = converted
    values = table.to_numpy(dtype=np.float64)
    _check_values(values, table.index, table.columns, source, allow_empty)
    if kind == "counts":
        nonint = values != np.round(values)
        if nonint.any():
            i, j = np.argwhere(nonint)[0]
            raise MicrobiomeInputError(
                f"counts must be whole numbers; sample {table.index[i]!r}, feature "
                f"{table.columns[j]!r} has {_number(values[i, j])}",
                sample=table.index[i], feature=table.columns[j], source=source)
    return pd.DataFrame(values, index=table.index, columns=table.columns)


#: Largest abundance accepted: far above any read count or scaled relative value, far below
#: where sums and squares of a sample (Simpson's dominance) overflow float64.
MAX_VALUE = 1e15


def _check_values(values: np.ndarray, samples: pd.Index, features: pd.Index, source: str | None,
                  allow_empty: bool = False) -> None:
    for test, what, why in ((np.isnan, "a missing (NaN) value", ""), (np.isinf, "an infinite value", ""),
                            # a transformed table (log, CLR, z-scores: a statistics package's output) has
                            # negatives; in words for a parent too, with what to ask for (2026-12-07)
                            (lambda v: v < 0, "a negative value", "; an abundance cannot be negative: a table of "
                             "transformed values (log, CLR, z-scores) is not a profile; ask the lab for the read "
                             "counts or the relative abundances")):
        bad = test(values)
        if bad.any():
            i, j = np.argwhere(bad)[0]
            raise MicrobiomeInputError(
                f"sample {shorten(samples[i])!r}, feature {shorten(features[j])!r} has {what} ({_number(values[i, j])})"
                + why,
                sample=str(samples[i]), feature=str(features[j]), source=source)
    too_big = values > MAX_VALUE
    if too_big.any():  # no sequencing run gives 10^15 reads; such values overflow the diversity sums
        i, j = np.argwhere(too_big)[0]
        raise MicrobiomeInputError(
            f"sample {shorten(samples[i])!r}, feature {shorten(features[j])!r} has a value too large to be an abundance "
            f"({_number(values[i, j])}; at most 1e15)", sample=str(samples[i]), feature=str(features[j]), source=source)
    totals = values.sum(axis=1)
    empty = np.flatnonzero(totals <= 0)
    if len(empty) and len(empty) == len(totals) and len(totals) > 1:
        raise MicrobiomeInputError(f"every sample is empty (total 0): all {len(totals)} samples have no reads; "
                                   f"{NO_RESULTS}", source=source)
    if len(empty) and not (allow_empty and len(empty) < len(totals)):
        names = ", ".join(repr(str(samples[i])) for i in empty[:5])
        more = f" and {len(empty) - 5} more" if len(empty) > 5 else ""
        raise MicrobiomeInputError(f"empty sample(s) (total 0): {names}{more}"
                                   + (f" has no reads; {NO_RESULTS}" if len(totals) == 1 else ""),
                                   sample=str(samples[empty[0]]), source=source)


def infer_kind(values: np.ndarray) -> Kind:
    """``"counts"`` if every value is a whole number, else ``"relative"``."""
    return "counts" if np.all(values == np.round(values)) else "relative"


KINDS: tuple[str, ...] = ("auto", "counts", "relative")
#: Largest sample total read as fractions (rounding in exported tables lets them pass 1 a little).
FRACTION_TOTAL_MAX = 1.01
#: Largest sample total read as percentages.
PERCENT_TOTAL_MAX = 101.0


def check_kind(kind: str | None, *, source: str | None = None) -> Kind | None:
    """``kind`` as the readers take it: ``None`` for ``"auto"`` (or ``None``), else ``"counts"``
    or ``"relative"``; anything else is refused."""
    if kind is None or kind == "auto":
        return None
    if kind not in KINDS:
        raise MicrobiomeInputError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}", source=source)
    return kind  # type: ignore[return-value]


def to_relative(profile: Profile) -> Profile:
    """A table declared relative (``kind="relative"``), each sample divided by its own total.

    Percentages and fractions are both accepted; as every sample is divided by its own total
    the scale does not change the result, and it is only used to catch a table of counts
    declared relative by mistake: if every sample totals at most 1.01 the values are read as
    fractions, else if every sample totals at most 101 as percentages (1 % of slack for
    rounding), else the table is refused naming the sample with the largest total. Totals below
    100 % (an unclassified share left out of the table) are renormalised, so shares are of what
    the table lists; the note in ``Profile.notes`` gives the scale and the range of totals.
    """
    totals = profile.table.sum(axis=1)
    top, low = float(totals.max()), float(totals.min())
    biggest = str(totals.idxmax())
    if top <= FRACTION_TOTAL_MAX:
        scale = f"fractions (every sample totals at most {FRACTION_TOTAL_MAX:g})"
    elif top <= PERCENT_TOTAL_MAX:
        scale = f"percentages (largest sample total {_number(top)}, at most {PERCENT_TOTAL_MAX:g})"
    else:
        raise MicrobiomeInputError(
            f"sample {_id(biggest)!r} totals {_number(top)}, but relative abundances total at most 100 "
            f"(percentages) or 1 (fractions); is this a table of read counts (kind 'counts')?",
            sample=biggest, source=profile.source)
    table = profile.table.div(totals, axis=0)
    note = (f"relative abundances read as {scale}; each sample divided by its own total "
            f"(totals {_number(low)} to {_number(top)}), so shares are of the features the table lists")
    return dataclasses.replace(profile, table=table, kind="relative", notes=(*profile.notes, note))


@dataclass(frozen=True)
class Profile:
    """A validated samples × features abundance table with its meaning attached.

    Build one with the readers in :mod:`gutskin.microbiome.io` or :meth:`from_frame`.
    """

    table: pd.DataFrame
    kind: Kind
    rank: str = "feature"
    method: Method = "unknown"
    taxonomy: pd.DataFrame | None = None
    source: str = "<memory>"
    notes: tuple[str, ...] = field(default=())
    #: samples of the file with no reads at all, left out of ``table`` by the readers (``drop_empty``)
    empty_samples: tuple[str, ...] = field(default=())
    #: feature IDs of a table of plain genus names that are not a genus gutskin knows (left unnamed;
    #: :func:`gutskin.microbiome.io.genus_names_taxonomy`), in table order
    unrecognised_names: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        # pandas hands out F-ordered arrays; skbio walks samples (rows), so keep one C-ordered copy
        object.__setattr__(self, "_matrix", np.ascontiguousarray(self.table.to_numpy(dtype=np.float64)))

    @property
    def matrix(self) -> np.ndarray:
        """The table as a C-contiguous float64 samples × features array (read-only view)."""
        view = self._matrix.view()
        view.flags.writeable = False
        return view

    @classmethod
    def from_frame(cls, table: pd.DataFrame, *, kind: Kind | None = None, rank: str = "feature",
                   method: Method = "unknown", taxonomy: pd.DataFrame | None = None,
                   source: str = "<memory>", notes: tuple[str, ...] = (), drop_empty: bool = False) -> Profile:
        """Validate a samples × features frame and wrap it (``kind`` inferred if not given).

        ``drop_empty``: samples whose values are all zero (a failed sample, a negative control)
        are left out, listed in ``empty_samples`` and in a note, instead of refusing the whole
        table; a table with no non-empty sample is still refused. The file readers use it.
        """
        table = validate_table(table, source=source, kind=kind, allow_empty=drop_empty)
        empty: tuple[str, ...] = ()
        if drop_empty:
            totals = table.sum(axis=1)
            empty = tuple(str(i) for i in table.index[totals <= 0])
            if empty:
                table = table.loc[totals > 0]
                notes = (*notes, f"left out {len(empty)} empty sample(s) with no reads: {describe_ids(list(empty))}")
        if kind is None:
            kind = infer_kind(table.to_numpy())
        if method not in METHODS:
            raise MicrobiomeInputError(f"sequencing method must be one of {', '.join(METHODS)}, not {method!r}",
                                       source=source)
        if rank != "feature" and rank not in RANKS:
            raise MicrobiomeInputError(f"unknown rank {rank!r}; expected 'feature' or one of {RANKS}")
        if taxonomy is not None:
            taxonomy = taxonomy.reindex(index=table.columns, columns=list(RANKS))
        elif rank in RANKS:
            taxonomy = pd.DataFrame(None, index=table.columns, columns=list(RANKS), dtype=object)
            taxonomy[rank] = list(table.columns)
        return cls(table=table, kind=kind, rank=rank, method=method, taxonomy=taxonomy,
                   source=source, notes=tuple(notes), empty_samples=empty)

    # -- basic views ------------------------------------------------------------------
    @property
    def sample_ids(self) -> list[str]:
        return list(self.table.index)

    @property
    def feature_ids(self) -> list[str]:
        return list(self.table.columns)

    def depths(self) -> pd.Series:
        """Per-sample totals (reads for counts, ~1 for relative data)."""
        return self.table.sum(axis=1)

    def require_counts(self, what: str) -> None:
        """Raise :class:`RelativeDataError` unless this profile holds counts."""
        if self.kind != "counts":
            raise RelativeDataError(
                f"{what} needs integer read counts, but {self.source} holds relative abundances "
                f"(e.g. a MetaPhlAn profile); use a count table (BIOM/TSV of reads)")

    def relative(self) -> pd.DataFrame:
        """Proportions per sample (rows sum to 1)."""
        return self.table.div(self.table.sum(axis=1), axis=0)

    def find_sample(self, sample: str) -> str:
        """The table's own spelling of ``sample``: itself when present, else the one sample ID
        (with reads or empty) equal to it in composed Unicode (NFC) — "Zoë" typed on Linux for a
        sample named in a Mac-made file (decomposed, Zoe + U+0308), which was "sample 'Zoë' is not
        in FILE; it has 'Zoë'". Unchanged when there is no such one (``check_sample`` then says so)."""
        import unicodedata

        if sample in self.table.index or sample in self.empty_samples:
            return sample
        key = unicodedata.normalize("NFC", sample)
        same = [s for s in (*self.sample_ids, *self.empty_samples) if unicodedata.normalize("NFC", str(s)) == key]
        return same[0] if len(same) == 1 else sample

    def check_sample(self, sample: str) -> None:
        """Raise :class:`MicrobiomeInputError` unless ``sample`` is in the table, saying whether
        it is absent from the file or was left out for having no reads."""
        if sample in self.table.index:
            return
        if sample in self.empty_samples:
            if self.kind != "counts":  # a MetaPhlAn sample of UNCLASSIFIED 100 %: it has no counts to be 0
                raise MicrobiomeInputError(f"sample {_id(sample)!r} has nothing classified in {self.source} (every "
                                           f"abundance is 0; the test named no microbes in it), so there is nothing "
                                           f"to measure in it", sample=sample)
            raise MicrobiomeInputError(f"sample {_id(sample)!r} has no reads in {self.source} (every count is 0), "
                                       f"so there is nothing to measure in it", sample=sample)
        raise MicrobiomeInputError(f"sample {_id(sample)!r} is not in {self.source}; it has "
                                   f"{describe_ids(self.sample_ids)}", sample=sample)

    def subset(self, samples: list[str]) -> Profile:
        for s in samples:
            self.check_sample(s)
        return dataclasses.replace(self, table=self.table.loc[samples])

    # -- plain-data round trip (for storage as JSON) ------------------------------------------
    def to_dict(self) -> dict:
        """Plain data: ``{"kind", "rank", "method", "source", "notes", "samples": {sample: {feature:
        value}}, "taxonomy": {feature: {rank: name}}}`` (zeros left out; :meth:`from_dict` inverts)."""
        samples = {sid: {f: float(v) for f, v in row.items() if v != 0} for sid, row in self.table.iterrows()}
        taxonomy = None
        if self.taxonomy is not None:
            taxonomy = {f: {r: (n if isinstance(n, str) else None) for r, n in row.items()}
                        for f, row in self.taxonomy.iterrows()}
        out = {"kind": self.kind, "rank": self.rank, "method": self.method, "source": self.source,
               "notes": list(self.notes), "features": list(self.table.columns), "samples": samples,
               "taxonomy": taxonomy}
        if self.unrecognised_names:
            out["unrecognised_names"] = list(self.unrecognised_names)
        return out

    @classmethod
    def from_dict(cls, d: dict) -> Profile:
        """Rebuild (and re-validate) a profile from :meth:`to_dict` output."""
        features = d.get("features") or sorted({f for s in d["samples"].values() for f in s})
        table = pd.DataFrame.from_dict(d["samples"], orient="index").reindex(columns=features).fillna(0.0)
        taxonomy = None
        if d.get("taxonomy"):
            taxonomy = pd.DataFrame.from_dict(d["taxonomy"], orient="index").astype(object)
        prof = cls.from_frame(table, kind=d["kind"], rank=d["rank"], method=d["method"], taxonomy=taxonomy,
                              source=d.get("source", "<dict>"), notes=tuple(d.get("notes", ())))
        unrecognised = tuple(str(f) for f in d.get("unrecognised_names") or () if f in table.columns)
        return dataclasses.replace(prof, unrecognised_names=unrecognised) if unrecognised else prof

    # -- aggregation --------------------------------------------------------------------
    def labels_at(self, rank: str) -> pd.Series:
        """A label per feature at ``rank``.

        Features with no name at ``rank`` get ``"unclassified <lowest known name>"`` (or
        ``"unclassified"`` with no taxonomy at all), so unclassified reads are kept and not
        merged across different families.
        """
        if rank not in RANKS:
            raise MicrobiomeInputError(f"unknown rank {rank!r}; expected one of {RANKS}")
        if self.taxonomy is None:
            raise MicrobiomeInputError(f"{self.source} has no taxonomy, cannot aggregate to {rank}")
        upto = list(RANKS[: RANKS.index(rank) + 1])
        tax = self.taxonomy[upto]
        labels = []
        for feat, row in tax.iterrows():
            name = row[rank]
            if isinstance(name, str) and name:
                labels.append(name)
                continue
            known = [v for v in row.tolist() if isinstance(v, str) and v]
            labels.append(f"unclassified {known[-1]}" if known else "unclassified")
        return pd.Series(labels, index=tax.index, name=rank)

    def aggregate(self, rank: str) -> Profile:
        """Sum features to ``rank`` (e.g. ``"genus"``); see :meth:`labels_at` for unclassified."""
        if rank == self.rank:
            return self
        if self.rank in RANKS and RANKS.index(rank) > RANKS.index(self.rank):
            raise MicrobiomeInputError(f"cannot aggregate a {self.rank}-level profile to {rank}")
        labels = self.labels_at(rank)
        table = self.table.T.groupby(labels.values, sort=True).sum().T
        upto = list(RANKS[: RANKS.index(rank) + 1])
        tax = self.taxonomy[upto].copy()
        tax["_label"] = labels.values
        tax = tax.drop_duplicates("_label").set_index("_label")
        tax.index.name = None
        tax = tax.reindex(table.columns)
        # an 'unclassified X' group has no name at this rank
        for lab in tax.index:
            if lab.startswith("unclassified"):
                tax.loc[lab, rank] = None
        tax = tax.reindex(columns=list(RANKS))
        return dataclasses.replace(self, table=table, rank=rank, taxonomy=tax)
