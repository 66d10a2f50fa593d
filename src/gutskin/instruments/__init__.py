"""gutskin.instruments: pure, validated clinical scores (see docs/instruments.md).

Every scoring function validates its input (``ValueError`` naming the field), documents its
formula, source and edge cases, and returns a small frozen result dataclass with ``total``,
``band`` and ``version`` (``total is None`` means *not scored*, never 0).
:data:`INSTRUMENTS` maps the CLI/API names to functions scoring a JSON-able payload, and
:func:`score` returns the dict that ``gutskin score`` prints.
"""

from ._common import InstrumentInputError, ScoreResult
from .adct import AdctResult, adct, adct_change
from .bristol import BristolResult, bristol
from .cdlqi import cdlqi
from .dlqi import DlqiResult, dlqi
from .easi import EasiResult, area_score, easi
from .easi import percent_improvement as easi_percent_improvement
from .gsrs import GsrsResult, gsrs
from .nrs import NrsResult, nrs, nrs_responder
from .poem import PoemResult, poem
from .recap import RecapResult, recap
from .registry import INSTRUMENTS, score, score_result
from .scorad import ScoradResult, poscorad, scorad, scorad_extent

__all__ = [
    "INSTRUMENTS",
    "AdctResult",
    "BristolResult",
    "DlqiResult",
    "EasiResult",
    "GsrsResult",
    "InstrumentInputError",
    "NrsResult",
    "PoemResult",
    "RecapResult",
    "ScoradResult",
    "ScoreResult",
    "adct",
    "adct_change",
    "area_score",
    "bristol",
    "cdlqi",
    "dlqi",
    "easi",
    "easi_percent_improvement",
    "gsrs",
    "nrs",
    "nrs_responder",
    "poem",
    "poscorad",
    "recap",
    "scorad",
    "scorad_extent",
    "score",
    "score_result",
]
