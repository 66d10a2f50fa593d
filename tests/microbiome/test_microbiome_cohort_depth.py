"""Cohort Bray–Curtis without --rarefy is computed on proportions. On raw counts of unequal
depth it measured library size: the same community sequenced at 1,000 and 10,000 reads was
0.82 apart, and PERMANOVA 'found' a difference between deep and shallow samples of one
community."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from gutskin.microbiome import Profile
from gutskin.microbiome.cohort import ordination

runner = CliRunner()
COMMUNITY = np.array([0.4, 0.25, 0.15, 0.1, 0.06, 0.04])


def _table(depths, noise_seed=0):
    """Samples of one community (multinomial draws) at the given depths."""
    rng = np.random.default_rng(noise_seed)
    rows = [rng.multinomial(d, COMMUNITY) for d in depths]
    return pd.DataFrame(rows, index=[f"S{i + 1}" for i in range(len(depths))],
                        columns=[f"OTU{j + 1}" for j in range(len(COMMUNITY))], dtype=float)


@pytest.mark.filterwarnings("ignore:invalid value encountered")  # PERMANOVA's F is 0/0 for identical samples
def test_same_community_at_different_depths_is_zero_apart():
    table = pd.DataFrame([COMMUNITY * 1000, COMMUNITY * 10000], index=["shallow", "deep"],
                         columns=[f"OTU{j + 1}" for j in range(len(COMMUNITY))])
    assert _ordination_distance(Profile.from_frame(table)) == pytest.approx(0.0, abs=1e-9)


def _ordination_distance(prof):
    """Bray–Curtis between the two samples as the cohort ordination computes it (via PCoA
    coordinates of two copies of each sample, so that PERMANOVA has groups of two)."""
    t = prof.table
    doubled = pd.concat([t, t.rename(index=lambda s: s + "_copy")])
    md = pd.DataFrame({"g": ["x", "y", "x", "y"]}, index=doubled.index)
    res = ordination(Profile.from_frame(doubled), md, "g", permutations=0)
    c = res["pcoa"]["coordinates"]
    return float(np.linalg.norm(np.array(c[t.index[0]]) - np.array(c[t.index[1]])))


def test_permanova_does_not_test_sequencing_depth():
    depths = [1000] * 10 + [20000] * 10
    table = _table(depths)
    md = pd.DataFrame({"batch": ["shallow"] * 10 + ["deep"] * 10}, index=table.index)
    res = ordination(Profile.from_frame(table), md, "batch", permutations=499, seed=1)
    assert res["values"].startswith("proportions")
    assert res["permanova"]["p"] > 0.05


def test_a_real_composition_difference_is_still_found():
    depths = [1000, 20000] * 10
    table = _table(depths)
    shifted = table.index[::2][:5].tolist() + table.index[1::2][:5].tolist()
    table.loc[shifted, "OTU6"] += table.loc[shifted].sum(axis=1) * 0.5  # a bloom in half the samples
    md = pd.DataFrame({"bloom": ["yes" if s in shifted else "no" for s in table.index]}, index=table.index)
    res = ordination(Profile.from_frame(table), md, "bloom", permutations=499, seed=1)
    assert res["permanova"]["p"] < 0.01


def test_cli_cohort_says_what_bray_curtis_was_computed_on(tmp_path):
    from gutskin.cli import app

    depths = [1000] * 6 + [20000] * 6
    table = _table(depths)
    tpath = tmp_path / "t.tsv"
    table.T.rename_axis("#OTU ID").to_csv(tpath, sep="\t")
    mpath = tmp_path / "md.tsv"
    pd.DataFrame({"sample-id": table.index, "SCORAD": np.linspace(10, 60, 12),
                  "batch": ["shallow"] * 6 + ["deep"] * 6}).to_csv(mpath, sep="\t", index=False)
    res = runner.invoke(app, ["microbiome", "cohort", str(tpath), "--metadata", str(mpath), "--outcome", "SCORAD",
                              "--group", "batch", "--no-ancombc", "--permutations", "199", "--json"])
    assert res.exit_code == 0, res.output
    ordn = json.loads(res.stdout)["ordination"]
    assert ordn["values"].startswith("proportions") and ordn["permanova"]["p"] > 0.05
    res = runner.invoke(app, ["microbiome", "cohort", str(tpath), "--metadata", str(mpath), "--outcome", "SCORAD",
                              "--group", "batch", "--no-ancombc", "--permutations", "199", "--rarefy", "1000",
                              "--json"])
    assert res.exit_code == 0, res.output
    ordn = json.loads(res.stdout)["ordination"]
    assert ordn["values"] == "counts rarefied to 1000 reads per sample" and ordn["permanova"]["p"] > 0.05


def test_unrarefied_richness_against_an_outcome_says_it_depends_on_depth():
    """Observed features of one community rise with reads; regressed on an outcome that happens to
    follow depth they 'explain' it. The result now says so (it was silent) and --rarefy removes it."""
    from gutskin.microbiome.cohort import diversity_vs_outcome

    rng = np.random.default_rng(3)
    community = rng.dirichlet(np.full(300, 0.3))
    depths = np.repeat([500, 2000, 8000, 30000], 5)
    table = pd.DataFrame([rng.multinomial(d, community) for d in depths],
                         index=[f"S{i}" for i in range(len(depths))], dtype=float)
    table.columns = [f"ASV{j}" for j in range(300)]
    md = pd.DataFrame({"SCORAD": depths / 1000 + rng.normal(0, 0.5, len(depths))}, index=table.index)
    prof = Profile.from_frame(table)
    raw = diversity_vs_outcome(prof, md, "SCORAD", metric="observed")
    assert raw["spearman"]["rho"] > 0.8  # the spurious association
    assert raw["notes"] and "not rarefied" in raw["notes"][0] and "500 to 30000" in raw["notes"][0]
    rare = diversity_vs_outcome(prof, md, "SCORAD", metric="observed", rarefy_depth=500, seed=1)
    assert rare["notes"] == [] and abs(rare["spearman"]["rho"]) < 0.5


def test_rarefaction_without_a_seed_records_the_seed_it_drew(tmp_path):
    """`diversity --rarefy N` without --seed gave a random draw and recorded "seed": null, so the
    numbers could not be reproduced; the seed drawn is recorded and reproduces them."""
    from gutskin.cli import app

    table = _table([800, 1500, 3000, 5000], noise_seed=4)
    path = tmp_path / "t.tsv"
    table.T.rename_axis("#OTU ID").to_csv(path, sep="\t")
    first = runner.invoke(app, ["microbiome", "diversity", str(path), "--rarefy", "500", "--json"])
    assert first.exit_code == 0, first.output
    out = json.loads(first.stdout)
    assert isinstance(out["seed"], int) and out["depth"] == 500
    again = runner.invoke(app, ["microbiome", "diversity", str(path), "--rarefy", "500", "--seed", str(out["seed"]),
                                "--json"])
    assert json.loads(again.stdout)["samples"] == out["samples"]
