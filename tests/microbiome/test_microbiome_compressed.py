"""Compressed tables as pipelines hand them out (2026-12-07): ``feature-table.tsv.gz``, a Kraken 2
report ``.kreport.gz``, MetaPhlAn's ``merged_abundance_table.txt.bz2``, ``.xz``, and a ``.zip`` with
one table inside. Until then the upload and the CLI refused gzip and bzip2 with "decompress it
first" and called xz/zip something else. Now they are unpacked (streamed, capped at the plain
file's limit: the upload's size limit, 512 MB on the command line) and what comes out is read
exactly as the plain file: same diversity, same refusals with the same line numbers, named by the
compressed file. A bomb (a few MB unpacking to gigabytes of zeros) is refused with bounded memory;
a truncated archive, a zip of two files and a nested archive are named. Page, API and CLI alike;
nothing stored on a refusal (SQLite and PostgreSQL)."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import re
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import biom
import numpy as np
import pytest
from skbio.diversity import alpha_diversity as skbio_alpha
from sqlalchemy import func, select
from typer.testing import CliRunner

from gutskin.cli import app
from gutskin.clinic import microbiome as micro
from gutskin.clinic.errors import InvalidInput
from gutskin.microbiome import MicrobiomeInputError, read_profile
from gutskin.store.db import transaction
from gutskin.store.models import MicrobiomeSample
from tests.conftest import bearer
from tests.safety.test_attacks import login_page

runner = CliRunner()
REAL = Path(__file__).parent / "real_files"
KRAKEN = REAL / "kraken_report_dash_ranks_krepB.txt"

LINEAGES = ["k__Bacteria;p__Actinobacteria;c__Actinobacteria;o__Bifidobacteriales;f__Bifidobacteriaceae;g__Bifidobacterium",
            "k__Bacteria;p__Bacteroidetes;c__Bacteroidia;o__Bacteroidales;f__Bacteroidaceae;g__Bacteroides",
            "k__Bacteria;p__Firmicutes;c__Clostridia;o__Clostridiales;f__Lachnospiraceae;g__Blautia",
            "k__Bacteria;p__Firmicutes;c__Clostridia;o__Clostridiales;f__Ruminococcaceae;g__Faecalibacterium",
            "k__Bacteria;p__Proteobacteria;c__Gammaproteobacteria;o__Enterobacteriales;f__Enterobacteriaceae;g__Escherichia"]
COUNTS = np.array([[120, 3, 40], [300, 80, 0], [7, 250, 61], [0, 19, 300], [55, 1, 9]])  # features × samples
SAMPLES = ["S1", "S2", "S3"]


def _tsv() -> bytes:
    rows = ["#OTU ID\t" + "\t".join(SAMPLES)]
    rows += [lin + "\t" + "\t".join(str(v) for v in row) for lin, row in zip(LINEAGES, COUNTS)]
    return ("\n".join(rows) + "\n").encode()


def _zip(member: str, payload: bytes, *extra: tuple[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(member, payload)
        for name, data in extra:
            z.writestr(name, data)
    return buf.getvalue()


PACK = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress,
        "zip": lambda data: _zip("results/feature-table.tsv", data)}


def _cli(*args):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["microbiome", *map(str, args)])


def _count(engine) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(MicrobiomeSample)) or 0


# ---------------------------------------------------------------------------------------------
# read as the plain file
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", list(PACK))
def test_each_compression_reads_as_the_plain_table(tmp_path, suffix: str) -> None:
    plain = tmp_path / "feature-table.tsv"
    plain.write_bytes(_tsv())
    packed = tmp_path / (f"feature-table.tsv.{suffix}" if suffix != "zip" else "results.zip")
    packed.write_bytes(PACK[suffix](_tsv()))
    got, want = read_profile(packed), read_profile(plain)
    assert got.sample_ids == want.sample_ids == SAMPLES
    assert got.feature_ids == want.feature_ids
    assert np.array_equal(got.matrix, want.matrix)
    assert got.source == str(packed) and got.kind == "counts"
    res, ref = _cli("diversity", packed, "--json"), _cli("diversity", plain, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["samples"] == json.loads(ref.stdout)["samples"]
    shannon = skbio_alpha("shannon", COUNTS.T, ids=SAMPLES, base=np.e)  # independently, from the counts
    for sid in SAMPLES:
        assert json.loads(res.stdout)["samples"][sid]["shannon"] == pytest.approx(shannon[sid], rel=1e-12)


def test_kraken_report_gz_and_merged_metaphlan_bz2(tmp_path) -> None:
    kreport = tmp_path / "sampleB.kreport.gz"
    kreport.write_bytes(gzip.compress(KRAKEN.read_bytes()))
    plain = tmp_path / "sampleB.kreport"
    plain.write_bytes(KRAKEN.read_bytes())
    got, want = read_profile(kreport), read_profile(plain)
    assert got.sample_ids == want.sample_ids == ["sampleB"]  # named after the file, as the plain one
    assert np.array_equal(got.matrix, want.matrix)
    rep = _cli("report", kreport, "--age-group", "adult", "--json")
    ref = _cli("report", plain, "--age-group", "adult", "--json")
    assert rep.exit_code == 0, rep.output
    assert json.loads(rep.stdout)["diversity"] == json.loads(ref.stdout)["diversity"]
    merged = ("#mpa_v31_CHOCOPhlAn_201901\nclade_name\tA\tB\n"
              "k__Bacteria\t100.0\t100.0\n"
              "k__Bacteria|p__Firmicutes\t60.0\t30.0\n"
              "k__Bacteria|p__Firmicutes|c__Clostridia|o__Clostridiales|f__Lachnospiraceae|g__Blautia|s__Blautia_obeum\t60.0\t30.0\n"
              "k__Bacteria|p__Bacteroidetes\t40.0\t70.0\n"
              "k__Bacteria|p__Bacteroidetes|c__Bacteroidia|o__Bacteroidales|f__Bacteroidaceae|g__Bacteroides|"
              "s__Bacteroides_fragilis\t40.0\t70.0\n").encode()
    (tmp_path / "merged_abundance_table.txt").write_bytes(merged)
    (tmp_path / "merged_abundance_table.txt.bz2").write_bytes(bz2.compress(merged))
    a = read_profile(tmp_path / "merged_abundance_table.txt.bz2")
    b = read_profile(tmp_path / "merged_abundance_table.txt")
    assert a.kind == b.kind == "relative" and np.allclose(a.matrix, b.matrix) and a.feature_ids == b.feature_ids


def test_biom_hdf5_inside_gzip_and_inside_a_zip(tmp_path) -> None:
    path = tmp_path / "feature-table.biom"
    with biom.util.biom_open(str(path), "w") as fh:
        biom.Table(COUNTS.astype(float), [f"asv{i}" for i in range(len(COUNTS))], SAMPLES).to_hdf5(fh, "test")
    want = read_profile(path)
    for packed in (tmp_path / "feature-table.biom.gz", tmp_path / "table.zip"):
        packed.write_bytes(gzip.compress(path.read_bytes()) if packed.suffix == ".gz"
                           else _zip("feature-table.biom", path.read_bytes()))
        got = read_profile(packed)
        assert np.array_equal(got.matrix, want.matrix) and got.sample_ids == SAMPLES
        parsed = micro.parse_upload(packed.name, packed.read_bytes(), sample_id="S2")
        assert parsed.source_format == "biom" and parsed.filename == packed.name
        assert parsed.report["diversity"]["values"]["observed"] == 5


def test_error_lines_are_those_of_the_decompressed_table(tmp_path) -> None:
    bad = _tsv().replace(b"\t250\t", b"\t2x0\t")  # line 4 (Blautia), column 3 (S2)
    (tmp_path / "plain.tsv").write_bytes(bad)
    with pytest.raises(MicrobiomeInputError) as plain:
        read_profile(tmp_path / "plain.tsv")
    where = re.search(r"line \d+, column \d+", str(plain.value)).group(0)
    assert where == "line 4, column 3"
    for suffix, pack in PACK.items():
        f = tmp_path / f"bad.tsv.{suffix}"
        f.write_bytes(pack(bad))
        with pytest.raises(MicrobiomeInputError, match=re.escape(str(f)) + r".*: line 4, column 3: non-numeric "
                                                       r"value '2x0'"):
            read_profile(f)
        with pytest.raises(InvalidInput, match=rf"file: bad\.tsv\.{suffix}.*line 4, column 3: non-numeric"):
            micro.parse_upload(f.name, f.read_bytes())


def test_a_character_cut_at_a_chunk_edge_is_read(tmp_path) -> None:
    """'ë' straddles the 1 MiB decompression chunk, and byte 4,096 (the upload's text check)."""
    head = "#OTU ID\tZoë\n"
    rows, n = [], 0
    body = head
    for edge in (4096, 1 << 20):
        while len(body.encode()) < edge - 300:
            rows.append(f"{LINEAGES[n % 5]};s__sp{n}\t{n % 9 + 1}\n")
            body += rows[-1]
            n += 1
        stem = f"{LINEAGES[0]};s__"
        pad = edge - 1 - len(body.encode()) - len(stem)
        rows.append(stem + "x" * pad + "ë\t4\n")
        body += rows[-1]
        assert body.encode()[edge - 1:edge + 1] == "ë".encode()
    data = body.encode()
    f = tmp_path / "zoe.tsv.gz"
    f.write_bytes(gzip.compress(data))
    prof = read_profile(f)
    assert prof.sample_ids == ["Zoë"] and len(prof.feature_ids) == len(rows)
    parsed = micro.parse_upload(f.name, f.read_bytes())
    assert parsed.sample_id == "Zoë"
    assert parsed.report["diversity"]["values"]["observed"] == len(rows)


# ---------------------------------------------------------------------------------------------
# refusals: bomb, truncated, several files, nested
# ---------------------------------------------------------------------------------------------
def _bomb(kind: str) -> bytes:
    """A few MB that unpack to gigabytes of zeros, built from a stream of zeros (gzip, bzip2 and xz
    read concatenated members as one stream: 160 members of 64 MiB = 10 GiB; a zip member of 1 GiB)."""
    zeros = bytes(64 << 20)
    if kind == "gz":
        return gzip.compress(zeros, compresslevel=9) * 160
    if kind == "bz2":
        return bz2.compress(zeros) * 160
    if kind == "xz":
        return lzma.compress(zeros) * 160
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compresslevel=1) as z:
        info = zipfile.ZipInfo("feature-table.tsv")
        info.compress_type = zipfile.ZIP_DEFLATED
        chunk = bytes(1 << 20)
        with z.open(info, "w", force_zip64=True) as fh:
            for _ in range(1024):
                fh.write(chunk)
    return buf.getvalue()


@pytest.mark.parametrize("kind", ["gz", "bz2", "xz", "zip"])
def test_a_bomb_is_refused_with_bounded_memory(tmp_path, kind: str) -> None:
    data = _bomb(kind)
    assert len(data) < 12 * 1024 * 1024
    name = f"feature-table.tsv.{kind}" if kind != "zip" else "feature-table.zip"
    tracemalloc.start()
    try:
        with pytest.raises(InvalidInput, match=rf"file: {re.escape(name)}.*unpacks to more than 20 MB, the largest "
                                               r"table accepted; refused"):
            micro.parse_upload(name, data)  # the upload's default limit, 20 MB
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # chunks of 1 MiB (and xz's 8 MiB dictionary), never the 20 MB, let alone the gigabytes
    assert peak < 16 * 1024 * 1024, peak
    f = tmp_path / name
    f.write_bytes(data)
    with pytest.raises(MicrobiomeInputError, match=r"unpacks to more than 2 MB"):
        read_profile(f, max_unpacked_bytes=2 * 1024 * 1024)


def _truncated() -> bytes:
    return gzip.compress(_tsv() * 50)[:-40]


def _two_members() -> bytes:
    return _zip("S1.tsv", _tsv(), ("S2.tsv", _tsv()))


def _nested() -> bytes:
    return _zip("feature-table.tsv.gz", gzip.compress(_tsv()))


REFUSED = [
    ("feature-table.tsv.gz", _truncated(), r"a gzip-compressed file that is truncated"),
    ("tables.zip", _two_members(), r"a zip archive holding 2 files \('S1\.tsv', 'S2\.tsv'\); gutskin reads a zip "
                                   r"with one table in it"),
    ("tables.zip", _nested(), r"a zip archive holding another archive \(feature-table\.tsv\.gz\): a nested archive"),
    ("feature-table.tsv.gz.gz", gzip.compress(gzip.compress(_tsv())), r"a gzip-compressed file holding another "
                                                                       r"archive \(gzip-compressed file\)"),
    ("feature-table.tsv.bz2", bz2.compress(_tsv())[:-10], r"a bzip2-compressed file that is (truncated|corrupt)"),
    ("feature-table.tsv.xz", lzma.compress(_tsv())[:30] + b"\x00" * 40, r"an xz-compressed file that is (truncated|"
                                                                        r"corrupt)"),
]


@pytest.mark.parametrize(("name", "data", "words"), REFUSED,
                         ids=["truncated gz", "zip of two", "nested zip", "gz in gz", "truncated bz2", "corrupt xz"])
def test_refusals_name_what_is_wrong_in_cli_and_upload(engine, people, tmp_path, name: str, data: bytes,  # type: ignore[no-untyped-def]
                                                       words: str) -> None:
    f = tmp_path / name
    f.write_bytes(data)
    res = _cli("diversity", f, "--json")
    assert res.exit_code == 2 and res.stdout == ""
    assert re.search(re.escape(name) + ": " + words, res.stderr), res.stderr
    with pytest.raises(InvalidInput, match=rf"file: {re.escape(name)}: {words}"), transaction(engine) as s:
        micro.upload_sample(s, people.owner, people.owner_pid, name, data, method="16S")
    assert _count(engine) == 0


# ---------------------------------------------------------------------------------------------
# the page and the API store the same sample as for the plain file
# ---------------------------------------------------------------------------------------------
def test_page_and_api_store_a_compressed_upload_as_the_plain_one(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    headers = bearer(client, "owner@example.org")
    plain = client.post("/api/v1/me/microbiome", headers=headers, data={"sample_id": "S1", "method": "16S"},
                        files={"file": ("feature-table.tsv", _tsv(), "text/tab-separated-values")})
    assert plain.status_code == 201, plain.text
    api = client.post("/api/v1/me/microbiome", headers=headers, data={"sample_id": "S1", "method": "16S"},
                      files={"file": ("feature-table.tsv.gz", gzip.compress(_tsv()), "application/gzip")})
    assert api.status_code == 201, api.text
    assert api.json()["filename"] == "feature-table.tsv.gz"
    assert api.json()["report"]["diversity"]["values"] == plain.json()["report"]["diversity"]["values"]
    bomb = client.post("/api/v1/me/microbiome", headers=headers, data={"method": "16S"},
                       files={"file": ("feature-table.tsv.gz", _bomb("gz"), "application/gzip")})
    assert bomb.status_code == 422 and "unpacks to more than 20 MB" in bomb.text, bomb.text
    login_page(client, "owner@example.org")
    page = client.get("/microbiome")
    assert ".gz" in re.search(r'name="file" accept="([^"]*)"', page.text).group(1)  # the file picker offers them
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/microbiome", data={"csrf_token": token, "method": "16S", "sample_id": "S2"},
                    files={"file": ("results.zip", PACK["zip"](_tsv()), "application/zip")}, follow_redirects=False)
    assert r.status_code == 303, r.text[-1500:]
    r = client.post("/microbiome", data={"csrf_token": token, "method": "16S"},
                    files={"file": ("tables.zip", _two_members(), "application/zip")})
    assert r.status_code == 422 and "holding 2 files" in r.text
    with transaction(engine) as s:
        rows = s.scalars(select(MicrobiomeSample).order_by(MicrobiomeSample.id)).all()
        assert [(r.filename, r.sample_id) for r in rows] == [("feature-table.tsv", "S1"), ("feature-table.tsv.gz", "S1"),
                                                             ("results.zip", "S2")]
        assert rows[0].diversity["diversity"]["values"] == rows[1].diversity["diversity"]["values"]
    shannon = skbio_alpha("shannon", COUNTS.T, ids=SAMPLES, base=np.e)
    assert rows[2].diversity["diversity"]["values"]["shannon"] == pytest.approx(shannon["S2"], rel=1e-12)


def test_a_qza_is_still_read_as_an_artifact_and_a_plain_zip_of_one_biom_too(tmp_path) -> None:
    """A .qza (a zip with <uuid>/metadata.yaml) keeps its own reader (type checks, relative
    frequencies); a zip of anything else is one file unpacked."""
    from tests.microbiome.test_microbiome_qza import _artifact

    path = tmp_path / "feature-table.biom"
    with biom.util.biom_open(str(path), "w") as fh:
        biom.Table(COUNTS.astype(float), [f"asv{i}" for i in range(len(COUNTS))], SAMPLES).to_hdf5(fh, "test")
    qza = _artifact(tmp_path / "table.qza", "FeatureTable[Frequency]", "feature-table.biom", path.read_bytes())
    prof = read_profile(qza)
    assert any("QIIME 2 artifact" in n for n in prof.notes)
    assert np.array_equal(prof.matrix, read_profile(path).matrix)
    renamed = tmp_path / "table.zip"  # the same artifact under a .zip name: still the artifact
    renamed.write_bytes(qza.read_bytes())
    assert any("QIIME 2 artifact" in n for n in read_profile(renamed).notes)
    for name in ("table.qza", "table.zip"):  # the upload too (a renamed artifact was 'not a UTF-8 text table')
        parsed = micro.parse_upload(name, qza.read_bytes(), sample_id="S3")
        assert parsed.report["diversity"]["values"]["observed"] == 4


def test_cohort_reads_the_sample_metadata_of_a_compressed_biom(tmp_path) -> None:
    """``cohort`` without --metadata takes the BIOM's own sample metadata; of a table.biom.gz it said
    "carries no sample metadata" once the table itself was read."""
    from gutskin.microbiome.cohort import biom_sample_metadata
    from tests.microbiome.test_microbiome_researcher_files import _biom

    plain = _biom(tmp_path / "table.biom", hdf5=True)
    packed = tmp_path / "table.biom.gz"
    packed.write_bytes(gzip.compress(Path(plain).read_bytes()))
    md = biom_sample_metadata(packed)
    assert md is not None and md.equals(biom_sample_metadata(plain))
    res = _cli("cohort", packed, "--outcome", "SCORAD", "--no-ancombc", "--permutations", "9", "--json")
    ref = _cli("cohort", plain, "--outcome", "SCORAD", "--no-ancombc", "--permutations", "9", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == json.loads(ref.stdout)


def test_a_macos_zip_and_a_tar_gz(tmp_path) -> None:
    """macOS's Compress adds __MACOSX/._<name> (and .DS_Store): the zip still holds one table. A
    .tar.gz is named with its files; its tar was read as a text table ('feature '\\x00\\x00…' has a
    missing value', the message thousands of NULs long)."""
    import tarfile

    mac = tmp_path / "feature-table.zip"
    mac.write_bytes(_zip("feature-table.tsv", _tsv(), ("__MACOSX/._feature-table.tsv", b"\x00\x05\x16\x07junk"),
                         (".DS_Store", b"\x00\x00\x00\x01Bud1")))
    assert np.array_equal(read_profile(mac).matrix, read_profile(_plain(tmp_path)).matrix)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for name in ("results/feature-table.tsv", "results/taxonomy.tsv"):
            info = tarfile.TarInfo(name)
            info.size = len(_tsv())
            tf.addfile(info, io.BytesIO(_tsv()))
    tgz = tmp_path / "results.tar.gz"
    tgz.write_bytes(gzip.compress(buf.getvalue()))
    words = (r"results\.tar\.gz: a tar archive \(\.tar\.gz\) holding 2 file\(s\) \('results/feature-table\.tsv', "
             r"'results/taxonomy\.tsv'\): gutskin does not read tar archives; unpack it \(tar -xf\)")
    with pytest.raises(MicrobiomeInputError, match=words):
        read_profile(tgz)
    with pytest.raises(InvalidInput, match="file: " + words):
        micro.parse_upload(tgz.name, tgz.read_bytes())


def _plain(tmp_path) -> Path:  # type: ignore[no-untyped-def]
    f = tmp_path / "plain-feature-table.tsv"
    f.write_bytes(_tsv())
    return f


HASHES = ["3b1c0a8f2d9e4c7b8a6f5e4d3c2b1a09", "7f6e5d4c3b2a19087f6e5d4c3b2a1908", "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5",
          "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"]


def _hash_table() -> bytes:
    rows = ["#OTU ID\t" + "\t".join(SAMPLES)]
    rows += [h + "\t" + "\t".join(str(v) for v in row) for h, row in zip(HASHES, COUNTS)]
    return ("\n".join(rows) + "\n").encode()


def _taxonomy() -> bytes:
    return ("Feature ID\tTaxon\tConfidence\n" + "".join(f"{h}\t{lin.replace(';', '; ')}\t0.99\n"
                                                       for h, lin in zip(HASHES, LINEAGES))).encode()


def test_a_compressed_taxonomy_and_tree(engine, people, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """taxonomy.tsv.gz (CLI --taxonomy and the upload's taxonomy file) and tree.nwk.gz (--tree) are read
    as the plain files; they were 'a gzip-compressed file, not a text table: decompress it first'
    (CLI) and 'taxonomy: not a UTF-8 text table' (upload)."""
    table = tmp_path / "feature-table.tsv"
    table.write_bytes(_hash_table())
    (tmp_path / "taxonomy.tsv").write_bytes(_taxonomy())
    (tmp_path / "taxonomy.tsv.gz").write_bytes(gzip.compress(_taxonomy()))
    newick = f"((({HASHES[0]}:0.1,{HASHES[1]}:0.2):0.05,{HASHES[2]}:0.3):0.1,({HASHES[3]}:0.15,{HASHES[4]}:0.25):0.2)root;\n"
    (tmp_path / "tree.nwk").write_text(newick)
    (tmp_path / "tree.nwk.xz").write_bytes(lzma.compress(newick.encode()))
    got = _cli("report", table, "--sample", "S1", "--age-group", "infant", "--taxonomy", tmp_path / "taxonomy.tsv.gz",
               "--tree", tmp_path / "tree.nwk.xz", "--json")
    want = _cli("report", table, "--sample", "S1", "--age-group", "infant", "--taxonomy", tmp_path / "taxonomy.tsv",
                "--tree", tmp_path / "tree.nwk", "--json")
    assert got.exit_code == 0, got.output
    g, w = json.loads(got.stdout), json.loads(want.stdout)
    assert g["diversity"] == w["diversity"] and g["taxa"] == w["taxa"]
    # S1 lacks the fourth feature (count 0): every branch but its 0.15
    assert g["diversity"]["values"]["faith_pd"] == pytest.approx(0.1 + 0.2 + 0.05 + 0.3 + 0.1 + 0.25 + 0.2)
    assert {t["taxon"]: t["status"] for t in g["taxa"]}["Bifidobacterium"] == "found"  # named by the taxonomy
    # the upload: a plain table with a compressed taxonomy (zipped too), stored as with the plain one
    with transaction(engine) as s:
        plain = micro.upload_sample(s, people.owner, people.owner_pid, "feature-table.tsv", _hash_table(),
                                    sample_id="S1", taxonomy=_taxonomy(), taxonomy_filename="taxonomy.tsv")
    for name, data in (("taxonomy.tsv.gz", gzip.compress(_taxonomy())), ("taxonomy.zip", _zip("taxonomy.tsv", _taxonomy()))):
        with transaction(engine) as s:
            out = micro.upload_sample(s, people.owner, people.owner_pid, "feature-table.tsv", _hash_table(),
                                      sample_id="S1", taxonomy=data, taxonomy_filename=name, method="16S")
        assert out["report"]["taxa"] == plain["report"]["taxa"]
        assert out["report"]["diversity"] == plain["report"]["diversity"]
    bad = _taxonomy().replace(HASHES[4].encode(), b"0000")  # one feature missing from the taxonomy: named, by the .gz
    with pytest.raises(InvalidInput, match=r"^taxonomy: taxonomy\.tsv\.gz: 1 of the 5 feature IDs"), \
            transaction(engine) as s:
        micro.upload_sample(s, people.owner, people.owner_pid, "feature-table.tsv", _hash_table(), sample_id="S1",
                            taxonomy=gzip.compress(bad), taxonomy_filename="taxonomy.tsv.gz")
    with pytest.raises(InvalidInput, match=r"^taxonomy: taxonomy\.tsv\.gz: a gzip-compressed file that unpacks to "
                                           r"more than 1 MB"), transaction(engine) as s:
        micro.upload_sample(s, people.owner, people.owner_pid, "feature-table.tsv", _hash_table(), sample_id="S1",
                            taxonomy=gzip.compress(_taxonomy() + b"\n" * (2 << 20)), taxonomy_filename="taxonomy.tsv.gz",
                            max_bytes=1 << 20)
    assert _count(engine) == 2  # the plain one, and the 16S one (the zip's upload is the same sample again)


@pytest.mark.slow
def test_the_cli_refuses_a_bomb_at_512_mb_with_bounded_memory(tmp_path) -> None:
    """The command line's cap (io.UNPACKED_MAX, as a .qza's taxonomy or tree): 10 GiB of zeros in 10 MB
    are refused after 512 MB are written to a private temporary folder (about 3 s here), one line on
    stderr, exit 2, the memory peak a few MB."""
    f = tmp_path / "feature-table.tsv.gz"
    f.write_bytes(_bomb("gz"))
    tracemalloc.start()
    try:
        res = _cli("diversity", f, "--json")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert res.exit_code == 2 and res.stdout == ""
    assert res.stderr.strip() == (f"error: {f}: a gzip-compressed file that unpacks to more than 512 MB, the largest "
                                  "table accepted; refused (a file this compressible is more likely an archive bomb "
                                  "than a profile)")
    assert peak < 16 * 1024 * 1024, peak
