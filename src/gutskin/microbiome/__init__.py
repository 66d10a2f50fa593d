"""gutskin.microbiome — microbiome profiles, diversity, reference ranges and eczema-linked taxa.

Pure science package (numpy, pandas, scikit-bio, biom-format); see docs/microbiome.md.

Main entry points:

* reading: :func:`read_profile` (sniffs BIOM / MetaPhlAn / TSV-CSV; ``kind=``, ``taxonomy=``),
  :func:`read_taxonomy` (QIIME 2 taxonomy.tsv), :func:`read_tree`
* diversity: :func:`alpha_diversity`, :func:`beta_diversity`, :func:`rarefy`
  (Shannon always in natural log, ``log_base == "e"``)
* reference ranges: :func:`percentile_of`, :func:`compare_to_reference`
* eczema-linked taxa: :func:`match_taxa`, :func:`load_knowledge_base`
* the patient report as plain data: :func:`sample_report`
* cohorts: :func:`cohort_analysis` and its parts in :mod:`gutskin.microbiome.cohort`
"""

from gutskin.microbiome.errors import MicrobiomeInputError, RelativeDataError
from gutskin.microbiome.profile import RANKS, Profile
from gutskin.microbiome.io import (apply_taxonomy, parse_lineage, read_biom, read_metaphlan, read_profile, read_table,
                                   read_taxonomy, read_tree)
from gutskin.microbiome.diversity import (ALPHA_METRICS, BETA_METRICS, LOG_BASE, AlphaDiversity, BetaDiversity,
                                          alpha_diversity, beta_diversity, rarefy)
from gutskin.microbiome.reference import (load_reference_ranges, percentile_from_grid, percentile_of,
                                          reference_for_age_group)
from gutskin.microbiome.taxa import load_knowledge_base, match_taxa
from gutskin.microbiome.report import compare_to_reference, sample_report


def cohort_analysis(*args, **kwargs):
    """See :func:`gutskin.microbiome.cohort.cohort_analysis` (imported lazily)."""
    from gutskin.microbiome.cohort import cohort_analysis as _impl

    return _impl(*args, **kwargs)


__all__ = [
    "ALPHA_METRICS", "apply_taxonomy", "read_taxonomy", "BETA_METRICS", "LOG_BASE", "RANKS", "AlphaDiversity", "BetaDiversity",
    "MicrobiomeInputError", "Profile", "RelativeDataError", "alpha_diversity", "beta_diversity",
    "cohort_analysis", "compare_to_reference", "load_knowledge_base", "load_reference_ranges",
    "match_taxa", "parse_lineage", "percentile_from_grid", "percentile_of", "rarefy", "read_biom",
    "read_metaphlan", "read_profile", "read_table", "read_tree", "reference_for_age_group", "sample_report",
]
