"""The upload's type check (clinic.microbiome._check_type) on real-shaped files (H2 walk, 2026-12-07).

* It decoded the first 4,096 bytes as UTF-8 in one piece, so a valid UTF-8 table whose 4,096th
  byte was the first half of a two-byte character ('ë' of a sample or genus name) was refused as
  "not a text table, JSON BIOM or HDF5 BIOM file", while the command line read the same file.
* (Until 2026-12-07 a gzip or bzip2 export was refused with "decompress it first"; it is read now.)
  A UTF-16 "Unicode text" or a Windows-1252 CSV got that same one line, which names neither the
  cause nor the cure; the command line's reader says which ("decompress it first", "save it as
  CSV UTF-8", the line and byte). The upload now says what the reader says, naming the file.

Nothing is stored on a refusal; the straddling file is stored (SQLite and PostgreSQL).
"""

from __future__ import annotations

import bz2
import gzip

import numpy as np
import pytest
from skbio.diversity import alpha_diversity
from sqlalchemy import func, select

from gutskin.clinic import microbiome as micro
from gutskin.clinic.errors import InvalidInput
from gutskin.store.db import transaction
from gutskin.store.models import MicrobiomeSample


def _count(engine) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(MicrobiomeSample)) or 0


def _straddling_table() -> tuple[bytes, list[int]]:
    """A QIIME 2 style TSV (lineages as row labels) whose byte 4,095 (0-based) starts 'ë'."""
    body = "# Constructed from biom file\n#OTU ID\tZoë\n"
    counts: list[int] = []
    i = 0
    while len(body.encode()) < 3900:
        counts.append(i % 7 + 1)
        body += (f"k__Bacteria;p__Firmicutes;c__Clostridia;o__Clostridiales;f__Lachnospiraceae;"
                 f"g__Blautia;s__sp{i}\t{counts[-1]}\n")
        i += 1
    stem = "k__Bacteria;p__Actinobacteria;c__Actinobacteria;o__Bifidobacteriales;f__Bifidobacteriaceae;g__Bifidobacterium;s__"
    pad = 4095 - len(body.encode()) - len(stem)
    assert pad > 0
    body += stem + "x" * pad + "ë\t9\n"
    counts.append(9)
    data = body.encode("utf-8")
    assert data[4095:4097] == "ë".encode()  # the character straddles the 4,096-byte boundary
    return data, counts


def test_a_character_cut_at_byte_4096_is_not_a_refusal() -> None:
    data, counts = _straddling_table()
    parsed = micro.parse_upload("zoe_feature-table.tsv", data, method="16S", age_group="infant")
    assert parsed.sample_id == "Zoë"
    values = parsed.report["diversity"]["values"]
    x = np.array([counts])
    assert values["observed"] == alpha_diversity("observed_features", x).iloc[0]
    assert values["shannon"] == pytest.approx(alpha_diversity("shannon", x, base=np.e).iloc[0], rel=1e-12)
    assert values["simpson"] == pytest.approx(alpha_diversity("simpson", x).iloc[0], rel=1e-12)
    bifido = next(t for t in parsed.report["taxa"] if t["id"] == "bifidobacterium")
    assert bifido["status"] == "found"
    assert bifido["relative_abundance"] == pytest.approx(9 / sum(counts))


def test_the_straddling_file_is_stored(engine, people) -> None:  # type: ignore[no-untyped-def]
    data, _ = _straddling_table()
    with transaction(engine) as s:
        out = micro.upload_sample(s, people.owner, people.owner_pid, "zoe_feature-table.tsv", data, method="16S")
    assert out["sample_id"] == "Zoë"
    assert _count(engine) == 1


def _profile() -> bytes:
    return ("#OTU ID\tS1\tS2\n"
            "k__Bacteria;p__Actinobacteria;c__Actinobacteria;o__Bifidobacteriales;f__Bifidobacteriaceae;"
            "g__Bifidobacterium\t12\t3\n"
            "d__Bacteria;p__Firmicutes_A;c__Clostridia;o__Oscillospirales;f__Ruminococcaceae;"
            "g__Faecalibacterium\t5\t8\n").encode()


@pytest.mark.parametrize(("name", "data", "words"), [
    # compressed uploads are read since 2026-12-07 (tests/microbiome/test_microbiome_compressed.py); what is
    # inside gets the plain file's checks, named by the compressed file
    ("table.biom", gzip.compress(b'{"id": "x", "format": "Biological Observation Matrix 1.0.0"}'),
     r"file: table\.biom: not a readable BIOM table"),
    ("profile.txt.bz2", bz2.compress("#OTU ID\tS1\nasv1\t3\n".encode("utf-16")),
     r"file: profile\.txt\.bz2: not a UTF-8 text table: this file is UTF-16"),
    ("table.tsv", "#OTU ID\tS1\nasv1\t3\n".encode("utf-16"), r"file: table\.tsv: not a UTF-8 text table: this "
                                                             r"file is UTF-16"),
    ("excel.csv", b"#OTU ID,S1\nasv1,3\n" + "Zoë,4\n".encode("cp1252"),
     r"file: excel\.csv: line 3: not a UTF-8 text table \(byte 0xeb, .*save it as \"CSV UTF-8\""),
], ids=["biom gzip", "utf-16 in bzip2", "utf-16", "windows-1252"])
def test_compressed_and_non_utf8_uploads_say_what_to_do(engine, people, name: str, data: bytes,  # type: ignore[no-untyped-def]
                                                        words: str) -> None:
    with pytest.raises(InvalidInput, match=words), transaction(engine) as s:
        micro.upload_sample(s, people.owner, people.owner_pid, name, data, method="16S")
    assert _count(engine) == 0


def test_a_table_whose_first_cell_starts_with_bzh_is_not_taken_for_bzip2() -> None:
    """Only bzip2's real magic (BZh, a block size digit, a block or end-of-stream marker) is refused."""
    parsed = micro.parse_upload("bzh.tsv", b"BZh9 feature\tS1\nasv1\t4\nasv2\t5\n")
    assert parsed.sample_id == "S1"
    assert parsed.report["diversity"]["values"]["observed"] == 2
