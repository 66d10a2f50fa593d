from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def gp500_frame() -> pd.DataFrame:
    """phyloseq's GlobalPatterns 500-OTU test set as samples × OTUs (samples sorted)."""
    env = pd.read_csv(DATA / "gp500test.env.txt", sep="\t", header=None, names=["otu", "sample", "n"],
                      dtype={"otu": str, "sample": str})
    t = env.pivot_table(index="sample", columns="otu", values="n", aggfunc="sum", fill_value=0)
    return t.sort_index()


@pytest.fixture(scope="session")
def gp500_tree():
    from gutskin.microbiome import read_tree

    return read_tree(str(DATA / "gp500test.tree"))
