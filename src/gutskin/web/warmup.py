"""Start-up warming (``GUTSKIN_WARM_UP``, turned on by ``gutskin serve``): the libraries the heaviest
first requests load are loaded in a background thread while the server already answers.

On a freshly started server the first visit report PDF loaded WeasyPrint, matplotlib and their fonts
(1.3 s of CPU more than the next report), and the first microbiome upload scikit-bio, biom-format,
h5py and numba (1.2 s of CPU, ~4 s on the loaded 2-core machine, against 0.04 s for the next one):
the first clinician or patient of the day waited for them (``bench.visit_report``, 2026-12-07). The
thread does that work once, on made-up data (no database, nobody's record), then freezes what it
loaded out of the cyclic garbage collector's reach as the serving app's start-up does
(``gutskin.web._serving_lifespan``). Tests build the app without it (``create_app``; the setting is
off by default), so the suite does not pay for it.
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
import time

log = logging.getLogger("gutskin.web")

MODULES = ("weasyprint", "matplotlib.figure", "matplotlib.backends.backend_svg", "skbio", "skbio.diversity",
           "biom", "h5py", "gutskin.microbiome", "gutskin.insights")
"""What a first report, forecast or microbiome upload imports, imported up front (a ``.biom`` upload
reads biom-format and h5py, which a CSV upload does not need)."""


def warm_microbiome() -> None:
    """Read and report the demo clinic's genus table as an upload is (``parse_upload``: no database)."""
    from importlib.resources import files

    from gutskin.clinic.demo import STOOL_FILE
    from gutskin.clinic.microbiome import parse_upload

    parse_upload("warm-up.csv", files("gutskin.clinic").joinpath(STOOL_FILE).read_bytes(), method="16S")


def warm_insights() -> None:
    """Triggers and forecast of an invented 8-week diary (``gutskin.insights.patient_insights``, as a
    report's or the insights page's first computation runs it): numba's compiled kernels are loaded
    from its cache (or compiled, on a new machine) here rather than in the first patient's request."""
    import numpy as np
    import pandas as pd

    from gutskin.insights import patient_insights

    days = 56
    dairy = (np.arange(days) % 3 == 0).astype(float)
    itch = np.clip(3 + 3 * np.roll(dairy, 1) + (np.arange(days) % 4) - 1.5, 0, 10).round()
    frame = pd.DataFrame({
        "patient": "warm-up", "date": pd.date_range("2026-01-05", periods=days, freq="D"), "itch": itch,
        "sleep_loss": np.clip(itch - 2, 0, 10), "poscorad": np.nan, "poem": np.nan, "flare": (itch >= 7).astype(float),
        "food.dairy": dairy, "treat.emollient": (np.arange(days) % 2).astype(float)})
    patient_insights(frame, "warm-up", horizon=7)


def warm_up() -> float:
    """Import :data:`MODULES`, parse one microbiome table, compute one invented diary's insights, render
    one small visit report; the seconds taken."""
    import importlib

    from gutskin.interop.report import warm_up as warm_report

    started = time.perf_counter()
    for name in MODULES:
        importlib.import_module(name)
    warm_microbiome()
    warm_insights()
    warm_report()
    return time.perf_counter() - started


def _run(done: threading.Event) -> None:
    try:
        seconds = warm_up()
    except Exception:  # noqa: BLE001 - a failed warm-up costs the first request its time, nothing else
        log.warning("start-up warm-up failed; the first visit report or microbiome upload loads its libraries itself",
                    exc_info=True)
    else:
        gc.collect()
        gc.freeze()  # the loaded libraries' objects, as _serving_lifespan froze the app's own
        # one line on the server's output, as "serving on ..." (the log shows warnings only)
        print(f"loaded the visit report and microbiome libraries in {seconds:.1f} s", file=sys.stdout, flush=True)
    finally:
        done.set()


def start() -> threading.Event:
    """Start the warm-up thread (a daemon: it never holds up a shutdown); the event is set when it ends."""
    done = threading.Event()
    threading.Thread(target=_run, args=(done,), name="gutskin-warm-up", daemon=True).start()
    return done
