"""Benchmark: gutskin.microbiome wrappers vs calling scikit-bio directly.

    .venv/bin/python -m bench.microbiome           # 2,000 samples × 5,000 features; UniFrac on 1,000 samples
    .venv/bin/python -m bench.microbiome --quick   # small smoke run

Synthetic negative-binomial counts (seeded). Each task runs ``--repeat`` times per side
(default 2; 5 with ``--quick``), alternating which side goes first, best time kept; the machine
is shared, so times are CPU time of this process (``time.process_time``; all the work is
single-threaded), not wall-clock time, which swung 0.8-1.4x between identical calls under load. Each figure is printed as a ratio
``gutskin time / scikit-bio time`` measured in the same run (target ≤ 1.2×). The gutskin
path starts from a validated Profile; the one-off validation cost of building the Profile
is reported separately, also as a ratio against the scikit-bio baseline.
Weighted UniFrac uses skbio's ``engine="fast"`` on both sides, on a random tree
(``TreeNode.from_linkage`` of a random ultrametric clustering) over the features.
"""

from __future__ import annotations

import argparse
import math
import time
import warnings

import numpy as np
import pandas as pd


CLOCK = time.process_time  # CPU time of this process: robust to other users' load on a shared machine


def _timed(fn, repeat: int) -> tuple[float, object]:
    best, out = math.inf, None
    for _ in range(repeat):
        t0 = CLOCK()
        out = fn()
        best = min(best, CLOCK() - t0)
    return best, out


def _pair(ours, baseline, repeat: int) -> tuple[float, object, float, object]:
    """Best-of-``repeat`` times of both, alternating which one runs first (the machine is shared)."""
    t_o = t_b = math.inf
    r_o = r_b = None
    for r in range(repeat):
        order = ("b", "o") if r % 2 == 0 else ("o", "b")
        for who in order:
            t0 = CLOCK()
            if who == "o":
                r_o = ours()
                t_o = min(t_o, CLOCK() - t0)
            else:
                r_b = baseline()
                t_b = min(t_b, CLOCK() - t0)
    return t_o, r_o, t_b, r_b


def _counts(n_samples: int, n_features: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    mean = rng.lognormal(0.0, 1.5, n_features)
    p = 0.5
    counts = rng.negative_binomial(0.3, p / (p + mean[None, :] * 0.3 / 0.3 * 0.1), (n_samples, n_features))
    counts[:, 0] += 1  # no empty sample
    return pd.DataFrame(counts.astype(np.float64), index=[f"S{i}" for i in range(n_samples)],
                        columns=[f"F{j}" for j in range(n_features)])


def _random_tree(features: list[str], seed: int):
    from scipy.cluster.hierarchy import linkage
    from skbio import TreeNode

    rng = np.random.default_rng(seed)
    pts = rng.normal(size=(len(features), 3))
    tree = TreeNode.from_linkage_matrix(linkage(pts, "average"), features)
    for node in tree.traverse():
        if node.length is None and not node.is_root():
            node.length = 0.0
    return tree


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small smoke run")
    ap.add_argument("--repeat", type=int, default=None, help="runs per task (default 2, quick 5)")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    from skbio.diversity import alpha_diversity as sk_alpha
    from skbio.diversity import beta_diversity as sk_beta

    from gutskin.microbiome import Profile, alpha_diversity, beta_diversity

    if args.quick:
        n_s, n_f, n_u, n_uf, repeat = 200, 500, 100, 300, 5
    else:
        n_s, n_f, n_u, n_uf, repeat = 2000, 5000, 1000, 1000, 2
    if args.repeat:
        repeat = args.repeat
    frame = _counts(n_s, n_f, seed=1)
    counts, ids = np.ascontiguousarray(frame.to_numpy()), list(frame.index)
    print(f"# gutskin.microbiome bench: alpha + Bray–Curtis on {n_s} samples × {n_f} features; "
          f"weighted UniFrac on {n_u} samples × {n_uf} features; best of {repeat}, "
          f"alternating order")

    t_val, prof = _timed(lambda: Profile.from_frame(frame), repeat)

    metrics = {"observed": ("observed_features", {}), "shannon": ("shannon", {"base": math.e}),
               "simpson": ("simpson", {}), "inv_simpson": ("inv_simpson", {}),
               "pielou": ("pielou_e", {"base": math.e}), "chao1": ("chao1", {"bias_corrected": True})}

    def sk_alpha_all():
        return {m: sk_alpha(name, counts, ids=ids, **kw) for m, (name, kw) in metrics.items()}

    # warm-up on a tiny table (imports, caches) before anything is timed
    small = Profile.from_frame(frame.iloc[:5, :50])
    alpha_diversity(small, list(metrics))
    beta_diversity(small, "braycurtis")

    t_gs_a, ours, t_sk_a, ref = _pair(lambda: alpha_diversity(prof, list(metrics)), sk_alpha_all, repeat)
    for m in metrics:
        np.testing.assert_allclose(ours.values[m].to_numpy(), ref[m].to_numpy(), equal_nan=True)

    t_gs_b, dours, t_sk_b, dref = _pair(lambda: beta_diversity(prof, "braycurtis"),
                                        lambda: sk_beta("braycurtis", counts, ids=ids), repeat)
    np.testing.assert_allclose(dours.distances.data, dref.data)

    uframe = _counts(n_u, n_uf, seed=2)
    uprof = Profile.from_frame(uframe)
    tree = _random_tree(list(uframe.columns), seed=3)
    ucounts, uids, taxa = np.ascontiguousarray(uframe.to_numpy()), list(uframe.index), list(uframe.columns)
    t_gs_u, uours, t_sk_u, uref = _pair(
        lambda: beta_diversity(uprof, "weighted_unifrac", tree=tree),
        lambda: sk_beta("weighted_unifrac", ucounts, ids=uids, taxa=taxa, tree=tree, normalized=True,
                        engine="fast"), repeat)
    np.testing.assert_allclose(uours.distances.data, uref.data)

    rows = [("alpha (6 metrics)", t_gs_a, t_sk_a), ("Bray–Curtis", t_gs_b, t_sk_b),
            ("weighted UniFrac", t_gs_u, t_sk_u),
            ("alpha + Bray–Curtis", t_gs_a + t_gs_b, t_sk_a + t_sk_b),
            ("alpha + Bray–Curtis incl. Profile validation", t_val + t_gs_a + t_gs_b, t_sk_a + t_sk_b)]
    print(f"{'task (CPU seconds)':46s} {'gutskin s':>10s} {'skbio s':>10s} {'ratio':>7s}")
    worst = 0.0
    for name, ours_t, sk_t in rows:
        ratio = ours_t / sk_t
        print(f"{name:46s} {ours_t:10.3f} {sk_t:10.3f} {ratio:6.2f}x")
        if "validation" not in name:
            worst = max(worst, ratio)
    print(f"# worst analysis overhead ratio: {worst:.2f}x (target <= 1.20x)")


if __name__ == "__main__":
    main()
