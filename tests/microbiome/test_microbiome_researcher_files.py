"""Files as researchers have them: a QIIME 2 collapsed table exported to BIOM (feature IDs are
lineages), QIIME 2 sample metadata (#q2:types, comment lines), and a BIOM table carrying its
own sample metadata."""

from __future__ import annotations

import json

import biom
import numpy as np
import pytest
from typer.testing import CliRunner

from gutskin.microbiome import MicrobiomeInputError, read_profile, sample_report
from gutskin.microbiome.cohort import biom_sample_metadata, cohort_analysis, read_metadata

runner = CliRunner()

LINEAGE_IDS = [
    "d__Bacteria;p__Actinobacteriota;c__Actinobacteria;o__Bifidobacteriales;f__Bifidobacteriaceae;g__Bifidobacterium",
    "d__Bacteria;p__Bacteroidota;c__Bacteroidia;o__Bacteroidales;f__Bacteroidaceae;g__Bacteroides",
    "d__Bacteria;p__Firmicutes_A;c__Clostridia;o__Lachnospirales;f__Lachnospiraceae;g__Blautia",
    "Unassigned;__;__;__;__;__",
]
SAMPLES = ["S1", "S2", "S3", "S4"]
DATA = [[500, 100, 200, 50], [300, 600, 400, 500], [150, 250, 300, 400], [50, 50, 100, 50]]
SAMPLE_MD = [{"SCORAD": "10", "delivery": "vaginal"}, {"SCORAD": "30", "delivery": "caesarean"},
             {"SCORAD": "50", "delivery": "vaginal"}, {"SCORAD": "45", "delivery": "caesarean"}]


def _run(*args):
    from gutskin.cli import app

    return runner.invoke(app, ["microbiome", *map(str, args)])


def _biom(path, *, hdf5: bool, ids=LINEAGE_IDS, sample_md=SAMPLE_MD):
    t = biom.Table(np.array(DATA, dtype=float), ids, SAMPLES, sample_metadata=sample_md)
    if hdf5:
        with biom.util.biom_open(str(path), "w") as fh:
            t.to_hdf5(fh, "qiime2 taxa collapse")
    else:
        path.write_text(t.to_json("qiime2 taxa collapse"))
    return path


@pytest.fixture(params=["json", "hdf5"])
def collapsed(request, tmp_path):
    return _biom(tmp_path / "collapsed.biom", hdf5=request.param == "hdf5")


def test_collapsed_biom_feature_ids_are_read_as_lineages(collapsed):
    # the same table as TSV was parsed; as BIOM it said "no taxonomy" and checked no eczema-linked taxon
    prof = read_profile(collapsed)
    assert prof.taxonomy is not None
    assert prof.labels_at("genus").tolist() == ["Bifidobacterium", "Bacteroides", "Blautia", "unclassified"]
    assert any("feature IDs" in n for n in prof.notes)
    rep = sample_report(prof, "S1", "infant")
    by = {t["taxon"]: t for t in rep["taxa"]}
    assert by["Bifidobacterium"]["status"] == "found"
    assert by["Bifidobacterium"]["relative_abundance"] == pytest.approx(0.5)
    res = _run("diversity", collapsed, "--aggregate", "genus", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["rank"] == "genus"


def test_biom_with_hash_ids_still_has_no_taxonomy(tmp_path):
    prof = read_profile(_biom(tmp_path / "t.biom", hdf5=True, ids=["4b5eeb30", "c9a1", "77ee", "d00d"]))
    assert prof.taxonomy is None


QIIME2_METADATA = ("sample-id\tSCORAD\tvisit\tdelivery\n"
                   "#q2:types\tnumeric\tcategorical\tcategorical\n"
                   "# exported from the clinic database\n"
                   "S1\t10\t1\tvaginal\nS2\t30\t2\tcaesarean\nS3\t50\t1\tvaginal\nS4\t45\t2\tcaesarean\n")


def test_qiime2_metadata_directives_and_comments_are_not_samples(tmp_path):
    p = tmp_path / "sample-metadata.tsv"
    p.write_text(QIIME2_METADATA)
    md = read_metadata(p)
    assert md.index.tolist() == SAMPLES  # '#q2:types' and the comment were samples
    assert md["SCORAD"].dtype.kind in "if"  # 'numeric' in the types row made SCORAD text
    assert md["visit"].tolist() == ["1", "2", "1", "2"]  # declared categorical: stays a category


def test_cohort_with_qiime2_metadata(collapsed, tmp_path):
    p = tmp_path / "sample-metadata.tsv"
    p.write_text(QIIME2_METADATA)
    res = _run("cohort", collapsed, "--metadata", p, "--outcome", "SCORAD", "--no-ancombc", "--permutations", "9",
               "--json")
    assert res.exit_code == 0, res.output  # was: outcome SCORAD: not a number in sample '#q2:types'
    assert json.loads(res.stdout)["diversity_vs_outcome"]["n"] == 4


def test_a_sampleid_header_starting_with_hash_is_still_the_header(tmp_path):
    p = tmp_path / "map.txt"
    p.write_text("#SampleID\tSCORAD\nS1\t10\nS2\t20\n")
    assert read_metadata(p)["SCORAD"].tolist() == [10, 20]


def test_cohort_uses_the_biom_tables_own_sample_metadata(collapsed):
    md = biom_sample_metadata(collapsed)
    assert md is not None and md.loc["S3", "SCORAD"] == 50 and md.loc["S2", "delivery"] == "caesarean"
    res = _run("cohort", collapsed, "--outcome", "SCORAD", "--no-ancombc", "--permutations", "9", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["diversity_vs_outcome"]["n"] == 4
    assert out == cohort_analysis(read_profile(collapsed), md, "SCORAD", permutations=9,
                                  differential=False)  # the same as passing it in


def test_cohort_without_metadata_anywhere_says_so(tmp_path):
    table = _biom(tmp_path / "plain.biom", hdf5=True, sample_md=None)
    res = _run("cohort", table, "--outcome", "SCORAD")
    assert res.exit_code == 2 and "carries no sample metadata; give --metadata" in res.stderr
    tsv = tmp_path / "t.tsv"
    tsv.write_text("#OTU ID\tS1\tS2\tS3\nA\t1\t2\t3\nB\t3\t4\t5\n")
    res = _run("cohort", tsv, "--outcome", "SCORAD")
    assert res.exit_code == 2 and "give --metadata" in res.stderr


def test_a_missing_outcome_column_lists_the_columns_there_are(collapsed):
    with pytest.raises(MicrobiomeInputError, match=r"no column 'EASI'; it has 'SCORAD', 'delivery'"):
        cohort_analysis(read_profile(collapsed), biom_sample_metadata(collapsed), "EASI")


def test_biom_sample_metadata_with_samples_lacking_some_fields(tmp_path):
    # biom's own Table.metadata_to_dataframe raises KeyError here, which read as "no sample metadata"
    md = [{"SCORAD": "10", "site": "Ghent"}, {"SCORAD": "30"}, None, {"SCORAD": "45", "site": "Leuven"}]
    table = _biom(tmp_path / "ragged.biom", hdf5=False, sample_md=md)
    got = biom_sample_metadata(table)
    assert got is not None
    assert got["SCORAD"].tolist()[:2] == [10, 30] and np.isnan(got.loc["S3", "SCORAD"])
    assert got.loc["S1", "site"] == "Ghent" and got["site"].isna().tolist() == [False, True, True, False]
    res = _run("cohort", table, "--outcome", "SCORAD", "--no-ancombc", "--permutations", "9", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["diversity_vs_outcome"]["n"] == 3
