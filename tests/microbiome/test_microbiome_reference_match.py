"""A profile whose features are named taxa is not compared with the ASV-level infant reference,
and a clade-at-every-rank table (Kraken/MetaPhlAn style) of unknown method is taken as shotgun.
Before, a Kraken species table read as a TSV was placed in the 16S infant reference
('Shannon … at about the 19th percentile … lower than most'; 'Observed features: 4, below the
1st percentile'), and a QIIME 2 table collapsed to genus likewise: observed genera counted as if
they were ASVs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gutskin.microbiome import Profile, read_profile, sample_report
from gutskin.microbiome.io import taxonomy_frame

from .test_microbiome_hierarchical import KRAKEN_MPA


def test_kraken_style_table_of_unknown_method_is_not_placed_in_a_16s_reference(tmp_path):
    path = tmp_path / "kid.txt"
    path.write_text("#Classification\tkid\n" + KRAKEN_MPA)
    prof = read_profile(path)
    assert prof.method == "shotgun" and any("method taken as shotgun" in n for n in prof.notes)
    for age in ("infant", "adult"):
        comp = sample_report(prof, "kid", age)["reference_comparison"]
        assert comp["comparable"] is False and "16S" in comp["reason"] and comp["percentiles"] == {}
    assert read_profile(path, method="16S").method == "16S"  # a stated method is kept


def _collapsed_genus_table() -> Profile:
    rng = np.random.default_rng(7)
    genera = [f"g{i}" for i in range(40)]
    ids = [f"d__Bacteria;p__Firmicutes;c__Clostridia;o__Lachnospirales;f__Lachnospiraceae;g__{g}" for g in genera]
    table = pd.DataFrame([rng.multinomial(6000, rng.dirichlet(np.ones(40)))], index=["baby"], columns=ids,
                         dtype=float)
    return Profile.from_frame(table, method="16S", taxonomy=taxonomy_frame({i: i for i in ids}))


def test_collapsed_table_is_not_compared_with_the_asv_reference():
    prof = _collapsed_genus_table()
    infant = sample_report(prof, "baby", "infant")["reference_comparison"]
    assert infant["comparable"] is False and "named taxa" in infant["reason"]
    adult = sample_report(prof, "baby", "adult")["reference_comparison"]  # genus-level reference: fine
    assert adult["comparable"] is True and adult["depth"] == 5000


def test_an_asv_table_is_still_compared():
    rng = np.random.default_rng(8)
    ids = [f"{i:032x}" for i in range(60)]
    table = pd.DataFrame([rng.multinomial(3000, rng.dirichlet(np.ones(60)))], index=["baby"], columns=ids,
                         dtype=float)
    comp = sample_report(Profile.from_frame(table, method="16S"), "baby", "infant")["reference_comparison"]
    assert comp["comparable"] is True and comp["depth"] == 1500
