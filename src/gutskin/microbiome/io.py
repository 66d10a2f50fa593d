"""Readers for microbiome profiles: BIOM (1.0 JSON, 2.x HDF5), TSV/CSV tables, MetaPhlAn 3/4.

Every reader returns a validated :class:`~gutskin.microbiome.profile.Profile` or raises
:class:`~gutskin.microbiome.errors.MicrobiomeInputError` naming the file and the offending
sample/feature; nothing is half-imported.

Orientation rule for delimited tables (:func:`read_table`), applied in order:

1. ``orientation`` given (``"features-as-rows"`` or ``"samples-as-rows"``): used as is.
2. A column called ``taxonomy``/``Taxon``/``Consensus Lineage`` → features are rows.
3. Row labels that look like lineages (contain ``__`` rank prefixes, ``;`` or ``|``) →
   features are rows; column labels that look like lineages → samples are rows.
4. The header's first cell: ``#OTU ID``, ``OTU``, ``ASV``, ``feature``, ``taxon``,
   ``clade_name`` … → features are rows; ``#SampleID``, ``sample``, ``sample_id``,
   ``sample-id``, ``sample_name`` … → samples are rows.
5. Otherwise features are rows when there are more rows than columns (tables usually have
   more features than samples), samples are rows otherwise.  The rule used is recorded in
   ``Profile.notes``.
"""

from __future__ import annotations

import dataclasses

import io as _io
import os
import re
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from gutskin.microbiome.errors import MicrobiomeInputError, shorten
from gutskin.microbiome.genera import is_single_name, looks_like_genera, recognise_genus
from gutskin.microbiome.profile import (RANKS, SAME_NAME, Kind, Method, Profile, check_kind, describe_ids, infer_kind,
                                        to_relative, validate_table)

Orientation = Literal["features-as-rows", "samples-as-rows"]

_PREFIX = {"k": "kingdom", "d": "kingdom", "p": "phylum", "c": "class", "o": "order",
           "f": "family", "g": "genus", "s": "species", "t": "strain"}
_PREFIX_RE = re.compile(r"^\s*([kdpcofgst])__(.*)$")
_SILVA_RE = re.compile(r"^\s*D_(\d)__(.*)$")
_UNNAMED = {"", "unassigned", "unclassified", "unknown", "uncultured", "none", "nan", "na"}

_FEATURE_HEADERS = {"#otu id", "otu id", "otu", "otu_id", "#otuid", "otuid", "asv", "asv_id", "feature",
                    "feature id", "feature_id", "featureid", "#feature id", "taxon", "taxa", "taxonomy",
                    "clade_name", "#clade_name", "genus", "species", "lineage", "genome"}
_SAMPLE_HEADERS = {"#sampleid", "sampleid", "sample", "sample_id", "sample-id", "sample id",
                   "sample_name", "samples", "#sample id", "#q2:types"}
_TAXONOMY_COLUMNS = {"taxonomy", "taxon", "consensus lineage", "consensuslineage", "lineage"}
_CLASSIFIER_COLUMNS = {"confidence", "consensus", "bootstrap"}


# --------------------------------------------------------------------------------------
# taxonomy
# --------------------------------------------------------------------------------------
#: Placeholder names that say "not named at this rank" (SILVA/QIIME 2 and MetaPhlAn conventions).
_UNNAMED_PREFIXES = ("uncultured", "unidentified", "unclassified", "unknown", "unassigned")
_UNNAMED_SUFFIXES = (" unclassified", " metagenome")  # MetaPhlAn 'Lachnospiraceae_unclassified', 'gut_metagenome'
_UNNAMED_EXTRA = {"metagenome", "bacterium", "incertae sedis", "ambiguous taxa", "sp.", "sp"}


def _is_placeholder(name: str) -> bool:
    low = " ".join(name.replace("_", " ").lower().split())
    return (low in _UNNAMED or low in _UNNAMED_EXTRA or low in _UNNAMED_PREFIXES
            or any(low.startswith(p + " ") for p in _UNNAMED_PREFIXES)
            or low.endswith(_UNNAMED_SUFFIXES) or low.endswith(" sp.") or low.endswith(" sp"))


def _clean_name(name: str) -> str | None:
    """The name, or None for an empty name or a placeholder meaning "not named at this rank":
    ``uncultured``/``uncultured_bacterium``, ``unidentified``, ``Ambiguous_taxa``,
    ``metagenome``/``gut_metagenome``, ``Incertae_Sedis``, ``Bacteroides_sp.``, MetaPhlAn's
    ``Lachnospiraceae_unclassified``."""
    name = name.strip().strip("'\"").strip()
    if not name or _is_placeholder(name):
        return None
    return name.replace("_", " ")


#: a bootstrap confidence after a taxon name: ``Bacteroides(100)``, ``unclassified(87.5)``
_CONFIDENCE_RE = re.compile(r"\s*\(\s*\d+(?:\.\d+)?\s*%?\s*\)\s*$")


def parse_lineage(lineage: str | list[str] | tuple[str, ...] | None) -> dict[str, str | None]:
    """Parse one lineage into ``{rank: name}`` over :data:`~gutskin.microbiome.profile.RANKS`.

    Understands Greengenes/QIIME (``k__Bacteria; p__Firmicutes; ...``), GTDB (``d__``),
    MetaPhlAn (``k__Bacteria|p__Firmicutes|...|s__Ruminococcus_gnavus``), SILVA
    (``D_0__Bacteria;D_1__...``) and plain positional lists (``Bacteria;Firmicutes;...``,
    ranks kingdom → species in order). Empty names (``g__``), ``unassigned``/``uncultured``
    become ``None``; underscores in names become spaces. Species given as an epithet only
    (``g__Blautia; s__obeum``) are completed with the genus.
    """
    out: dict[str, str | None] = dict.fromkeys(RANKS)
    if lineage is None or (isinstance(lineage, float) and np.isnan(lineage)):
        return out
    if isinstance(lineage, str):
        parts = re.split(r"[;|]", lineage)
    else:
        parts = [str(p) for p in lineage]
    # a classifier's confidence after each name, as mothur (classify.seqs, classify.otu's .cons.taxonomy)
    # and RDP write it: 'Bacteroides(100)'; it was kept, so no taxon was ever found under that name
    parts = [_CONFIDENCE_RE.sub("", p).strip() for p in parts]
    parts = [p for p in (p.strip() for p in parts) if p]
    prefixed = [(_PREFIX_RE.match(p) or _SILVA_RE.match(p)) for p in parts]
    if parts and all(prefixed):
        for m in prefixed:
            key = m.group(1)
            rank = RANKS[int(key)] if key.isdigit() and int(key) < len(RANKS) else _PREFIX.get(key)
            if rank:
                out[rank] = _clean_name(m.group(2))
    else:
        for rank, p in zip(RANKS, parts):
            m = _PREFIX_RE.match(p) or _SILVA_RE.match(p)
            out[rank] = _clean_name(m.group(2) if m else p)
    sp, genus = out["species"], out["genus"]
    if sp and genus and " " not in sp and not sp.startswith(genus):
        out["species"] = f"{genus} {sp}"
    return out


def taxonomy_frame(lineages: dict[str, object]) -> pd.DataFrame:
    """A feature × RANKS frame from ``{feature_id: lineage}``."""
    rows = {fid: parse_lineage(lin) for fid, lin in lineages.items()}
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(RANKS)).astype(object)


def _lineage_tokens(label: str) -> tuple[str, ...]:
    """A lineage label split at ``|``/``;`` into its stripped rank tokens (empty tokens at the end
    dropped, but ``c__``/``__`` placeholders kept: ``k__A;p__B;c__`` is not an ancestor of
    ``k__A;p__B;c__C``, its reads were named only to phylum)."""
    parts = [p.strip() for p in re.split(r"[;|]", str(label))]
    while parts and not parts[-1]:
        parts.pop()
    return tuple(parts)


#: How far a parent clade may fall short of the sum of its children and still be their sum
#: (MetaPhlAn rounds to 5 decimals; Kraken/Bracken counts are exact).
_HIERARCHY_SLACK = 0.01
#: ... and by this much in the table's own units: a tiny clade whose children were each rounded up
#: (0.00001 % above two children of 0.00001 %) must not make a MetaPhlAn table look flat.
_HIERARCHY_ABS_SLACK = 1e-4


def leaves_only(frame: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """Keep only the leaf clades of a *hierarchical* table (samples × lineage-labelled features).

    MetaPhlAn profiles and Kraken reports in MetaPhlAn style (``kreport2mpa.py``) list a clade at
    every rank, each higher row the sum of the rows below it (``k__Bacteria``,
    ``k__Bacteria|p__Firmicutes``, …, ``…|s__Blautia_obeum``). Counting every row counts the same
    reads once per rank: observed features, Shannon and Simpson come out wrong. A table is taken
    as hierarchical when some feature's lineage is a proper prefix of another's and, in every
    sample, every such parent holds at least the sum of its nearest listed descendants (less 1 %
    and 1e-4 for rounding); then only the features with no descendant in the table are kept, and the note
    says so. A table where a parent holds less than its descendants (a collapsed table in which
    one feature's lineage merely stops early) is a flat table and is returned as it is.
    """
    labels = [str(c) for c in frame.columns]
    tokens = [_lineage_tokens(c) for c in labels]
    index = {t: i for i, t in enumerate(tokens) if t}
    parent_of: dict[int, int] = {}
    for i, t in enumerate(tokens):
        for cut in range(len(t) - 1, 0, -1):  # nearest listed ancestor
            j = index.get(t[:cut])
            if j is not None and j != i:
                parent_of[i] = j
                break
    if not parent_of:
        return frame, None
    values = frame.to_numpy(dtype=float)
    child_sum = np.zeros_like(values)
    for i, j in parent_of.items():
        child_sum[:, j] += values[:, i]
    parents = sorted(set(parent_of.values()))
    short = values[:, parents] < child_sum[:, parents] * (1.0 - _HIERARCHY_SLACK) - _HIERARCHY_ABS_SLACK
    if short.any():
        return frame, None
    leaves = [i for i in range(len(labels)) if i not in set(parents)]
    note = (f"hierarchical table (a clade at every rank, each the sum of the clades below it, as in MetaPhlAn "
            f"or Kraken reports): only the {len(leaves)} leaf clades counted, the {len(parents)} higher-rank "
            f"rows left out")
    return frame.iloc[:, leaves], note


_HOST_TOKEN = re.compile(r"^p__Chordata$", re.IGNORECASE)


def without_host(frame: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """``frame`` (samples × lineage-labelled features) without the host's reads, and a note.

    Kraken 2's ``--use-mpa-style`` report and ``kreport2mpa.py`` output list the human reads of a
    stool sample (``d__Eukaryota|k__Metazoa|p__Chordata|…|s__Homo_sapiens``) like any clade; the
    Kraken report reader leaves Chordata out, this does the same for such tables: every feature
    whose lineage has ``p__Chordata`` goes, and a listed Chordata clade's values are taken off
    its listed ancestors (``d__Eukaryota``, ``…|k__Metazoa``), which go too when nothing is left
    (else they would be counted as a leaf)."""
    tokens = {c: _lineage_tokens(c) for c in map(str, frame.columns)}
    host = [c for c, t in tokens.items() if any(_HOST_TOKEN.match(x) for x in t)]
    if not host:
        return frame, None
    out = frame.drop(columns=host).copy()
    removed = 0.0
    by_tokens = {t: c for c, t in tokens.items() if c not in host}
    for top in (c for c in host if _HOST_TOKEN.match(tokens[c][-1])):
        values = frame[top].to_numpy(dtype=float)
        removed += float(values.sum())
        for cut in range(1, len(tokens[top])):
            ancestor = by_tokens.get(tokens[top][:cut])
            if ancestor is not None and ancestor in out.columns:
                out[ancestor] = out[ancestor].to_numpy(dtype=float) - values
    gone = [c for c in out.columns if c in by_tokens.values() and (out[c].to_numpy(dtype=float) <= 0).all()
            and any(tokens[c] == tokens[h][:len(tokens[c])] for h in host)]
    out = out.drop(columns=gone)
    if not removed:
        removed = float(frame[host].to_numpy(dtype=float).sum())
    return out, (f"{len(host)} feature(s) of Chordata (the host, Homo sapiens: not gut microbiota) left out "
                 f"({removed:g} in all)")


def _plain_genera(labels) -> bool:  # type: ignore[no-untyped-def]
    """Every label is a single name (no lineage; no rank prefix but ``g__``) and at least half of
    them are genera gutskin knows (:mod:`gutskin.microbiome.genera`): a genus table written with
    plain genus names."""
    labels = [str(x) for x in labels]
    return bool(labels) and all(is_single_name(x) for x in labels) and looks_like_genera(labels)


def genus_names_taxonomy(labels, source: str) -> tuple[pd.DataFrame, tuple[str, ...], str]:  # type: ignore[no-untyped-def]
    """The taxonomy of a table of plain genus names, the IDs not recognised, and a note.

    A recognised name (:func:`~gutskin.microbiome.genera.recognise_genus`) gets its genus; an
    RDP-style ``unclassified_<family>`` group keeps its label at genus (the adult reference's
    convention, read by the eczema-linked taxa check); a placeholder (``Unassigned``,
    ``uncultured``) is unnamed; any other name is unnamed and listed as not recognised. Two
    IDs naming the same genus (``Bacteroides`` and ``Bacteroides spp.``) are refused."""
    labels = [str(x) for x in labels]
    tax = pd.DataFrame(None, index=labels, columns=list(RANKS), dtype=object)
    unrecognised: list[str] = []
    first_of: dict[str, str] = {}
    for label in labels:
        genus = recognise_genus(label)
        if genus is not None:
            other = first_of.setdefault(genus.casefold(), label)
            if other != label:
                raise MicrobiomeInputError(
                    f"features {shorten(other)!r} and {shorten(label)!r} both name the genus {genus}; "
                    "a genus table has one row per genus (add them up, or give lineages)",
                    feature=label, source=source)
            tax.at[label, "genus"] = genus
        elif " ".join(label.replace("_", " ").split()).lower().startswith("unclassified "):
            tax.at[label, "genus"] = label
        elif _clean_name(re.sub(r"^g__", "", label.strip(), flags=re.IGNORECASE)) is not None:
            unrecognised.append(label)  # 'g__', 'g__uncultured', 'Unassigned': unnamed, not a name to recognise
    known = len(first_of)
    unnamed = len(labels) - known - len(unrecognised)
    note = (f"feature IDs read as genus names: {known} of {len(labels)} recognised as genera "
            f"(gutskin's known genera: the adult reference's, the eczema-linked taxa list's, GTDB's and "
            f"NCBI's, and SILVA 138's group and numbered names)")
    if unnamed:
        note += f"; {unnamed} unnamed or unclassified group(s) (e.g. 'Unassigned', 'unclassified_<family>')"
    if unrecognised:
        note += (f"; {len(unrecognised)} not recognised, left unnamed: {describe_ids(unrecognised, 5)}")
    return tax, tuple(unrecognised), note


def _looks_like_lineage(labels: pd.Index) -> bool:
    sample = [str(x) for x in labels[:50]]
    hits = sum(1 for x in sample if "__" in x or ";" in x or "|" in x)
    return bool(sample) and hits >= max(1, len(sample) // 2)


# --------------------------------------------------------------------------------------
# BIOM
# --------------------------------------------------------------------------------------
MAX_TABLE_CELLS = 50_000_000
"""Samples × features a table may have before it is made dense (400 MB of float64): a sparse
BIOM file of 1 MB can declare 40,000 × 40,000 and would otherwise take 12 GB."""


_HDF5_SIZED_NAMES = frozenset({"data", "indices", "indptr", "ids"})
_VLEN_ITEM_BYTES = 64
"""What one variable-length element (a string) is counted as: a Python object once read."""


def hdf5_byte_budget(max_cells: int) -> int:
    """Declared bytes all datasets of a BIOM HDF5 file may add up to: a float64 array of
    ``max_cells`` plus 64 MiB for IDs and metadata (464 MB at the default 50 M cells)."""
    return 8 * max_cells + 64 * 1024 * 1024


def check_hdf5_self_contained(src: str, *, max_cells: int = MAX_TABLE_CELLS) -> None:
    """Refuse an HDF5 file whose data lives elsewhere, or that declares more data than a table
    of ``max_cells`` can hold.

    HDF5 lets a dataset keep its bytes in *external* files, a *virtual* dataset map other
    files' datasets, and an *external link* open another file: reading such an upload would
    read the server's own files (e.g. ``/etc/passwd`` as sample IDs). BIOM 2.x uses none of
    them (http://biom-format.org/documentation/format_versions/biom-2.1.html), so any of them
    -- and soft links, which BIOM does not use either -- is refused before ``biom`` reads it.

    Sizes: ``biom.load_table`` reads whole datasets, and a dataset's declared shape costs
    nothing in the file (chunks never written read as the fill value; gzip expands 500-fold),
    so a 2 MB upload could make it allocate gigabytes. From the declared shape and element
    size alone (nothing is read), a dataset named ``data``/``indices``/``indptr``/``ids``
    longer than ``max_cells + 1`` elements, or datasets declaring more than
    :func:`hdf5_byte_budget` bytes in all, are refused.
    """
    import h5py

    visited = 0
    declared = 0
    budget = hdf5_byte_budget(max_cells)

    def check_size(obj, where: str) -> None:  # type: ignore[no-untyped-def]
        nonlocal declared
        shape = obj.shape  # None: a null dataspace (no elements); (): a scalar (one)
        n = 0 if shape is None else 1
        for d in shape or ():
            n *= int(d)
        if where.rsplit("/", 1)[-1] in _HDF5_SIZED_NAMES and n > max_cells + 1:
            raise MicrobiomeInputError(
                f"HDF5 dataset {where!r} declares {n:,} elements, more than a table of {max_cells:,} cells "
                "can hold; refused", source=src)
        dtype = obj.dtype
        item = _VLEN_ITEM_BYTES if dtype.kind == "O" or h5py.check_vlen_dtype(dtype) is not None else dtype.itemsize
        declared += n * max(int(item), 1)
        if declared > budget:
            raise MicrobiomeInputError(
                f"HDF5 dataset {where!r} brings the declared data to more than {budget // 1_000_000:,} MB; refused",
                source=src)

    def walk(group, path: str, depth: int) -> None:  # type: ignore[no-untyped-def]
        nonlocal visited
        if depth > 16:
            raise MicrobiomeInputError(f"HDF5 groups nested deeper than 16 at {path}", source=src)
        for key in group.keys():
            visited += 1
            if visited > 10_000:
                raise MicrobiomeInputError("more than 10,000 HDF5 objects: not a BIOM table", source=src)
            where = f"{path}{key}"
            link = group.get(key, getlink=True)
            if isinstance(link, h5py.ExternalLink):
                raise MicrobiomeInputError(f"HDF5 object {where!r} links to another file; refused", source=src)
            if isinstance(link, h5py.SoftLink):
                raise MicrobiomeInputError(f"HDF5 object {where!r} is a soft link, which BIOM does not use; refused",
                                           source=src)
            obj = group[key]
            if isinstance(obj, h5py.Dataset):
                if obj.external:
                    raise MicrobiomeInputError(f"HDF5 dataset {where!r} keeps its data in another file; refused",
                                               source=src)
                if obj.is_virtual:
                    raise MicrobiomeInputError(f"HDF5 dataset {where!r} is virtual (maps other files); refused",
                                               source=src)
                check_size(obj, where)
            elif isinstance(obj, h5py.Group):
                walk(obj, where + "/", depth + 1)

    try:
        with h5py.File(src, "r") as fh:
            walk(fh, "/", 0)
    except MicrobiomeInputError:
        raise
    except (OSError, TypeError, ValueError) as exc:  # TypeError/ValueError: a datatype h5py cannot map
        raise MicrobiomeInputError(f"not a readable HDF5 file ({exc})", source=src) from exc


def read_biom(
    path: str | os.PathLike, *, kind: Kind | None = None, method: Method = "unknown", max_cells: int = MAX_TABLE_CELLS
) -> Profile:
    """Read a BIOM 1.0 (JSON) or 2.x (HDF5) table with ``biom-format``.

    Observation metadata ``taxonomy`` (list or string) is parsed to ranks; without it, feature
    IDs that are lineages (a QIIME 2 collapsed table: ``d__Bacteria;p__…;g__Blautia``) are parsed
    as the table reader does. Sample × feature
    orientation is BIOM's own (observations are features). An HDF5 file must hold its own data
    (:func:`check_hdf5_self_contained`); a table above ``max_cells`` samples × features is
    refused before it is made dense.
    """
    import biom
    import h5py
    from biom.exception import TableException

    src = str(path)
    kind = check_kind(kind, source=src)
    if h5py.is_hdf5(src):  # by signature, also behind a user block: what biom itself would open as HDF5
        check_hdf5_self_contained(src, max_cells=max_cells)
    try:
        if _starts_with_bom(src):  # JSON saved by a Windows editor: biom's json.load refuses the mark
            from biom.parse import parse_biom_table

            with open(src, encoding="utf-8-sig") as fh:
                table = parse_biom_table(fh)
        else:
            table = biom.load_table(src)
    except (TableException, ValueError, KeyError, TypeError, OSError) as exc:
        if "uplicate" in str(exc):
            for what, ids in _raw_biom_ids(src):
                _check_unique(ids, what, src)
        n_samples = _biom_json_all_zero(src)
        if n_samples is not None:  # biom 2.1 reports an all-zero JSON table as 'Duplicate observation IDs'
            raise MicrobiomeInputError(f"every count in the table is zero: all {n_samples} sample(s) are empty; "
                                       "the file holds no results; ask the lab for the file with the sample's results",
                                       source=src) from exc
        raise MicrobiomeInputError(f"not a readable BIOM table ({exc})", source=src) from exc
    obs_ids = [str(x) for x in table.ids(axis="observation")]
    samp_ids = [str(x) for x in table.ids(axis="sample")]
    _check_unique(samp_ids, "sample", src)
    _check_unique(obs_ids, "feature", src)
    if len(samp_ids) * len(obs_ids) > max_cells:
        raise MicrobiomeInputError(
            f"the table has {len(samp_ids):,} samples × {len(obs_ids):,} features, more than {max_cells:,} cells",
            source=src)
    if not samp_ids or not obs_ids:  # a BIOM 1.0 JSON table of no rows ("rows": [], "data": []): a bare
        # ValueError of pandas until 2026-12-07 (a 500 on upload); now the empty table's own refusal
        validate_table(pd.DataFrame(index=samp_ids, columns=obs_ids, dtype=float), source=src)
    dense = table.matrix_data.toarray().T  # samples × features
    frame = pd.DataFrame(dense, index=samp_ids, columns=obs_ids)
    taxonomy = None
    md = table.metadata(axis="observation")
    if md is not None:
        lineages = {}
        for fid, m in zip(obs_ids, md):
            if not m:
                continue
            for key in ("taxonomy", "Taxonomy", "taxon", "Taxon"):
                if key in m:
                    lineages[fid] = m[key]
                    break
        if lineages:
            taxonomy = taxonomy_frame({fid: lineages.get(fid) for fid in obs_ids})
    notes: tuple[str, ...] = ()
    rank, unrecognised = "feature", ()
    if taxonomy is None and _plain_genera(obs_ids):
        # a genus table whose IDs are genus names alone ('Bacteroides', 'g__Bacteroides')
        taxonomy, unrecognised, note = genus_names_taxonomy(obs_ids, src)
        rank, notes = "genus", (note,)
    elif taxonomy is None and _looks_like_lineage(pd.Index(obs_ids)):
        # a collapsed table (QIIME 2 'taxa collapse', exported): the feature IDs are the lineages
        taxonomy = taxonomy_frame({fid: fid for fid in obs_ids})
        notes = ("taxonomy read from the feature IDs (they are lineages, as in a collapsed table)",)
    frame, taxonomy, host = _without_host_taxa(frame, taxonomy, src)
    if host:
        notes = (*notes, host)
    prof = Profile.from_frame(frame, kind=kind, rank=rank, taxonomy=taxonomy, method=method, source=src,
                              notes=notes, drop_empty=True)
    prof = dataclasses.replace(prof, unrecognised_names=unrecognised)
    return to_relative(prof) if kind == "relative" else prof


def _without_host_taxa(frame: pd.DataFrame, taxonomy: pd.DataFrame | None, src: str,
                       ) -> tuple[pd.DataFrame, pd.DataFrame | None, str | None]:
    """The features whose phylum is Chordata (the host: kraken-biom's BIOM of a stool sample lists
    *Homo sapiens* as ``k__Eukaryota; p__Chordata; …; s__sapiens``) left out, with a note; as the
    Kraken readers do. Every feature of Chordata is refused (nothing of the gut would be left)."""
    if taxonomy is None or "phylum" not in taxonomy or not all(pd.api.types.is_numeric_dtype(t) for t in frame.dtypes):
        return frame, taxonomy, None
    phylum = taxonomy["phylum"].reindex([str(c) for c in frame.columns])
    host = phylum.map(lambda v: isinstance(v, str) and v.casefold() == "chordata").to_numpy(dtype=bool)
    if not host.any():
        return frame, taxonomy, None
    if host.all():
        raise MicrobiomeInputError("every feature is of Chordata (the host, Homo sapiens): no gut bacteria to report",
                                   source=src)
    removed = float(frame.loc[:, host].to_numpy(dtype=float).sum())
    kept = frame.loc[:, ~host]
    note = (f"{int(host.sum())} feature(s) of Chordata (the host, Homo sapiens: not gut microbiota) left out "
            f"({removed:g} in all)")
    return kept, taxonomy.loc[[str(c) for c in kept.columns]], note


def _raw_biom_ids(src: str) -> list[tuple[str, list[str]]]:
    """Sample and feature IDs read straight from the file (to name duplicates biom rejects)."""
    try:
        if sniff_format(src) == "biom-hdf5":
            import h5py

            with h5py.File(src, "r") as fh:
                dec = lambda a: [x.decode() if isinstance(x, bytes) else str(x) for x in a]  # noqa: E731
                return [("sample", dec(fh["sample/ids"][:])), ("feature", dec(fh["observation/ids"][:]))]
        import json

        doc = json.loads(Path(src).read_text(encoding="utf-8-sig"))
        return [("sample", [str(c["id"]) for c in doc["columns"]]), ("feature", [str(r["id"]) for r in doc["rows"]])]
    except (OSError, KeyError, ValueError, TypeError):
        return []


def _starts_with_bom(src: str) -> bool:
    with open(src, "rb") as fh:
        return fh.read(3) == b"\xef\xbb\xbf"


def _biom_json_all_zero(src: str) -> int | None:
    """The number of samples if ``src`` is BIOM 1.0 JSON whose ``data`` holds no non-zero value."""
    import json

    try:
        if sniff_format(src) != "biom-json":
            return None
        doc = json.loads(Path(src).read_text(encoding="utf-8-sig"))
        data, columns = doc["data"], doc["columns"]
        if doc.get("matrix_type") == "dense":
            values = [v for row in data for v in row]
        else:
            values = [entry[2] for entry in data]
        if any(float(v) != 0 for v in values):
            return None
        return len(columns)
    except (OSError, KeyError, ValueError, TypeError, IndexError, AttributeError):
        return None


def _check_unique(ids: list[str], what: str, src: str) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise MicrobiomeInputError(f"duplicate {what} ID {shorten(i)!r}" + (SAME_NAME if what == "sample" else ""),
                                       source=src, **{what: shorten(i)})
        seen.add(i)


# --------------------------------------------------------------------------------------
# delimited tables
# --------------------------------------------------------------------------------------
def _read_text(path_or_buffer) -> tuple[str, str]:
    if hasattr(path_or_buffer, "read"):
        text = path_or_buffer.read()
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
        return text, getattr(path_or_buffer, "name", "<stream>")
    try:
        return Path(path_or_buffer).read_text(encoding="utf-8-sig"), str(path_or_buffer)
    except UnicodeDecodeError as exc:
        raise MicrobiomeInputError(_not_utf8_text(Path(path_or_buffer).read_bytes()),
                                   source=str(path_or_buffer)) from exc


def why_not_text(raw: bytes) -> str:
    """Why ``raw`` (a file's bytes) is not a UTF-8 text table, in the words the readers use (the
    upload's type check says the same: it said only "not a text table" for a gzip, UTF-16 or
    Windows-1252 file)."""
    return _not_utf8_text(raw)


def _not_utf8_text(raw: bytes) -> str:
    """Why a table is not UTF-8 text, and what to do: UTF-16 (a spreadsheet's "Unicode text") is
    named as such; otherwise the first line and byte that are not UTF-8 (a spreadsheet's plain
    "CSV" in Windows-1252: 'Zoë' as byte 0xeb). It said only "not a UTF-8 text table"."""
    if raw.startswith(b"\x1f\x8b"):  # report.txt.gz, feature-table.tsv.gz: a byte 0x8b on line 1
        return "a gzip-compressed file, not a text table: decompress it first (gunzip, or open it with an archive tool)"
    if raw.startswith(b"BZh"):  # bzip2 (MetaPhlAn's --bowtie2out .bz2 sits next to the profile)
        return "a bzip2-compressed file, not a text table: decompress it first (bunzip2)"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw[:200].count(b"\x00") * 3 >= len(raw[:200]) > 0:
        return ("not a UTF-8 text table: this file is UTF-16 (a spreadsheet's \"Unicode text\"); save it as "
                "\"CSV UTF-8\" or as tab-separated text in UTF-8")
    for n, line in enumerate(raw.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = " ".join(f"0x{b:02x}" for b in line[exc.start:exc.end])
            return (f"line {n}: not a UTF-8 text table (byte {bad}, {exc.reason}; a spreadsheet's plain \"CSV\" "
                    "is in the computer's own encoding): save it as \"CSV UTF-8\"")
    return "not a UTF-8 text table"


def read_table(path_or_buffer, *, orientation: Orientation | None = None, sep: str | None = None,
               kind: Kind | None = None, rank: str = "feature", method: Method = "unknown") -> Profile:
    """Read a TSV/CSV abundance table (orientation rule in the module docstring).

    Lines starting with ``# Constructed from biom file`` (QIIME) are skipped. A taxonomy
    column (rule 2) is parsed to ranks; with lineage-like feature IDs, the IDs themselves are
    parsed. ``rank`` says what the features are (e.g. ``"genus"`` for a genus table whose
    column names are genus names).
    """
    text, src = _read_text(path_or_buffer)
    kind = check_kind(kind, source=src)
    numbered = [(n, ln) for n, ln in enumerate(text.splitlines(), start=1)
                if ln.strip() and not ln.startswith("# Constructed from biom")]
    # leading comment lines with no delimiter ('# QIIME v1.9.1 OTU table' of a classic QIIME 1 table,
    # which became the header: 'needs an ID column'); '#OTU ID<TAB>…' is the header and stays
    # ... also when a spreadsheet saved it with the table's width of empty cells ('# QIIME v1.9.1 OTU table,,,':
    # it was the header, "column 2 has values but no name in the header")
    while numbered and numbered[0][1].startswith("#") and (
            not any(c in numbered[0][1] for c in "\t,;")
            or not "".join(re.split(r"[\t,;]", numbered[0][1])[1:]).strip()):
        numbered.pop(0)
    lines = [ln for _, ln in numbered]
    line_numbers = [n for n, _ in numbered]  # the file's line of each entry of lines (to name a bad cell)
    if not lines:
        raise MicrobiomeInputError("the file is empty", source=src)
    notes: list[str] = []
    first = re.split(r"[\t,]", lines[0])
    if (len(first) > 1 and _PREFIX_RE.match(first[0]) and "__" in first[0]
            and all(_NUMBER.match(c.strip()) for c in first[1:] if c.strip())):
        # no header: the first line is already a clade and its numbers (kreport2mpa.py without
        # --display-header); it was read as the header, its numbers as sample names
        cells = "\t" if "\t" in lines[0] else ","
        stem = Path(src).stem if src != "<stream>" else "sample"
        names = [stem] if len(first) == 2 else [f"{stem}_{k}" for k in range(1, len(first))]
        lines = [cells.join(["clade_name", *names]), *lines]
        line_numbers = [0, *line_numbers]  # the header added: on no line of the file
        notes.append(f"no header line: the first line is a clade; sample(s) named {', '.join(names)}")
    if sep is None:
        if "\t" in lines[0]:
            sep = "\t"
        elif ";" in lines[0] and "," not in lines[0]:  # spreadsheet CSV in decimal-comma locales
            sep = ";"
            notes.append("separator ';' (spreadsheet CSV); decimal commas read as points")
        elif len(lines) > 1 and "\t" in lines[1]:  # a one-sample table written by R: 'S1' alone on line 1
            sep = "\t"
        else:
            sep = ","
    lines = _row_names_header(lines, line_numbers, sep, src, notes)
    try:
        raw = pd.read_csv(_io.StringIO("\n".join(lines)), sep=sep, dtype=str, keep_default_na=False,
                          index_col=False)
    except (pd.errors.ParserError, ValueError) as exc:
        raise MicrobiomeInputError(f"cannot parse the table ({exc})", source=src) from exc
    import csv

    rows_read = raw.shape[0]  # one per line after the header, unless a quoted cell spans lines
    header_cells = [c.strip() for c in next(csv.reader([lines[0]], delimiter=sep))]
    # spreadsheet leftovers: columns with no header and no value, rows with no value at all
    blank = pd.DataFrame(_stripped(raw).eq("").to_numpy().reshape(raw.shape), index=raw.index, columns=raw.columns)
    if len(header_cells) == raw.shape[1]:
        empty_cols = [i for i in range(1, raw.shape[1]) if not header_cells[i] and blank.iloc[:, i].all()]
        for i in range(1, raw.shape[1]):
            if not header_cells[i] and i not in empty_cols:
                raise MicrobiomeInputError(f"line {line_numbers[0]}, column {i + 1} has values but no name "
                                           "in the header", source=src)
        if empty_cols:
            keep = [i for i in range(raw.shape[1]) if i not in empty_cols]
            raw, blank = raw.iloc[:, keep], blank.iloc[:, keep]
            header_cells = [header_cells[i] for i in keep]
    raw = raw[~blank.all(axis=1).to_numpy()]
    if raw.shape[1] < 2:
        raise MicrobiomeInputError("the table needs an ID column and at least one data column", source=src)
    # where each row and column of the file is (None when a quoted cell spans lines: no position given)
    row_line: dict[str, int] = {}
    row_lines: dict[str, list[int]] = {}  # every line of a row ID (a duplicate is named by its lines)
    if rows_read == len(line_numbers) - 1:
        for pos, rid in zip(raw.index, raw.iloc[:, 0].map(str)):
            row_line.setdefault(rid, line_numbers[int(pos) + 1])
            row_lines.setdefault(rid, []).append(line_numbers[int(pos) + 1])
    column_of = {}
    for k, cell in enumerate(next(csv.reader([lines[0]], delimiter=sep)), start=1):
        column_of.setdefault(cell.strip(), k)
    header0 = str(raw.columns[0])
    raw = raw.set_index(raw.columns[0])
    raw.index = raw.index.map(str)
    if header0.strip() == "Genome" and orientation is None:
        raw = _coverm_genome_table(raw, src, notes, column_of, line_numbers[0])
    taxcol = next((c for c in raw.columns if str(c).strip().lower() in _TAXONOMY_COLUMNS), None)
    lineages = None
    note: str
    if taxcol is not None:
        lineages = raw[taxcol].to_dict()
        raw = raw.drop(columns=[taxcol])
        # the classifier's confidence next to the taxonomy (QIIME 2 taxonomy.tsv merged in) is not a sample
        extra = [c for c in raw.columns if str(c).strip().lower() in _CLASSIFIER_COLUMNS]
        if extra:
            raw = raw.drop(columns=extra)
            notes.append(f"classifier column(s) {', '.join(repr(str(c)) for c in extra)} next to the taxonomy "
                         "left out (not samples)")
        # a taxonomy file given as the table: QIIME 2's taxonomy.tsv (Feature ID, Taxon, Confidence) left no
        # sample ("the table has no samples"), mothur's .cons.taxonomy (OTU, Size, Taxonomy) its OTU sizes as one
        if raw.shape[1] == 0 or [str(c).strip().lower() for c in raw.columns] == ["size"]:
            raise MicrobiomeInputError(
                f"line {line_numbers[0]}: a taxonomy file ({', '.join(header_cells)}), not a table of samples: give "
                "it as the taxonomy file (--taxonomy; on the upload form, the taxonomy file) next to the feature "
                "table it names", source=src)
    if orientation is None and taxcol is None and header0.strip().lower() == "index":
        # QIIME 2's taxa barplot "Download CSV" (level-6.csv): 'index', one column per lineage, then the
        # samples' metadata (barcode-sequence, body-site, year, subject, …); they were read as taxa
        # ("non-numeric value 'gut' … feature 'body-site'", and numeric ones such as 'year' counted as reads)
        cols = [str(c) for c in raw.columns]
        lineage_at = [i for i, c in enumerate(cols) if "__" in c or ";" in c or "|" in c]
        if lineage_at:
            meta = [c for c in cols[lineage_at[-1] + 1:] if _clean_name(c) is not None]  # 'Unassigned' is a taxon
            if meta:
                raw = raw.drop(columns=meta)
                notes.append(f"QIIME 2 taxa barplot CSV: {len(meta)} sample metadata column(s) after the taxa left "
                             f"out ({describe_ids(meta, 5)})")
    if orientation is not None:
        if orientation not in ("features-as-rows", "samples-as-rows"):
            raise MicrobiomeInputError(f"orientation must be 'features-as-rows' or 'samples-as-rows', "
                                       f"not {orientation!r}", source=src)
        note = f"orientation given: {orientation}"
    elif taxcol is not None:
        orientation, note = "features-as-rows", f"orientation rule 2: taxonomy column {taxcol!r}"
    elif _looks_like_lineage(raw.index) and not _plain_genera(raw.index):
        orientation, note = "features-as-rows", "orientation rule 3: row labels are lineages"
    elif _looks_like_lineage(pd.Index(raw.columns)) and not _plain_genera(raw.columns):
        orientation, note = "samples-as-rows", "orientation rule 3: column labels are lineages"
    elif _plain_genera(raw.index):
        orientation, note = "features-as-rows", "orientation rule 3: row labels are genus names"
    elif _plain_genera(raw.columns):
        orientation, note = "samples-as-rows", "orientation rule 3: column labels are genus names"
    elif header0.strip().lower() in _FEATURE_HEADERS:
        orientation, note = "features-as-rows", f"orientation rule 4: header {header0!r}"
    elif header0.strip().lower() in _SAMPLE_HEADERS:
        orientation, note = "samples-as-rows", f"orientation rule 4: header {header0!r}"
    elif raw.shape[0] > raw.shape[1]:
        orientation, note = "features-as-rows", "orientation rule 5: more rows than columns"
    else:
        orientation, note = "samples-as-rows", "orientation rule 5: not more rows than columns"
    seen: set[str] = set()
    for cell in header_cells[1:]:
        if cell in seen and cell.lower() not in _TAXONOMY_COLUMNS:
            what = "sample" if orientation == "features-as-rows" else "feature"
            raise MicrobiomeInputError(f"duplicate {what} ID {cell!r} in the header"
                                       + (SAME_NAME if what == "sample" else ""), source=src, **{what: cell})
        seen.add(cell)
    dup_rows = raw.index[raw.index.duplicated()]
    if len(dup_rows):  # "duplicate feature ID 'asv1'" alone is hard to find in a 10,000-line export
        rid, what = str(dup_rows[0]), "feature" if orientation == "features-as-rows" else "sample"
        on = row_lines.get(rid, [])
        at = f"lines {', '.join(map(str, on[:3]))}{', …' if len(on) > 3 else ''}, column 1: " if len(on) > 1 else ""
        raise MicrobiomeInputError(f"{at}duplicate {what} ID {shorten(rid)!r} ({len(dup_rows)} duplicate(s) in all)"
                                   + (SAME_NAME if what == "sample" else ""), source=src, **{what: rid})
    if lineages is not None and orientation == "samples-as-rows":
        raise MicrobiomeInputError("a taxonomy column only makes sense with features as rows", source=src)
    # the cells as numbers in a few vectorised passes over the table as read (one column per
    # sample), then transposed: per-column pandas calls on the transposed table took 4 minutes
    # for a 200,000-feature QIIME 2 export (15 MB); empty cells become NaN and a cell that is no
    # number stays text, so validate_table names the missing or bad value's sample and feature
    def at_cell(exc: MicrobiomeInputError) -> MicrobiomeInputError:
        """``exc`` naming the line and column of its sample's and feature's cell, when both are known."""
        row_id, col_id = (exc.feature, exc.sample) if orientation == "features-as-rows" else (exc.sample, exc.feature)
        line, column = row_line.get(str(row_id)), column_of.get(str(col_id).strip())
        if row_id is None or col_id is None or not line or column is None:
            return exc
        text = str(exc).removeprefix(f"{src}: ")
        return type(exc)(f"line {line}, column {column}: {text}", sample=exc.sample, feature=exc.feature, source=src)

    try:
        frame = _numeric_frame(raw, sep, src, notes, features_as_rows=orientation == "features-as-rows")
    except MicrobiomeInputError as exc:
        raise at_cell(exc) from None
    taxonomy = None
    unrecognised: tuple[str, ...] = ()
    if lineages is not None:
        taxonomy = taxonomy_frame(lineages)
        frame, taxonomy, host = _without_host_taxa(frame, taxonomy, src)
        if host:
            notes.append(host)
    elif rank == "feature" and _plain_genera(frame.columns):
        # 'Bacteroides', 'g__Bacteroides', 'Bacteroides spp.': a genus table written with genus names
        # alone (MetaPhlAn g__ names, a Kraken/Bracken genus report, a lab report copied out); they
        # were read as unnamed features (no reference comparison, no eczema-linked taxa check)
        taxonomy, unrecognised, gnote = genus_names_taxonomy(frame.columns, src)
        rank = "genus"
        notes.append(gnote)
    elif rank == "feature" and all(is_single_name(c) for c in frame.columns) and not _looks_like_lineage(
            pd.Index(frame.columns)):
        known = [str(c) for c in frame.columns if recognise_genus(str(c)) is not None]
        if known:  # say why a table with some genus names was not read as a genus table
            notes.append(f"not read as genus names: only {len(known)} of {frame.shape[1]} feature IDs are genera "
                         f"gutskin knows ({describe_ids(known, 3)}), fewer than half; the features are unnamed "
                         "(give lineages, or rank genus if every ID is a genus)")
    elif _looks_like_lineage(pd.Index(frame.columns)):
        if all(pd.api.types.is_numeric_dtype(t) for t in frame.dtypes):  # else validation names the bad cell
            frame, host = without_host(frame)
            if host:
                notes.append(host)
            frame, hier = leaves_only(frame)
            if hier:
                notes.append(hier)
                if method == "unknown":  # clade-at-every-rank tables are what shotgun profilers write
                    method = "shotgun"
                    notes.append("method taken as shotgun: a table with a clade at every rank is what shotgun "
                                 "profilers (MetaPhlAn, Kraken) write; give the method to override")
        taxonomy = taxonomy_frame({c: c for c in frame.columns})
    try:
        prof = Profile.from_frame(frame, kind=kind, rank=rank, method=method, taxonomy=taxonomy,
                                  source=src, notes=(note, *notes), drop_empty=True)
    except MicrobiomeInputError as exc:  # a bad cell: its line and column too (a big table's IDs are hard to find)
        raise at_cell(exc) from None
    prof = dataclasses.replace(prof, unrecognised_names=unrecognised)
    return to_relative(prof) if kind == "relative" else prof


def _row_names_header(lines: list[str], line_numbers: list[int], sep: str, src: str, notes: list[str]) -> list[str]:
    """R's ``write.table(x, sep = "\\t")`` (phyloseq's ``otu_table``, DADA2's ``seqtab``) writes no header
    cell above the row names: every row has one cell more than the header. The header gets an
    empty first cell (noted). Before, the rows' names were read under the first sample's name and
    each sample got its neighbour's values, the last sample's dropped, without a word. A row with
    more filled cells than the header otherwise is refused naming its line (its extra values were
    dropped)."""
    import csv

    def filled(row: list[str]) -> int:
        while row and not row[-1].strip():
            row = row[:-1]
        return len(row)

    try:
        rows = list(csv.reader(lines, delimiter=sep))
    except csv.Error:
        return lines
    if len(rows) != len(lines) or len(rows) < 2:
        return lines
    head = filled(rows[0])
    data = [(n, filled(r)) for n, r in zip(line_numbers[1:], rows[1:]) if filled(r)]
    if head and data and all(k == head + 1 for _, k in data) and len(rows[0]) == head:
        notes.append("the header has one cell fewer than the rows (R's write.table without col.names = NA): "
                     "the first column read as the row names")
        return [sep + lines[0], *lines[1:]]
    over = next(((n, k) for n, k in data if k > len(rows[0])), None)
    if over is not None:
        raise MicrobiomeInputError(f"line {over[0]}: {over[1]} cells with values, but the header (line "
                                   f"{line_numbers[0]}) names {len(rows[0])} columns", source=src)
    return lines


#: what CoverM appends to each sample's column name, one per measure (``coverm genome -m …``)
_COVERM_MEASURE = re.compile(r" (Relative Abundance \(%\)|Trimmed Mean|Mean|Covered Fraction|Covered Bases|Variance|"
                             r"Length|Read Count|Reads per base|RPKM|TPM)$")


def _coverm_genome_table(raw: pd.DataFrame, src: str, notes: list[str], column_of: dict[str, int],
                         header_line: int) -> pd.DataFrame:
    """A CoverM genome table (``coverm genome``: ``Genome``, then ``<sample> Relative Abundance (%)``
    per sample, and an ``unmapped`` row of the reads on no genome): the ``unmapped`` row is not a
    genome (it was counted as one: one more feature, and the taxonomy file was refused for not
    naming it) and is left out (noted; shares are then of the mapped reads), and the measure is
    taken off the sample names. Several measures per sample are refused naming them."""
    cols = [str(c) for c in raw.columns]
    found = [_COVERM_MEASURE.search(c) for c in cols]
    if not all(found):
        return raw
    measures = sorted({m.group(1) for m in found if m})
    names = [_COVERM_MEASURE.sub("", c) for c in cols]
    if len(measures) > 1:
        raise MicrobiomeInputError(
            f"line {header_line}: a CoverM table with {len(measures)} measures per sample "
            f"({', '.join(measures)}); give one, the relative abundance (coverm genome -m relative_abundance)",
            source=src)
    if len(set(names)) == len(names):
        for old, new in zip(cols, names):
            if old in column_of:
                column_of.setdefault(new, column_of[old])
        raw = raw.set_axis(names, axis=1)
        notes.append(f"CoverM genome table: the measure '{measures[0]}' taken off the sample names")
    if "unmapped" in raw.index:
        values = pd.to_numeric(raw.loc["unmapped"], errors="coerce")
        raw = raw.drop(index="unmapped")
        shown = ", ".join(f"{v:g}" for v in values.dropna().unique()[:3])
        notes.append(f"CoverM's 'unmapped' row (reads on no genome: {shown}) left out; the shares are of the "
                     "reads mapped to the genomes")
    return raw


_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+(?:[eE][+-]?\d+)?$")


#: ';'-separated spreadsheet CSV (decimal-comma locales) writes '.' as the thousands separator
#: when a cell is formatted with one: 1.200 is twelve hundred there, 1,2 one point two
_DOT_GROUPED = re.compile(r"^[+-]?[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?$")


def _stripped(raw: pd.DataFrame) -> pd.Series:
    """Every cell of ``raw`` (row by row) as text without blanks around it; a missing cell is ''."""
    flat = pd.Series(raw.to_numpy(dtype=object).ravel(), dtype=object)
    return flat.where(flat.map(type) == str, "").str.strip()


_POINT_DECIMAL = re.compile(r"^[+-]?\d*\.\d+(?:[eE][+-]?\d+)?$")


def spreadsheet_decimals(text: pd.Series) -> tuple[pd.Series, str | None, int | None]:
    """Cells of a ';'-separated spreadsheet CSV (decimal-comma locales) made readable by
    ``pd.to_numeric``: decimal commas become points, and a '.'-grouped number (``1.200``,
    ``12.345,5``) is thousands when the cells' decimal commas show the locale writes them. Without
    decimal commas, ``1.200`` is 1.2 when other cells show the dot is a decimal point (``0.25``),
    else ambiguous. Returns the cells, a note (thousands read) and the position of the first
    ambiguous cell (``None`` when there is none)."""
    grouped = text.str.match(_DOT_GROUPED)
    note = None
    if grouped.any():
        if text.str.match(_DECIMAL_COMMA).any() or text[grouped].str.contains(",", regex=False).any():
            text = text.mask(grouped, text.str.replace(".", "", regex=False))
            note = "'.' read as a thousands separator (1.200 = 1200): the file writes decimal commas"
        elif not (text.str.match(_POINT_DECIMAL) & ~grouped).any():
            return text, None, int(np.flatnonzero(grouped.to_numpy())[0])
    text = text.mask(text.str.match(_DECIMAL_COMMA) | text.str.match(_DOT_GROUPED), text.str.replace(",", ".", regex=False))
    return text, note, None


def ambiguous_thousands(cell: str) -> str:
    """The end of the message for a cell :func:`spreadsheet_decimals` found ambiguous."""
    return (f"could be {cell.replace('.', '')} (with '.' as a thousands separator, as spreadsheets in decimal-comma "
            f"locales write it) or {float(cell)!r}; save the numbers without a thousands separator")


def _numeric_frame(raw: pd.DataFrame, sep: str, src: str, notes: list[str], *, features_as_rows: bool) -> pd.DataFrame:
    """``raw``'s text cells as float64 (empty -> NaN). With ``sep == ';'`` decimal commas are read
    as points, and a '.'-grouped number (``1.200``, ``12.345,5``) as thousands when the file's
    decimal commas show the locale writes them; without decimal commas, ``1.200`` could be 1.2 or
    1200 and is refused unless other cells (``0.25``) show the dot is a decimal point. A table with
    a cell that is no number keeps its text in that column (validate_table names it)."""
    text = _stripped(raw)
    if sep == ";":
        text, note, k = spreadsheet_decimals(text)
        if note:
            notes.append(note)
        if k is not None:
            row, col = divmod(k, raw.shape[1])
            feature, sample = (raw.index[row], raw.columns[col]) if features_as_rows else (raw.columns[col], raw.index[row])
            raise MicrobiomeInputError(
                f"{text.iloc[k]!r} for sample {str(sample)!r}, feature {str(feature)!r} {ambiguous_thousands(text.iloc[k])}",
                sample=str(sample), feature=str(feature), source=src)
    numbers = pd.to_numeric(text.mask(text == ""), errors="coerce")
    values = numbers.to_numpy(dtype=np.float64).reshape(raw.shape)
    bad = (numbers.isna() & (text != "")).to_numpy().reshape(raw.shape)
    cells = text.to_numpy(dtype=object).reshape(raw.shape)
    if features_as_rows:
        values, bad, cells = values.T, bad.T, cells.T
        frame = pd.DataFrame(values, index=raw.columns, columns=raw.index)
    else:
        frame = pd.DataFrame(values, index=raw.index, columns=raw.columns)
    for j in np.flatnonzero(bad.any(axis=0)):  # a feature with a cell that is no number keeps its text
        column = pd.Series(values[:, j], dtype=object)
        column[bad[:, j]] = cells[:, j][bad[:, j]]
        frame.isetitem(int(j), column.to_numpy())
    return frame


def _to_numeric_or_keep(col: pd.Series) -> pd.Series:
    conv = pd.to_numeric(col, errors="coerce")
    return conv if (conv.notna() | col.isna()).all() else col


# --------------------------------------------------------------------------------------
# MetaPhlAn
# --------------------------------------------------------------------------------------
def read_metaphlan(path_or_buffer, *, rank: str = "species", sample_id: str | None = None) -> Profile:
    """Read a MetaPhlAn 2, 3 or 4 profile (single sample or ``merge_metaphlan_tables.py`` output;
    MetaPhlAn 2's has no ``#clade_name`` header: clade and percent under ``#SampleID``).

    Rows are clades at every rank (``k__Bacteria|p__...|s__Genus_species``); the rows that end
    exactly at ``rank`` (default species; ``t__`` SGB rows are ignored) form the table, and
    their clade path is the taxonomy. Values are MetaPhlAn's relative abundances (percent);
    they are divided by their per-sample total at that rank, so each sample sums to 1 over the
    classified clades (MetaPhlAn 4's ``UNCLASSIFIED`` row is left out and noted). The result
    has ``kind="relative"`` and ``method="shotgun"``.
    """
    text, src = _read_text(path_or_buffer)
    lines = text.splitlines()
    header = None
    body: list[str] = []
    file_sample = None
    head_line = next((ln for ln in lines if ln.lstrip("#").startswith(("clade_name", "ID"))), "")
    if "\t" not in head_line and "," in head_line:  # a merged table saved by a spreadsheet as CSV
        lines = [ln.replace(",", "\t") for ln in lines]
    for file_lineno, ln in enumerate(lines, start=1):
        if not ln.strip():
            continue
        if ln.startswith("#"):
            cells = ln.lstrip("#").split("\t")
            if cells[0].strip() == "SampleID" and len(cells) > 1:
                file_sample = cells[1].strip()
            if cells[0].strip() == "clade_name":
                header = cells
            continue
        if header is None and ln.split("\t")[0].strip() in ("clade_name", "ID"):
            header = ln.split("\t")
            continue
        body.append((file_lineno, ln))
    mpa2_note = None
    if header is None and body and all(len(ln.split("\t")) == 2 and _PREFIX_RE.match(ln.split("\t")[0])
                                       for _, ln in body):
        # MetaPhlAn 2: '#SampleID<TAB>Metaphlan2_Analysis', then clade and percent with no header line
        # (HMP and curatedMetagenomicData-era profiles); it was "not a MetaPhlAn profile"
        header = ["clade_name", "relative_abundance"]
        mpa2_note = "MetaPhlAn 2 profile (clade and relative abundance, no #clade_name header)"
    if header is None:
        raise MicrobiomeInputError("not a MetaPhlAn profile (no clade_name header)", source=src)
    header = [h.strip() for h in header]
    value_cols = [i for i, h in enumerate(header) if i > 0 and h not in ("NCBI_tax_id", "clade_taxid",
                                                                        "additional_species")]
    single = header[value_cols[0]] == "relative_abundance" if value_cols else False
    if single:
        value_cols = value_cols[:1]
        if file_sample in ("Metaphlan_Analysis", "Metaphlan2_Analysis"):  # the default without --sample_id
            file_sample = None
        name = sample_id or file_sample or (Path(src).stem if src not in ("<stream>",) else "sample")
        samples = [name]
    else:
        samples = [header[i] for i in value_cols]
        if sample_id is not None and len(samples) == 1:
            samples = [sample_id]
    if not value_cols:
        raise MicrobiomeInputError("the MetaPhlAn header has no sample columns", source=src)
    code = {v: k for k, v in _PREFIX.items() if k != "d"}[rank] if rank in RANKS else None
    if code is None:
        raise MicrobiomeInputError(f"unknown rank {rank!r}", source=src)
    rows: dict[str, list[str]] = {}
    unclassified = None
    for lineno, ln in body:
        cells = ln.split("\t")
        clade = cells[0].strip()
        if clade.upper() in ("UNCLASSIFIED", "UNKNOWN"):
            unclassified = cells
            continue
        last = re.split(r"[|;]", clade)[-1].strip()  # '|' (MetaPhlAn), ';' (its GTDB profiles, sgb_to_gtdb_profile.py)
        if not last.startswith(f"{code}__"):
            continue
        if len(cells) <= max(value_cols):
            raise MicrobiomeInputError(f"line {lineno}: {len(cells)} column(s), the header has {len(header)}: line for "
                                       f"clade {clade!r} has too few columns", feature=clade, source=src)
        if clade in rows:
            raise MicrobiomeInputError(f"line {lineno}, column 1: duplicate clade {clade!r}", feature=clade, source=src)
        for i in value_cols:  # named by line and column: a clade path is long and the sample may be unnamed
            cell = cells[i].strip()
            if cell and not _NUMBER.match(cell):
                raise MicrobiomeInputError(
                    f"line {lineno}, column {i + 1} ({header[i]!r}): {shorten(cell)!r} is not a number "
                    f"(clade {shorten(clade.rsplit('|', 1)[-1])})", feature=clade, source=src)
        rows[clade] = [cells[i].strip() for i in value_cols]
    if not rows:
        if all(ln.split("\t")[0].strip().upper() in ("UNCLASSIFIED", "UNKNOWN") for _, ln in body):
            # MetaPhlAn 4 with no marker hit writes 'UNCLASSIFIED -1 100.0', MetaPhlAn 3 only its header lines:
            # "no clades at rank 'species'" did not say that the run named nothing at all
            what = "only an UNCLASSIFIED line" if body else "no clade lines, only its header"
            raise MicrobiomeInputError(f"the MetaPhlAn profile names no microbes ({what}): MetaPhlAn found none of "
                                       "its marker genes in the reads (too few microbial reads, or a failed run), so "
                                       "there is nothing to measure", source=src)
        raise MicrobiomeInputError(f"no clades at rank {rank!r} in the profile", source=src)
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=samples).T
    frame = frame.apply(_to_numeric_or_keep)
    frame = validate_table(frame, source=src, allow_empty=True)  # names bad cells, negative values
    frame = frame.div(frame.sum(axis=1).where(lambda t: t > 0, 1.0), axis=0)  # empty samples stay 0 (dropped below)
    taxonomy = taxonomy_frame({c: c for c in frame.columns})
    feature_names = [taxonomy.at[c, rank] or c for c in frame.columns]
    if len(set(feature_names)) == len(feature_names):
        taxonomy.index = feature_names
        frame.columns = feature_names
    notes = ["MetaPhlAn relative abundances renormalised to sum to 1 over classified "
             f"{rank}-level clades"]
    if unclassified is not None:
        notes.append("MetaPhlAn UNCLASSIFIED fraction left out")
    if mpa2_note:
        notes.insert(0, mpa2_note)
    return Profile.from_frame(frame, kind="relative", rank=rank, method="shotgun", taxonomy=taxonomy,
                              source=src, notes=tuple(notes), drop_empty=True)


# --------------------------------------------------------------------------------------
# Kraken 2 / Bracken reports
# --------------------------------------------------------------------------------------
#: a report line; the rank code is '-' for a clade off the main ranks in Kraken 1 and Kraken 2 before
#: 2.0.8 (and in kraken-biom's and MultiQC's examples), 'R1'/'G1'/'S1' since: both are folded into the parents
_KREPORT_RE = re.compile(r"^\s*\d+(?:\.\d+)?\t\d+\t\d+\t(?:\d+\t\d+\t)?(?:[URDKPCOFGS]\d*|-)\t\d+\t")
_KRAKEN_RANKS = {"D": "d", "K": "k", "P": "p", "C": "c", "O": "o", "F": "f", "G": "g", "S": "s"}
_BRACKEN_HEADER = ("name", "taxonomy_id", "taxonomy_lvl")
#: NCBI taxids of the host genus a stool sample's reads may come from: Homo (9605). Bracken's per-rank
#: output has no lineage, so the Chordata rule of the Kraken report reader cannot apply; without this,
#: human reads counted as one more gut genus.
_HOST_TAXIDS = frozenset({"9605"})
#: Bracken's ``taxonomy_lvl`` codes in plain words (a refusal of a level other than G names them so)
_BRACKEN_LEVELS = {"S": "species", "F": "family", "O": "order", "C": "class", "P": "phylum", "K": "kingdom",
                   "D": "domain", "G": "genus"}


def read_bracken_genus(path: str | os.PathLike) -> Profile:
    """Read Bracken's per-rank output at genus level (``bracken -l G``: ``name``, ``taxonomy_id``,
    ``taxonomy_lvl`` G, …, ``new_est_reads``): one sample (named after the file), one feature per
    genus, counts from ``new_est_reads``, ``method="shotgun"``, ``rank="genus"``.

    Every row's level says it is a genus, so each name is that genus (spelled as gutskin's known
    genera spell it when it is one). The host's genus (*Homo*, NCBI taxid 9605: human reads of a
    stool sample classified with a database holding the human genome) is left out and noted, as
    the Kraken report reader leaves out Chordata. A cell of ``new_est_reads`` that is no number is
    refused naming its line and column. Output at another level (species: ``-l S``) names taxa
    without their lineage and is refused, saying to give the genus output or the Bracken report.
    """
    text, src = _read_text(path)
    rows = [ln.split("\t") for ln in text.splitlines() if ln.strip()]
    header = [c.strip().lower() for c in rows[0]]
    if "new_est_reads" not in header:
        raise MicrobiomeInputError("Bracken output without a 'new_est_reads' column", source=src)
    i_name, i_lvl, i_reads = header.index("name"), header.index("taxonomy_lvl"), header.index("new_est_reads")
    body = rows[1:]
    if not body:
        raise MicrobiomeInputError("the Bracken output lists no taxa", source=src)
    levels = sorted({(r[i_lvl].strip() if len(r) > i_lvl else "") for r in body})
    if levels != ["G"]:
        # in plain words first (a parent uploads what the lab sent, 2026-12-07), then the lab's hint
        words = [_BRACKEN_LEVELS.get(x.upper(), f"level {x!r}" if x else "no level") for x in levels]
        by = words[0] if len(words) == 1 else "a mix of levels (" + ", ".join(words) + ")"
        raise MicrobiomeInputError(
            f"this file lists the microbes by {by}, not by genus (Bracken's {by}-level results); gutskin's report "
            "compares genera, the group above species, which this file does not give. Nothing was read. "
            "Ask the lab for the same results at genus level, or for the full Bracken report. For the lab: "
            f"Bracken's per-rank output at level {', '.join(repr(x) for x in levels)} names taxa without their "
            "lineage; give its genus-level output (bracken -l G) or the Bracken report (bracken -w, e.g. "
            "sample_bracken_species.kreport), which is read with the lineages", source=src)
    values: dict[str, object] = {}
    i_taxid = header.index("taxonomy_id")
    host_reads = 0.0
    for n, r in enumerate(body, start=2):
        if len(r) <= max(i_name, i_reads, i_taxid):
            raise MicrobiomeInputError(f"line {n} has {len(r)} columns; the header has {len(header)}", source=src)
        name = r[i_name].strip()
        if name in values:
            raise MicrobiomeInputError(f"line {n}: genus {shorten(name)!r} is listed twice", feature=name, source=src)
        cell = r[i_reads].strip()
        if not _NUMBER.match(cell):
            raise MicrobiomeInputError(f"line {n}, column {i_reads + 1} ('new_est_reads'): {shorten(cell)!r} is not a "
                                       f"number of reads (genus {shorten(name)})", feature=name, source=src)
        if r[i_taxid].strip() in _HOST_TAXIDS:  # the human host (Homo, NCBI 9605), as the Kraken reader leaves out
            host_reads += float(cell)
            continue
        values[name] = float(cell)
    if not values:
        raise MicrobiomeInputError("the Bracken output lists no genus but the host's (Homo)", source=src)
    stem = Path(src).stem if src != "<stream>" else "sample"
    frame = pd.DataFrame([values], index=[stem])
    tax = pd.DataFrame(None, index=list(values), columns=list(RANKS), dtype=object)
    for name in values:
        tax.at[name, "genus"] = recognise_genus(name) or _clean_name(name)
    note = (f"Bracken genus-level output (taxonomy_lvl G): {len(values)} genera, counts from new_est_reads; "
            f"sample named {stem!r} after the file")
    notes = (note,) if not host_reads else (note, f"{host_reads:g} reads of Homo (the host) left out")
    return Profile.from_frame(frame, kind="counts", rank="genus", method="shotgun", taxonomy=tax, source=src,
                              notes=notes, drop_empty=True)


def read_kraken_report(path_or_buffer, *, rank: str = "feature", sample_id: str | None = None) -> Profile:
    """Read a Kraken 2 report (``--report``; also Bracken's re-estimated ``*.kreport``).

    Columns: percent, reads in the clade, reads assigned directly, rank code (U, R, D, K, P, C,
    O, F, G, S, or an intermediate such as G1/S1), NCBI taxid, and the name indented two spaces
    per level (``--report-minimizer-data`` adds two columns before the rank code). The
    indentation gives each clade's lineage; clades at the eight main ranks become rows
    ``d__Bacteria|p__Firmicutes|…|s__Blautia_obeum`` holding their clade reads, and, as in
    any hierarchical table (:func:`leaves_only`), only the leaf clades are counted (reads a
    genus holds beyond its listed species are not). With ``rank`` (e.g. ``"genus"``) the
    clades at that rank are the features instead, with their clade reads, as for MetaPhlAn.
    Unclassified reads and reads of Chordata (the host, *Homo sapiens*, in a stool sample
    classified with a database that has the human genome) are left out (noted): they are not
    gut microbiota, and the human species would count as one more feature.
    One sample, named ``sample_id`` or after the file; the values are read counts.
    """
    text, src = _read_text(path_or_buffer)
    stack: list[tuple[int, str]] = []  # (indent, "p__Firmicutes") of the current ancestors
    rows: dict[str, float] = {}
    unclassified = 0.0
    for lineno, ln in enumerate(text.splitlines(), start=1):
        if not ln.strip() or ln.startswith("#") or ln.lower().startswith("%"):
            continue
        cells = ln.split("\t")
        if not _KREPORT_RE.match(ln) or len(cells) not in (6, 8):
            raise MicrobiomeInputError(f"line {lineno} is not a Kraken report line ({shorten(ln.strip())!r})",
                                       source=src)
        rank_code, raw_name = cells[-3], cells[-1]
        reads = float(cells[1])
        name = raw_name.strip()
        indent = len(raw_name) - len(raw_name.lstrip(" "))
        if rank_code == "U":
            unclassified += reads
            continue
        while stack and stack[-1][0] >= indent:
            stack.pop()
        code = _KRAKEN_RANKS.get(rank_code)
        if code is None:  # root, or an intermediate rank (G1, S1 strains): not a column of the lineage
            continue
        stack.append((indent, f"{code}__{name.replace(' ', '_')}"))
        lineage = "|".join(t for _, t in stack)
        if lineage in rows:
            raise MicrobiomeInputError(f"duplicate clade {shorten(lineage)!r}", feature=lineage, source=src)
        rows[lineage] = reads
    host = [k for k in rows if "|p__Chordata" in k]  # human (host) reads: not gut microbiota
    host_reads = 0.0
    for top in [k for k in host if k.endswith("|p__Chordata")]:
        host_reads += rows[top]
        for k in list(rows):  # its ancestors (Eukaryota, Metazoa) lose those reads too
            if top.startswith(k + "|"):
                rows[k] -= rows[top]
                if rows[k] <= 0:
                    del rows[k]
    for k in host:
        rows.pop(k, None)
    if not rows:
        raise MicrobiomeInputError("the Kraken report lists no classified clade", source=src)
    name = sample_id or (Path(src).stem if src != "<stream>" else "sample")
    notes = ["Kraken 2 report: clade read counts, lineages from the indentation"]
    if rank in RANKS:
        code = {v: k for k, v in _PREFIX.items() if k != "d"}[rank]
        rows = {k: v for k, v in rows.items() if k.rsplit("|", 1)[-1].startswith(f"{code}__")}
        if not rows:
            raise MicrobiomeInputError(f"no clades at rank {rank!r} in the Kraken report", source=src)
        frame = pd.DataFrame([rows], index=[name], dtype=float)
    elif rank == "feature":
        frame = pd.DataFrame([rows], index=[name], dtype=float)
        frame, hier = leaves_only(frame)
        if hier:
            notes.append(hier)
    else:
        raise MicrobiomeInputError(f"unknown rank {rank!r}", source=src)
    if unclassified:
        notes.append(f"{unclassified:g} unclassified reads left out")
    if host:
        notes.append(f"{host_reads:g} reads of Chordata (the host: Homo sapiens) left out")
    taxonomy = taxonomy_frame({c: c for c in frame.columns})
    return Profile.from_frame(frame, kind="counts", rank=rank, method="shotgun", taxonomy=taxonomy, source=src,
                              notes=tuple(notes), drop_empty=True)


#: KrakenUniq's rank words as Kraken 2's rank codes; any other rank ('no rank', 'clade', 'subgenus') is '-'
_KRAKENUNIQ_RANKS = {"superkingdom": "D", "domain": "D", "kingdom": "K", "phylum": "P", "class": "C",
                     "order": "O", "family": "F", "genus": "G", "species": "S"}


def read_krakenuniq_report(path: str | os.PathLike, *, rank: str = "feature") -> Profile:
    """Read a KrakenUniq report (``--report-file``; nf-core/taxprofiler runs it): ``#`` lines, then
    ``%  reads  taxReads  kmers  dup  cov  taxID  rank  taxName`` with the rank as a word and the
    name indented as in a Kraken report. Each line is read as the Kraken 2 report line it stands
    for (clade reads, rank word as rank code, ``unclassified``/taxID 0 as ``U``), so lineages,
    leaf clades, unclassified and host reads are handled as :func:`read_kraken_report` does;
    errors name the file's own line. Before: "duplicate feature ID '100'" (read as a table).
    """
    text, src = _read_text(path)
    out: list[str] = []
    seen_header = False
    for n, ln in enumerate(text.splitlines(), start=1):
        if not ln.strip() or ln.startswith("#"):
            out.append(ln)
            continue
        cells = ln.split("\t")
        if not seen_header and cells[0].strip() == "%":
            seen_header = True
            out.append("#" + ln)
            continue
        if len(cells) != 9 or not _NUMBER.match(cells[1].strip()) or not cells[6].strip().isdigit():
            raise MicrobiomeInputError(f"line {n}: not a KrakenUniq report line (expected 9 tab-separated columns: "
                                       f"%, reads, taxReads, kmers, dup, cov, taxID, rank, taxName; got "
                                       f"{shorten(ln.strip())!r})", source=src)
        taxid, word, name = cells[6].strip(), cells[7].strip().lower(), cells[8]
        code = "U" if taxid == "0" else _KRAKENUNIQ_RANKS.get(word, "-")
        reads = cells[1].strip()
        out.append(f"{cells[0].strip() or '0'}\t{int(float(reads))}\t{cells[2].strip() or '0'}\t{code}\t{taxid}\t{name}")
    buf = _io.StringIO("\n".join(out) + "\n")
    buf.name = src  # errors and the sample's name: the file's
    prof = read_kraken_report(buf, rank=rank)
    return dataclasses.replace(prof, notes=tuple(n.replace("Kraken 2 report:", "KrakenUniq report:") for n in prof.notes))


_EMU_RANKS = {"superkingdom": "kingdom", "phylum": "phylum", "class": "class", "order": "order", "family": "family",
              "genus": "genus", "species": "species"}


def read_emu(path: str | os.PathLike) -> Profile:
    """Read Emu's per-sample output (``emu abundance``: ``<sample>_rel-abundance.tsv``; long-read 16S).

    Columns ``tax_id``, ``abundance`` (a fraction), then the lineage one rank per column
    (``species``, ``genus``, ``family``, ``order``, ``class``, ``phylum``, ``clade``,
    ``superkingdom``, …) and, with ``--keep-counts``, ``estimated counts``. One sample named after
    the file (``_rel-abundance`` taken off); one feature per row, named by its species (or its
    ``tax_id`` when Emu gives none: the ``unassigned`` row, which is left out and noted); the
    values are the estimated counts when present (``kind="counts"``), else the abundances
    (``kind="relative"``); ``method="16S"``. Before: "non-numeric value 'Blautia obeum' for sample
    '40520', feature 'species'" (read as a table of numbers).
    """
    text, src = _read_text(path)
    numbered = [(n, ln) for n, ln in enumerate(text.splitlines(), start=1) if ln.strip()]
    header = [c.strip().lower() for c in numbered[0][1].split("\t")]
    i_ab = header.index("abundance")
    i_counts = header.index("estimated counts") if "estimated counts" in header else None
    ranks = {_EMU_RANKS[h]: i for i, h in enumerate(header) if h in _EMU_RANKS}
    values: dict[str, float] = {}
    lineages: dict[str, dict[str, str | None]] = {}
    unassigned = 0.0
    for n, ln in numbered[1:]:
        cells = ln.split("\t")
        if len(cells) < len(header) and len(cells) <= max(i_ab, i_counts or 0, *ranks.values()):
            raise MicrobiomeInputError(f"line {n}: {len(cells)} column(s), the header has {len(header)}", source=src)
        col = i_counts if i_counts is not None else i_ab
        cell = cells[col].strip()
        if not _NUMBER.match(cell):
            raise MicrobiomeInputError(f"line {n}, column {col + 1} ({header[col]!r}): {shorten(cell)!r} is not a "
                                       "number", source=src)
        tax_id = cells[0].strip()
        species = cells[ranks["species"]].strip() if "species" in ranks else ""
        if tax_id.lower() == "unassigned" or not species:
            unassigned += float(cell)
            continue
        name = species if species not in values else f"{species} ({tax_id})"
        if name in values:
            raise MicrobiomeInputError(f"line {n}, column 1: tax_id {shorten(tax_id)!r} is listed twice", source=src)
        values[name] = float(cell)
        lineages[name] = {r: (_clean_name(cells[i]) if i < len(cells) else None) for r, i in ranks.items()}
    if not values:
        raise MicrobiomeInputError("the Emu output lists no assigned taxon", source=src)
    stem = Path(src).stem if src != "<stream>" else "sample"
    stem = re.sub(r"_rel-abundance$", "", stem)
    frame = pd.DataFrame([values], index=[stem])
    tax = pd.DataFrame.from_dict(lineages, orient="index").reindex(columns=list(RANKS)).astype(object)
    notes = [f"Emu output: {len(values)} taxa, "
             + ("estimated counts" if i_counts is not None else "relative abundances") + f"; sample named {stem!r}"]
    if unassigned:
        notes.append(f"the unassigned share ({unassigned:g}) left out")
    return Profile.from_frame(frame, kind="counts" if i_counts is not None else "relative", rank="species",
                              method="16S", taxonomy=tax, source=src, notes=tuple(notes), drop_empty=True)


# --------------------------------------------------------------------------------------
# mothur .shared
# --------------------------------------------------------------------------------------
_MOTHUR_HEADER = ("label", "group", "numotus")


def read_mothur_shared(path: str | os.PathLike, *, kind: Kind | None = None, rank: str = "feature",
                       method: Method = "unknown") -> Profile:
    """Read a mothur ``.shared`` file (``make.shared``; e.g. ``stability.opti_mcc.shared``).

    Tab-separated, one row per sample: ``label`` (the OTU distance, ``0.03``, or ``ASV``),
    ``Group`` (the sample), ``numOtus`` (how many OTU columns follow), then one read count per
    OTU (``Otu001``, …). ``label`` and ``numOtus`` are not samples or OTUs: read as a plain
    table, ``label`` became the sample ID ("duplicate sample ID '0.03'") and ``numOtus`` an OTU.
    A file with more than one label (OTUs at several distances) is refused naming the line where
    the second begins; a row whose ``numOtus`` or number of counts does not match the header's
    OTUs, and a count that is no whole number, are refused naming line and column. The method is
    taken as 16S when not given (mothur clusters amplicons; noted). OTU names carry no taxonomy:
    give mothur's ``.cons.taxonomy`` as the taxonomy file to name them.
    """
    text, src = _read_text(path)
    numbered = [(n, ln.rstrip("\r")) for n, ln in enumerate(text.splitlines(), start=1) if ln.strip()]
    if not numbered:
        raise MicrobiomeInputError("the file is empty", source=src)
    hline, header_text = numbered[0]
    header = header_text.rstrip("\t").split("\t")
    if tuple(c.strip().lower() for c in header[:3]) != _MOTHUR_HEADER:
        raise MicrobiomeInputError(f"line {hline}: not a mothur .shared header (expected label, Group, numOtus, "
                                   f"then the OTU names; got {shorten(header_text)!r})", source=src)
    otus = [c.strip() for c in header[3:]]
    if not otus:
        raise MicrobiomeInputError(f"line {hline}: the header names no OTU after numOtus", source=src)
    seen: set[str] = set()
    for k, otu in enumerate(otus, start=4):
        if not otu or otu in seen:
            what = "an empty OTU name" if not otu else f"OTU {shorten(otu)!r} a second time"
            raise MicrobiomeInputError(f"line {hline}, column {k}: {what}", feature=otu, source=src)
        seen.add(otu)
    label = None
    values: dict[str, list[int]] = {}
    for n, ln in numbered[1:]:
        cells = ln.split("\t")
        while len(cells) > 3 + len(otus) and not cells[-1].strip():  # a trailing tab
            cells.pop()
        if len(cells) < 3:
            raise MicrobiomeInputError(f"line {n}: {len(cells)} column(s); a .shared row is label, Group, numOtus "
                                       "and one count per OTU", source=src)
        row_label, group, num = cells[0].strip(), cells[1].strip(), cells[2].strip()
        if label is None:
            label = row_label
        elif row_label != label:
            raise MicrobiomeInputError(
                f"line {n}: label {shorten(row_label)!r} after rows of label {shorten(label)!r}: this .shared file "
                "holds OTUs at more than one distance; give one label (mothur: make.shared(..., label="
                f"{label}) or get.label)", source=src)
        if not group:
            raise MicrobiomeInputError(f"line {n}, column 2 (Group): no sample name", source=src)
        if group in values:
            raise MicrobiomeInputError(f"line {n}, column 2 (Group): sample {shorten(group)!r} is listed twice",
                                       sample=group, source=src)
        if num != str(len(otus)):
            raise MicrobiomeInputError(f"line {n}, column 3 (numOtus): {shorten(num)!r}, but the header names "
                                       f"{len(otus)} OTUs", sample=group, source=src)
        counts = cells[3:]
        if len(counts) != len(otus):
            raise MicrobiomeInputError(f"line {n}: {len(counts)} count(s) for sample {shorten(group)!r}; the header "
                                       f"names {len(otus)} OTUs", sample=group, source=src)
        row: list[int] = []
        for k, (otu, cell) in enumerate(zip(otus, counts), start=4):
            cell = cell.strip()
            if not cell.isdigit():
                raise MicrobiomeInputError(f"line {n}, column {k}: expected a whole read count for sample "
                                           f"{shorten(group)!r}, OTU {shorten(otu)!r}, got {shorten(cell)!r}",
                                           sample=group, feature=otu, source=src)
            row.append(int(cell))
        values[group] = row
    if not values:
        raise MicrobiomeInputError("the .shared file lists no sample", source=src)
    frame = pd.DataFrame.from_dict(values, orient="index", columns=otus, dtype=float)
    notes = [f"mothur .shared (label {label}): {len(values)} sample(s) from Group, {len(otus)} OTUs; "
             "label and numOtus are not data"]
    if method == "unknown":
        method = "16S"
        notes.append("method taken as 16S: mothur clusters amplicon reads; give the method to override")
    prof = Profile.from_frame(frame, kind=kind, rank=rank, method=method, source=src, notes=tuple(notes),
                              drop_empty=True)
    return to_relative(prof) if kind == "relative" else prof


# --------------------------------------------------------------------------------------
# QIIME 2 artifacts (.qza)
# --------------------------------------------------------------------------------------
#: What each QIIME 2 semantic type holds, and its file inside the artifact's ``data/`` folder.
QZA_MEMBERS: dict[str, tuple[str, str]] = {
    "FeatureTable[Frequency]": ("table", "feature-table.biom"),
    "FeatureTable[RelativeFrequency]": ("table", "feature-table.biom"),
    "FeatureTable[Composition]": ("table", "feature-table.biom"),
    "FeatureData[Taxonomy]": ("taxonomy", "taxonomy.tsv"),
    "Phylogeny[Rooted]": ("tree", "tree.nwk"),
}
_QZA_WANTS = {"table": "a feature table (FeatureTable[Frequency] or FeatureTable[RelativeFrequency])",
              "taxonomy": "a taxonomy (FeatureData[Taxonomy])", "tree": "a rooted tree (Phylogeny[Rooted])"}


def is_qza(path: str | os.PathLike) -> bool:
    """True for a zip file (a QIIME 2 artifact is one; nothing else we read is)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def extract_qza(path: str | os.PathLike, want: str, out_dir: str, *, max_bytes: int) -> tuple[str, str]:
    """Extract the data file of a QIIME 2 artifact into ``out_dir``; return (its path, its type).

    A ``.qza`` is a zip holding ``<uuid>/metadata.yaml`` (``type: FeatureTable[Frequency]``) and
    ``<uuid>/data/`` with the payload: ``feature-table.biom`` (BIOM 2.1 HDF5) for feature tables,
    ``taxonomy.tsv`` for a taxonomy, ``tree.nwk`` for a rooted tree. ``want`` is ``"table"``,
    ``"taxonomy"`` or ``"tree"``; an artifact of another type is refused naming its type (and the
    export command for it). The payload is read in chunks and refused beyond ``max_bytes``
    (a zip's declared sizes can lie), and only that one member is written, under a fixed name.
    """
    import zipfile

    src = str(path)
    try:
        zf = zipfile.ZipFile(src)
    except (zipfile.BadZipFile, OSError) as exc:
        raise MicrobiomeInputError(f"not a readable QIIME 2 artifact (.qza zip): {exc}", source=src) from exc
    with zf:
        names = zf.namelist()
        meta = [n for n in names if n.count("/") == 1 and n.endswith("/metadata.yaml")]
        if len(meta) != 1:
            raise MicrobiomeInputError("a zip file, but not a QIIME 2 artifact (no <uuid>/metadata.yaml)", source=src)
        root = meta[0].split("/")[0]
        try:
            text = zf.read(meta[0])[:65536].decode("utf-8")
        except (UnicodeDecodeError, zipfile.BadZipFile, OSError, RuntimeError) as exc:
            raise MicrobiomeInputError(f"the artifact's metadata.yaml is unreadable ({exc})", source=src) from exc
        qtype = next((ln.split(":", 1)[1].strip().strip("'\"") for ln in text.splitlines()
                      if ln.startswith("type:")), "")
        kind, member = QZA_MEMBERS.get(qtype, ("", ""))
        if kind != want:
            hint = {"taxonomy": "; it names the features: give it as the taxonomy file (--taxonomy)",
                    "tree": "; give it as the tree (--tree)",
                    "table": "; give it as the table"}.get(kind, " (export it with 'qiime tools export' and give "
                                                              "the files it writes)" if qtype else "")
            raise MicrobiomeInputError(f"a QIIME 2 artifact of type {qtype or 'unknown'}; expected {_QZA_WANTS[want]}"
                                       f"{hint}", source=src)
        inner = f"{root}/data/{member}"
        if inner not in names:
            raise MicrobiomeInputError(f"the {qtype} artifact has no data/{member}", source=src)
        out = os.path.join(out_dir, member)
        written = 0
        try:
            with zf.open(inner) as fin, open(out, "wb") as fout:
                while True:
                    chunk = fin.read(1 << 20)
                    if not chunk:
                        break
                    written += len(chunk)
                    if written > max_bytes:
                        raise MicrobiomeInputError(
                            f"data/{member} unpacks to more than {max_bytes // 1_000_000:,} MB; refused", source=src)
                    fout.write(chunk)
        except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as exc:  # corrupt, encrypted, truncated
            raise MicrobiomeInputError(f"cannot unpack data/{member} ({exc})", source=src) from exc
    return out, qtype


def _from_qza(path: str | os.PathLike, want: str, max_bytes: int, read):  # type: ignore[no-untyped-def]
    """Run ``read(extracted_path, qtype)`` on an artifact's payload, naming the .qza in errors."""
    import tempfile

    src = str(path)
    with tempfile.TemporaryDirectory(prefix="gutskin-qza-") as tmp:
        inner, qtype = extract_qza(src, want, tmp, max_bytes=max_bytes)
        try:
            return read(inner, qtype)
        except MicrobiomeInputError as exc:
            text = str(exc).replace(inner, f"{src} (data/{os.path.basename(inner)})")
            raise MicrobiomeInputError(text, sample=exc.sample, feature=exc.feature) from None


#: Largest taxonomy or tree an artifact may unpack to.
TEXT_PAYLOAD_MAX = 512 * 1024 * 1024


def qza_payload_budget(max_cells: int) -> int:
    """Bytes an artifact's payload may unpack to: the HDF5 budget of a table of ``max_cells``."""
    return hdf5_byte_budget(max_cells)


# --------------------------------------------------------------------------------------
# compressed files (.gz, .bz2, .xz, a .zip holding one table)
# --------------------------------------------------------------------------------------
#: The most a compressed file may unpack to on the command line (the upload passes its own size
#: limit, the one a plain file has): the same as a .qza's taxonomy or tree.
UNPACKED_MAX = TEXT_PAYLOAD_MAX
_UNPACK_CHUNK = 1 << 20
_COMPRESSION_WORDS = {"gzip": "a gzip-compressed file", "bzip2": "a bzip2-compressed file",
                      "xz": "an xz-compressed file", "zip": "a zip archive", "zstd": "a Zstandard-compressed file"}
#: the suffix each compression adds, dropped from the name of what is inside ('feature-table.tsv.gz')
_COMPRESSION_SUFFIXES = {"gzip": (".gz", ".gzip", ".tgz"), "bzip2": (".bz2", ".bzip2"), "xz": (".xz",),
                         "zip": (".zip",), "zstd": (".zst",)}
#: what macOS's Compress and Windows put into a zip besides the file itself
_ZIP_JUNK = re.compile(r"(^|/)(__MACOSX/|\.DS_Store$|Thumbs\.db$|desktop\.ini$)", re.IGNORECASE)


def compression_of(head: bytes) -> str | None:
    """``"gzip"``, ``"bzip2"``, ``"xz"``, ``"zip"`` or ``"zstd"`` from a file's first bytes (its
    magic number), else ``None``. bzip2 is recognised by its full magic (``BZh``, a block size and
    a block or end-of-stream marker), so a table whose first cell starts with ``BZh`` is text."""
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head[:3] == b"BZh" and head[3:4] in b"123456789" and len(head) >= 10 \
            and head[4:10] in (b"1AY&SY", b"\x17rE8P\x90"):
        return "bzip2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"\x28\xb5\x2f\xfd"):
        return "zstd"
    return None


def file_compression(path: str | os.PathLike) -> str | None:
    """:func:`compression_of` of a file; a zip that is a QIIME 2 artifact (``<uuid>/metadata.yaml``)
    is ``None``: it is read as an artifact (:func:`extract_qza`), and so is a zip named ``.qza`` (one
    without ``metadata.yaml`` is refused as "not a QIIME 2 artifact")."""
    try:
        with open(path, "rb") as fh:
            kind = compression_of(fh.read(16))
    except OSError:  # missing or unreadable: the reader says so, as for a plain file
        return None
    if kind == "zip" and (str(path).lower().endswith(".qza") or is_qiime_artifact(path)):
        return None
    return kind


def is_qiime_artifact(path) -> bool:  # type: ignore[no-untyped-def]
    """True for a zip (a path or a binary file object) holding ``<uuid>/metadata.yaml``."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            return any(n.count("/") == 1 and n.endswith("/metadata.yaml") for n in zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _inner_name(name: str, kind: str) -> str:
    """'feature-table.tsv.gz' -> 'feature-table.tsv' (a gzip renamed '.tsv' keeps its name)."""
    base = os.path.basename(name)
    for suffix in _COMPRESSION_SUFFIXES.get(kind, ()):
        if base.lower().endswith(suffix) and len(base) > len(suffix):
            base = base[: -len(suffix)]
            return base + ".tar" if suffix == ".tgz" else base
    return base


def _safe_member_name(member: str) -> str:
    base = re.sub(r"[^\w.\- ]", "_", member.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    return base[:120] or "table"


@dataclasses.dataclass(frozen=True)
class Unpacked:
    """What :func:`unpack` wrote: the inner file's ``path`` (in the caller's folder), its ``name``
    as the user knows it (the zip member, or the file name without ``.gz``), the ``compression``
    and the ``label`` errors name it by (``tables.zip (feature-table.tsv)`` or the file itself)."""

    path: str
    name: str
    compression: str
    label: str


def unpack(path: str | os.PathLike, out_dir: str, *, max_bytes: int, name: str | None = None) -> Unpacked:
    """Decompress a gzip, bzip2 or xz file, or the one file of a zip, into ``out_dir``.

    Streamed in 1 MiB chunks (memory stays bounded whatever the archive says) and refused as soon
    as more than ``max_bytes`` come out: a zip bomb (1 MB unpacking to 10 GB of zeros) is refused
    after ``max_bytes`` are written, never held in memory. A zip must hold exactly one file
    (folders and macOS/Windows leftovers such as ``__MACOSX/`` and ``.DS_Store`` aside); several
    are refused naming them. What comes out must not be compressed again (a nested archive is
    refused naming it). A truncated or corrupt archive is named as such. A Zstandard file is
    named (the standard library cannot read it). ``name``: the file's name as the user gave it
    (default: the path's). Errors name the file as the user knows it, not a temporary path."""
    import bz2
    import gzip
    import lzma
    import zipfile
    import zlib

    src = str(path)
    shown = name or os.path.basename(src)
    with open(src, "rb") as fh:
        kind = compression_of(fh.read(16))
    if kind is None:
        raise MicrobiomeInputError("not a compressed file", source=shown)
    words = _COMPRESSION_WORDS[kind]
    if kind == "zstd":
        raise MicrobiomeInputError(f"{words}: gutskin reads gzip (.gz), bzip2 (.bz2), xz (.xz) and zip (.zip); "
                                   "decompress it (zstd -d) or compress it with gzip", source=shown)
    limit_words = f"{max_bytes // (1024 * 1024):,} MB" if max_bytes >= 1024 * 1024 else f"{max_bytes:,} bytes"
    member = None
    if kind == "zip":
        try:
            zf = zipfile.ZipFile(src)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise MicrobiomeInputError(f"{words} that is truncated or corrupt ({exc}); nothing read",
                                       source=shown) from exc
        with zf:
            infos = [i for i in zf.infolist() if not i.is_dir() and not _ZIP_JUNK.search(i.filename)]
            names = [i.filename for i in infos]
            if any(n.lower().startswith("xl/") for n in names) and "[Content_Types].xml" in names:
                raise MicrobiomeInputError("an Excel workbook (.xlsx), not a table: save the sheet as \"CSV UTF-8\" "
                                           "or as tab-separated text", source=shown)
            if not infos:
                raise MicrobiomeInputError(f"{words} with no file in it", source=shown)
            if len(infos) > 1:
                raise MicrobiomeInputError(
                    f"{words} holding {len(infos)} files ({describe_ids(names, 5)}); gutskin reads a zip with "
                    "one table in it: unzip it and give the table", source=shown)
            info = infos[0]
            member = info.filename
            inner_name = _safe_member_name(member)
            label = f"{shown} ({shorten(member, 80)})"
            if inner_name.lower().endswith(
                    tuple(s for ss in _COMPRESSION_SUFFIXES.values() for s in ss) + (".qza", ".tar", ".7z", ".rar")):
                raise MicrobiomeInputError(f"{words} holding another archive ({shorten(member, 80)}): a nested "
                                           "archive is not read; unpack it and give the table itself", source=shown)
            if info.file_size > max_bytes:  # declared; the stream is counted below as well (declared sizes can lie)
                raise MicrobiomeInputError(f"{shorten(member, 80)} unpacks to more than {limit_words}, the largest table "
                                           f"accepted; refused ({info.file_size:,} bytes, as the zip says)", source=shown)
            out = os.path.join(out_dir, inner_name)
            try:
                with zf.open(info) as fin:
                    _copy_capped(fin, out, max_bytes, label, limit_words, words)
            except MicrobiomeInputError:
                raise
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                raise MicrobiomeInputError(f"{words} that is truncated or corrupt ({exc}); nothing read",
                                           source=label) from exc
            except RuntimeError as exc:  # encrypted
                raise MicrobiomeInputError(f"{shorten(member, 80)} is encrypted (a password-protected zip); "
                                           "unzip it and give the table", source=shown) from exc
            except NotImplementedError as exc:  # a compression method zipfile does not know (Deflate64, ...)
                raise MicrobiomeInputError(f"{words} compressed with a method gutskin cannot unpack ({exc}); unzip "
                                           "it and give the table", source=shown) from exc
    else:
        inner_name = _safe_member_name(_inner_name(shown, kind))
        label = shown
        out = os.path.join(out_dir, inner_name)
        opener = {"gzip": gzip.open, "bzip2": bz2.open, "xz": _XzReader}[kind]
        try:
            with opener(src, "rb") as fin:
                _copy_capped(fin, out, max_bytes, label, limit_words, words)
        except MicrobiomeInputError:
            raise
        except EOFError as exc:  # the end-of-stream marker never came: a download cut short
            raise MicrobiomeInputError(f"{words} that is truncated (it ends before its end-of-stream marker: an "
                                       "incomplete download or copy?); nothing read", source=shown) from exc
        except (OSError, zlib.error, lzma.LZMAError, ValueError) as exc:  # BadGzipFile, 'Invalid data stream', CRC
            raise MicrobiomeInputError(f"{words} that is corrupt ({exc}); nothing read", source=shown) from exc
    with open(out, "rb") as fh:
        head = fh.read(512)
    nested = compression_of(head[:16])
    if head[257:262] == b"ustar":  # a tar archive (results.tar.gz): its files named, not read as one text table
        import tarfile

        try:
            with tarfile.open(out) as tf:
                files = [m.name for m in tf.getmembers() if m.isfile() and not _ZIP_JUNK.search(m.name)]
            inside = f"holding {len(files)} file(s) ({describe_ids(files, 5)})" if files else "holding no file"
        except (tarfile.TarError, OSError, EOFError):
            inside = "that is truncated or corrupt"
        raise MicrobiomeInputError(f"a tar archive{' (.tar.gz)' if kind == 'gzip' else ''} {inside}: gutskin does "
                                   "not read tar archives; unpack it (tar -xf) and give the table itself", source=shown)
    if nested is not None:
        raise MicrobiomeInputError(f"{words} holding another archive ({_COMPRESSION_WORDS[nested].split(' ', 1)[1]}"
                                   f"{f', {shorten(member, 80)}' if member else ''}): a nested archive is not read; "
                                   "unpack it and give the table itself", source=shown)
    return Unpacked(path=out, name=member or inner_name, compression=kind, label=label)


#: what an xz file's decoder may take (its dictionary): xz -9 needs 65 MB; a header may declare 1.5 GB
XZ_MEMLIMIT = 96 * 1024 * 1024


class _XzReader:
    """An xz (or .lzma) file read in chunks, its concatenated streams as one (as ``lzma.open``), with
    the decoder's memory limited to :data:`XZ_MEMLIMIT` (``lzma.open`` takes no limit, so a header
    declaring a 1.5 GB dictionary would be allocated)."""

    def __init__(self, path: str, mode: str = "rb") -> None:
        import lzma

        self._lzma = lzma
        self._fh = open(path, "rb")
        self._dec = lzma.LZMADecompressor(memlimit=XZ_MEMLIMIT)
        self._raw = b""

    def __enter__(self) -> "_XzReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.close()

    def read(self, size: int) -> bytes:
        while True:
            if self._dec.eof:  # another stream may follow (xz pads between streams with zeros)
                rest = self._dec.unused_data.lstrip(b"\x00")
                while not rest:
                    more = self._fh.read(65536)
                    if not more:
                        return b""
                    rest = more.lstrip(b"\x00")
                self._dec = self._lzma.LZMADecompressor(memlimit=XZ_MEMLIMIT)
                self._raw = rest
            if not self._raw and self._dec.needs_input:
                self._raw = self._fh.read(65536)
                if not self._raw:
                    raise EOFError("Compressed file ended before the end-of-stream marker was reached")
            out = self._dec.decompress(self._raw, max_length=size)
            self._raw = b""
            if out:
                return out


def _copy_capped(fin, out: str, max_bytes: int, label: str, limit_words: str, words: str) -> None:  # type: ignore[no-untyped-def]
    written = 0
    with open(out, "wb") as fout:
        while True:
            chunk = fin.read(_UNPACK_CHUNK)  # at most this much is decompressed at a time
            if not chunk:
                break
            written += len(chunk)
            if written > max_bytes:
                raise MicrobiomeInputError(
                    f"{words} that unpacks to more than {limit_words}, the largest table accepted; refused (a file this "
                    "compressible is more likely an archive bomb than a profile)", source=label)
            fout.write(chunk)


def _unpacked_error(exc: MicrobiomeInputError, u: Unpacked, packed: str) -> MicrobiomeInputError:
    """``exc`` with the temporary file named as the user knows it (``feature-table.tsv.gz``); its
    ``source`` is the compressed file when it was the unpacked one (the upload tells the table's
    errors from the taxonomy file's by it)."""
    out = MicrobiomeInputError(str(exc).replace(u.path, u.label), sample=exc.sample, feature=exc.feature)
    out.source = packed if exc.source == u.path else exc.source
    return out


def _read_unpacked(path: str | os.PathLike, max_bytes: int, read):  # type: ignore[no-untyped-def]
    """``read(unpacked_path)`` on a compressed file's content (:func:`unpack`), errors naming the file."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="gutskin-unpack-") as tmp:
        u = unpack(path, tmp, max_bytes=max_bytes, name=str(path))
        try:
            return u, read(u.path)
        except MicrobiomeInputError as exc:
            raise _unpacked_error(exc, u, str(path)) from None


# --------------------------------------------------------------------------------------
# dispatch and trees
# --------------------------------------------------------------------------------------
def sniff_format(path: str | os.PathLike) -> str:
    """``"biom-hdf5"``, ``"biom-json"``, ``"qza"`` (a zip: QIIME 2 artifact), ``"kraken"`` (a
    Kraken 2 report), ``"bracken"`` (Bracken's per-rank output), ``"krakenuniq"`` (a KrakenUniq report), ``"emu"`` (Emu's output), ``"mothur"`` (a mothur ``.shared``), ``"metaphlan"`` or ``"table"``;
    ``"cami"`` (CAMI profiling format), ``"motus"`` (an mOTUs profile), ``"sylph"`` (a raw sylph
    profile), ``"kraken-reads"`` (Kraken's per-read output), ``"humann"`` (HUMAnN's functional output),
    ``"centrifuge"`` (a Centrifuge report), ``"kaiju"`` (kaiju2table output) and ``"diary"`` (gutskin's
    diary CSV, header ``patient,date``) are recognised to be refused
    with what to give instead
    from the file's content."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return "biom-hdf5"
    if head.startswith(b"PK\x03\x04"):
        return "qza"
    stripped = head.removeprefix(b"\xef\xbb\xbf").lstrip()  # a UTF-8 BOM: JSON saved by a Windows editor
    if stripped.startswith(b"{"):
        return "biom-json"
    text = head.decode("utf-8", errors="replace")
    first = next((ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")), "")
    if _KREPORT_RE.match(first):
        return "kraken"
    if tuple(c.strip().lower() for c in first.split("\t")[:3]) == _BRACKEN_HEADER:
        return "bracken"
    if tuple(c.strip().lower() for c in first.split("\t")[:3]) == _MOTHUR_HEADER:
        return "mothur"
    emu = [c.strip().lower() for c in first.split("\t")]
    if emu[:2] == ["tax_id", "abundance"] and "species" in emu and "genus" in emu:
        return "emu"
    if first.startswith("%\treads\ttaxReads\t"):
        return "krakenuniq"
    if re.match(r"^[CU]\t[^\t]+\t[^\t]+\t\d+(\|\d+)?\t", first):
        return "kraken-reads"
    if text.lstrip("\ufeff").startswith(("# Pathway\t", "# Gene Family\t")):
        return "humann"
    if first.lower().startswith("name\ttaxid\ttaxrank\tgenomesize\t"):
        return "centrifuge"
    if first.lower().startswith("file\tpercent\treads\ttaxon_id\ttaxon_name"):
        return "kaiju"
    if any(ln.startswith(("@@TAXID", "@SampleID", "@Ranks")) for ln in text.splitlines()[:30]):
        return "cami"
    if first.lower().startswith("sample_file\tgenome_file\t"):
        return "sylph"
    if re.search(r"^#.*\bmotus version\b", text, re.M | re.I) or re.search(r"^#(consensus_taxonomy|mOTU)\t", text, re.M):
        return "motus"
    if [c.strip().strip('"').lower() for c in re.split(r"[,;]", first.lstrip("\ufeff"))[:2]] == ["patient", "date"]:
        return "diary"  # gutskin's own diary CSV (or one a decimal-comma Excel saved with ';'), given by mistake
    if "clade_name" in text or "#mpa_v" in text or "MetaPhlAn" in text or "Metaphlan" in text:
        return "metaphlan"
    return "table"


#: formats gutskin recognises but does not read, and what to give instead (said with the line that shows it)
_NOT_READ = {
    "cami": ("@@TAXID", "a CAMI profiling-format file (@@TAXID, RANK, TAXPATH, TAXPATHSN, PERCENTAGE: "
             "metaphlan --CAMI_format_output, motus -C precision, OPAL); gutskin does not read it: give "
             "MetaPhlAn's default profile (#clade_name …), a Kraken 2 report or a BIOM/TSV table"),
    "sylph": ("Sample_file", "a sylph profile (sylph profile: one row per reference genome, no taxonomy); gutskin "
              "does not read it: convert it with sylph-tax (sylph-tax taxprof), whose MetaPhlAn-style "
              "*.sylphmpa output is read"),
    "humann": ("# ", "HUMAnN output (pathways or gene families: what the microbes can do, not which microbes "
                     "they are); give the taxonomic profile of the same run: MetaPhlAn's profile "
                     "(*_metaphlan_bugs_list.tsv in HUMAnN's temporary folder, or metaphlan's -o file)"),
    "centrifuge": ("name\t", "a Centrifuge report (name, taxID, taxRank, genomeSize, numReads, …: names without "
                            "their lineage); gutskin does not read it: give its Kraken-style report "
                            "(centrifuge-kreport), which is read"),
    "kaiju": ("file\t", "Kaiju's kaiju2table summary (taxa without their lineage); gutskin does not read it: give a "
                       "Kraken 2 report, a MetaPhlAn profile or a BIOM/TSV table with lineages"),
    "kraken-reads": ("C\t", "Kraken's per-read output (kraken2 --output: one line per read, C/U, read ID, "
                     "taxid, length, k-mer hits), not its report; give the report file (kraken2 --report)"),
    # the new-user walk of 2026-12-07: `gutskin microbiome report docs/examples/diary.csv` said "lines 2, 3,
    # 4, column 1: duplicate sample ID 'p01'", which does not say the file is the other kind (the upload
    # page has said so since 2026-12-06, clinic.microbiome._not_a_diary)
    "diary": ("patient", "a gutskin diary CSV (patient, date, itch, …: one row per person and day), not a "
              "table of stool samples; import it as a diary (gutskin import diary, or My data → Import a "
              "diary), or read it with gutskin triggers or gutskin forecast"),
    "motus": ("#consensus_taxonomy", "an mOTUs profile (motus profile: mOTUs named by species, without their "
              "lineage); gutskin does not read it: give a MetaPhlAn profile, a Kraken 2 report or a BIOM/TSV "
              "table with lineages"),
}


def _refuse_not_read(path: str | os.PathLike, fmt: str) -> None:
    """Refuse a recognised but unread format, naming the line that shows what it is."""
    marker, what = _NOT_READ[fmt]
    with open(path, "rb") as fh:
        head = fh.read(65536).decode("utf-8", errors="replace")
    lineno = next((n for n, ln in enumerate(head.splitlines(), start=1) if ln.startswith(marker)), None)
    if lineno is None:  # mOTUs' version line, when its header is another
        lineno = next((n for n, ln in enumerate(head.splitlines(), start=1) if ln.strip()), 1)
    raise MicrobiomeInputError(f"line {lineno}: {what}", source=str(path))


def _named_and_ranked(prof: Profile, lineages: dict[str, str] | None, taxonomy: str | os.PathLike | None,
                      rank: str, method: Method) -> Profile:
    """A BIOM table (plain or inside a .qza) with the taxonomy file's lineages applied, then
    collapsed to ``rank`` (the lineages must be in place before a rank can be formed)."""
    if lineages is not None:
        prof = apply_taxonomy(prof, lineages, source=str(taxonomy))
    if rank != "feature":
        prof = dataclasses.replace(
            Profile.from_frame(prof.table, kind=prof.kind, rank=rank, method=method, taxonomy=prof.taxonomy,
                               source=prof.source, notes=prof.notes), empty_samples=prof.empty_samples)
    return prof


def read_profile(path: str | os.PathLike, *, format: str | None = None, orientation: Orientation | None = None,
                 kind: Kind | Literal["auto"] | None = None, rank: str = "feature", method: Method = "unknown",
                 max_cells: int = MAX_TABLE_CELLS, taxonomy: str | os.PathLike | None = None,
                 taxonomy_max_bytes: int | None = None, max_unpacked_bytes: int = UNPACKED_MAX) -> Profile:
    """Read any supported file; the format is sniffed from content unless given.

    A gzip, bzip2 or xz file, or a zip holding one file (not a QIIME 2 artifact), is decompressed
    first (:func:`unpack`: streamed, refused beyond ``max_unpacked_bytes``; default
    :data:`UNPACKED_MAX`, the command line's; the upload passes its own size limit) and what comes
    out is read as the same file would be uncompressed; errors name the compressed file.

    ``format``: ``"biom"`` (either BIOM version), ``"qza"`` (a QIIME 2 feature-table artifact,
    read without QIIME 2: its ``data/feature-table.biom``; a ``FeatureTable[RelativeFrequency]``
    is relative unless ``kind`` says otherwise), ``"metaphlan"`` or ``"table"``.
    ``kind``: ``None``/``"auto"`` (whole numbers everywhere → counts, else relative),
    ``"counts"`` (a non-whole value is refused naming its sample and feature) or ``"relative"``
    (each sample divided by its own total: :func:`~gutskin.microbiome.profile.to_relative`).
    A MetaPhlAn profile is relative; ``kind="counts"`` is refused for it.
    ``max_cells``: the largest BIOM table (samples × features) accepted (:func:`read_biom`).
    ``taxonomy``: a separate taxonomy file (QIIME 2 ``taxonomy.tsv``, :func:`read_taxonomy`)
    naming the table's feature IDs; every feature of the table must be in it.
    ``taxonomy_max_bytes``: the most a ``taxonomy.qza`` may unpack to (:func:`read_taxonomy`).
    """
    if Path(path).is_dir():
        raise MicrobiomeInputError("is a directory, expected a BIOM, TSV/CSV or MetaPhlAn file", source=str(path))
    if not Path(path).is_file():
        raise MicrobiomeInputError("no such file", source=str(path))
    if file_compression(path) is not None:  # feature-table.tsv.gz, a .kreport.gz, merged_abundance_table.txt.bz2, a .zip
        u, prof = _read_unpacked(path, max_unpacked_bytes, lambda inner: read_profile(  # read as the plain file
            inner, format=format, orientation=orientation, kind=kind, rank=rank, method=method, max_cells=max_cells,
            taxonomy=taxonomy, taxonomy_max_bytes=taxonomy_max_bytes, max_unpacked_bytes=max_unpacked_bytes))
        return dataclasses.replace(prof, source=str(path), notes=(
            *prof.notes, f"read from {_COMPRESSION_WORDS[u.compression]}"
                         f"{f' ({shorten(u.name, 80)})' if u.compression == 'zip' else ''}"))
    kind = check_kind(kind, source=str(path))
    lineages = read_taxonomy(taxonomy, max_bytes=taxonomy_max_bytes) if taxonomy is not None else None
    fmt = format or sniff_format(path)
    if fmt == "qza" or (fmt == "biom" and is_qza(path)):
        def _table(inner: str, qtype: str) -> Profile:
            k = kind
            if qtype != "FeatureTable[Frequency]" and kind is None:
                k = "relative"  # the artifact's type says so
            p = read_biom(inner, kind=k, method=method, max_cells=max_cells)
            return dataclasses.replace(p, source=str(path),
                                       notes=(*p.notes, f"QIIME 2 artifact {qtype}"))

        prof = _from_qza(path, "table", qza_payload_budget(max_cells), _table)
        return _named_and_ranked(prof, lineages, taxonomy, rank, method)
    if fmt.startswith("biom"):
        prof = read_biom(path, kind=kind, method=method, max_cells=max_cells)
        return _named_and_ranked(prof, lineages, taxonomy, rank, method)
    if fmt in ("kraken", "bracken"):
        if fmt == "bracken":
            if kind == "relative" or lineages is not None:
                raise MicrobiomeInputError("Bracken's output holds read counts and names its taxa itself; "
                                           "kind 'relative' and a taxonomy file do not apply", source=str(path))
            return read_bracken_genus(path)
        if kind == "relative" or lineages is not None:
            raise MicrobiomeInputError("a Kraken report holds read counts and names its clades itself; "
                                       "kind 'relative' and a taxonomy file do not apply", source=str(path))
        return read_kraken_report(path, rank=rank)
    if fmt in _NOT_READ:
        _refuse_not_read(path, fmt)
    if fmt == "emu":
        if lineages is not None:
            raise MicrobiomeInputError("Emu's output names its taxa itself; a taxonomy file does not apply",
                                       source=str(path))
        prof = read_emu(path)
        return to_relative(prof) if kind == "relative" else prof
    if fmt == "krakenuniq":
        if kind == "relative" or lineages is not None:
            raise MicrobiomeInputError("a KrakenUniq report holds read counts and names its clades itself; "
                                       "kind 'relative' and a taxonomy file do not apply", source=str(path))
        return read_krakenuniq_report(path, rank=rank)
    if fmt == "mothur":
        prof = read_mothur_shared(path, kind=kind, rank=rank, method=method)
        if lineages is not None:
            prof = apply_taxonomy(prof, lineages, source=str(taxonomy))
        return prof
    if fmt == "metaphlan":
        if kind == "counts":
            raise MicrobiomeInputError("a MetaPhlAn profile holds relative abundances (percent), not counts; "
                                       "kind 'counts' does not apply", source=str(path))
        if lineages is not None:
            raise MicrobiomeInputError("a MetaPhlAn profile names its clades itself; a separate taxonomy file "
                                       "does not apply", source=str(taxonomy))
        return read_metaphlan(path, rank=rank if rank != "feature" else "species")
    if fmt == "table":
        prof = read_table(path, orientation=orientation, kind=kind, rank=rank, method=method)
        if lineages is not None:
            prof = apply_taxonomy(prof, lineages, source=str(taxonomy))
        return prof
    raise MicrobiomeInputError(f"unknown format {fmt!r}", source=str(path))


# --------------------------------------------------------------------------------------
# a separate taxonomy file (QIIME 2 taxonomy.tsv)
# --------------------------------------------------------------------------------------
def read_taxonomy(path_or_buffer, *, max_bytes: int | None = None) -> dict[str, str]:
    """Read a taxonomy file into ``{feature_id: lineage string}``.

    The QIIME 2 export (``qiime tools export`` of a ``FeatureData[Taxonomy]``) is a TSV with
    the header ``Feature ID<TAB>Taxon<TAB>Confidence``; the ID is the first column, the lineage
    the column called ``Taxon``/``taxonomy``/``Consensus Lineage``/``lineage`` (any case), other
    columns (``Confidence``) are ignored. QIIME 2 metadata directives (``#q2:types``) and blank
    lines are skipped. A file without a header whose second column is a lineage (QIIME 1
    ``*_tax_assignments.txt``) is read the same way, and so is GTDB-Tk's summary
    (``gtdbtk.bac120.summary.tsv``: ``user_genome``, ``classification``, …), naming metagenome-assembled
    genomes by their GTDB lineage. Comma-separated works when the header has
    no tab. Duplicate IDs and a missing lineage column are refused. ``max_bytes``: the most a
    ``taxonomy.qza``'s payload may unpack to (default :data:`TEXT_PAYLOAD_MAX`, the command line's);
    an upload passes its own size limit, since a 200 kB zip of one line repeated unpacked to 512 MB
    and took the web process ~19 GB to read (security walk, 2026-12-06).
    """
    import csv

    if not hasattr(path_or_buffer, "read") and file_compression(path_or_buffer) is not None:  # taxonomy.tsv.gz
        return _read_unpacked(path_or_buffer, TEXT_PAYLOAD_MAX if max_bytes is None else max_bytes,
                              lambda inner: read_taxonomy(inner, max_bytes=max_bytes))[1]
    if not hasattr(path_or_buffer, "read") and is_qza(path_or_buffer):  # taxonomy.qza as QIIME 2 keeps it
        return _from_qza(path_or_buffer, "taxonomy", TEXT_PAYLOAD_MAX if max_bytes is None else max_bytes,
                         lambda inner, _q: read_taxonomy(inner))
    text, src = _read_text(path_or_buffer)
    numbered = [(n, ln) for n, ln in enumerate(text.splitlines(), start=1)
                if ln.strip() and not ln.lower().startswith("#q2:")]
    lines = [ln for _, ln in numbered]
    if not lines:
        raise MicrobiomeInputError("the taxonomy file is empty", source=src)
    sep = "\t" if "\t" in lines[0] else ","
    rows = [[c.strip() for c in r] for r in csv.reader(lines, delimiter=sep)]
    line_of = [n for n, _ in numbered] if len(rows) == len(numbered) else None  # None: a quoted cell spans lines

    def at(k: int) -> str:  # "line N: " for rows[k], when the file's line is known
        return f"line {line_of[k]}: " if line_of is not None else ""
    header = [c.lower() for c in rows[0]]
    col = next((i for i, c in enumerate(header) if i > 0 and c in _TAXONOMY_COLUMNS), None)
    if col is None and header[0] == "user_genome" and "classification" in header:
        col = header.index("classification")  # GTDB-Tk's gtdbtk.bac120/ar53.summary.tsv: genome, its GTDB lineage
    body = rows[1:]
    if col is None:
        if len(rows[0]) > 1 and _looks_like_lineage(pd.Index([rows[0][1]])):
            col, body = 1, rows  # no header: ID, lineage[, confidence ...]
        else:
            raise MicrobiomeInputError(
                f"no taxonomy column in the header ({', '.join(repr(c) for c in rows[0][:5])}); expected "
                "'Feature ID', 'Taxon'[, 'Confidence'] as QIIME 2 exports it", source=src)
    out: dict[str, str] = {}
    first_body = len(rows) - len(body)
    for k, cells in enumerate(body, start=first_body):
        fid = cells[0] if cells else ""
        if not fid:
            raise MicrobiomeInputError(f"{at(k)}a row has an empty feature ID (its lineage: "
                                       f"{shorten(cells[col] if len(cells) > col else '')!r})", source=src)
        if len(cells) <= col:  # a tab lost (the ID and lineage run together): was an empty lineage, then "not in the file"
            raise MicrobiomeInputError(
                f"{at(k)}{len(cells)} column(s), no lineage: the lineage of feature {shorten(fid)!r} belongs in column "
                f"{col + 1}{f' ({rows[0][col]!r})' if body is not rows else ''}, after a "
                f"{'tab' if sep == chr(9) else 'comma'}", feature=fid, source=src)
        if fid in out:
            raise MicrobiomeInputError(f"{at(k)}column 1: duplicate feature ID {shorten(fid)!r}", feature=fid, source=src)
        out[fid] = cells[col]
    if not out:
        raise MicrobiomeInputError("the taxonomy file names no features", source=src)
    return out


def apply_taxonomy(profile: Profile, lineages: dict[str, object], *, source: str = "taxonomy") -> Profile:
    """The profile with its features named from ``lineages`` (``{feature_id: lineage}``).

    Every feature of the table must be in ``lineages``; otherwise the error says how many are
    not and names the first few. Entries for features absent from the table are ignored (a
    taxonomy usually covers every feature before filtering). A taxonomy the table already had
    is replaced (noted).
    """
    missing = [f for f in profile.feature_ids if f not in lineages]
    if missing:
        raise MicrobiomeInputError(
            f"{len(missing)} of the {len(profile.feature_ids)} feature IDs of {profile.source} are not in the taxonomy "
            f"file: {describe_ids(missing, 5)}", feature=missing[0], source=source)
    tax = taxonomy_frame({f: lineages[f] for f in profile.feature_ids})
    note = f"taxonomy of the {len(profile.feature_ids)} features from {os.path.basename(source) or source}"
    if profile.taxonomy is not None and profile.taxonomy.notna().any().any():
        note += " (replacing the taxonomy the table carried)"
    return dataclasses.replace(profile, taxonomy=tax, notes=(*profile.notes, note))


def read_tree(path_or_buffer):
    """Read a Newick tree as an :class:`skbio.TreeNode` (clear error if unreadable)."""
    import warnings

    import skbio

    if not hasattr(path_or_buffer, "read") and file_compression(path_or_buffer) is not None:  # tree.nwk.gz
        return _read_unpacked(path_or_buffer, TEXT_PAYLOAD_MAX, read_tree)[1]
    if not hasattr(path_or_buffer, "read") and is_qza(path_or_buffer):  # rooted-tree.qza as QIIME 2 keeps it
        return _from_qza(path_or_buffer, "tree", TEXT_PAYLOAD_MAX, lambda inner, _q: read_tree(inner))
    try:
        with warnings.catch_warnings():  # skbio's "does not look like a newick file" would be a second line
            warnings.simplefilter("ignore")
            tree = skbio.TreeNode.read(path_or_buffer, format="newick")
    except Exception as exc:  # skbio raises several parser error types
        raise MicrobiomeInputError(f"not a readable Newick tree ({exc})", source=str(path_or_buffer)) from exc
    if len(tree.children) > 2:  # named here with its file; check_tree says it for a tree built in code
        check_tree(tree, [], source=getattr(path_or_buffer, "name", str(path_or_buffer)))
    return tree


def check_tree(tree, features: list[str], *, source: str | None = None) -> None:
    """Raise if any feature is not a tip of ``tree`` (names the first missing ones), or if the tree
    is not rooted (its root joins more than two branches, as FastTree's unrooted output does):
    Faith PD and UniFrac need a root (scikit-bio raised a bare ValueError, a traceback in the CLI)."""
    if len(tree.children) > 2:
        raise MicrobiomeInputError(
            f"the tree is not rooted (its root joins {len(tree.children)} branches); Faith PD and UniFrac need a "
            "rooted tree: give QIIME 2's rooted-tree.qza, or root the tree first (qiime phylogeny midpoint-root)",
            source=source)
    tips = {t.name for t in tree.tips()}
    missing = [f for f in features if f not in tips]
    if missing:
        names = ", ".join(repr(m) for m in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise MicrobiomeInputError(f"the tree is missing tips for feature(s) {names}{more}",
                                   feature=missing[0], source=source)
