"""One code path for the CLI and the web app: instrument name -> scoring from a JSON payload."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._common import InstrumentInputError, ScoreResult
from .adct import from_payload as _adct
from .bristol import from_payload as _bristol
from .cdlqi import from_payload as _cdlqi
from .dlqi import from_payload as _dlqi
from .easi import from_payload as _easi
from .gsrs import from_payload as _gsrs
from .nrs import from_payload as _nrs
from .poem import from_payload as _poem
from .recap import from_payload as _recap
from .scorad import from_payload as _scorad
from .scorad import po_from_payload as _poscorad

# Note: the package re-exports the scoring *functions* under the module names (e.g.
# ``gutskin.instruments.poem`` is the function); import module contents explicitly, as here.

#: CLI/API name -> function scoring a JSON-able payload into a result dataclass.
INSTRUMENTS: dict[str, Callable[[Mapping[str, Any]], ScoreResult]] = {
    "adct": _adct,
    "bristol": _bristol,
    "cdlqi": _cdlqi,
    "dlqi": _dlqi,
    "easi": _easi,
    "gsrs": _gsrs,
    "nrs": _nrs,
    "poem": _poem,
    "poscorad": _poscorad,
    "recap": _recap,
    "scorad": _scorad,
}


#: the highest total of each scored instrument, for "18.1 of 72" where a score is shown without its
#: scale (the visit PDF, 2026-12-07). Sources: each module's VERSION and docstring -- POEM and RECAP
#: 0-28 (Charman 2004; Howells 2020), EASI 0-72 (Hanifin 2001), SCORAD 0-103 and objective SCORAD
#: 0-83 (Kunz 1997), DLQI and CDLQI 0-30 (Finlay 1994; Lewis-Jones 1995), ADCT 0-24 (Pariser 2020).
SCALE_MAX: dict[str, int] = {"poem": 28, "recap": 28, "easi": 72, "scorad": 103, "objective_scorad": 83,
                             "dlqi": 30, "cdlqi": 30, "adct": 24}


def score_result(instrument: str, payload: Mapping[str, Any]) -> ScoreResult:
    """Score ``payload`` with the named instrument and return the result dataclass."""
    fn = INSTRUMENTS.get(instrument) if isinstance(instrument, str) else None
    if fn is None:
        raise InstrumentInputError(
            "instrument", f"unknown instrument {instrument!r}; expected one of {', '.join(INSTRUMENTS)}"
        )
    return fn(payload)


def score(instrument: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """Score ``payload`` and return the JSON-able dict the CLI prints.

    ``{"instrument", "total" (number or None), "band" (str or None), ...}`` plus the
    instrument-specific fields of the result. Raises ``ValueError`` (an
    :class:`InstrumentInputError` whose message starts with the field path) on bad input.

    >>> score("poem", {"answers": [1, 2, 0, 0, 1, 3, 4]})["total"]
    11
    """
    return score_result(instrument, payload).to_dict()
