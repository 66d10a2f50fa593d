"""QIIME 2 artifacts (.qza) read as they are: a feature table (FeatureTable[Frequency] /
[RelativeFrequency]), taxonomy.qza and rooted-tree.qza, in the CLI and the upload. Before, a
.qza was 'not a UTF-8 text table' and the upload refused the suffix; users had to install
QIIME 2 to export the files first."""

from __future__ import annotations

import json
import uuid
import zipfile

import biom
import numpy as np
import pytest
from typer.testing import CliRunner

from gutskin.microbiome import MicrobiomeInputError, alpha_diversity, read_profile, read_tree
from gutskin.microbiome.io import read_taxonomy

runner = CliRunner()

FEATURES = ["3b1c0a8f2d9e4c7b8a6f5e4d3c2b1a09", "7f6e5d4c3b2a19087f6e5d4c3b2a1908", "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5",
            "0123456789abcdef0123456789abcdef"]
TAXA = ["d__Bacteria; p__Actinobacteriota; c__Actinobacteria; o__Bifidobacteriales; f__Bifidobacteriaceae; "
        "g__Bifidobacterium; s__",
        "d__Bacteria; p__Bacteroidota; c__Bacteroidia; o__Bacteroidales; f__Bacteroidaceae; g__Bacteroides; "
        "s__Bacteroides_fragilis",
        "d__Bacteria; p__Proteobacteria; c__Gammaproteobacteria; o__Enterobacterales; f__Enterobacteriaceae; "
        "g__Escherichia-Shigella; s__",
        "d__Bacteria; p__Firmicutes; c__Clostridia; o__Lachnospirales; f__Lachnospiraceae; g__Blautia; s__"]
SAMPLES = ["baby1", "baby2"]
COUNTS = np.array([[900, 40], [300, 0], [1, 700], [2, 900]], dtype=float)  # features × samples
NEWICK = (f"(({FEATURES[0]}:0.1,{FEATURES[1]}:0.2):0.05,({FEATURES[2]}:0.3,{FEATURES[3]}:0.15):0.1)root;\n")


def _artifact(path, qtype, member, payload: bytes):
    u = str(uuid.uuid4())
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{u}/VERSION", "QIIME 2\narchive: 5\nframework: 2024.5.0\n")
        z.writestr(f"{u}/metadata.yaml", f"uuid: {u}\ntype: {qtype}\nformat: SomeDirFmt\n")
        z.writestr(f"{u}/provenance/action/action.yaml", "action: {}\n")
        z.writestr(f"{u}/data/{member}", payload)
    return path


@pytest.fixture()
def files(tmp_path):
    biom_path = tmp_path / "feature-table.biom"
    with biom.util.biom_open(str(biom_path), "w") as fh:
        biom.Table(COUNTS, FEATURES, SAMPLES).to_hdf5(fh, "qiime2")
    rel = COUNTS / COUNTS.sum(axis=0)
    rel_path = tmp_path / "rel.biom"
    with biom.util.biom_open(str(rel_path), "w") as fh:
        biom.Table(rel, FEATURES, SAMPLES).to_hdf5(fh, "qiime2")
    tax = "Feature ID\tTaxon\tConfidence\n" + "".join(f"{f}\t{t}\t0.98\n" for f, t in zip(FEATURES, TAXA))
    (tmp_path / "taxonomy.tsv").write_text(tax)
    (tmp_path / "tree.nwk").write_text(NEWICK)
    return {
        "biom": biom_path,
        "table": _artifact(tmp_path / "table.qza", "FeatureTable[Frequency]", "feature-table.biom",
                           biom_path.read_bytes()),
        "relative": _artifact(tmp_path / "rel-table.qza", "FeatureTable[RelativeFrequency]", "feature-table.biom",
                              rel_path.read_bytes()),
        "taxonomy": _artifact(tmp_path / "taxonomy.qza", "FeatureData[Taxonomy]", "taxonomy.tsv", tax.encode()),
        "tree": _artifact(tmp_path / "rooted-tree.qza", "Phylogeny[Rooted]", "tree.nwk", NEWICK.encode()),
        "taxonomy_tsv": tmp_path / "taxonomy.tsv",
        "tree_nwk": tmp_path / "tree.nwk",
    }


def _cli(*args):
    from gutskin.cli import app

    return runner.invoke(app, ["microbiome", *map(str, args)])


def test_feature_table_qza_equals_its_exported_biom(files):
    prof = read_profile(files["table"])
    assert prof.kind == "counts" and prof.sample_ids == SAMPLES
    assert prof.source == str(files["table"])
    exported = read_profile(files["biom"])
    assert np.array_equal(prof.matrix, exported.matrix)
    res = _cli("diversity", files["table"], "--tree", files["tree"], "--json")
    assert res.exit_code == 0, res.output
    ref = _cli("diversity", files["biom"], "--tree", files["tree_nwk"], "--json")
    got, want = json.loads(res.stdout)["samples"], json.loads(ref.stdout)["samples"]
    assert got == want
    assert got["baby1"]["chao1"] == 4  # F1 = 1: the bias-corrected term F1(F1 - 1)/(2(F2 + 1)) is 0
    assert got["baby1"]["faith_pd"] == pytest.approx(0.1 + 0.2 + 0.05 + 0.3 + 0.15 + 0.1)


def test_taxonomy_qza_names_the_features(files):
    assert read_taxonomy(files["taxonomy"]) == read_taxonomy(files["taxonomy_tsv"])
    res = _cli("report", files["table"], "--taxonomy", files["taxonomy"], "--sample", "baby1", "--age-group", "infant",
               "--method", "16S", "--json")
    assert res.exit_code == 0, res.output
    taxa = {t["taxon"]: t for t in json.loads(res.stdout)["taxa"]}
    assert taxa["Bifidobacterium"]["status"] == "found"
    assert taxa["Bifidobacterium"]["relative_abundance"] == pytest.approx(900 / 1203)
    assert taxa["Bacteroides fragilis"]["status"] == "found"


def test_relative_frequency_artifact_is_relative(files):
    prof = read_profile(files["relative"])
    assert prof.kind == "relative"
    res = _cli("diversity", files["relative"], "--json")
    out = json.loads(res.stdout)
    assert out["samples"]["baby1"]["chao1"] is None and "chao1" in out["not_assessable"]
    counts = alpha_diversity(read_profile(files["table"]), ["shannon"]).values["shannon"]
    assert out["samples"]["baby1"]["shannon"] == pytest.approx(counts["baby1"], rel=1e-12)


def test_tree_qza(files):
    a, b = read_tree(str(files["tree"])), read_tree(str(files["tree_nwk"]))
    assert sorted(t.name for t in a.tips()) == sorted(t.name for t in b.tips())


def test_wrong_artifacts_are_named(files, tmp_path):
    res = _cli("diversity", files["taxonomy"], "--json")
    assert res.exit_code == 2
    assert "FeatureData[Taxonomy]" in res.stderr and "--taxonomy" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    with pytest.raises(MicrobiomeInputError, match=r"Phylogeny\[Rooted\].*expected a taxonomy"):
        read_taxonomy(files["tree"])
    dist = _artifact(tmp_path / "dm.qza", "DistanceMatrix", "distance-matrix.tsv", b"\tA\nA\t0\n")
    with pytest.raises(MicrobiomeInputError, match=r"type DistanceMatrix.*qiime tools export"):
        read_profile(dist)
    plain = tmp_path / "photos.qza"
    with zipfile.ZipFile(plain, "w") as z:
        z.writestr("a.txt", "hello")
    with pytest.raises(MicrobiomeInputError, match="not a QIIME 2 artifact"):
        read_profile(plain)


def test_payload_is_read_with_a_limit(files, tmp_path):
    from gutskin.microbiome.io import extract_qza

    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(MicrobiomeInputError, match="unpacks to more than"):
        extract_qza(files["table"], "table", str(out), max_bytes=1000)


def test_upload_takes_a_qza_and_a_taxonomy_qza(files):
    from gutskin.clinic.errors import InvalidInput
    from gutskin.clinic.microbiome import parse_upload

    parsed = parse_upload("table.qza", files["table"].read_bytes(), sample_id="baby2", method="16S",
                          age_group="infant", taxonomy=files["taxonomy"].read_bytes(),
                          taxonomy_filename="taxonomy.qza")
    taxa = {t["taxon"]: t for t in parsed.report["taxa"]}
    assert taxa["Escherichia"]["status"] == "found"
    assert taxa["Escherichia"]["relative_abundance"] == pytest.approx(700 / 1640)
    assert parsed.report["profile"]["source"] == "table.qza"
    with pytest.raises(InvalidInput) as err:
        parse_upload("taxonomy.qza", files["taxonomy"].read_bytes(), age_group="infant")
    assert "FeatureData[Taxonomy]" in str(err.value) and "/tmp" not in str(err.value)
