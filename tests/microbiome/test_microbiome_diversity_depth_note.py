"""`microbiome diversity` on samples of very different depths says that richness is not
comparable between them. Found in the researcher walk of 2026-12-06: a 50-sample table of 800 to
40,000 reads per sample gave observed features and Chao1 per sample with `notes: []`, as if the
column could be read across samples; the deepest library of one and the same community finds
more rare features (observed, Chao1). Rarefying removes the note (and the effect)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from gutskin.cli import app
from gutskin.microbiome import Profile, alpha_diversity

runner = CliRunner()
#: one community with a long tail of rare features: a deeper library sees more of them
COMMUNITY = np.r_[np.full(10, 0.08), np.full(200, 0.2 / 200)]


def _one_community(depths: list[int], seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame([rng.multinomial(d, COMMUNITY) for d in depths], index=[f"S{i + 1}" for i in range(len(depths))],
                        columns=[f"OTU{j + 1}" for j in range(len(COMMUNITY))], dtype=float)


def test_unequal_depths_are_noted_and_rarefying_removes_the_note(tmp_path) -> None:
    table = _one_community([800, 40_000])
    prof = Profile.from_frame(table)
    a = alpha_diversity(prof, ["observed", "shannon", "chao1"])
    obs = a.values["observed"]
    assert obs["S2"] > obs["S1"] + 30  # the same community: richness follows depth
    note = [n for n in a.notes if n.startswith("not rarefied:")]
    assert len(note) == 1 and "800 to 40,000" in note[0] and "observed features and Chao1" in note[0], a.notes
    assert not [n for n in alpha_diversity(prof, ["observed"], rarefy_depth=800, seed=1).notes
                if n.startswith("not rarefied:")]
    assert not [n for n in alpha_diversity(prof, ["shannon", "simpson"]).notes if n.startswith("not rarefied:")]
    path = tmp_path / "t.tsv"
    table.T.rename_axis("#OTU ID").to_csv(path, sep="\t")
    res = runner.invoke(app, ["microbiome", "diversity", str(path), "--json"])
    assert res.exit_code == 0, res.output
    notes = json.loads(res.stdout)["notes"]
    assert any(n.startswith("not rarefied: reads per sample range from 800 to 40,000") for n in notes), notes
    text = runner.invoke(app, ["microbiome", "diversity", str(path)])
    assert text.exit_code == 0 and "# not rarefied:" in text.stderr, text.stderr


def test_depths_within_two_fold_or_one_sample_are_not_noted() -> None:
    assert not [n for n in alpha_diversity(Profile.from_frame(_one_community([10_000, 19_000]))).notes
                if n.startswith("not rarefied:")]
    assert not [n for n in alpha_diversity(Profile.from_frame(_one_community([800]))).notes
                if n.startswith("not rarefied:")]
