"""Alpha and beta diversity through scikit-bio, with the provenance every value needs.

Nothing here re-implements a metric: each value comes from :mod:`skbio.diversity`. This
module validates input, chooses the skbio options explicitly and records them:

============== =========================== ============================================
name           skbio call                  formula (p_i proportions, S observed, F1/F2
                                           singletons/doubletons)
============== =========================== ============================================
observed       ``observed_features``        S = #{i : x_i > 0}
shannon        ``shannon(base=e)``          H = −Σ p_i ln p_i  (natural log, **nats**;
                                           Shannon 1948). skbio's default base changed
                                           from 2 to e in 0.6, so base is always passed.
simpson        ``simpson``                  1 − Σ p_i²  (Gini–Simpson; Simpson 1949)
inv_simpson    ``inv_simpson``              1 / Σ p_i²  (Hill number of order 2)
pielou         ``pielou_e(base=e)``         J = H / ln S  (Pielou 1966)
chao1          ``chao1(bias_corrected=True)`` S + F1(F1−1) / (2(F2+1))  (Chao 1987;
                                           bias-corrected form, Chao 2005)
faith_pd       ``faith_pd``                 sum of branch lengths spanning the sample's
                                           features and the root (Faith 1992)
============== =========================== ============================================

Beta: ``braycurtis`` (Σ|x−y| / Σ(x+y), on the values given), ``jaccard`` (on presence/absence:
1 − |A∩B| / |A∪B|), ``unweighted_unifrac`` and ``weighted_unifrac`` (Lozupone & Knight 2005;
Lozupone et al. 2007; ``normalized=True`` by default) via skbio's fast engine.

Rarefaction draws ``depth`` reads without replacement per sample with
:func:`skbio.stats.subsample_counts`, from one :class:`numpy.random.Generator` seeded with
``seed`` (samples in table order); samples with fewer reads are dropped and listed.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from gutskin.microbiome.errors import MicrobiomeInputError
from gutskin.microbiome.io import check_tree
from gutskin.microbiome.profile import Profile

LOG_BASE = "e"
ALPHA_METRICS: tuple[str, ...] = ("observed", "shannon", "simpson", "inv_simpson", "pielou", "chao1", "faith_pd")
DEFAULT_ALPHA: tuple[str, ...] = ("observed", "shannon", "simpson", "inv_simpson", "pielou", "chao1")
COUNT_ONLY: frozenset[str] = frozenset({"chao1"})
#: Why each count-only metric is not given for relative abundances (shown to users as is).
COUNT_ONLY_REASON: dict[str, str] = {
    "chao1": ("not assessable: Chao1 estimates unseen features from singletons and doubletons (features seen in "
              "exactly one or two reads), and relative abundances carry no read counts"),
}
BETA_METRICS: tuple[str, ...] = ("braycurtis", "jaccard", "unweighted_unifrac", "weighted_unifrac")
#: Relative abundances are handed to skbio's weighted UniFrac as proportions × this, rounded.
UNIFRAC_SCALE = 1e12

_SKBIO_ALPHA: dict[str, tuple[str, dict[str, Any]]] = {
    "observed": ("observed_features", {}),
    "shannon": ("shannon", {"base": math.e}),
    "simpson": ("simpson", {}),
    "inv_simpson": ("inv_simpson", {}),
    "pielou": ("pielou_e", {"base": math.e}),
    "chao1": ("chao1", {"bias_corrected": True}),
    "faith_pd": ("faith_pd", {}),
}


def _skbio_version() -> str:
    import skbio

    return skbio.__version__


@dataclass(frozen=True)
class Rarefied:
    profile: Profile
    depth: int
    seed: int | None
    dropped: tuple[str, ...]


def rarefy(profile: Profile, depth: int, *, seed: int | None) -> Rarefied:
    """Subsample every sample to ``depth`` reads without replacement (skbio).

    Samples with fewer than ``depth`` reads are dropped and listed in ``Rarefied.dropped``;
    if none is left a :class:`MicrobiomeInputError` is raised. Needs counts.
    """
    from skbio.stats import subsample_counts

    profile.require_counts("rarefaction")
    if int(depth) != depth or depth < 1:
        raise MicrobiomeInputError(f"rarefaction depth must be a positive whole number, not {depth!r}")
    depth = int(depth)
    if seed is not None and (int(seed) != seed or seed < 0):
        raise MicrobiomeInputError(f"seed must be a whole number >= 0, not {seed!r}")
    if seed is None:  # draw one and record it, so that the result can be reproduced (it was recorded as null)
        seed = int(np.random.SeedSequence().entropy % 2**32)
    rng = np.random.default_rng(seed)
    values = profile.table.to_numpy().astype(np.int64)
    totals = values.sum(axis=1)
    keep = totals >= depth
    dropped = tuple(np.asarray(profile.table.index)[~keep].tolist())
    if not keep.any():
        raise MicrobiomeInputError(
            f"no sample has at least {depth} reads (largest has {int(totals.max())}); choose a smaller depth")
    out = np.empty((int(keep.sum()), values.shape[1]), dtype=np.int64)
    for k, i in enumerate(np.flatnonzero(keep)):
        out[k] = subsample_counts(values[i], depth, seed=rng)
    table = pd.DataFrame(out.astype(np.float64), index=profile.table.index[keep], columns=profile.table.columns)
    return Rarefied(dataclasses.replace(profile, table=table), depth, seed, dropped)


@dataclass(frozen=True)
class AlphaDiversity:
    """Alpha diversity values with their provenance.

    ``values``: samples × metrics. ``log_base`` is always ``"e"`` (Shannon in nats).
    ``depth`` is the rarefaction depth (``None``: not rarefied). ``method`` names the engine.
    """

    values: pd.DataFrame
    log_base: str
    rank: str
    kind: str
    depth: int | None
    seed: int | None
    method: str
    dropped: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        samples = {
            sid: {m: _num(v) for m, v in row.items()} for sid, row in self.values.iterrows()
        }
        return {"samples": samples, "log_base": self.log_base, "rank": self.rank, "kind": self.kind,
                "depth": self.depth, "seed": self.seed, "method": self.method,
                "dropped_samples": list(self.dropped), "notes": list(self.notes)}


def _num(v: Any) -> float | int | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    f = float(v)
    return int(f) if f.is_integer() and abs(f) < 2**53 else f


def _prepare(profile: Profile, rank: str | None, rarefy_depth: int | None, seed: int | None,
             ) -> tuple[Profile, int | None, tuple[str, ...], int | None]:
    """Aggregate and rarefy; returns the profile, depth, dropped samples and the seed used."""
    if rank is not None and rank != profile.rank:
        profile = profile.aggregate(rank)
    dropped: tuple[str, ...] = ()
    depth = None
    if rarefy_depth is not None:
        r = rarefy(profile, rarefy_depth, seed=seed)
        profile, depth, dropped, seed = r.profile, r.depth, r.dropped, r.seed
    return profile, depth, dropped, seed


def alpha_diversity(profile: Profile, metrics: Sequence[str] = DEFAULT_ALPHA, *, tree=None,
                    rank: str | None = None, rarefy_depth: int | None = None,
                    seed: int | None = None) -> AlphaDiversity:
    """Alpha diversity of every sample (formulas in the module docstring).

    ``rank`` aggregates first (e.g. ``"genus"``); ``rarefy_depth``/``seed`` rarefy first.
    ``faith_pd`` is added when ``tree`` is given (and required in ``metrics`` otherwise).
    Count-only metrics (Chao1) on relative data raise
    :class:`~gutskin.microbiome.errors.RelativeDataError`. Edge cases: a sample with one
    feature has Shannon 0, Simpson 0, inverse Simpson 1 and Pielou NaN (undefined, 0/0).
    """
    from skbio.diversity import alpha_diversity as sk_alpha

    metrics = list(metrics)
    if tree is not None and "faith_pd" not in metrics:
        metrics.append("faith_pd")
    unknown = [m for m in metrics if m not in ALPHA_METRICS]
    if unknown:
        raise MicrobiomeInputError(f"unknown alpha metric {unknown[0]!r}; choose from {ALPHA_METRICS}")
    if "faith_pd" in metrics and tree is None:
        raise MicrobiomeInputError("faith_pd needs a phylogenetic tree")
    for m in metrics:
        if m in COUNT_ONLY:
            profile.require_counts(m)
    prof, depth, dropped, seed = _prepare(profile, rank, rarefy_depth, seed)
    counts = prof.matrix
    ids = list(prof.table.index)
    if prof.kind == "relative":
        # skbio validates integer-ness for some metrics; proportions are fine for the others
        counts = counts / counts.sum(axis=1, keepdims=True)
    cols: dict[str, np.ndarray] = {}
    for m in metrics:
        name, kw = _SKBIO_ALPHA[m]
        data = counts
        if m == "faith_pd":
            check_tree(tree, prof.feature_ids, source="tree")
            kw = {"tree": tree, "taxa": prof.feature_ids}
            # Faith PD depends on presence only; skbio casts abundances to whole numbers, which
            # turned every proportion into 0 and Faith PD of relative data into 0
            data = (counts > 0).astype(np.int64)
        cols[m] = sk_alpha(name, data, ids=ids, **kw).to_numpy(dtype=float)
    values = pd.DataFrame(cols, index=pd.Index(ids, name="sample"))
    if "pielou" in values:
        obs = np.count_nonzero(counts, axis=1)
        values.loc[obs <= 1, "pielou"] = np.nan
    notes = prof.notes
    uneven = unequal_depth_note(prof, metrics) if depth is None else None
    if uneven:
        notes = (*notes, uneven)
    return AlphaDiversity(values=values, log_base=LOG_BASE, rank=prof.rank, kind=prof.kind, depth=depth,
                          seed=seed if depth is not None else None,
                          method=f"scikit-bio {_skbio_version()} alpha_diversity",
                          dropped=dropped, notes=notes)


#: Metrics that count kinds of features, and so grow with the number of reads drawn.
DEPTH_DEPENDENT: tuple[str, ...] = ("observed", "chao1", "faith_pd")
_RICH_WORDS = {"observed": "observed features", "chao1": "Chao1", "faith_pd": "Faith PD"}


def unequal_depth_note(profile: Profile, metrics: Sequence[str]) -> str | None:
    """A note when unrarefied counts of samples whose reads differ more than two-fold are given
    richness metrics: observed features, Chao1 and Faith PD rise with sequencing depth (a deeper
    library finds more rare features), so across such samples they compare depths as much as
    communities. ``None`` when nothing needs saying. The cohort analysis notes the same
    (2026-12-06: ``microbiome diversity`` on a 50-sample table of 800 to 40,000 reads was silent)."""
    rich = [m for m in DEPTH_DEPENDENT if m in metrics]
    if profile.kind != "counts" or len(profile.sample_ids) < 2 or not rich:
        return None
    reads = profile.matrix.sum(axis=1)
    lo, hi = float(reads.min()), float(reads.max())
    if hi <= 2 * lo:
        return None
    return (f"not rarefied: reads per sample range from {lo:,.0f} to {hi:,.0f} ({hi / lo:.0f}-fold); "
            f"{' and '.join(_RICH_WORDS[m] for m in rich)} rise with sequencing depth, so between these samples they differ by depth as "
            f"well as by community; rarefy to one depth (--rarefy N, e.g. {lo:.0f}) to compare them")


@dataclass(frozen=True)
class BetaDiversity:
    """A distance matrix (``skbio.DistanceMatrix``) with its provenance."""

    distances: Any
    metric: str
    rank: str
    kind: str
    depth: int | None
    seed: int | None
    method: str
    dropped: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return self.distances.to_data_frame()

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "ids": list(self.distances.ids),
                "distances": self.distances.data.tolist(), "rank": self.rank, "kind": self.kind,
                "depth": self.depth, "seed": self.seed, "method": self.method,
                "dropped_samples": list(self.dropped)}


def beta_diversity(profile: Profile, metric: str = "braycurtis", *, tree=None, rank: str | None = None,
                   rarefy_depth: int | None = None, seed: int | None = None,
                   normalized: bool = True) -> BetaDiversity:
    """Pairwise distances between samples (formulas in the module docstring).

    ``jaccard`` is computed on presence/absence. UniFrac needs ``tree`` and uses skbio's
    ``engine="fast"`` path; ``normalized`` applies to weighted UniFrac only.
    """
    from skbio.diversity import beta_diversity as sk_beta

    if metric not in BETA_METRICS:
        raise MicrobiomeInputError(f"unknown beta metric {metric!r}; choose from {BETA_METRICS}")
    prof, depth, dropped, seed = _prepare(profile, rank, rarefy_depth, seed)
    ids = list(prof.table.index)
    counts = prof.matrix
    kw: dict[str, Any] = {}
    if metric == "jaccard":
        counts = counts > 0
    elif metric.endswith("unifrac"):
        if tree is None:
            raise MicrobiomeInputError(f"{metric} needs a phylogenetic tree")
        check_tree(tree, prof.feature_ids, source="tree")
        kw = {"tree": tree, "taxa": prof.feature_ids, "engine": "fast"}
        # skbio casts abundances to whole numbers: proportions became 0 and every UniFrac
        # distance of relative data 0. Unweighted UniFrac needs presence only; weighted UniFrac
        # uses each sample's proportions, so relative data go in as proportions × 10¹² rounded
        # (a change below 1e-11 in the distances)
        if metric == "unweighted_unifrac":
            counts = (counts > 0).astype(np.int64)
        elif prof.kind != "counts":
            counts = np.rint(counts / counts.sum(axis=1, keepdims=True) * UNIFRAC_SCALE).astype(np.int64)
        if metric == "weighted_unifrac":
            kw["normalized"] = normalized
    dm = sk_beta(metric, counts, ids=ids, **kw)
    return BetaDiversity(distances=dm, metric=metric, rank=prof.rank, kind=prof.kind, depth=depth,
                         seed=seed if depth is not None else None,
                         method=f"scikit-bio {_skbio_version()} beta_diversity", dropped=dropped)
