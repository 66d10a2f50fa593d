"""MetaPhlAn runs that named no microbes (H2 walk, 2026-12-07).

MetaPhlAn 4 with ``--unclassified_estimation`` writes ``UNCLASSIFIED -1 100.0`` when none of its
marker genes is found; MetaPhlAn 3 writes its header lines and nothing else. Both were refused as
"no clades at rank 'species' in the profile", which does not say that the run named nothing. In a
merged table (merge_metaphlan_tables.py) such a sample is all zero below UNCLASSIFIED; asking for
it said "has no reads (every count is 0)" and the upload "has no reads in the file", of a
relative-abundance profile that has no reads or counts at all. Counts tables keep their words
(tests/microbiome/test_microbiome_empty_samples.py). Nothing is stored (SQLite and PostgreSQL).
"""

from __future__ import annotations

import numpy as np
import pytest
from skbio.diversity import alpha_diversity
from sqlalchemy import func, select

from gutskin.clinic import microbiome as micro
from gutskin.clinic.errors import InvalidInput
from gutskin.microbiome import alpha_diversity as gs_alpha
from gutskin.microbiome import read_profile
from gutskin.microbiome.errors import MicrobiomeInputError
from gutskin.store.db import transaction
from gutskin.store.models import MicrobiomeSample

MPA4_HEAD = ("#mpa_vJan21_CHOCOPhlAnSGB_202103\n"
             "#/usr/local/bin/metaphlan s.fq --input_type fastq --unclassified_estimation -o s.txt\n"
             "#12000 reads processed\n#SampleID\tMetaphlan_Analysis\n"
             "#clade_name\tNCBI_tax_id\trelative_abundance\tadditional_species\n")
MPA3_HEAD = ("#mpa_v30_CHOCOPhlAn_201901\n#/usr/local/bin/metaphlan s.fq --input_type fastq -o s.txt\n"
             "#SampleID\tMetaphlan_Analysis\n#clade_name\tNCBI_tax_id\trelative_abundance\tadditional_species\n")

B = "k__Bacteria|p__Actinobacteria|c__Actinobacteria|o__Bifidobacteriales|f__Bifidobacteriaceae|g__Bifidobacterium"
F = "k__Bacteria|p__Firmicutes|c__Clostridia|o__Clostridiales|f__Ruminococcaceae|g__Faecalibacterium"
E = "k__Bacteria|p__Proteobacteria|c__Gammaproteobacteria|o__Enterobacterales|f__Enterobacteriaceae|g__Escherichia"
# species: (clade, s1 %, s2 %) of the classified part; 'failed' is UNCLASSIFIED 100
SPECIES = [(f"{B}|s__Bifidobacterium_longum", 30.0, 10.0), (f"{B}|s__Bifidobacterium_breve", 10.0, 0.0),
           (f"{F}|s__Faecalibacterium_prausnitzii", 40.0, 60.0), (f"{E}|s__Escherichia_coli", 20.0, 30.0)]


def _merged() -> str:
    lines = ["#mpa_vJan21_CHOCOPhlAnSGB_202103", "clade_name\tclade_taxid\ts1\ts2\tfailed",
             "UNCLASSIFIED\t-1\t20.0\t10.0\t100.0", "k__Bacteria\t2\t80.0\t90.0\t0.0"]
    for clade, a, b in SPECIES:
        lines.append(f"{clade}\t1|2\t{a * 0.8:.5f}\t{b * 0.9:.5f}\t0.0")
        lines.append(f"{clade}|t__SGB{len(lines)}\t1|2|\t{a * 0.8:.5f}\t{b * 0.9:.5f}\t0.0")
    return "\n".join(lines) + "\n"


def _count(engine) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(MicrobiomeSample)) or 0


@pytest.mark.parametrize(("text", "what"), [(MPA4_HEAD + "UNCLASSIFIED\t-1\t100.0\t\n", "only an UNCLASSIFIED line"),
                                            (MPA3_HEAD, "no clade lines, only its header")],
                         ids=["mpa4 UNCLASSIFIED 100", "mpa3 header only"])
def test_a_profile_naming_no_microbes_says_so(tmp_path, engine, people, text: str, what: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "stool_profile.txt"
    path.write_text(text)
    words = (rf"stool_profile\.txt: the MetaPhlAn profile names no microbes \({what}\): MetaPhlAn found none of its "
             r"marker genes in the reads \(too few microbial reads, or a failed run\)")
    with pytest.raises(MicrobiomeInputError, match=words):
        read_profile(path)
    with pytest.raises(InvalidInput, match="file: " + words), transaction(engine) as s:
        micro.upload_sample(s, people.owner, people.owner_pid, "stool_profile.txt", text.encode(), method="shotgun")
    assert _count(engine) == 0


def test_a_merged_sample_of_only_unclassified_is_named_as_such(tmp_path, engine, people) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "merged_abundance_table.txt"
    path.write_text(_merged())
    prof = read_profile(path)
    assert prof.sample_ids == ["s1", "s2"] and prof.empty_samples == ("failed",)
    # the others' diversity is scikit-bio's on the classified species (UNCLASSIFIED and t__ rows left out)
    res = gs_alpha(prof, ["observed", "shannon", "simpson"])
    for j, sample in enumerate(["s1", "s2"]):
        x = np.array([[row[1 + j] for row in SPECIES]])
        x = x / x.sum()
        assert res.values.at[sample, "observed"] == alpha_diversity("observed_features", (x > 0).astype(int)).iloc[0]
        assert res.values.at[sample, "shannon"] == pytest.approx(alpha_diversity("shannon", x, base=np.e).iloc[0])
        assert res.values.at[sample, "simpson"] == pytest.approx(alpha_diversity("simpson", x).iloc[0])
    with pytest.raises(MicrobiomeInputError, match=r"sample 'failed' has nothing classified in .*merged_abundance_table"
                                                   r"\.txt \(every abundance is 0; the test named no microbes in it\)"):
        prof.check_sample("failed")
    data = _merged().encode()
    with pytest.raises(InvalidInput, match=r"sample_id: 'failed' has nothing classified in the file \(every abundance "
                                           r"is 0: the test named no microbes in it\)"), transaction(engine) as s:
        micro.upload_sample(s, people.owner, people.owner_pid, "merged_abundance_table.txt", data,
                            sample_id="failed", method="shotgun")
    assert _count(engine) == 0
    with transaction(engine) as s:
        out = micro.upload_sample(s, people.owner, people.owner_pid, "merged_abundance_table.txt", data,
                                  sample_id="s2", method="shotgun")
    assert out["sample_id"] == "s2"
    assert _count(engine) == 1
