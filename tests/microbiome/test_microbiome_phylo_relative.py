"""Faith PD and UniFrac of relative abundances. scikit-bio casts abundances to whole numbers, so
proportions became 0: Faith PD of every relative sample was 0 and every UniFrac distance 0,
reported as numbers (the docs said these metrics are defined on proportions and reported)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gutskin.microbiome import Profile, alpha_diversity, beta_diversity, read_biom, read_tree

from .conftest import DATA


def _relative(frame: pd.DataFrame, percent: bool = False) -> Profile:
    rel = frame.div(frame.sum(axis=1), axis=0) * (100 if percent else 1)
    return Profile.from_frame(rel, kind="relative")


@pytest.mark.parametrize("metric, csv, kw", [
    ("unweighted_unifrac", "gp500-uuf.csv", {}),
    ("weighted_unifrac", "gp500-wuf.csv", {"normalized": True}),
    ("weighted_unifrac", "gp500-wufu.csv", {"normalized": False}),
])
@pytest.mark.parametrize("percent", [False, True], ids=["fractions", "percent"])
def test_unifrac_of_relative_abundances_matches_phyloseq(gp500_frame, gp500_tree, metric, csv, kw, percent):
    """UniFrac depends on presence (unweighted) or each sample's proportions (weighted), so the
    published matrices of the count table hold for the same table as proportions."""
    expected = np.loadtxt(DATA / csv, delimiter=",")
    got = beta_diversity(_relative(gp500_frame, percent), metric, tree=gp500_tree, **kw)
    assert got.kind == "relative"
    np.testing.assert_allclose(got.distances.data, expected, atol=1e-9)


def test_faith_pd_of_relative_abundances_matches_crawford():
    expected = pd.read_csv(DATA / "test.faith.exp", sep="\t", header=None, index_col=0).iloc[:, 0]
    counts = read_biom(DATA / "crawford.biom")
    got = alpha_diversity(_relative(counts.table), ["observed"], tree=read_tree(str(DATA / "crawford.tre")))
    np.testing.assert_allclose(got.values.loc[expected.index, "faith_pd"], expected.to_numpy(), rtol=1e-8)
    assert (got.values["faith_pd"] > 0).all()
