"""Diversity against independently computed values and invariants."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gutskin.microbiome import (LOG_BASE, MicrobiomeInputError, Profile, alpha_diversity, beta_diversity, rarefy,
                                read_biom, read_tree)

from .conftest import DATA


@pytest.mark.parametrize("metric, csv, kw", [
    ("unweighted_unifrac", "gp500-uuf.csv", {}),
    ("weighted_unifrac", "gp500-wuf.csv", {"normalized": True}),
    ("weighted_unifrac", "gp500-wufu.csv", {"normalized": False}),
])
def test_unifrac_matches_phyloseq_gp500(gp500_frame, gp500_tree, metric, csv, kw):
    """phyloseq's reference matrices were made with PyCogent's fast_unifrac (gp500-pycogent.py)."""
    expected = np.loadtxt(DATA / csv, delimiter=",")
    prof = Profile.from_frame(gp500_frame)
    got = beta_diversity(prof, metric, tree=gp500_tree, **kw)
    assert list(got.distances.ids) == sorted(gp500_frame.index)
    np.testing.assert_allclose(got.distances.data, expected, atol=1e-9)
    assert got.metric == metric and got.depth is None


def test_faith_pd_matches_unifrac_crawford():
    """Expected values from the unifrac project's test.faith.exp (derived from QIIME 1.9.1)."""
    expected = pd.read_csv(DATA / "test.faith.exp", sep="\t", header=None, index_col=0).iloc[:, 0]
    prof = read_biom(DATA / "crawford.biom")
    got = alpha_diversity(prof, ["observed"], tree=read_tree(str(DATA / "crawford.tre")))
    np.testing.assert_allclose(got.values.loc[expected.index, "faith_pd"], expected.to_numpy(), rtol=1e-8)
    # (the reference values carry ~1e-9 relative float32 noise from unifrac's accumulation;
    # tree branch lengths have 5 decimals, so the exact sums end in 5 decimals as skbio's do)


def test_worked_example_hand_computed():
    counts = pd.DataFrame([[1, 1, 2, 0], [5, 0, 0, 0], [2, 2, 2, 2]], index=["a", "b", "c"],
                          columns=["w", "x", "y", "z"])
    res = alpha_diversity(Profile.from_frame(counts))
    v = res.values
    p = np.array([0.25, 0.25, 0.5])
    assert v.at["a", "shannon"] == pytest.approx(-(p * np.log(p)).sum())  # 1.0397 nats
    assert v.at["a", "shannon"] == pytest.approx(1.5 * math.log(2))
    assert v.at["a", "simpson"] == pytest.approx(1 - (p**2).sum())  # 0.625
    assert v.at["a", "inv_simpson"] == pytest.approx(1 / (p**2).sum())  # 2.667
    assert v.at["a", "pielou"] == pytest.approx(1.5 * math.log(2) / math.log(3))
    # Chao1 bias-corrected: S + F1(F1-1)/(2(F2+1)); a: S=3, F1=2, F2=1 → 3 + 2/4
    assert v.at["a", "chao1"] == pytest.approx(3.5)
    assert v.at["a", "observed"] == 3
    # single feature: Shannon 0, Simpson 0, inverse Simpson 1, Pielou undefined
    assert v.at["b", "shannon"] == 0 and v.at["b", "simpson"] == 0 and v.at["b", "inv_simpson"] == 1
    assert np.isnan(v.at["b", "pielou"])
    # uniform: Shannon ln S, Pielou 1
    assert v.at["c", "shannon"] == pytest.approx(math.log(4)) and v.at["c", "pielou"] == pytest.approx(1)
    assert res.log_base == LOG_BASE == "e" and res.rank == "feature" and "scikit-bio" in res.method


def test_bray_curtis_and_jaccard_hand_computed():
    counts = pd.DataFrame([[6, 0, 4], [2, 3, 5]], index=["a", "b"], columns=["x", "y", "z"])
    prof = Profile.from_frame(counts)
    bc = beta_diversity(prof, "braycurtis").distances["a", "b"]
    assert bc == pytest.approx((4 + 3 + 1) / (10 + 10))
    jac = beta_diversity(prof, "jaccard").distances["a", "b"]
    assert jac == pytest.approx(1 - 2 / 3)  # presence/absence: shared {x,z}, union {x,y,z}


def test_rarefaction_seeded_and_provenance():
    rng = np.random.default_rng(0)
    counts = pd.DataFrame(rng.poisson(5, (6, 40)), index=[f"s{i}" for i in range(6)],
                          columns=[f"f{j}" for j in range(40)])
    counts.iloc[0] = 0
    counts.iloc[0, 0] = 3  # a shallow sample
    prof = Profile.from_frame(counts)
    r1, r2 = rarefy(prof, 100, seed=7), rarefy(prof, 100, seed=7)
    pd.testing.assert_frame_equal(r1.profile.table, r2.profile.table)
    assert r1.dropped == ("s0",) and (r1.profile.table.sum(axis=1) == 100).all()
    assert ((r1.profile.table <= prof.table.loc[r1.profile.table.index]).all()).all()
    a = alpha_diversity(prof, rarefy_depth=100, seed=7)
    assert a.depth == 100 and a.seed == 7 and a.dropped == ("s0",)
    with pytest.raises(MicrobiomeInputError, match="no sample has at least"):
        rarefy(prof, 10**6, seed=1)


def test_genus_aggregation_records_rank():
    counts = pd.DataFrame([[1, 2, 3]], index=["s"], columns=["a", "b", "c"])
    tax = pd.DataFrame({"genus": ["Blautia", "Blautia", None], "family": ["Lachnospiraceae"] * 3})
    tax.index = ["a", "b", "c"]
    prof = Profile.from_frame(counts, taxonomy=tax)
    a = alpha_diversity(prof, ["observed"], rank="genus")
    assert a.rank == "genus" and a.values.at["s", "observed"] == 2


def test_unknown_metric_and_missing_tree():
    prof = Profile.from_frame(pd.DataFrame([[1, 2]], index=["s"], columns=["a", "b"]))
    with pytest.raises(MicrobiomeInputError, match="unknown alpha metric"):
        alpha_diversity(prof, ["shanon"])
    with pytest.raises(MicrobiomeInputError, match="tree"):
        beta_diversity(prof, "weighted_unifrac")


count_tables = arrays(np.int64, st.tuples(st.integers(2, 6), st.integers(2, 12)),
                      elements=st.integers(0, 50)).filter(lambda a: (a.sum(axis=1) > 0).all())


@settings(max_examples=40, deadline=None)
@given(count_tables)
def test_alpha_invariants(a):
    frame = pd.DataFrame(a, index=[f"s{i}" for i in range(a.shape[0])], columns=[f"f{j}" for j in range(a.shape[1])])
    v = alpha_diversity(Profile.from_frame(frame)).values
    obs = (a > 0).sum(axis=1)
    assert (v["observed"].to_numpy() == obs).all()
    assert (v["shannon"].to_numpy() <= np.log(obs) + 1e-9).all() and (v["shannon"] >= -1e-12).all()
    assert ((v["inv_simpson"] >= 1 - 1e-9) & (v["inv_simpson"] <= obs + 1e-9)).all()
    assert (v["chao1"].to_numpy() >= obs - 1e-9).all()
    # relabelling / reordering features changes nothing
    perm = frame.iloc[:, ::-1]
    perm.columns = [f"g{j}" for j in range(perm.shape[1])]
    pd.testing.assert_frame_equal(alpha_diversity(Profile.from_frame(perm)).values, v)


@settings(max_examples=30, deadline=None)
@given(count_tables)
def test_bray_curtis_is_a_bounded_symmetric_dissimilarity(a):
    frame = pd.DataFrame(a, index=[f"s{i}" for i in range(a.shape[0])], columns=[f"f{j}" for j in range(a.shape[1])])
    d = beta_diversity(Profile.from_frame(frame), "braycurtis").distances.data
    assert np.allclose(d, d.T) and np.allclose(np.diag(d), 0)
    assert (d >= -1e-12).all() and (d <= 1 + 1e-12).all()
